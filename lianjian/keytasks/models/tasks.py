"""Key tasks (a tree) and their milestones; the field rules of a task.

Part of :mod:`lianjian.keytasks.models` (the package docstring states the scope)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.core.scope import (
    Also,
    IsOwnMember,
    Manages,
    ScopedQuerySet,
    ScopeRules,
    Sees,
)
from lianjian.core.validation import (
    HISTORY,
    PLANNED,
    date_errors,
    instance_values,
    raise_errors,
    today,
)
from lianjian.keytasks import rules
from lianjian.keytasks.models.lists import (
    CONFIRM,
    KeyTaskList,
    KpiDirection,
    ProgressMode,
    TaskCategory,
    TaskState,
)
from lianjian.orgs.models import Member, Organisation, validate_code


class KeyTaskQuerySet(ScopedQuerySet["KeyTask"]):
    def counted(self) -> KeyTaskQuerySet:
        return self.exclude(state=TaskState.CANCELLED)


class KeyTask(models.Model):
    """A key task, a node of its list's tree (company task → branch sub-tasks)."""

    SCOPE = ScopeRules(
        view=[
            Sees("task_list__organisation"),
            Sees("owner_org"),
            IsOwnMember("owner"),
            IsOwnMember("sponsor"),
            IsOwnMember("participants"),
        ],
        change=[Manages("task_list__organisation")],
        work=[Manages("owner_org")],
        report=[IsOwnMember("owner"), Manages("owner_org")],
        confirm=[CONFIRM],
    )

    AUDIT_FIELDS = (
        "code",
        "task_list_id",
        "parent_id",
        "name",
        "category_id",
        "theme",
        "owner_org_id",
        "owner_id",
        "sponsor_id",
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
        "kpi_current",
        "manual_progress",
        "preset",
        "state",
        "state_reason",
        "started_on",
        "accepted_on",
    )
    DATE_WINDOWS = {
        "planned_start": PLANNED,
        "planned_end": PLANNED,
        "started_on": HISTORY,
        "accepted_on": HISTORY,
    }

    code = models.CharField("任务编码", max_length=32, unique=True, validators=[validate_code])
    task_list = models.ForeignKey(
        KeyTaskList, verbose_name="清单", on_delete=models.PROTECT, related_name="tasks"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField("任务名称", max_length=200)
    category = models.ForeignKey(
        TaskCategory, verbose_name="类别", on_delete=models.PROTECT, related_name="tasks"
    )
    theme = models.CharField(
        "主题", max_length=100, blank=True, help_text="党建+X，如 党建+安全生产"
    )
    owner_org = models.ForeignKey(
        Organisation,
        verbose_name="责任组织",
        on_delete=models.PROTECT,
        related_name="key_tasks",
    )
    owner = models.ForeignKey(
        Member,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_key_tasks",
    )
    sponsor = models.ForeignKey(
        Member,
        verbose_name="包保领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sponsored_key_tasks",
    )
    participants = models.ManyToManyField(
        Member, verbose_name="参与党员", blank=True, related_name="key_task_participations"
    )
    participant_names = models.CharField(
        "其他参与人", max_length=500, blank=True, help_text="群众等非党员参与人，以顿号分隔"
    )
    planned_start = models.DateField("计划开始")
    planned_end = models.DateField("计划完成")
    progress_mode = models.CharField(
        "进度方式", max_length=4, choices=ProgressMode.choices, default=ProgressMode.MANUAL
    )
    weight = models.FloatField("权重", default=1.0)
    excluded = models.BooleanField("不计入", default=False)
    kpi_unit = models.CharField("指标单位", max_length=20, blank=True)
    kpi_baseline = models.FloatField("基准值", null=True, blank=True)
    kpi_target = models.FloatField("目标值", null=True, blank=True)
    kpi_direction = models.CharField(
        "指标方向", max_length=4, choices=KpiDirection.choices, blank=True
    )
    kpi_current = models.FloatField("指标当前值", null=True, blank=True)
    manual_progress = models.FloatField("进度（手动）", null=True, blank=True)
    # The code of a deadlines preset; "" is the preset chosen for key tasks (进度滞后).
    preset = models.CharField("预警方案", max_length=32, blank=True)
    state = models.CharField(
        "状态", max_length=8, choices=TaskState.choices, default=TaskState.DRAFT
    )
    state_reason = models.CharField("状态说明", max_length=500, blank=True)
    started_on = models.DateField("实际开始", null=True, blank=True)
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    position = models.PositiveIntegerField("顺序", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = KeyTaskQuerySet.as_manager()

    class Meta:
        verbose_name = "关键任务"
        ordering = ["task_list_id", "position", "code"]
        indexes = [
            models.Index(fields=["task_list", "parent"], name="ktask_list_parent_idx"),
            models.Index(fields=["owner_org", "state"], name="ktask_owner_state_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0),
                name="ktask_weight_nonneg",
                violation_error_message="权重不能为负数",
            ),
            models.CheckConstraint(
                condition=Q(manual_progress__isnull=True)
                | (Q(manual_progress__gte=0) & Q(manual_progress__lte=100)),
                name="ktask_manual_range",
                violation_error_message="进度应在 0 到 100 之间",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_key(self) -> str:
        return self.code

    def clean(self) -> None:
        raise_errors(task_errors(self))


def task_errors(task: KeyTask, task_list: KeyTaskList | None = None) -> dict[str, str]:
    """field → message for one task's own fields — the one home of them for the model, the
    services, the API and the Excel kind. ``task_list`` is the task's list when it is not
    saved yet (an import creating both); relations are read as loaded (the owner with its
    organisation)."""
    values = instance_values(task)
    errors = date_errors(KeyTask, values)
    lst = (
        task_list
        if task_list is not None
        else (task.task_list if task.task_list_id is not None else None)
    )
    year = lst.year if lst is not None else None
    for name, message in rules.task_date_errors(task.planned_start, task.planned_end, year).items():
        errors.setdefault(name, message)
    problem = rules.weight_problem(values.get("weight"))
    if problem:
        errors.setdefault("weight", problem)
    problem = rules.percent_problem(task.manual_progress)
    if problem:
        errors.setdefault("manual_progress", problem)
    for name, message in rules.kpi_errors(values).items():
        errors.setdefault(name, message)
    owner = task.owner if task.owner_id is not None else None
    if owner is not None:
        problem = rules.owner_problem(
            owner.category, left=owner.left_on is not None, name=owner.name
        )
        if problem:
            errors.setdefault("owner", problem)
    list_org = lst.organisation if lst is not None and lst.organisation_id is not None else None
    owner_org = task.owner_org if task.owner_org_id is not None else None
    if list_org is not None and owner_org is not None:
        if not owner_org.path.startswith(list_org.path):
            errors.setdefault("owner_org", f"责任组织须是“{list_org.name}”或其下级组织")
        elif owner_org.dissolved is not None:
            errors.setdefault("owner_org", f"组织“{owner_org.name}”已撤销，不能承担任务")
    if (
        owner_org is not None
        and owner is not None
        and "owner" not in errors
        and not owner.org.path.startswith(owner_org.path)
    ):
        errors["owner"] = f"责任人须是“{owner_org.name}”或其下级组织的党员"
    if task.parent_id is not None and task.parent is not None:
        if task.parent.task_list_id != task.task_list_id:
            errors.setdefault("parent", "上级任务须属于同一清单")
        elif task.pk is not None and task.parent_id == task.pk:
            errors.setdefault("parent", "上级任务不能是本任务")
    return errors


class Milestone(models.Model):
    """A milestone of a task: planned, done (the owner says so), accepted (the issuer)."""

    SCOPE = ScopeRules(
        view=[Also("task")],
        change=[Also("task", "change")],
        report=[Also("task", "report")],
        confirm=[Also("task", "confirm")],
    )

    AUDIT_FIELDS = (
        "task_id",
        "name",
        "weight",
        "planned_on",
        "done_on",
        "accepted_on",
        "accepted_by_id",
    )
    DATE_WINDOWS = {"planned_on": PLANNED, "done_on": HISTORY, "accepted_on": HISTORY}

    task = models.ForeignKey(
        KeyTask, verbose_name="任务", on_delete=models.PROTECT, related_name="milestones"
    )
    name = models.CharField("节点名称", max_length=200)
    weight = models.FloatField("权重", default=1.0)
    planned_on = models.DateField("计划日期")
    done_on = models.DateField("完成日期", null=True, blank=True)
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验收人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.PositiveIntegerField("顺序", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet["Milestone"].as_manager()

    class Meta:
        verbose_name = "里程碑"
        ordering = ["task_id", "planned_on", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "name"],
                name="milestone_task_name_unique",
                violation_error_message="同一任务的节点名称不能重复",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0),
                name="milestone_weight_nonneg",
                violation_error_message="权重不能为负数",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_key(self) -> str:
        return f"{self.task.code}/{self.name}" if self.task_id else self.name

    @property
    def accepted(self) -> bool:
        return self.accepted_on is not None

    def clean(self) -> None:
        errors = date_errors(Milestone, instance_values(self))
        problem = rules.weight_problem(self.weight)
        if problem:
            errors.setdefault("weight", problem)
        for name, message in rules.milestone_date_errors(
            self.planned_on, self.done_on, self.accepted_on, today()
        ).items():
            errors.setdefault(name, message)
        if self.task_id is not None and isinstance(self.planned_on, type(today())):
            year = self.task.task_list.year
            if not year - rules.YEAR_SLACK <= self.planned_on.year <= year + rules.YEAR_SLACK:
                errors.setdefault("planned_on", f"计划日期应在清单年度 {year} 前后一年内")
        raise_errors(errors)
