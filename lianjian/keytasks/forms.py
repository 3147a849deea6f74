"""Forms of the key-task screens. Organisations, members and activities are chosen with
pickers (``lianjian.core.widgets.Picker``); each field validates the code it receives
against the rows the user may choose there, so a typed code outside them is refused in
Chinese. The rules of the values themselves live in :mod:`lianjian.keytasks.rules` and are
applied again by the services (a form only turns text into objects)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from lianjian.activities.models import Activity
from lianjian.core.forms import EdgeRules
from lianjian.core.widgets import Picker, split_codes
from lianjian.keytasks import rules
from lianjian.keytasks.models import (
    EvidenceKind,
    KeyTask,
    KeyTaskList,
    KpiDirection,
    ProgressMode,
    TaskCategory,
)
from lianjian.keytasks.pickers import (
    activities_for,
    approval_meetings_for,
    owner_orgs_for,
    party_members_for,
)
from lianjian.orgs.forms import DateInput, OrgField
from lianjian.orgs.models import Member, Organisation


class MemberField(forms.CharField):
    """A member chosen by 人员编号 among a queryset (the members the user may choose)."""

    def __init__(self, *, queryset: Any = None, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(max_length=32, **kwargs)

    def clean(self, value: Any) -> Member | None:
        number = super().clean(value)
        if not number:
            return None
        member: Member | None = (
            self.queryset.filter(number=number.strip()).first()
            if self.queryset is not None
            else None
        )
        if member is None:
            raise ValidationError("人员编号不存在或不在您的范围内")
        return member


class MembersField(forms.CharField):
    """Several members by 人员编号 (``、``-separated), each among a queryset."""

    def __init__(self, *, queryset: Any = None, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(max_length=2000, **kwargs)

    def clean(self, value: Any) -> list[Member]:
        numbers = split_codes(super().clean(value))
        if not numbers:
            return []
        found = {m.number: m for m in self.queryset.filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise ValidationError(f"以下人员编号不存在或不在您的范围内：{'、'.join(missing)}")
        return [found[n] for n in numbers]


class ActivityField(forms.CharField):
    """An activity or meeting record chosen by 活动编号 among a queryset."""

    def __init__(self, *, queryset: Any = None, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(max_length=32, **kwargs)

    def clean(self, value: Any) -> Activity | None:
        code = super().clean(value)
        if not code:
            return None
        activity: Activity | None = (
            self.queryset.filter(code=code.strip()).first() if self.queryset is not None else None
        )
        if activity is None:
            raise ValidationError("活动编号不存在或不在您的范围内")
        return activity


def _narrow(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    """Limit the field ``name`` (an :class:`OrgField`, :class:`MemberField` …) to ``queryset``:
    the rows it accepts and whose names its picker may show."""
    setattr(form.fields[name], "queryset", queryset)  # noqa: B010 - fields are typed as Field


def _choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(name)
    field.choices = choices


class TaskListForm(EdgeRules, forms.Form):
    """新建清单: an organisation's key-task list for a year (草拟 until 下达)."""

    code = forms.CharField(
        label="清单编码", max_length=32, help_text="字母、数字、下划线、短横线，如 GS-2026-GJRW"
    )
    organisation = OrgField(label="下达组织", widget=Picker("orgs.managed_internal"))
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    name = forms.CharField(label="清单名称", max_length=200)
    approval_activity = ActivityField(
        label="审议会议",
        required=False,
        help_text="平台中记录的会议（如支部委员会）；党委会、经理层会议等未记录的会议填在下一栏",
        widget=Picker("keytasks.approvals"),
    )
    approval_ref = forms.CharField(
        label="审议会议（文字）", max_length=200, required=False, help_text="如 2026年第1次党委会"
    )
    approved_on = forms.DateField(label="审议日期", required=False, widget=DateInput())

    def __init__(
        self, *args: Any, user: Any, instance: KeyTaskList | None = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "approval_activity": getattr(instance.approval_activity, "code", ""),
                "approval_ref": instance.approval_ref,
                "approved_on": instance.approved_on,
            }
        super().__init__(*args, **kwargs)
        self.user = user
        _narrow(
            self, "organisation", (Organisation.objects.active().internal().manageable_by(user))
        )
        _narrow(self, "approval_activity", approval_meetings_for(user))
        if instance is not None:
            # Whose list it is and for which year do not change; a change after 下达 is a
            # new version of the same list.
            for name in ("code", "organisation", "year"):
                del self.fields[name]

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip()
        if KeyTaskList.objects.filter(code=code).exists():
            raise ValidationError("清单编码已存在")
        return code


class TaskForm(EdgeRules, forms.Form):
    """A task of a list (new, or edited by the issuing organisation)."""

    code = forms.CharField(label="任务编码", max_length=32, help_text="创建后不可修改")
    name = forms.CharField(label="任务名称", max_length=200)
    parent = forms.ChoiceField(label="上级任务", required=False)
    category = forms.ChoiceField(label="类别")
    theme = forms.CharField(
        label="党建+X 主题", max_length=100, required=False, help_text="如 党建+安全生产"
    )
    owner_org = OrgField(
        label="责任组织",
        help_text="清单下达组织或其下级组织",
        widget=Picker("keytasks.owner_orgs", context=lambda form: {"list": form.task_list.code}),
    )
    owner = MemberField(
        label="责任人",
        required=False,
        help_text="责任组织的党员（群众只能作为参与人）；先选择责任组织",
        widget=Picker("keytasks.party_members", depends=("owner_org",)),
    )
    sponsor = MemberField(label="包保领导", required=False, widget=Picker("keytasks.party_members"))
    participants = MembersField(
        label="参与党员", required=False, widget=Picker("keytasks.party_members", multiple=True)
    )
    participant_names = forms.CharField(
        label="其他参与人",
        max_length=500,
        required=False,
        help_text="群众等非党员参与人，以顿号分隔",
    )
    planned_start = forms.DateField(label="计划开始", widget=DateInput())
    planned_end = forms.DateField(label="计划完成", widget=DateInput())
    progress_mode = forms.ChoiceField(
        label="进度方式",
        choices=ProgressMode.choices,
        initial=ProgressMode.MANUAL,
        help_text="手动：按确认的进度报告；里程碑：已验收节点的权重占比；子任务：子任务进度的（加权）平均；指标：当前值相对基准值和目标值",
    )
    weight = forms.FloatField(
        label="权重", initial=1.0, min_value=0, help_text="在上级任务中的权重（如投资额），默认 1"
    )
    excluded = forms.BooleanField(label="不计入上级任务进度", required=False)
    kpi_unit = forms.CharField(label="指标单位", max_length=20, required=False)
    kpi_baseline = forms.FloatField(label="基准值", required=False)
    kpi_target = forms.FloatField(label="目标值", required=False)
    kpi_direction = forms.ChoiceField(
        label="指标方向", choices=[("", "—"), *KpiDirection.choices], required=False
    )

    FIELDS = (
        "name",
        "parent",
        "category",
        "theme",
        "owner_org",
        "owner",
        "sponsor",
        "participants",
        "participant_names",
        "planned_start",
        "planned_end",
        "progress_mode",
        "weight",
        "excluded",
        "kpi_unit",
        "kpi_baseline",
        "kpi_target",
        "kpi_direction",
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        task_list: KeyTaskList,
        instance: KeyTask | None = None,
        **kwargs: Any,
    ) -> None:
        self.task_list, self.instance = task_list, instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": instance.code,
                "name": instance.name,
                "parent": getattr(instance.parent, "code", ""),
                "category": str(instance.category_id),
                "theme": instance.theme,
                "owner_org": instance.owner_org.code,
                "owner": getattr(instance.owner, "number", ""),
                "sponsor": getattr(instance.sponsor, "number", ""),
                "participants": "、".join(m.number for m in instance.participants.all()),
                "participant_names": instance.participant_names,
                "planned_start": instance.planned_start,
                "planned_end": instance.planned_end,
                "progress_mode": instance.progress_mode,
                "weight": instance.weight,
                "excluded": instance.excluded,
                "kpi_unit": instance.kpi_unit,
                "kpi_baseline": instance.kpi_baseline,
                "kpi_target": instance.kpi_target,
                "kpi_direction": instance.kpi_direction,
            }
        super().__init__(*args, **kwargs)
        self.user = user
        tasks = KeyTask.objects.filter(task_list=task_list).exclude(state=rules.CANCELLED)
        if instance is not None:
            tasks = tasks.exclude(pk=instance.pk)
            self.fields["code"].disabled = True
        self.parents = {t.code: t for t in tasks.only("id", "code", "name", "task_list_id")}
        _choices(
            self,
            "parent",
            [("", "— 无（顶层任务）—")]
            + [(c, f"{t.name}（{c}）") for c, t in self.parents.items()],
        )
        categories = TaskCategory.objects.filter(active=True)
        if instance is not None:
            categories = TaskCategory.objects.filter(active=True) | TaskCategory.objects.filter(
                pk=instance.category_id
            )
        self.categories = {str(c.pk): c for c in categories.order_by("position", "id")}
        _choices(self, "category", [(k, c.name) for k, c in self.categories.items()])
        _narrow(self, "owner_org", owner_orgs_for(user, task_list))
        people = party_members_for(user)
        for name in ("owner", "sponsor", "participants"):
            _narrow(self, name, people)

    def clean_code(self) -> str:
        if self.instance is not None:
            return self.instance.code
        code = str(self.cleaned_data["code"]).strip()
        if KeyTask.objects.filter(code=code).exists():
            raise ValidationError("任务编码已存在")
        return code

    def clean_parent(self) -> KeyTask | None:
        code = self.cleaned_data["parent"]
        return self.parents.get(code) if code else None

    def clean_category(self) -> TaskCategory:
        return self.categories[self.cleaned_data["category"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, message in rules.task_date_errors(
            data.get("planned_start"), data.get("planned_end"), self.task_list.year
        ).items():
            if name not in self.errors:
                self.add_error(name, message)
        for name, message in rules.kpi_errors(data).items():
            if name not in self.errors:
                self.add_error(name, message)
        return data

    def values(self) -> dict[str, Any]:
        """The cleaned values the services take (every field but the code)."""
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class ActionForm(EdgeRules, forms.Form):
    """An action without fields (认领, 确认 …): bound to the POST so that a refusal of the
    service can be shown on it."""


class ReasonForm(EdgeRules, forms.Form):
    """退回, 暂缓, 撤销 (and a report's 退回): a reason is required."""

    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class MilestoneForm(EdgeRules, forms.Form):
    name = forms.CharField(label="节点名称", max_length=200)
    weight = forms.FloatField(label="权重", initial=1.0, min_value=0)
    planned_on = forms.DateField(label="计划日期", widget=DateInput())


class DateForm(EdgeRules, forms.Form):
    """The date of a milestone's 完成 or 验收 (blank: today)."""

    on = forms.DateField(label="日期", required=False, widget=DateInput(), help_text="空白为今天")

    def day(self, today: datetime.date) -> datetime.date:
        value = self.cleaned_data.get("on")
        return value if isinstance(value, datetime.date) else today


class ReportForm(EdgeRules, forms.Form):
    """A progress report (月报 or 季报) with optional evidence: an activity or meeting record."""

    period = forms.CharField(label="期间", max_length=7, help_text="月报如 2026-11，季报如 2026Q4")
    percent = forms.FloatField(label="进度（%）", min_value=0, max_value=100)
    kpi_value = forms.FloatField(label="指标值", required=False)
    text = forms.CharField(
        label="说明", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    activity = ActivityField(
        label="佐证（活动或会议）",
        required=False,
        help_text="选择平台中已记录的活动或会议，不需要上传照片",
        widget=Picker("keytasks.activities"),
    )

    def __init__(
        self, *args: Any, user: Any, task: KeyTask, today: datetime.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.task, self.today = task, today
        _narrow(self, "activity", activities_for(user))
        if task.progress_mode != ProgressMode.KPI:
            del self.fields["kpi_value"]

    def clean_period(self) -> str:
        period = str(self.cleaned_data["period"]).strip().upper()
        problem = rules.period_problem(period, self.task.task_list.year, self.today)
        if problem:
            raise ValidationError(problem)
        return period


class EvidenceForm(EdgeRules, forms.Form):
    """Evidence as a link to an existing record (an activity or meeting), a document or a web address."""

    kind = forms.ChoiceField(
        label="类型", choices=EvidenceKind.choices, initial=EvidenceKind.ACTIVITY
    )
    activity = ActivityField(
        label="活动或会议", required=False, widget=Picker("keytasks.activities")
    )
    title = forms.CharField(label="名称", max_length=200, required=False)
    url = forms.URLField(label="地址", max_length=500, required=False, assume_scheme="https")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _narrow(self, "activity", activities_for(user))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind in (EvidenceKind.ACTIVITY, EvidenceKind.MEETING):
            if data.get("activity") is None and "activity" not in self.errors:
                self.add_error("activity", "请选择活动或会议记录")
        elif kind in (EvidenceKind.DOCUMENT, EvidenceKind.LINK):
            if not data.get("url") and "url" not in self.errors:
                self.add_error("url", "请填写文件或链接地址")
            if not (data.get("title") or "").strip():
                self.add_error("title", "请填写名称")
        return data


class PackageForm(EdgeRules, forms.Form):
    """新建任务包: a monthly 重点任务包 of an organisation the user manages (a draft until 发布)."""

    organisation = OrgField(label="组织", widget=Picker("orgs.managed_internal"))
    month = forms.CharField(label="月份", max_length=7, help_text="YYYY-MM，如 2026-12")
    name = forms.CharField(label="任务包名称", max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _narrow(
            self, "organisation", (Organisation.objects.active().internal().manageable_by(user))
        )

    def clean_month(self) -> str:
        month = str(self.cleaned_data["month"]).strip()
        problem = rules.month_problem(month)
        if problem:
            raise ValidationError(problem)
        return month


class PackageItemForm(EdgeRules, forms.Form):
    """添加事项: its title, an optional linked key task (by code, among the tasks the user
    sees) and how many members may claim it."""

    title = forms.CharField(label="事项", max_length=200)
    task = forms.CharField(
        label="关联任务编码", max_length=32, required=False, help_text="可选，如 GS-2026-01-A"
    )
    capacity = forms.IntegerField(
        label="可认领人数", min_value=1, max_value=rules.CAPACITY_MAX, initial=1
    )
    description = forms.CharField(
        label="说明", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_task(self) -> KeyTask | None:
        code = str(self.cleaned_data.get("task") or "").strip()
        if not code:
            return None
        task = KeyTask.objects.visible_to(self.user).filter(code=code).first()
        if task is None:
            raise ValidationError("找不到该任务编码")
        return task
