"""Forms for organisations and members. List fields are typed as ``、``-separated text;
organisations are chosen by code (a select of 40,000 would be useless)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from lianjian.core.forms import EdgeRules, instance_initial
from lianjian.core.masking import form_initial, keep_unrevealed
from lianjian.core.pages import add_service_errors as add_service_errors
from lianjian.core.widgets import Picker
from lianjian.orgs.models import (
    CODE_RE,
    MemberCategory,
    Organisation,
    OrgKind,
    PartnerKind,
)
from lianjian.orgs.permissions import STRUCTURAL_FIELDS, can_change_structure

LIST_SPLIT = re.compile(r"[、，,；;\n]+")
STRUCTURE_HINT = "由上级组织的管理员修改"


def split_list(text: str) -> list[str]:
    """``"营销服务、安全生产"`` → ``["营销服务", "安全生产"]`` (duplicates and blanks dropped)."""
    return list(dict.fromkeys(p.strip() for p in LIST_SPLIT.split(text or "") if p.strip()))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class OrgField(forms.CharField):
    """An organisation chosen by code, limited to a queryset (the user's scope)."""

    def __init__(self, *, queryset=None, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(max_length=32, **kwargs)

    def clean(self, value: Any) -> Organisation | None:
        code = super().clean(value)
        if not code:
            return None
        org = self.queryset.filter(code=code.strip()).first() if self.queryset is not None else None
        if org is None:
            raise ValidationError("组织编码不存在或不在您的管理范围内")
        return org


class OrgForm(EdgeRules, forms.Form):
    code = forms.CharField(
        label="组织编码", max_length=32, help_text="字母、数字、下划线、短横线，创建后不可修改"
    )
    name = forms.CharField(label="组织名称", max_length=200)
    kind = forms.ChoiceField(label="组织类型", choices=OrgKind.choices)
    parent = OrgField(label="上级组织", required=False, widget=Picker("orgs.managed"))
    is_partner = forms.BooleanField(label="外部单位党组织", required=False)
    partner_kind = forms.ChoiceField(
        label="外部单位类别", choices=[("", "—"), *PartnerKind.choices], required=False
    )
    unit = forms.CharField(label="所属单位", max_length=200, required=False)
    is_temporary = forms.BooleanField(label="临时党支部", required=False)
    is_joint = forms.BooleanField(label="联合党支部", required=False)
    is_functional = forms.BooleanField(label="功能型党支部", required=False)
    professions = forms.CharField(label="专业", required=False, help_text="多个用“、”分隔")
    address = forms.CharField(label="地址", max_length=300, required=False)
    lat = forms.FloatField(label="纬度", required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label="经度", required=False, min_value=-180, max_value=180)
    strengths = forms.CharField(label="优势资源", required=False, help_text="多个用“、”分隔")
    needs = forms.CharField(label="需求", required=False, help_text="多个用“、”分隔")
    founded = forms.DateField(label="成立日期", required=False, widget=DateInput())
    term_start = forms.DateField(label="本届任期开始", required=False, widget=DateInput())
    term_end = forms.DateField(label="本届任期结束", required=False, widget=DateInput())

    LIST_FIELDS = ("professions", "strengths", "needs")

    def __init__(
        self, *args: Any, user, instance: Organisation | None = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            initial = instance_initial(self.base_fields, instance, skip=("parent",))
            for name in self.LIST_FIELDS:
                initial[name] = "、".join(getattr(instance, name))
            initial["parent"] = instance.parent.code if instance.parent_id else ""
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["parent"].queryset = Organisation.objects.manageable_by(user).active()
        if not user.is_admin:
            self.fields["parent"].required = instance is None or instance.parent_id is not None
        if instance is not None:
            self.fields["code"].disabled = True
            if not can_change_structure(user, instance):
                # A manager edits their own organisation's details, but its structure is set
                # by the parent's manager (lianjian.orgs.permissions): shown, not editable.
                for name in STRUCTURAL_FIELDS:
                    if name in self.fields:
                        self.fields[name].disabled = True
                        self.fields[name].help_text = STRUCTURE_HINT
                # A disabled field is cleaned from its initial value: the current parent,
                # which lies above the manager's scope and must still be accepted.
                self.fields["parent"].queryset = Organisation.objects.filter(pk=instance.parent_id)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not CODE_RE.match(code):
            raise ValidationError("编码只能包含字母、数字、下划线、点和短横线，最长 32 位")
        if self.instance is None and Organisation.objects.filter(code=code).exists():
            raise ValidationError("该组织编码已存在")
        return code

    def clean_parent(self) -> Organisation | None:
        if self.fields["parent"].disabled:
            return self.instance.parent if self.instance else None
        return self.cleaned_data.get("parent")

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in self.LIST_FIELDS:
            data[name] = split_list(data[name])
        if self.instance is not None:
            data.pop("code", None)
        return data


class DissolveForm(EdgeRules, forms.Form):
    date = forms.DateField(label="撤销日期", widget=DateInput())
    reason = forms.CharField(label="撤销原因", max_length=200)


class MemberForm(EdgeRules, forms.Form):
    number = forms.CharField(label="人员编号", max_length=32)
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(
        label="性别", choices=[("", "—"), ("男", "男"), ("女", "女")], required=False
    )
    birth_date = forms.DateField(label="出生日期", required=False, widget=DateInput())
    org = OrgField(label="所在组织", widget=Picker("orgs.managed_internal"))
    category = forms.ChoiceField(label="党员类别", choices=MemberCategory.choices)
    joined_on = forms.DateField(label="入党日期", widget=DateInput())
    confirmed_on = forms.DateField(label="转正日期", required=False, widget=DateInput())
    post = forms.CharField(
        label="党内职务",
        max_length=100,
        required=False,
        help_text="如：书记、组织委员；多个用“、”分隔",
    )
    job = forms.CharField(label="工作岗位", max_length=100, required=False)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    is_floating = forms.BooleanField(label="流动党员", required=False)

    def __init__(self, *args: Any, user, instance=None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            initial = instance_initial(self.base_fields, instance, skip=("org",))
            initial["org"] = instance.org.code
            initial.update(form_initial(user, instance))
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["org"].queryset = Organisation.objects.manageable_by(user).active().internal()
        if instance is not None:
            self.fields["number"].disabled = True
            self.fields["org"].disabled = True
            self.fields["org"].help_text = "变更所在组织请使用“组织关系转接”"

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        if not CODE_RE.match(number):
            raise ValidationError("人员编号只能包含字母、数字、下划线、点和短横线，最长 32 位")
        if self.instance is None:
            from lianjian.orgs.models import Member

            if Member.objects.filter(number=number).exists():
                raise ValidationError("该人员编号已存在")
        return number

    def clean_org(self) -> Organisation:
        if self.fields["org"].disabled:
            return self.instance.org
        return self.cleaned_data["org"]

    def clean_id_number(self) -> str:
        return self.cleaned_data["id_number"].strip().upper()

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.instance is not None:
            data.pop("number", None)
            data.pop("org", None)
            data = keep_unrevealed(self.user, self.instance, data)
        return data


class TransferForm(EdgeRules, forms.Form):
    to_org = OrgField(label="转入组织", widget=Picker("orgs.managed_internal"))
    date = forms.DateField(label="转接日期", widget=DateInput())
    reason = forms.CharField(label="转接原因", max_length=200, required=False)

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = (
            Organisation.objects.manageable_by(user).active().internal()
        )
