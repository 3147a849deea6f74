"""Forms of 智能分组: the run form (builds and validates the engine instance) and the
partner-finder weights."""

from __future__ import annotations

import math
import re
from typing import Any

from django import forms

from lianjian.core.forms import EdgeRules
from lianjian.grouping.model import InstanceError, Params
from lianjian.grouping.solve import default_time_limit
from lianjian.grouping.validate import parse_instance
from lianjian.orgs.models import Organisation
from lianjian.proposals.selectors import engine_org, missing_coordinates
from lianjian.proposals.services import Networks

MAX_TIME_LIMIT = 600.0


def screen_message(message: str) -> str:
    """An engine message as the form shows it: the engine names its JSON keys for the
    command line and files (``分组数 groups``, ``权重 geography（地域相邻）``); the form's
    fields have Chinese labels only."""
    message = re.sub(r"权重 [a-z_]+（(.+?)）", r"\1权重", message)
    return re.sub(r" ?\b[a-z]+(?:_[a-z]+)+\b ?| (?:groups|weights)\b ?", "", message)


def default_sizes(n: int, k: int) -> tuple[int, int]:
    """Size bounds around the mean group size: two below (at least 1), two above."""
    k = max(1, k)
    return max(1, n // k - 2), max(1, math.ceil(n / k) + 2)


class RunForm(EdgeRules, forms.Form):
    """Parameters of one run over ``orgs`` (already scoped by the view).

    ``clean`` builds the engine document and validates it with the engine's validator, so
    every refusal (impossible sizes, lead count ≠ K …) is the engine's own Chinese message;
    organisations without coordinates are listed by name instead of being dropped.
    """

    root = forms.ChoiceField(label="分组范围（党委/党总支）")
    include_partners = forms.BooleanField(label="包括外部单位党组织", required=False)
    groups = forms.IntegerField(label="分组数 K")
    min_size = forms.IntegerField(label="每组最少组织数")
    max_size = forms.IntegerField(label="每组最多组织数")
    w_profession = forms.FloatField(label="专业相近权重", initial=1.0)
    w_geography = forms.FloatField(label="地域相邻权重", initial=1.0)
    w_complementarity = forms.FloatField(label="优势互补权重", initial=1.0)
    geo_scale_km = forms.FloatField(label="地理尺度（公里）", initial=30.0)
    time_limit = forms.FloatField(
        label="计算时间上限（秒）", required=False, min_value=1.0, max_value=MAX_TIME_LIMIT
    )
    leads = forms.MultipleChoiceField(label="牵头组织", required=False)

    def __init__(
        self, *args: Any, roots: list[Organisation], orgs: list[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.orgs = orgs
        self.fields["root"].choices = [(o.code, o.name) for o in roots]
        self.fields["leads"].choices = [(o.code, o.name) for o in orgs]
        self.fields["time_limit"].help_text = f"留空按默认：{default_time_limit(len(orgs)):g} 秒"
        self.instance_doc: dict[str, Any] | None = None

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if self.errors:
            return data
        if not self.orgs:
            raise forms.ValidationError("所选范围内没有可参与分组的党支部")
        missing = missing_coordinates(self.orgs)
        if missing:
            names = "、".join(f"{o.name}（{o.code}）" for o in missing)
            raise forms.ValidationError(
                f"以下 {len(missing)} 个组织缺少经纬度坐标，无法参与分组：{names}。请先在组织信息中补充纬度和经度。"
            )
        leads = set(data.get("leads") or [])
        doc = {
            "params": {
                "groups": data["groups"],
                "min_size": data["min_size"],
                "max_size": data["max_size"],
                "weights": {
                    "profession": data["w_profession"],
                    "geography": data["w_geography"],
                    "complementarity": data["w_complementarity"],
                },
                "geo_scale_km": data["geo_scale_km"],
            },
            "orgs": [engine_org(o, lead=o.code in leads) for o in self.orgs],
        }
        try:
            parse_instance(doc)
        except InstanceError as exc:
            raise forms.ValidationError([screen_message(m) for m in exc.messages]) from None
        self.instance_doc = doc
        if data.get("time_limit") is None:
            data["time_limit"] = default_time_limit(len(self.orgs))
        return data

    def run_params(self) -> dict[str, Any]:
        """What the run records as its parameters (engine params plus the page's options)."""
        d = self.cleaned_data
        assert self.instance_doc is not None
        return {
            **self.instance_doc["params"],
            "include_partners": d["include_partners"],
            "leads": sorted(d.get("leads") or []),
            "time_limit": d["time_limit"],
            "seed": 0,
        }


class WeightsForm(EdgeRules, forms.Form):
    """Weights and scale for the partner finder (defaults those of grouping.md)."""

    w_profession = forms.FloatField(label="专业相近", initial=1.0, required=False, min_value=0)
    w_geography = forms.FloatField(label="地域相邻", initial=1.0, required=False, min_value=0)
    w_complementarity = forms.FloatField(label="优势互补", initial=1.0, required=False, min_value=0)
    geo_scale_km = forms.FloatField(
        label="地理尺度（公里）", initial=30.0, required=False, min_value=0.1
    )

    def params(self) -> Params:
        """The weights entered, falling back to the defaults for blank or invalid fields."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # fills cleaned_data with the fields that passed, whatever the others
            data = self.cleaned_data

        def pick(name: str, default: float) -> float:
            value = data.get(name)
            return default if value is None else float(value)

        return Params(
            groups=1,
            min_size=1,
            max_size=1,
            w_profession=pick("w_profession", 1.0),
            w_geography=pick("w_geography", 1.0),
            w_complementarity=pick("w_complementarity", 1.0),
            geo_scale_km=pick("geo_scale_km", 30.0),
        )


class AdoptForm(EdgeRules, forms.Form):
    """Adopting a proposal: what becomes of today's 联建网 of the organisations it groups."""

    networks = forms.ChoiceField(
        label="现有联建网的处理方式",
        choices=Networks.CHOICES,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": "请选择现有联建网的处理方式：保留、终止或替换",
            "invalid_choice": "现有联建网的处理方式只能是保留、终止或替换",
        },
    )
