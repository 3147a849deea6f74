"""Objections (申诉) to a KPI value or a result, and their answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.assessment.models.runs import AssessmentResult
from lianjian.assessment.models.schemes import Scheme
from lianjian.assessment.models.values import KpiValue
from lianjian.core.scope import (
    Manages,
    ScopedQuerySet,
    ScopeRules,
    Sees,
)
from lianjian.orgs.models import Organisation


class ObjectionQuerySet(ScopedQuerySet["Objection"]):
    pass


class Objection(models.Model):
    """An objection (申诉) of the assessed against a business KPI value or a published result.

    Raised by those who see the organisation it is about (its own managers and members, and
    the managers above it) with a reason; answered by the owner side — the managers of the
    scheme's owner, or of the indicator's data provider for a KPI value: accepted with a
    corrected value (written as any KPI value is, through ``services.kpi_set_many``) or
    rejected with a reason. ``scheme`` and ``provider`` are recorded when it is raised, so
    the scope of the row never depends on later edits of the scheme.
    """

    class Status(models.TextChoices):
        OPEN = "open", "待答复"
        ACCEPTED = "accepted", "已采纳"
        REJECTED = "rejected", "未采纳"

    SCOPE = ScopeRules(
        view=[Sees("org"), Manages("scheme__owner"), Manages("provider")],
        answer=[Manages("scheme__owner"), Manages("provider")],
    )

    AUDIT_FIELDS = (
        "scheme_id",
        "org_id",
        "period",
        "indicator_code",
        "kpi_id",
        "result_id",
        "value",
        "reason",
        "status",
        "answer",
        "corrected_value",
    )

    scheme = models.ForeignKey(
        Scheme, verbose_name="考核方案", on_delete=models.PROTECT, related_name="objections"
    )
    org = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField("期间", max_length=8)
    indicator_code = models.CharField("指标编码", max_length=16, blank=True)
    kpi = models.ForeignKey(
        KpiValue,
        verbose_name="业务指标值",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    result = models.ForeignKey(
        AssessmentResult,
        verbose_name="考核结果",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    provider = models.ForeignKey(
        Organisation,
        verbose_name="数据提供部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    value = models.FloatField("申诉时的数值", null=True, blank=True)
    reason = models.TextField("申诉理由")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申诉人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raised_at = models.DateTimeField("申诉时间", auto_now_add=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField("答复", blank=True)
    corrected_value = models.FloatField("更正后的数值", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = "考核申诉"
        verbose_name_plural = "考核申诉"
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["status", "raised_at"])]

    def __str__(self) -> str:
        return f"申诉 {self.org_id} {self.period} {self.indicator_code}"

    @property
    def subject(self) -> str:
        """What it is about, as a reader says it."""
        if self.kpi_id:
            return f"业务指标 {self.indicator_code}（{self.period}）"
        return f"考核结果（{self.period}）"
