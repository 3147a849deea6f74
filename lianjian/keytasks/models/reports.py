"""Progress reports and evidence links to records that already exist.

Part of :mod:`lianjian.keytasks.models` (the package docstring states the scope)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.activities.models import Activity
from lianjian.core.scope import (
    Also,
    ScopedQuerySet,
    ScopeRules,
)
from lianjian.core.validation import (
    raise_errors,
    today,
)
from lianjian.keytasks import rules
from lianjian.keytasks.models.lists import (
    ReportState,
)
from lianjian.keytasks.models.tasks import KeyTask


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
