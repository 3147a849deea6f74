"""党建+关键任务: key-task lists, their tasks (a tree), milestones, progress reports, evidence
and the monthly 重点任务包 (fusion.md §1).

The rules of the fields live once in :mod:`lianjian.keytasks.rules` (pure); progress is
computed by :mod:`lianjian.keytasks.progress`; writes go through
:mod:`lianjian.keytasks.services` (audited). Nothing is hard-deleted: a task is 撤销 with a
reason, a report 已退回 with a reason.

Scope (``SCOPE``, :mod:`lianjian.core.scope`):

- a **list** is seen by whoever sees its organisation or the owner organisation of one of its
  tasks; managed (edited, 下达, closed) by the managers of its organisation;
- a **task** is seen with its list's organisation, its owner organisation, or by its owner,
  sponsor and participants; ``change`` (edit, 下达, 退回, 暂缓, 撤销, 归档) is the issuing
  organisation's (the list's); ``work`` (认领, 推进, 申请验收) the owner organisation's
  managers'; ``report`` (progress) the owner member's or the owner organisation's managers';
  ``confirm`` (confirm or return a report, accept milestones and the task) the issuing
  organisation's managers — never the assessed side: a manager whose own organisation is
  the owner organisation does not confirm (the admin always may).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.activities.models import Activity
from lianjian.core.scope import (
    MANAGE,
    Also,
    IsOwnMember,
    Manages,
    Only,
    Scope,
    ScopedQuerySet,
    ScopeRules,
    Sees,
    Where,
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
from lianjian.orgs.models import Member, Organisation, validate_code


class ListState(models.TextChoices):
    DRAFT = rules.LIST_DRAFT, rules.LIST_DRAFT
    ISSUED = rules.LIST_ISSUED, rules.LIST_ISSUED
    RUNNING = rules.LIST_RUNNING, rules.LIST_RUNNING
    CLOSED = rules.LIST_CLOSED, rules.LIST_CLOSED


class TaskState(models.TextChoices):
    DRAFT = rules.DRAFT, rules.DRAFT
    ISSUED = rules.ISSUED, rules.ISSUED
    CLAIMED = rules.CLAIMED, rules.CLAIMED
    IN_PROGRESS = rules.IN_PROGRESS, rules.IN_PROGRESS
    ACCEPTANCE = rules.ACCEPTANCE, rules.ACCEPTANCE
    ACCEPTED = rules.ACCEPTED, rules.ACCEPTED
    ARCHIVED = rules.ARCHIVED, rules.ARCHIVED
    RETURNED = rules.RETURNED, rules.RETURNED
    SUSPENDED = rules.SUSPENDED, rules.SUSPENDED
    CANCELLED = rules.CANCELLED, rules.CANCELLED


class ProgressMode(models.TextChoices):
    MANUAL = rules.MANUAL, rules.MANUAL
    MILESTONES = rules.MILESTONES, rules.MILESTONES
    CHILDREN = rules.CHILDREN, rules.CHILDREN
    KPI = rules.KPI, rules.KPI


class KpiDirection(models.TextChoices):
    HIGHER = rules.HIGHER, rules.HIGHER
    LOWER = rules.LOWER, rules.LOWER


class ReportState(models.TextChoices):
    SUBMITTED = "已提交", "已提交"
    CONFIRMED = "已确认", "已确认"
    RETURNED = "已退回", "已退回"


def _confirm_q(scope: Scope) -> Q | None:
    """Managed through the issuing organisation, and the owner organisation is not the
    user's own (the assessed side never confirms its own values)."""
    grants = scope.of(MANAGE)
    if not grants:
        return None
    reach = Q()
    for i, g in enumerate(grants):
        cond = g.q("task_list__organisation")
        reach = cond if i == 0 else reach | cond
    return reach & ~Q(owner_org__path=scope.org_path)


def _confirm_check(scope: Scope, task: Any) -> bool:
    org = task.task_list.organisation
    return task.owner_org.path != scope.org_path and any(
        g.covers(org.path) for g in scope.of(MANAGE)
    )


CONFIRM = Where(_confirm_q, _confirm_check)


class TaskCategory(models.Model):
    """A category of key task (技改项目, 生产任务指标 …): data the admin extends."""

    AUDIT_FIELDS = ("name", "position", "active")

    name = models.CharField("类别名称", max_length=50, unique=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "任务类别"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_key(self) -> str:
        return self.name


class KeyTaskListQuerySet(ScopedQuerySet["KeyTaskList"]):
    pass


class KeyTaskList(models.Model):
    """An organisation's key-task list for a year: 草拟 → 已下达 → 执行中 → 已关闭.

    Approved by a recorded meeting: ``approval_activity`` (a 支部委员会 in the activity
    records) or, when the meeting is not one the platform records (党委会, 经理层会议),
    ``approval_ref``. ``version`` grows by one with every change after 下达
    (:class:`ListVersion` records what changed).
    """

    SCOPE = ScopeRules(
        view=[Sees("organisation"), Sees("tasks__owner_org")],
        change=[Manages("organisation")],
    )

    AUDIT_FIELDS = (
        "code",
        "organisation_id",
        "year",
        "name",
        "state",
        "approval_activity_id",
        "approval_ref",
        "approved_on",
        "version",
    )
    DATE_WINDOWS = {"approved_on": HISTORY}

    code = models.CharField("清单编码", max_length=32, unique=True, validators=[validate_code])
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="下达组织",
        on_delete=models.PROTECT,
        related_name="key_task_lists",
    )
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("清单名称", max_length=200)
    state = models.CharField(
        "状态", max_length=8, choices=ListState.choices, default=ListState.DRAFT
    )
    approval_activity = models.ForeignKey(
        Activity,
        verbose_name="审议会议",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approval_ref = models.CharField("审议会议（文字）", max_length=200, blank=True)
    approved_on = models.DateField("审议日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = KeyTaskListQuerySet.as_manager()

    class Meta:
        verbose_name = "关键任务清单"
        ordering = ["-year", "code"]
        indexes = [models.Index(fields=["organisation", "year"], name="ktlist_org_year_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_key(self) -> str:
        return self.code

    def clean(self) -> None:
        errors = date_errors(KeyTaskList, instance_values(self))
        problem = rules.list_year_problem(self.year, today().year)
        if problem:
            errors["year"] = problem
        raise_errors(errors)


class ListVersion(models.Model):
    """One version of a list after 下达: what changed, when, by whom."""

    task_list = models.ForeignKey(
        KeyTaskList, on_delete=models.CASCADE, related_name="versions", verbose_name="清单"
    )
    number = models.PositiveIntegerField("版本")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    summary = models.CharField("变更说明", max_length=500)
    changes = models.JSONField("变更内容", default=dict, blank=True)

    class Meta:
        verbose_name = "清单版本"
        ordering = ["task_list_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["task_list", "number"], name="ktlist_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.task_list} v{self.number}"


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


class ProgressReport(models.Model):
    """A progress report (月报 ``2026-11`` or 季报 ``2026Q4``): 已提交 → 已确认 | 已退回.

    The owner side submits; the issuing organisation confirms (then the task's progress and
    KPI value follow) or returns it with a reason; a returned report may be submitted again.
    """

    SCOPE = ScopeRules(
        view=[Also("task")],
        report=[Also("task", "report")],
        confirm=[Also("task", "confirm")],
    )

    AUDIT_FIELDS = (
        "task_id",
        "period",
        "percent",
        "kpi_value",
        "text",
        "state",
        "reason",
        "submitted_by_id",
        "confirmed_by_id",
    )

    task = models.ForeignKey(
        KeyTask, verbose_name="任务", on_delete=models.PROTECT, related_name="reports"
    )
    period = models.CharField("期间", max_length=7)
    percent = models.FloatField("进度")
    kpi_value = models.FloatField("指标值", null=True, blank=True)
    text = models.TextField("说明", blank=True)
    state = models.CharField(
        "状态", max_length=4, choices=ReportState.choices, default=ReportState.SUBMITTED
    )
    reason = models.CharField("退回原因", max_length=500, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet["ProgressReport"].as_manager()

    class Meta:
        verbose_name = "进度报告"
        ordering = ["task_id", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "period"],
                name="report_task_period_unique",
                violation_error_message="该任务本期间已有进度报告",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100),
                name="report_percent_range",
                violation_error_message="进度应在 0 到 100 之间",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.period}"

    @property
    def audit_key(self) -> str:
        return f"{self.task.code}/{self.period}" if self.task_id else self.period

    def clean(self) -> None:
        errors: dict[str, str] = {}
        problem = rules.percent_problem(self.percent)
        if problem:
            errors["percent"] = problem
        if self.task_id is not None:
            problem = rules.period_problem(self.period, self.task.task_list.year, today())
            if problem:
                errors["period"] = problem
        raise_errors(errors)


class EvidenceKind(models.TextChoices):
    ACTIVITY = "活动", "活动"
    MEETING = "会议", "会议"
    DOCUMENT = "文件", "文件"
    LINK = "链接", "链接"


class Evidence(models.Model):
    """Evidence of a task (or of one of its reports) as a link to a record that exists
    already: an activity or meeting (三会一课, 主题党日 … in the activity records), a document
    or a web address. Never a required photo. Withdrawn with a reason, never deleted."""

    SCOPE = ScopeRules(view=[Also("task")], change=[Also("task", "report")])

    AUDIT_FIELDS = ("task_id", "report_id", "kind", "activity_id", "title", "url", "withdrawn")

    task = models.ForeignKey(
        KeyTask, verbose_name="任务", on_delete=models.PROTECT, related_name="evidence"
    )
    report = models.ForeignKey(
        ProgressReport,
        verbose_name="进度报告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    kind = models.CharField("类型", max_length=4, choices=EvidenceKind.choices)
    activity = models.ForeignKey(
        Activity,
        verbose_name="活动/会议",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField("名称", max_length=200, blank=True)
    url = models.URLField("地址", max_length=500, blank=True)
    withdrawn = models.BooleanField("已撤回", default=False)
    withdrawn_reason = models.CharField("撤回原因", max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet["Evidence"].as_manager()

    class Meta:
        verbose_name = "佐证"
        ordering = ["task_id", "id"]

    def __str__(self) -> str:
        if self.activity_id is not None:
            return str(self.activity)
        return self.title or self.url

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind in (EvidenceKind.ACTIVITY, EvidenceKind.MEETING) and self.activity_id is None:
            errors["activity"] = "请选择活动或会议记录"
        if self.kind in (EvidenceKind.DOCUMENT, EvidenceKind.LINK):
            if not (self.url or "").strip():
                errors["url"] = "请填写文件或链接地址"
            if not (self.title or "").strip():
                errors["title"] = "请填写名称"
        raise_errors(errors)


class TaskPackageQuerySet(ScopedQuerySet["TaskPackage"]):
    pass


class TaskPackage(models.Model):
    """A monthly 重点任务包 of an organisation: items its members may claim (认领). Its
    managers see it from the start; the members see it once it is published (发布)."""

    SCOPE = ScopeRules(
        view=[
            Manages("organisation"),
            Only(Q(published=True), lambda p: p.published, Sees("organisation")),
        ],
        change=[Manages("organisation")],
    )

    AUDIT_FIELDS = ("organisation_id", "month", "name", "published", "closed")

    organisation = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.PROTECT, related_name="task_packages"
    )
    month = models.CharField("月份", max_length=7)
    name = models.CharField("名称", max_length=200)
    published = models.BooleanField("已发布", default=False)
    closed = models.BooleanField("已关闭", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskPackageQuerySet.as_manager()

    class Meta:
        verbose_name = "重点任务包"
        ordering = ["-month", "organisation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "month", "name"],
                name="package_org_month_name_unique",
                violation_error_message="该组织本月已有同名任务包",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.name}"

    @property
    def audit_key(self) -> str:
        return f"{self.organisation.code}/{self.month}/{self.name}"

    def clean(self) -> None:
        problem = rules.month_problem(self.month)
        if problem:
            raise_errors({"month": problem})


class PackageItem(models.Model):
    """One item of a task package, optionally tied to a task; up to ``capacity`` members
    claim it (认领), each once (:class:`PackageClaim`)."""

    SCOPE = ScopeRules(
        view=[Also("package")],
        change=[Also("package", "change")],
        claim=[Also("package")],
    )

    AUDIT_FIELDS = ("package_id", "title", "task_id", "capacity", "withdrawn")

    package = models.ForeignKey(
        TaskPackage, verbose_name="任务包", on_delete=models.PROTECT, related_name="items"
    )
    title = models.CharField("事项", max_length=200)
    description = models.TextField("说明", blank=True)
    task = models.ForeignKey(
        KeyTask,
        verbose_name="关联任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="package_items",
    )
    capacity = models.PositiveSmallIntegerField("可认领人数", default=1)
    withdrawn = models.BooleanField("已撤回", default=False)
    withdrawn_reason = models.CharField("撤回原因", max_length=200, blank=True)

    objects = ScopedQuerySet["PackageItem"].as_manager()

    class Meta:
        verbose_name = "任务包事项"
        ordering = ["package_id", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_key(self) -> str:
        return f"{self.package_id}/{self.pk}"

    def clean(self) -> None:
        problem = rules.capacity_problem(self.capacity)
        if problem:
            raise_errors({"capacity": problem})


class PackageClaim(models.Model):
    """A member's claim (认领) of a package item; withdrawn (撤回) by the member before the
    month ends, never deleted. One standing claim per member and item."""

    SCOPE = ScopeRules(view=[Also("item")], withdraw=[IsOwnMember("member")])

    AUDIT_FIELDS = ("item_id", "member_id", "claimed_on", "withdrawn", "withdrawn_on")

    item = models.ForeignKey(
        PackageItem, verbose_name="事项", on_delete=models.PROTECT, related_name="claims"
    )
    member = models.ForeignKey(
        Member, verbose_name="认领人", on_delete=models.PROTECT, related_name="package_claims"
    )
    claimed_on = models.DateField("认领日期")
    withdrawn = models.BooleanField("已撤回", default=False)
    withdrawn_on = models.DateField("撤回日期", null=True, blank=True)

    objects = ScopedQuerySet["PackageClaim"].as_manager()

    class Meta:
        verbose_name = "任务包认领"
        ordering = ["item_id", "claimed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "member"],
                condition=Q(withdrawn=False),
                name="package_claim_once",
                violation_error_message="已认领该事项",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.member_id}"

    @property
    def audit_key(self) -> str:
        return f"{self.item_id}/{self.pk}"
