"""Forms of the sharing screens. Organisations are typed by code; lists as ``、``-separated text."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from lianjian.activities.forms import DateTimeInput
from lianjian.activities.models import Activity
from lianjian.activities.selectors import TZ
from lianjian.core.forms import EdgeRules, instance_initial
from lianjian.core.masking import form_initial, keep_unrevealed
from lianjian.core.widgets import Picker
from lianjian.orgs.forms import DateInput, OrgField, split_list
from lianjian.orgs.models import CODE_RE, Member, Organisation
from lianjian.sharing.hours import HoursError, normalise_hours
from lianjian.sharing.models import (
    ITEM_DESCRIPTION_MAX,
    RESOURCE_DESCRIPTION_MAX,
    MatchStatus,
    NeedStatus,
    ProjectStatus,
    Resource,
    ResourceKind,
    SharingLevel,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
LIST_HINT = "多个用“、”分隔"
HOURS_HINT = "如“周一至周五 08:30-17:30；周六 09:00-12:00”；留空表示不限时段"


def _code_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=32, required=False, help_text="留空则自动编号；创建后不可修改"
    )


def _check_code(value: str) -> str:
    value = (value or "").strip()
    if value and not CODE_RE.match(value):
        raise ValidationError("编号只能包含字母、数字、下划线、点和短横线，最长 32 位")
    return value


class ListFormMixin:
    """Turns the ``LIST_FIELDS`` text inputs into lists and back."""

    LIST_FIELDS: tuple[str, ...] = ()

    def list_initial(self, instance: Any) -> dict[str, Any]:
        return {name: "、".join(getattr(instance, name)) for name in self.LIST_FIELDS}

    def clean_lists(self, data: dict[str, Any]) -> None:
        for name in self.LIST_FIELDS:
            if name in data:
                items = split_list(data[name])
                if any(len(i) > 50 for i in items):
                    self.add_error(name, "每一项不能超过 50 个字符")  # type: ignore[attr-defined]
                if len(items) > 30:
                    self.add_error(name, "最多 30 项")  # type: ignore[attr-defined]
                data[name] = items


class ResourceForm(EdgeRules, ListFormMixin, forms.Form):
    """Create or edit a resource owned by an organisation the user manages."""

    LIST_FIELDS = ("tags", "equipment", "expertise")

    code = _code_field("资源编号")
    name = forms.CharField(label="资源名称", max_length=200)
    kind = forms.ChoiceField(label="资源类别", choices=ResourceKind.choices)
    owner = OrgField(label="所属组织", widget=Picker("orgs.managed"))
    sharing = forms.ChoiceField(
        label="共享范围",
        choices=SharingLevel.choices,
        initial=SharingLevel.ALLIANCE,
        help_text="联建单位：同一运行中联建的成员单位可见可约；全部内部组织：另加本公司全部内部组织",
    )
    tags = forms.CharField(
        label="标签",
        required=False,
        help_text=f"用于与需求匹配，如 红色教育、安全培训；{LIST_HINT}",
    )
    capacity = forms.IntegerField(
        label="容纳人数", required=False, min_value=1, max_value=100000, help_text="阵地类资源填写"
    )
    address = forms.CharField(label="地址", max_length=300, required=False)
    lat = forms.FloatField(label="纬度", required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label="经度", required=False, min_value=-180, max_value=180)
    opening_hours = forms.CharField(
        label="开放时间 / 可约时间", max_length=300, required=False, help_text=HOURS_HINT
    )
    equipment = forms.CharField(label="设施设备", required=False, help_text=LIST_HINT)
    expertise = forms.CharField(
        label="专长领域", required=False, help_text=f"专家、讲师填写；{LIST_HINT}"
    )
    member = forms.CharField(
        label="关联党员",
        max_length=32,
        required=False,
        help_text="专家、讲师可关联本人党员档案",
        widget=Picker("orgs.members"),
    )
    contact = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    is_active = forms.BooleanField(label="开放预约", required=False, initial=True)
    description = forms.CharField(
        label="说明", required=False, max_length=RESOURCE_DESCRIPTION_MAX, widget=forms.Textarea
    )

    def __init__(
        self, *args: Any, user: Any, instance: Resource | None = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            initial = instance_initial(
                self.base_fields, instance, skip=("owner", "member", *self.LIST_FIELDS)
            )
            initial.update(
                self.list_initial(instance),
                owner=instance.owner.code,
                member=instance.member.number if instance.member_id else "",
            )
            initial.update(form_initial(user, instance))
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["owner"].queryset = Organisation.objects.manageable_by(user)
        if instance is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "创建后不可修改"

    def clean_code(self) -> str:
        return _check_code(self.cleaned_data["code"])

    def clean_opening_hours(self) -> str:
        try:
            return normalise_hours(self.cleaned_data["opening_hours"])
        except HoursError as exc:
            raise ValidationError(str(exc)) from None

    def clean_member(self) -> Member | None:
        number = self.cleaned_data["member"].strip()
        if not number:
            return None
        member = Member.objects.visible_to(self.user).current().filter(number=number).first()
        if member is None:
            raise ValidationError("人员编号不存在或不在您的范围内")
        return member

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.clean_lists(data)
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.instance is not None:
            data.pop("code")
            data = keep_unrevealed(self.user, self.instance, data)
        return data


class BookingForm(EdgeRules, forms.Form):
    """Request a resource for an organisation the user manages."""

    org = OrgField(label="预约组织", widget=Picker("orgs.managed"))
    start = forms.DateTimeField(
        label="开始时间", widget=DateTimeInput(), input_formats=DATETIME_FORMATS
    )
    end = forms.DateTimeField(
        label="结束时间", widget=DateTimeInput(), input_formats=DATETIME_FORMATS
    )
    purpose = forms.CharField(label="用途", max_length=200)
    expected_people = forms.IntegerField(
        label="预计人数", required=False, min_value=1, max_value=100000
    )
    activity = forms.CharField(
        label="关联活动编号",
        max_length=32,
        required=False,
        help_text="选填：本次使用对应的活动记录",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["org"].queryset = Organisation.objects.manageable_by(user)

    def clean_start(self) -> datetime.datetime:
        return self.cleaned_data["start"].astimezone(TZ)

    def clean_end(self) -> datetime.datetime:
        return self.cleaned_data["end"].astimezone(TZ)

    def clean_activity(self) -> Activity | None:
        code = self.cleaned_data["activity"].strip()
        if not code:
            return None
        activity = Activity.objects.visible_to(self.user).filter(code=code).first()
        if activity is None:
            raise ValidationError("活动编号不存在或不在您的范围内")
        return activity


class ReasonForm(EdgeRules, forms.Form):
    reason = forms.CharField(label="原因", max_length=300, required=False, widget=forms.Textarea)

    def __init__(
        self, *args: Any, required: bool = False, label: str = "原因", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        self.fields["reason"].label = label


class ItemForm(EdgeRules, ListFormMixin, forms.Form):
    """A need or a project of an organisation the user manages (``org``); a new one has no
    ``status`` yet. ``MATCHED_BY`` names the list field matching needs (it may not be empty)
    and what to say when it is."""

    MATCHED_BY: tuple[str, str] = ("", "")

    def __init__(self, *args: Any, user: Any, instance: Any = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            initial = instance_initial(self.base_fields, instance, skip=("org", *self.LIST_FIELDS))
            initial.update(self.list_initial(instance), org=instance.org.code)
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = Organisation.objects.manageable_by(user)
        if instance is None:
            del self.fields["status"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.clean_lists(data)
        name, message = self.MATCHED_BY
        if name in data and not data[name]:
            self.add_error(name, message)
        return data


class NeedForm(ItemForm):
    LIST_FIELDS = ("tags",)
    MATCHED_BY = ("tags", "请至少填写一个标签，用于匹配资源和合作单位")

    title = forms.CharField(label="需求名称", max_length=200)
    org = OrgField(label="提出组织", widget=Picker("orgs.managed"))
    tags = forms.CharField(
        label="标签", required=False, help_text=f"需要什么，如 技术攻关、活动阵地；{LIST_HINT}"
    )
    sharing = forms.ChoiceField(
        label="公开范围", choices=SharingLevel.choices, initial=SharingLevel.COMPANY
    )
    needed_by = forms.DateField(label="期望完成日期", required=False, widget=DateInput())
    contact = forms.CharField(label="联系人", max_length=50, required=False)
    status = forms.ChoiceField(label="状态", choices=NeedStatus.choices, initial=NeedStatus.OPEN)
    description = forms.CharField(
        label="需求描述", required=False, max_length=ITEM_DESCRIPTION_MAX, widget=forms.Textarea
    )


class ProjectForm(ItemForm):
    LIST_FIELDS = ("tags", "partners_wanted")
    MATCHED_BY = ("partners_wanted", "请至少填写一项，用于匹配合作单位")

    title = forms.CharField(label="项目名称", max_length=200)
    org = OrgField(label="牵头组织", widget=Picker("orgs.managed"))
    tags = forms.CharField(
        label="标签", required=False, help_text=f"项目领域，如 科技创新、数字化；{LIST_HINT}"
    )
    partners_wanted = forms.CharField(
        label="希望合作方提供", required=False, help_text=f"如 专家团队、技术攻关；{LIST_HINT}"
    )
    sharing = forms.ChoiceField(
        label="公开范围", choices=SharingLevel.choices, initial=SharingLevel.COMPANY
    )
    start = forms.DateField(label="开始日期", required=False, widget=DateInput())
    end = forms.DateField(label="结束日期", required=False, widget=DateInput())
    status = forms.ChoiceField(
        label="状态", choices=ProjectStatus.choices, initial=ProjectStatus.RECRUITING
    )
    description = forms.CharField(
        label="项目简介", required=False, max_length=ITEM_DESCRIPTION_MAX, widget=forms.Textarea
    )


class MatchForm(EdgeRules, forms.Form):
    """Record a match with a suggested (or any visible) resource or organisation."""

    target = forms.RegexField(
        label="对接对象",
        regex=r"^(resource|org):[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$",
        error_messages={"invalid": "对接对象无效"},
    )
    note = forms.CharField(label="对接说明", max_length=300, required=False)


class MatchStatusForm(EdgeRules, forms.Form):
    status = forms.ChoiceField(label="状态", choices=MatchStatus.choices)


class PhotoForm(EdgeRules, forms.Form):
    file = forms.FileField(label="照片（PNG 或 JPEG，不超过 10 MB）")
