"""The values a scheme scores that people deliver: KPI batches and values, evaluators' scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.assessment.models.schemes import Indicator
from lianjian.core.scope import (
    ScopedQuerySet,
    ScopeRules,
    Sees,
)
from lianjian.orgs.models import Organisation


class KpiBatch(models.Model):
    """One delivery of business KPI values: an Excel import, an API call or a form entry,
    with who and when — the record a KPI number drills down to."""

    class Channel(models.TextChoices):
        EXCEL = "excel", "Excel导入"
        API = "api", "接口"
        FORM = "form", "页面录入"

    channel = models.CharField("来源", max_length=8, choices=Channel.choices)
    file_name = models.CharField("文件名", max_length=200, blank=True)
    row_count = models.PositiveIntegerField("行数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by_name = models.CharField("导入人", max_length=150, blank=True)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "业务指标导入批次"
        verbose_name_plural = "业务指标导入批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.created_at:%Y-%m-%d %H:%M}"


class KpiValueQuerySet(ScopedQuerySet["KpiValue"]):
    pass


class KpiValue(models.Model):
    """A business KPI (业务指标) of an organisation for a period, keyed like the Excel kind
    ``kpis`` (contracts §3): (组织编码, 期间, 指标编码). ``batch`` is the latest delivery that
    set the value; earlier values are in the audit log."""

    # Seen with the organisation it describes. Who may *enter* a value is not a relation of
    # the row (a value is keyed by indicator code, not by scheme): ``entry.KpiEntry`` decides
    # it — the scheme's owners or the indicator's data provider, never the assessed.
    SCOPE = ScopeRules(view=[Sees("org")])

    AUDIT_FIELDS = ("org_id", "period", "indicator_code", "value", "batch_id")

    org = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.PROTECT, related_name="kpi_values"
    )
    period = models.CharField("期间", max_length=8)
    indicator_code = models.CharField("指标编码", max_length=16)
    value = models.FloatField("数值")
    batch = models.ForeignKey(
        KpiBatch, verbose_name="导入批次", on_delete=models.PROTECT, related_name="values"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = KpiValueQuerySet.as_manager()

    class Meta:
        verbose_name = "业务指标值"
        verbose_name_plural = "业务指标值"
        ordering = ["org__code", "period", "indicator_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "period", "indicator_code"], name="assessment_kpi_unique"
            ),
        ]
        indexes = [models.Index(fields=["period", "indicator_code"])]

    def __str__(self) -> str:
        return f"{self.indicator_code}@{self.period}={self.value:g}"


class ManualScoreQuerySet(ScopedQuerySet["ManualScore"]):
    pass


class ManualScore(models.Model):
    """An evaluator's score (评议打分, e.g. 书记述职评议) for one organisation, indicator and
    period: 0 … the indicator's max; each evaluator scores once (a correction replaces the
    score and is audited)."""

    # Seen with the organisation it scores.
    SCOPE = ScopeRules(view=[Sees("org")])

    AUDIT_FIELDS = ("indicator_id", "org_id", "period", "evaluator_id", "score", "comment")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="manual_scores")
    org = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField("期间", max_length=8)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评议人",
        on_delete=models.PROTECT,
        related_name="assessment_scores",
    )
    score = models.FloatField("得分")
    comment = models.CharField("评语", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ManualScoreQuerySet.as_manager()

    class Meta:
        verbose_name = "评议打分"
        verbose_name_plural = "评议打分"
        ordering = ["indicator", "org__code", "evaluator_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "org", "period", "evaluator"],
                name="assessment_manual_score_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}@{self.period} {self.score:g}"
