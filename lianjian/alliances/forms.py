"""Forms for alliances, memberships, agreements and plans."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from lianjian.alliances.models import (
    MAX_PLANNED_ACTIVITIES,
    THEMES,
    Agreement,
    Alliance,
    AllianceType,
    goal_target,
)
from lianjian.core.forms import EdgeRules
from lianjian.core.validation import parse_int
from lianjian.core.widgets import Picker
from lianjian.orgs.forms import DateInput, OrgField, split_list
from lianjian.orgs.models import CODE_RE, Organisation


class OrgCodesField(forms.CharField):
    """Several organisations by code (``、``-separated), each visible to the user."""

    def __init__(self, *, queryset=None, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[Organisation]:
        codes = split_list(super().clean(value))
        if not codes:
            return []
        found = {o.code: o for o in self.queryset.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValidationError(f"组织编码不存在或不可见：{'、'.join(missing)}")
        return [found[c] for c in codes]


class AllianceForm(EdgeRules, forms.Form):
    code = forms.CharField(label="联建编码", max_length=32, help_text="创建后不可修改")
    name = forms.CharField(label="联建名称", max_length=200)
    type = forms.ModelChoiceField(
        label="联建类型", queryset=AllianceType.objects.all(), empty_label=None
    )
    theme = forms.CharField(
        label="主题", max_length=50, required=False, help_text="如：" + "、".join(THEMES[:4])
    )
    lead = OrgField(label="牵头组织", widget=Picker("orgs.managed"))
    members = OrgCodesField(
        label="成员组织",
        required=False,
        help_text="可选多个；外部单位党组织也可加入",
        widget=Picker("orgs.partners", multiple=True),
    )
    sponsor = forms.CharField(label="包保领导", max_length=50, required=False)
    sponsor_title = forms.CharField(label="包保领导职务", max_length=100, required=False)
    guidance = forms.CharField(label="指导小组成员", required=False, help_text="多个用“、”分隔")
    status = forms.ChoiceField(label="状态", choices=Alliance.Status.choices)
    founded = forms.DateField(label="成立日期", required=False, widget=DateInput())
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, user, instance: Alliance | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": instance.code,
                "name": instance.name,
                "type": instance.type_id,
                "theme": instance.theme,
                "lead": instance.lead.code,
                "sponsor": instance.sponsor,
                "sponsor_title": instance.sponsor_title,
                "guidance": "、".join(instance.guidance),
                "status": instance.status,
                "founded": instance.founded,
                "description": instance.description,
            }
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = Organisation.objects.manageable_by(user).active()
        # Members may be any internal organisation the user sees or any partner organisation:
        # joint building is by nature across units.
        self.fields["members"].queryset = Organisation.objects.active().filter(
            pk__in=Organisation.objects.visible_to(user).values("pk")
        ) | Organisation.objects.active().filter(is_partner=True)
        if instance is not None:
            self.fields["code"].disabled = True
            del self.fields["members"]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not CODE_RE.match(code):
            raise ValidationError("编码只能包含字母、数字、下划线、点和短横线，最长 32 位")
        if self.instance is None and Alliance.objects.filter(code=code).exists():
            raise ValidationError("该联建编码已存在")
        return code

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["guidance"] = split_list(data["guidance"])
        if self.instance is not None:
            data.pop("code", None)
        return data


class MembershipForm(EdgeRules, forms.Form):
    org = OrgField(label="组织", widget=Picker("orgs.partners"))
    joined_on = forms.DateField(label="加入日期", required=False, widget=DateInput())
    liaison = forms.CharField(label="联络员", max_length=50, required=False)
    liaison_phone = forms.CharField(label="联络电话", max_length=20, required=False)
    liaison_post = forms.CharField(label="联络员职务", max_length=50, required=False)

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = Organisation.objects.active().filter(
            pk__in=Organisation.objects.visible_to(user).values("pk")
        ) | Organisation.objects.active().filter(is_partner=True)


class LiaisonForm(EdgeRules, forms.Form):
    liaison = forms.CharField(label="联络员", max_length=50, required=False)
    liaison_phone = forms.CharField(label="联络电话", max_length=20, required=False)
    liaison_post = forms.CharField(label="联络员职务", max_length=50, required=False)
    left_on = forms.DateField(
        label="退出日期",
        required=False,
        widget=DateInput(),
        help_text="填写后该组织退出本联建（记录保留）",
    )


class AgreementForm(EdgeRules, forms.Form):
    title = forms.CharField(label="协议名称", max_length=200)
    parties = forms.ModelMultipleChoiceField(
        label="签约方",
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    terms = forms.CharField(label="主要条款", required=False, widget=forms.Textarea)
    start = forms.DateField(label="生效日期", required=False, widget=DateInput())
    end = forms.DateField(label="到期日期", required=False, widget=DateInput())
    goals = forms.CharField(
        label="协议目标",
        required=False,
        widget=forms.Textarea,
        help_text="每行一个目标，格式：目标｜目标值｜单位，如：联合开展主题党日｜4｜次",
    )

    def __init__(self, *args: Any, alliance: Alliance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = Organisation.objects.filter(
            alliance_memberships__alliance=alliance, alliance_memberships__left_on__isnull=True
        ).order_by("is_partner", "code")

    def clean_goals(self) -> list[dict[str, Any]]:
        out = []
        for n, line in enumerate((self.cleaned_data["goals"] or "").splitlines(), start=1):
            parts = [p.strip() for p in line.replace("|", "｜").split("｜")]
            if not parts[0]:
                continue
            try:
                target = goal_target(parts[1] if len(parts) > 1 else None)
            except ValueError as exc:
                raise ValidationError(f"第 {n} 行目标值{exc}：{parts[1][:20]}") from None
            out.append(
                {"text": parts[0], "target": target, "unit": parts[2] if len(parts) > 2 else ""}
            )
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "到期日期不能早于生效日期")
        return data


class AgreementStatusForm(EdgeRules, forms.Form):
    status = forms.ChoiceField(label="新状态", choices=Agreement.Status.choices)
    on = forms.DateField(label="日期", required=False, widget=DateInput())


class RenewForm(EdgeRules, forms.Form):
    title = forms.CharField(label="新协议名称", max_length=200, required=False)
    start = forms.DateField(label="生效日期", widget=DateInput())
    end = forms.DateField(label="到期日期", widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "到期日期不能早于生效日期")
        return data


class UploadForm(EdgeRules, forms.Form):
    file = forms.FileField(label="协议扫描件（PDF、PNG、JPEG，≤ 20 MB）")


class PlanForm(EdgeRules, forms.Form):
    summary = forms.CharField(label="总体目标", required=False, widget=forms.Textarea)
    items = forms.CharField(
        label="季度计划",
        required=False,
        widget=forms.Textarea,
        help_text="每行一项，格式：季度｜计划内容｜计划活动次数｜目标，如：1｜党课互讲｜2｜覆盖全体党员",
    )

    def clean_items(self) -> list[dict[str, Any]]:
        out = []
        for n, line in enumerate((self.cleaned_data["items"] or "").splitlines(), start=1):
            parts = [p.strip() for p in line.replace("|", "｜").split("｜")]
            if not any(parts):
                continue
            if len(parts) < 2 or parts[0] not in {"1", "2", "3", "4"} or not parts[1]:
                raise ValidationError(f"第 {n} 行格式应为：季度(1-4)｜计划内容｜计划活动次数｜目标")
            try:
                count = parse_int(
                    parts[2] if len(parts) > 2 and parts[2] else "1",
                    low=0,
                    high=MAX_PLANNED_ACTIVITIES,
                    label="计划活动次数",
                )
            except ValueError as exc:
                raise ValidationError(f"第 {n} 行{exc}") from None
            out.append(
                {
                    "quarter": int(parts[0]),
                    "title": parts[1],
                    "planned_activities": count,
                    "goal": parts[3] if len(parts) > 3 else "",
                }
            )
        return out
