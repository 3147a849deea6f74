"""Versioned results: a run of a scheme for a period, and one organisation's result in it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.assessment.models.schemes import Scheme
from lianjian.core.models import TaskJob
from lianjian.core.scope import (
    CHANGE,
    Also,
    Only,
    ScopedQuerySet,
    ScopeRules,
    Sees,
)
from lianjian.orgs.models import Organisation


class AssessmentRunQuerySet(ScopedQuerySet["AssessmentRun"]):
    pass


class AssessmentRun(models.Model):
    """One run of a scheme for a period: version 1, 2, … per (scheme, period).

    ``scheme_snapshot`` is the scheme file (assessment.md) as it was when the run was made;
    the results hold the input values and evidence. Nothing here is edited afterwards;
    publishing marks the version that counts (at most one published per scheme and period).
    """

    # The scheme's owners see every version (drafts and voided ones too); the others who
    # see the scheme see published versions only — a draft or a voided version is 404.
    SCOPE = ScopeRules(
        view=[
            Also("scheme", CHANGE),
            Only(
                Q(is_published=True, voided_at__isnull=True),
                lambda run: run.is_published and run.voided_at is None,
                Also("scheme"),
            ),
        ],
        change=[Also("scheme", CHANGE)],
    )

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="runs")
    period = models.CharField("考核期间", max_length=8)
    version = models.PositiveIntegerField("版本")
    scheme_snapshot = models.JSONField("方案快照")
    org_count = models.PositiveIntegerField("参评组织数", default=0)
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="计算人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("计算时间", auto_now_add=True)
    is_published = models.BooleanField("已发布", default=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作废人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    void_reason = models.CharField("作废原因", max_length=300, blank=True)

    objects = AssessmentRunQuerySet.as_manager()

    class Meta:
        verbose_name = "考核结果版本"
        verbose_name_plural = "考核结果版本"
        ordering = ["scheme", "-period", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "period", "version"], name="assessment_run_version_unique"
            ),
            models.UniqueConstraint(
                fields=["scheme", "period"],
                condition=Q(is_published=True),
                name="assessment_run_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.code} {self.period} 第{self.version}版"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class AssessmentResultQuerySet(ScopedQuerySet["AssessmentResult"]):
    pass


class AssessmentResult(models.Model):
    """One organisation's result in a run, exactly the JSON row of ``assess run``:
    ``dimensions`` ``{code: points}``; ``indicators`` ``{code: {"value", "points", "missing",
    "evidence"}}`` where ``evidence`` names the records behind the value (KPI id and batch,
    counts of compliance rows, activity ids, evaluator scores). ``stars`` is null when vetoed
    or below the lowest band; vetoed organisations rank after all others."""

    # The scheme's owners see every row of every version; the others the rows of the
    # organisations they see (the rank stays the scheme-wide rank) in published versions only.
    SCOPE = ScopeRules(
        view=[
            Also("run__scheme", CHANGE),
            Only(
                Q(run__is_published=True, run__voided_at__isnull=True),
                lambda r: r.run.is_published and r.run.voided_at is None,
                Sees("org"),
            ),
        ]
    )

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="results")
    org = models.ForeignKey(
        Organisation,
        verbose_name="组织",
        on_delete=models.PROTECT,
        related_name="assessment_results",
    )
    total = models.FloatField("总分")
    stars = models.PositiveSmallIntegerField("星级", null=True, blank=True)
    vetoed = models.BooleanField("一票否决", default=False)
    passed = models.BooleanField("合格", default=False)
    rank = models.PositiveIntegerField("排名")
    dimensions = models.JSONField("维度得分", default=dict)
    indicators = models.JSONField("指标得分", default=dict)

    objects = AssessmentResultQuerySet.as_manager()

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["run", "rank", "org__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "org"], name="assessment_result_unique")
        ]
        # The results list (selectors.RESULT_LIST_KEY) seeks and orders by this index.
        indexes = [models.Index(fields=["run", "rank", "id"], name="assessment_result_rank_idx")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.total:.2f}"


class RunJob(TaskJob):
    """A request to run a scheme for a period, worked by a background task
    (:func:`lianjian.assessment.services.runs.assessment_run_task`): 排队 → 完成 (``run`` is
    the new version) or 失败 (``errors``: every reason, nothing stored). The task computes
    under the job's row lock and only a job 排队 is worked, so a retry never makes a second
    version. Only the manager who asked sees it (404 for anyone else).

    ``republish_of`` set: 重新计算并发布 of that version — the task computes the next version
    and publishes it in the same transaction. At most one such job per version is waiting or
    done (a constraint), so a double click or a second tab cannot publish twice."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="+")
    period = models.CharField("期间", max_length=20)
    note = models.CharField("说明", max_length=300, blank=True)
    run = models.ForeignKey(
        AssessmentRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    republish_of = models.ForeignKey(
        AssessmentRun,
        verbose_name="重新计算并发布的版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    errors = models.JSONField("原因", default=list, blank=True)

    class Meta:
        verbose_name = "考核计算任务"
        constraints = [
            models.UniqueConstraint(
                fields=["republish_of"],
                condition=Q(republish_of__isnull=False, status__in=["排队", "完成"]),
                name="assessment_runjob_republish_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id} {self.period}（{self.status}）"


class StaleCheck(TaskJob):
    """Whether a version's inputs changed since it was computed, checked by a background
    task (:func:`lianjian.assessment.services.stale_checks.stale_check_task`): 排队 → 完成
    (``changes``: every organisation whose inputs moved, as :func:`lianjian.assessment.stale.
    changes_to_json` writes them; empty when the version is current) or 失败 (``error``).

    The check re-collects every source for every organisation of the version — at national
    scale close to a minute — so the results screen only asks for one and shows the latest
    finished one. At most one check per version waits at a time (a constraint), so two page
    views while it waits ask for it once. A finished check is a reading of that moment,
    never changed afterwards; a later view asks for a new one (``STALE_CHECK_EVERY``)."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.PROTECT, related_name="+")
    changes = models.JSONField("变化", default=list, blank=True, editable=False)
    error = models.CharField("原因", max_length=300, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "输入数据变化核对"
        constraints = [
            models.UniqueConstraint(
                fields=["run"],
                condition=Q(status="排队"),
                name="assessment_stalecheck_one_queued",
            )
        ]
        indexes = [
            models.Index(fields=["run", "status", "-finished_at"], name="stalecheck_run_idx")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}（{self.status}）"
