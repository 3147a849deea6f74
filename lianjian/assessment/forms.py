"""Forms of the assessment screens. Organisations are typed by code, evaluators by username.

Forms only parse and check single fields; the services (``services.py``) own every rule
that spans rows (codes unique in a scheme, a rule's parameters complete, a score within
the indicator's maximum) and answer with Chinese ``ValidationError`` messages that the
views put back on the form.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from lianjian.accounts.models import User
from lianjian.assessment.entry import KpiEntry
from lianjian.assessment.models import (
    DEFAULT_PASS_LINE,
    DEFAULT_STARS,
    Dimension,
    Direction,
    Indicator,
    PeriodKind,
    Rule,
    Scheme,
    Source,
)
from lianjian.assessment.periods import parse_period
from lianjian.core.forms import EdgeRules
from lianjian.core.widgets import Picker
from lianjian.orgs.forms import OrgField, split_list
from lianjian.orgs.models import Organisation, OrgKind

MAX_SCHEME_FILE = 1024 * 1024
STAR_LEVELS = (5, 4, 3, 2, 1)


def clean_period(value: str, kind: str | None = None) -> str:
    """A period text in its canonical form; ``kind`` (``year`` …) if the scheme fixes one."""
    try:
        period = parse_period(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    if kind and period.kind != kind:
        raise ValidationError(
            f"本方案按{PeriodKind(kind).label}考核，期间应为{PeriodKind(kind).label}期间（如 {_example(kind)}）"
        )
    return period.text


def plain(value: Any) -> Any:
    """A stored number as a person typed it: 10, not 10.0 (floats come back from the database)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _example(kind: str) -> str:
    return {"year": "2026", "half": "2026H1", "quarter": "2026Q3", "month": "2026-07"}[kind]


class SchemeForm(EdgeRules, forms.Form):
    """A scheme's own fields; star bands as five thresholds (blank: that level is not awarded)."""

    code = forms.CharField(
        label="方案编码",
        max_length=32,
        help_text="如 2026-SWD，导入导出与命令行使用，保存后不可修改",
    )
    name = forms.CharField(label="方案名称", max_length=200)
    period = forms.CharField(
        label="考核期间",
        max_length=8,
        help_text="决定期间类型：2026（年度）、2026H1、2026Q3、2026-07",
    )
    owner = OrgField(
        label="制定单位",
        required=False,
        help_text="方案适用于该单位下级组织；管理员可留空（全平台）",
        widget=Picker("orgs.managed_internal"),
    )
    applies_kind = forms.ChoiceField(
        label="适用组织类型",
        required=False,
        choices=[("", "— 按下方组织清单 —"), *[(k, k) for k in OrgKind.values]],
        help_text="适用于制定单位下属的全部该类型组织；选“按下方组织清单”时填写适用组织编码",
    )
    applies_orgs = forms.CharField(
        label="适用组织",
        required=False,
        help_text="不按类型时选择，可选多个",
        widget=Picker("orgs.visible_internal", multiple=True),
    )
    star5 = forms.FloatField(label="五星最低分", required=False, min_value=0, max_value=1000)
    star4 = forms.FloatField(label="四星最低分", required=False, min_value=0, max_value=1000)
    star3 = forms.FloatField(label="三星最低分", required=False, min_value=0, max_value=1000)
    star2 = forms.FloatField(label="二星最低分", required=False, min_value=0, max_value=1000)
    star1 = forms.FloatField(label="一星最低分", required=False, min_value=0, max_value=1000)
    pass_line = forms.FloatField(
        label="合格线", min_value=0, max_value=1000, initial=DEFAULT_PASS_LINE
    )
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea)

    def __init__(
        self, *args: Any, user: Any, instance: Scheme | None = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        if "initial" not in kwargs:
            kwargs["initial"] = self._initial(instance, user)
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["owner"].queryset = Organisation.objects.manageable_by(user).filter(
            is_partner=False
        )
        if not user.is_admin:
            self.fields["owner"].required = True
            self.fields["owner"].help_text = "方案适用于该单位下级组织"
        if instance is not None:
            self.fields["code"].disabled = True

    @staticmethod
    def _initial(instance: Scheme | None, user: Any) -> dict[str, Any]:
        stars = {
            n: plain(low) for low, n in (instance.stars if instance is not None else DEFAULT_STARS)
        }
        initial: dict[str, Any] = {f"star{n}": stars.get(n) for n in STAR_LEVELS}
        if instance is None:
            initial.update(
                owner=user.org.code if user.org_id else "",
                applies_kind=OrgKind.BRANCH,
                pass_line=DEFAULT_PASS_LINE,
            )
            return initial
        initial.update(
            code=instance.code,
            name=instance.name,
            period=instance.period,
            owner=instance.owner.code if instance.owner_id else "",
            applies_kind=instance.applies_kind,
            applies_orgs="、".join(
                instance.applies_orgs.order_by("path").values_list("code", flat=True)
            ),
            pass_line=plain(instance.pass_line),
            description=instance.description,
        )
        return initial

    def clean_period(self) -> str:
        return clean_period(self.cleaned_data["period"])

    def clean_applies_orgs(self) -> list[Organisation]:
        codes = split_list(self.cleaned_data["applies_orgs"])
        found = {
            o.code: o
            for o in Organisation.objects.visible_to(self.user).filter(
                code__in=codes, is_partner=False
            )
        }
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValidationError(f"组织编码不存在或不在您的范围内：{'、'.join(missing)}")
        return [found[c] for c in codes]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if (
            not data.get("applies_kind")
            and not data.get("applies_orgs")
            and "applies_orgs" not in self.errors
        ):
            self.add_error("applies_kind", "请选择适用组织类型，或填写适用组织编码")
        bands = [(data.get(f"star{n}"), n) for n in STAR_LEVELS]
        used = [(low, n) for low, n in bands if low is not None]
        if any(a[0] <= b[0] for a, b in zip(used, used[1:], strict=False)):
            self.add_error("star5", "星级分数线应由高到低排列（五星最高）")
        data["stars"] = [[low, n] for low, n in used]
        return data

    def service_fields(self) -> dict[str, Any]:
        """Keyword arguments for ``scheme_create``/``scheme_update``."""
        data = self.cleaned_data
        fields = {
            "name": data["name"],
            "period": data["period"],
            "owner": data.get("owner"),
            "applies_kind": data.get("applies_kind") or "",
            "applies_orgs": data.get("applies_orgs") or [],
            "stars": data["stars"],
            "pass_line": data["pass_line"],
            "description": data.get("description", ""),
        }
        if self.instance is None:
            fields["code"] = data["code"].strip()
        return fields


class DimensionForm(EdgeRules, forms.Form):
    code = forms.CharField(label="维度编码", max_length=16, help_text="如 DJ、YW")
    name = forms.CharField(label="维度名称", max_length=100)
    max = forms.FloatField(label="满分", min_value=0, max_value=1000)
    position = forms.IntegerField(label="排序", min_value=0, max_value=32767, initial=0)

    def __init__(self, *args: Any, instance: Dimension | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                n: plain(getattr(instance, n)) for n in ("code", "name", "max", "position")
            }
        super().__init__(*args, **kwargs)


# Which rule each parameter belongs to: the form hides the others (and the service ignores them).
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "dimension": ("ratio", "per_item", "stepped", "deduct", "manual"),
    "max": ("ratio", "per_item", "stepped", "deduct", "manual"),
    "target": ("ratio",),
    "floor": ("ratio",),
    "direction": ("ratio",),
    "per": ("per_item", "deduct"),
    "steps": ("stepped",),
    "evaluators": ("manual",),
    "missing_points": ("ratio", "per_item", "stepped", "deduct", "manual"),
}
RULE_PARAMS = ("target", "floor", "direction", "per", "steps")


def parse_steps(text: str) -> list[list[Any]]:
    """``破冰:2、推进:4、落地:8`` (or one per line) → ``[["破冰", 2.0], …]``."""
    steps: list[list[Any]] = []
    for part in split_list((text or "").replace("\n", "、")):
        label, sep, points = part.replace("：", ":").rpartition(":")
        if not sep or not label.strip():
            raise ValidationError(f"档位“{part}”格式不正确，应为 名称:分值，如 破冰:2")
        try:
            value = float(points)
        except ValueError:
            raise ValidationError(f"档位“{part}”的分值不是数字") from None
        steps.append([label.strip(), value])
    return steps


def format_steps(steps: list) -> str:
    return "、".join(f"{label}:{points:g}" for label, points in steps or [])


class IndicatorForm(EdgeRules, forms.Form):
    """An indicator: the parameters shown depend on the rule (``RULE_FIELDS``)."""

    MULTILINE_FIELDS = ("steps",)  # one step per line is allowed (parse_steps)

    code = forms.CharField(label="指标编码", max_length=16, help_text="KPI 导入时按此编码对应")
    name = forms.CharField(label="指标名称", max_length=100)
    rule = forms.ChoiceField(label="计分规则", choices=Rule.choices)
    source = forms.ChoiceField(label="数据来源", choices=Source.choices)
    dimension = forms.ChoiceField(label="所属维度", required=False)
    max = forms.FloatField(label="分值", required=False, min_value=0, max_value=1000)
    target = forms.FloatField(
        label="目标值", required=False, help_text="完成率填 100 或 1.0，与导入数值口径一致"
    )
    floor = forms.FloatField(
        label="最低比率",
        required=False,
        min_value=0,
        max_value=1,
        help_text="低于此比率得 0 分，如 0.6",
    )
    direction = forms.ChoiceField(
        label="方向", required=False, choices=[("", "—"), *Direction.choices]
    )
    per = forms.FloatField(
        label="每项分值",
        required=False,
        min_value=0,
        max_value=1000,
        help_text="按项计分：每项加分；扣分：每次扣分",
    )
    steps = forms.CharField(
        label="档位",
        required=False,
        max_length=500,
        help_text="由低到高，名称:分值，用“、”分隔，如 破冰:2、推进:4、落地:8；导入数值为达到的档位序号",
    )
    evaluators = forms.CharField(
        label="评议人用户名", required=False, max_length=500, help_text="多个用“、”分隔；得分取平均"
    )
    missing_points = forms.FloatField(
        label="缺数时得分",
        required=False,
        min_value=0,
        max_value=1000,
        help_text="留空则缺数得 0 分，并标注缺数",
    )
    provider = OrgField(
        label="数据提供部门（组织编码）",
        required=False,
        help_text="业务指标可指定一个业务部门提供数据：其管理员可为该指标录入数值；被考核组织不能录入本组织的数值",
    )
    description = forms.CharField(label="口径说明", required=False, widget=forms.Textarea)
    position = forms.IntegerField(label="排序", min_value=0, max_value=32767, initial=0)

    def __init__(
        self,
        *args: Any,
        scheme: Scheme,
        instance: Indicator | None = None,
        user: Any = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            initial = {
                n: plain(getattr(instance, n))
                for n in (
                    "code",
                    "name",
                    "rule",
                    "source",
                    "max",
                    "target",
                    "floor",
                    "direction",
                    "per",
                    "missing_points",
                    "description",
                    "position",
                )
            }
            initial.update(
                dimension=instance.dimension_id or "",
                steps=format_steps(instance.steps),
                provider=instance.provider.code if instance.provider is not None else "",
                evaluators="、".join(
                    instance.evaluators.order_by("username").values_list("username", flat=True)
                ),
            )
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        cast(OrgField, self.fields["provider"]).queryset = (
            Organisation.objects.visible_to(user)
            if user is not None
            else Organisation.objects.all()
        ).filter(is_partner=False)
        self.dimensions = {str(d.pk): d for d in scheme.dimensions.all()}
        self.fields["dimension"].choices = [
            ("", "— 不计入维度（一票否决）—"),
            *[(pk, f"{d.code} {d.name}") for pk, d in self.dimensions.items()],
        ]

    def clean_dimension(self) -> Dimension | None:
        value = self.cleaned_data["dimension"]
        return self.dimensions.get(value) if value else None

    def clean_steps(self) -> list[list[Any]]:
        return parse_steps(self.cleaned_data["steps"])

    def clean_evaluators(self) -> list[User]:
        names = split_list(self.cleaned_data["evaluators"])
        users = {
            u.username.lower(): u for u in User.objects.filter(username__in=names, is_active=True)
        }
        missing = [n for n in names if n.lower() not in users]
        if missing:
            raise ValidationError(f"用户不存在或已停用：{'、'.join(missing)}")
        return [users[n.lower()] for n in names]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        rule = data.get("rule")
        # Parameters of other rules are blanked so a rule change leaves no stale value behind.
        for name, rules in RULE_FIELDS.items():
            if rule and rule not in rules and name in data:
                data[name] = (
                    [] if name in ("steps", "evaluators") else None if name != "direction" else ""
                )
        if rule == Rule.MANUAL and data.get("source") != Source.MANUAL:
            self.add_error("source", "评议打分指标的数据来源应为“评议打分”")
        if rule and rule != Rule.MANUAL and data.get("source") == Source.MANUAL:
            self.add_error("source", "“评议打分”来源只能用于评议打分规则")
        if (
            data is not None
            and data.get("provider") is not None
            and data.get("source") != Source.KPI
        ):
            self.add_error("provider", "只有数据来源为“业务指标（导入）”的指标可以指定数据提供部门")
        return data

    def service_fields(self) -> dict[str, Any]:
        """Keyword arguments for ``indicator_save`` (``evaluators`` separately)."""
        data = dict(self.cleaned_data)
        data.pop("evaluators", None)
        return data


class SchemeUploadForm(EdgeRules, forms.Form):
    file = forms.FileField(label="方案文件（JSON）")

    def clean_file(self) -> dict[str, Any]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_SCHEME_FILE:
            raise ValidationError("文件过大（超过 1 MB）")
        try:
            data = json.loads(upload.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise ValidationError("文件不是有效的 JSON（UTF-8 编码）") from None
        if not isinstance(data, dict):
            raise ValidationError("方案文件应为一个 JSON 对象")
        return data


class KpiForm(EdgeRules, forms.Form):
    """One business KPI value, set by hand (a batch of channel 页面录入)."""

    org = OrgField(label="组织编码")
    period = forms.CharField(label="期间", max_length=8, help_text="如 2026、2026Q3")
    indicator_code = forms.CharField(label="指标编码", max_length=16)
    value = forms.FloatField(label="数值", min_value=-1e12, max_value=1e12)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only what the user may enter (entry.KpiEntry): never their own organisation's values.
        cast(OrgField, self.fields["org"]).queryset = KpiEntry(user).orgs()

    def clean_period(self) -> str:
        return clean_period(self.cleaned_data["period"])

    def clean_indicator_code(self) -> str:
        return self.cleaned_data["indicator_code"].strip()


class ManualScoreForm(EdgeRules, forms.Form):
    org = forms.CharField(max_length=32)
    score = forms.FloatField(label="得分", min_value=0, max_value=1000)
    comment = forms.CharField(label="评语", required=False, max_length=500)


class RunForm(EdgeRules, forms.Form):
    period = forms.CharField(label="考核期间", max_length=8)
    note = forms.CharField(label="说明", required=False, max_length=300)

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scheme = scheme

    def clean_period(self) -> str:
        return clean_period(self.cleaned_data["period"], self.scheme.period_kind)


def _reason(label: str, max_length: int, help_text: str) -> forms.CharField:
    """The required free-text reason of a voiding or an objection."""
    return forms.CharField(
        label=label, max_length=max_length, widget=forms.Textarea, help_text=help_text
    )


class VoidForm(EdgeRules, forms.Form):
    reason = _reason(
        "作废原因",
        300,
        "如：期间填错、数据口径有误；作废的版本保留备查，不再出现在历期趋势和组织页面",
    )


class ObjectionForm(EdgeRules, forms.Form):
    reason = _reason("申诉理由", 1000, "说明哪里有误、正确的数值应是多少及依据")


class AnswerForm(EdgeRules, forms.Form):
    decision = forms.ChoiceField(label="答复", choices=[("accept", "采纳"), ("reject", "不予采纳")])
    corrected_value = forms.FloatField(
        label="更正后的数值", required=False, min_value=-1e12, max_value=1e12
    )
    answer = forms.CharField(
        label="答复说明",
        required=False,
        max_length=1000,
        widget=forms.Textarea,
        help_text="不予采纳时必须说明理由",
    )
