"""Key-task lists: states, categories, the list and its versions; the confirm rule.

Part of :mod:`lianjian.keytasks.models` (the package docstring states the scope)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.activities.models import Activity
from lianjian.core.scope import (
    MANAGE,
    Manages,
    Scope,
    ScopedQuerySet,
    ScopeRules,
    Sees,
    Where,
)
from lianjian.core.validation import (
    HISTORY,
    date_errors,
    instance_values,
    raise_errors,
    today,
)
from lianjian.keytasks import rules
from lianjian.orgs.models import Organisation, validate_code


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
