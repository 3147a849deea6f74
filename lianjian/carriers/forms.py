"""Forms of the 岗区队 screens. Organisations, members, 班组 and key tasks are chosen with
pickers; each field validates the code it receives against the rows the user may choose
there. The rules themselves live in :mod:`lianjian.carriers.rules` and are applied by the
services (a form only turns text into objects)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from lianjian.alliances.models import Alliance
from lianjian.carriers import rules
from lianjian.carriers.models import Carrier, WorkGroup
from lianjian.carriers.pickers import key_tasks_for, work_groups_for
from lianjian.core.forms import EdgeRules
from lianjian.core.scope import CHANGE
from lianjian.core.widgets import Picker, split_codes
from lianjian.keytasks.forms import MemberField
from lianjian.keytasks.models import KeyTask
from lianjian.keytasks.pickers import party_members_for
from lianjian.orgs.forms import DateInput, OrgField
from lianjian.orgs.models import Organisation


class CodesField(forms.CharField):
    """Several rows by code (``、``-separated), each among a queryset."""

    def __init__(self, *, queryset: Any = None, noun: str = "", **kwargs: Any) -> None:
        self.queryset = queryset
        self.noun = noun
        super().__init__(max_length=4000, **kwargs)

    def clean(self, value: Any) -> list[Any]:
        codes = split_codes(super().clean(value))
        if not codes:
            return []
        found = {r.code: r for r in self.queryset.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValidationError(f"以下{self.noun}不存在或不在您的范围内：{'、'.join(missing)}")
        return [found[c] for c in codes]


def _narrow(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    setattr(form.fields[name], "queryset", queryset)  # noqa: B010 - fields are typed as Field


class CarrierForm(EdgeRules, forms.Form):
    """申报 (or edit) a 岗区队: kind and organisation are chosen once, when declaring."""

    kind = forms.ChoiceField(label="类型", choices=[(k, rules.KIND_LABELS[k]) for k in rules.KINDS])
    org = OrgField(label="所属党组织", widget=Picker("orgs.managed_internal"))
    name = forms.CharField(label="名称", max_length=200)
    theme = forms.CharField(
        label="主题", max_length=100, required=False, help_text="党建+X，如 党建+安全生产"
    )
    leader = MemberField(
        label="岗位党员/负责人",
        required=False,
        help_text="示范岗必填",
        widget=Picker("keytasks.party_members"),
    )
    post_name = forms.CharField(label="岗位", max_length=100, required=False)
    area = forms.CharField(
        label="责任范围", max_length=200, required=False, help_text="班组、设备、标段等"
    )
    work_groups = CodesField(
        label="覆盖班组",
        noun="班组",
        required=False,
        help_text="党员责任区覆盖的班组",
        widget=Picker("carriers.work_groups", multiple=True, depends=("org",)),
    )
    duties = forms.CharField(label="职责", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    commitments = forms.CharField(
        label="公开承诺", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    key_tasks = CodesField(
        label="关联关键任务",
        noun="关键任务",
        required=False,
        widget=Picker("carriers.key_tasks", multiple=True),
    )
    alliance = forms.CharField(
        label="联建网", max_length=32, required=False, widget=Picker("alliances.visible")
    )
    plaque_no = forms.CharField(label="牌匾编号", max_length=50, required=False)
    established = forms.DateField(label="成立日期", required=False, widget=DateInput())
    end_date = forms.DateField(
        label="任务结束日期", required=False, widget=DateInput(), help_text="突击队必填"
    )
    lat = forms.FloatField(label="纬度", required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label="经度", required=False, min_value=-180, max_value=180)

    def __init__(
        self, *args: Any, user: Any, instance: Carrier | None = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        self.user = user
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "alliance": instance.alliance.code if instance.alliance else "",
                "kind": instance.kind,
                "org": instance.org.code,
                "leader": instance.leader.number if instance.leader else "",
                "work_groups": "、".join(g.code for g in instance.work_groups.all()),
                "key_tasks": "、".join(t.code for t in instance.key_tasks.all()),
                **{
                    k: getattr(instance, k)
                    for k in ("name", "theme", "post_name", "area", "duties", "commitments",
                              "plaque_no", "established", "end_date", "lat", "lon")
                },
            }  # fmt: skip
        super().__init__(*args, **kwargs)
        _narrow(self, "org", Organisation.objects.active().internal().manageable_by(user))
        _narrow(self, "leader", party_members_for(user))
        _narrow(self, "work_groups", work_groups_for(user))
        _narrow(self, "key_tasks", key_tasks_for(user))
        if instance is not None:
            # Fixed once declared: shown, not sent.
            for name in ("kind", "org"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def clean_alliance(self) -> Alliance | None:
        code = (self.cleaned_data.get("alliance") or "").strip()
        if not code:
            return None
        found = Alliance.objects.visible_to(self.user).filter(code=code).first()
        if found is None:
            raise ValidationError("联建不存在或不在您的范围内")
        return found

    def values(self) -> dict[str, Any]:
        """The descriptive fields, as the service takes them."""
        d = self.cleaned_data
        return {
            k: d.get(k)
            for k in ("name", "theme", "leader", "post_name", "area", "duties", "commitments",
                      "alliance", "plaque_no", "established", "end_date", "lat", "lon")
        }  # fmt: skip

    def groups(self) -> list[WorkGroup]:
        return list(self.cleaned_data.get("work_groups") or [])

    def tasks(self) -> list[KeyTask]:
        return list(self.cleaned_data.get("key_tasks") or [])


class ReasonForm(EdgeRules, forms.Form):
    reason = forms.CharField(label="说明", max_length=200, required=False)


class ReviewForm(EdgeRules, forms.Form):
    """复核: a preset, a period and a score per item of the preset."""

    preset = forms.ChoiceField(label="复核方案", choices=[(p, p) for p in rules.PRESETS])
    period = forms.CharField(label="复核期", max_length=10, help_text="如 2026 或 2026H2")
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = dict.fromkeys(i for p in rules.PRESETS.values() for i in p.items)
        for i, item in enumerate(items):
            self.fields[f"item_{i}"] = forms.FloatField(
                label=item, required=False, min_value=0, max_value=100
            )
        self.item_names = list(items)

    def item_scores(self) -> dict[str, float]:
        """The scores of the chosen preset's items (the others are ignored)."""
        preset = rules.PRESETS[self.cleaned_data["preset"]]
        out: dict[str, float] = {}
        for i, item in enumerate(self.item_names):
            value = self.cleaned_data.get(f"item_{i}")
            if item in preset.items and value is not None:
                out[item] = value
        return out


class VetoForm(EdgeRules, forms.Form):
    kind = forms.ChoiceField(label="类别", choices=[(k, k) for k in rules.VETO_KINDS])
    day = forms.DateField(label="发生日期", widget=DateInput())
    description = forms.CharField(label="事由", max_length=300)


class MemberAddForm(EdgeRules, forms.Form):
    """Add a member: a 党员 by picker, or an 积极分子 / 团员 by name."""

    kind = forms.ChoiceField(label="身份", choices=[(k, k) for k in rules.MEMBER_KINDS])
    member = MemberField(label="党员", required=False, widget=Picker("keytasks.party_members"))
    name = forms.CharField(label="姓名（积极分子、团员）", max_length=50, required=False)
    masses = forms.CharField(label="联系群众", max_length=200, required=False, help_text="用、分隔")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _narrow(self, "member", party_members_for(user))


class WorkGroupForm(EdgeRules, forms.Form):
    org = OrgField(label="所属党支部", widget=Picker("orgs.managed_internal"))
    code = forms.CharField(label="班组编码", max_length=32)
    name = forms.CharField(label="班组名称", max_length=100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _narrow(self, "org", Organisation.objects.active().internal().restrict(user, CHANGE))
