"""Forms of the activity screens. Organisations are typed by code (the host first)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from lianjian.activities.models import (
    YEARLY_TYPES,
    Activity,
    ActivityType,
    AttendanceStatus,
    ComplianceRule,
    Frequency,
)
from lianjian.activities.selectors import TZ
from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.core.forms import EdgeRules, instance_initial
from lianjian.core.widgets import Picker
from lianjian.orgs.forms import OrgField, split_list
from lianjian.orgs.models import Organisation, OrgKind


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _local(value: datetime.datetime | None) -> str:
    """The value a ``datetime-local`` input expects, in Asia/Shanghai time."""
    return value.astimezone(TZ).strftime("%Y-%m-%dT%H:%M") if value else ""


class ActivityForm(EdgeRules, forms.Form):
    """Create or edit an activity. Co-organisers must be visible to the user or be current
    members of the chosen alliance (joint work reaches beyond one's subtree through it)."""

    type = forms.ChoiceField(label="活动类型", choices=ActivityType.choices)
    topic = forms.CharField(label="主题", max_length=200)
    host = OrgField(label="主办组织", widget=Picker("orgs.managed"))
    co_orgs = forms.CharField(
        label="协办组织",
        required=False,
        help_text="联合开展时选择，可选多个；联建单位请先选择联建",
        widget=Picker("alliances.co_organisers", multiple=True, depends=("alliance",)),
    )
    alliance = forms.CharField(
        label="联建", max_length=32, required=False, widget=Picker("alliances.visible")
    )
    sub_kind = forms.CharField(
        label="活动形式",
        max_length=20,
        required=False,
        help_text="联建活动填写，如 党课互讲、理论联学",
    )
    start = forms.DateTimeField(
        label="开始时间", widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    end = forms.DateTimeField(
        label="结束时间",
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    venue = forms.CharField(label="地点", max_length=200, required=False)
    lecturer = forms.CharField(label="授课人", max_length=50, required=False, help_text="党课填写")
    host_person = forms.CharField(label="主持人", max_length=50, required=False)
    recorder = forms.CharField(label="记录人", max_length=50, required=False)
    expected_count = forms.IntegerField(
        label="应到人数",
        required=False,
        min_value=0,
        max_value=100000,
        help_text="生成应到名单后以名单为准",
    )
    present_count = forms.IntegerField(
        label="实到人数", required=False, min_value=0, max_value=100000
    )
    for_year = forms.IntegerField(
        label="所属年度",
        required=False,
        min_value=1921,
        max_value=2200,
        help_text="组织生活会、民主评议党员填写：空白为活动日期所在年份，1–3 月召开的可填上一年度",
    )
    minutes = forms.CharField(label="会议记录", required=False, widget=forms.Textarea)

    def __init__(
        self, *args: Any, user: Any, instance: Activity | None = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            initial = instance_initial(
                self.base_fields, instance, skip=("host", "co_orgs", "alliance", "start", "end")
            )
            codes = list(
                instance.org_links.order_by("position").values_list("org__code", flat=True)
            )
            initial.update(
                host=instance.host.code,
                co_orgs="、".join(codes[1:]),
                alliance=instance.alliance.code if instance.alliance_id else "",
                start=_local(instance.start),
                end=_local(instance.end),
            )
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["host"].queryset = Organisation.objects.manageable_by(user)
        if instance is not None and instance.attendances.exists():
            self.fields["expected_count"].disabled = True
            self.fields["present_count"].disabled = True

    def clean_alliance(self) -> Alliance | None:
        code = self.cleaned_data["alliance"].strip()
        if not code:
            return None
        alliance = Alliance.objects.visible_to(self.user).filter(code=code).first()
        if alliance is None:
            raise ValidationError("联建编码不存在或不在您的范围内")
        return alliance

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        codes = split_list(data.get("co_orgs", ""))
        alliance = data.get("alliance")
        visible = Organisation.objects.visible_to(self.user)
        allowed = set()
        if alliance is not None:
            allowed = set(
                AllianceMember.objects.filter(alliance=alliance, left_on__isnull=True).values_list(
                    "org_id", flat=True
                )
            )
            allowed.add(alliance.lead_id)
        found = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
        co: list[Organisation] = []
        for code in codes:
            org = found.get(code)
            if org is None or not (visible.filter(pk=org.pk).exists() or org.pk in allowed):
                self.add_error(
                    "co_orgs", f"组织 {code} 不存在或不在您的范围内（联建单位请同时填写联建编码）"
                )
                continue
            co.append(org)
        data["co_orgs"] = co
        # 所属年度 only for the annual duties; any other activity counts in the year of its date.
        if self.cleaned_data.get("type") not in YEARLY_TYPES:
            self.cleaned_data["for_year"] = None
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("expected_count", "present_count"):
            if self.fields[name].disabled:
                data.pop(name)
        return data


class MarkForm(EdgeRules, forms.Form):
    status = forms.ChoiceField(label="标记为", choices=AttendanceStatus.choices)
    reason = forms.CharField(label="原因", max_length=200, required=False)


class ReturnForm(EdgeRules, forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300)


class VoidForm(EdgeRules, forms.Form):
    reason = forms.CharField(label="作废原因", max_length=300)


class AddMemberForm(EdgeRules, forms.Form):
    number = forms.CharField(label="人员编号", max_length=32)


class RuleForm(EdgeRules, forms.ModelForm):
    class Meta:
        model = ComplianceRule
        fields = (
            "activity_type",
            "org_kind",
            "frequency",
            "required",
            "min_full_members",
            "active",
            "sort",
            "note",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_kind"].choices = [(k, k) for k in OrgKind.values]
        self.fields["frequency"].choices = Frequency.choices
