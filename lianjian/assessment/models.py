"""双维度考核: schemes as data, the values they score, and versioned results.

A :class:`Scheme` (考核方案) is what the 党建工作部 edits every year: dimensions (维度) with a
maximum, indicators (指标) each with one rule and one source, star bands and a pass line
(``shared/docs/assessment.md``). Values come from three places — computed from platform
records at run time, business KPIs (:class:`KpiValue`, imported from Excel or the API with
who and when, :class:`KpiBatch`), and evaluators' scores (:class:`ManualScore`, one per
evaluator, organisation, indicator and period). Running a scheme for a period stores an
:class:`AssessmentRun` (a version) holding a snapshot of the scheme and, per organisation,
an :class:`AssessmentResult` with every input value and the evidence behind it, so a
published ranking never changes silently: a new run is a new version.

Scope: schemes are visible to users of the owner's subtree and of its ancestors' managers;
results, KPIs and scores follow the organisation they are about (``Organisation.visible_to``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from lianjian.assessment.periods import KIND_LABELS, parse_period, period_kind, period_problem
from lianjian.core.scope import (
    CHANGE,
    AboveUser,
    Also,
    Manages,
    Only,
    ScopedQuerySet,
    ScopeRules,
    Sees,
    Unset,
)
from lianjian.core.validation import PLANNED
from lianjian.orgs.models import Organisation, OrgKind, validate_code

if TYPE_CHECKING:
    pass


DEFAULT_STARS = [[95, 5], [90, 4], [80, 3], [70, 2], [60, 1]]
DEFAULT_PASS_LINE = 60


class PeriodKind(models.TextChoices):
    YEAR = "year", KIND_LABELS["year"]
    HALF = "half", KIND_LABELS["half"]
    QUARTER = "quarter", KIND_LABELS["quarter"]
    MONTH = "month", KIND_LABELS["month"]


class Rule(models.TextChoices):
    RATIO = "ratio", "比率"
    PER_ITEM = "per_item", "按项计分"
    STEPPED = "stepped", "分档计分"
    DEDUCT = "deduct", "扣分"
    MANUAL = "manual", "评议打分"
    VETO = "veto", "一票否决"


class Source(models.TextChoices):
    """Where an indicator's value comes from; each computed source is documented in
    ``docs/assessment.md`` with the records it counts."""

    KPI = "kpi", "业务指标（导入）"
    COMPLIANCE_RATE = "compliance_rate", "组织生活完成率"
    JOINT_ACTIVITIES = "joint_activities", "联建活动次数"
    JOINT_PERSON_TIMES = "joint_person_times", "联建活动参与人次"
    MANUAL = "manual", "评议打分"


class Direction(models.TextChoices):
    HIGHER = "higher", "越高越好"
    LOWER = "lower", "越低越好"


class SchemeQuerySet(ScopedQuerySet["Scheme"]):
    pass


class Scheme(models.Model):
    """A scoring scheme (考核方案): ``code`` is its key in the scheme file, the CLI and the API.

    ``period`` is the period the scheme was written for (``2025``); it fixes the period kind,
    and the scheme may be run for any period of that kind. It applies to the organisations of
    ``applies_kind`` inside the owner's subtree (the whole platform when there is no owner), or
    to the listed ``applies_orgs``. ``stars`` are ``[[min total, stars], …]`` (highest first);
    an organisation below ``pass_line`` has not passed. Points are computed with full precision.
    """

    # Read by those it assesses (owned by their organisation or an ancestor; platform-wide
    # schemes by all) and by managers above it; edited and run by the owner's managers.
    SCOPE = ScopeRules(
        view=[Unset("owner"), AboveUser("owner"), Sees("owner")], change=[Manages("owner")]
    )

    AUDIT_FIELDS = (
        "code",
        "name",
        "period",
        "period_kind",
        "owner_id",
        "applies_kind",
        "stars",
        "pass_line",
        "description",
    )

    code = models.CharField("方案编码", max_length=32, unique=True, validators=[validate_code])
    name = models.CharField("方案名称", max_length=200)
    period = models.CharField(
        "考核期间", max_length=8, help_text="如 2026、2026H1、2026Q3、2026-07"
    )
    period_kind = models.CharField(
        "期间类型", max_length=8, choices=PeriodKind.choices, editable=False
    )
    owner = models.ForeignKey(
        Organisation,
        verbose_name="制定单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessment_schemes",
    )
    applies_kind = models.CharField(
        "适用组织类型", max_length=8, choices=OrgKind.choices, blank=True
    )
    applies_orgs = models.ManyToManyField(
        Organisation, verbose_name="适用组织", blank=True, related_name="+"
    )
    stars = models.JSONField("星级划分", default=list)
    pass_line = models.FloatField("合格线", default=DEFAULT_PASS_LINE)
    description = models.TextField("说明", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ["-period", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs) -> None:
        # The kind is derived, never typed: keep it right whichever path saves the row.
        self.period = self.period.strip().upper()
        self.period_kind = period_kind(self.period)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            period = parse_period(self.period)
        except ValueError as exc:
            raise ValidationError({"period": str(exc)}) from None
        # A scheme is written for a period that may lie ahead, up to the planning horizon.
        problem = period_problem(period, PLANNED)
        if problem:
            raise ValidationError({"period": problem})
        self.period_kind = period.kind
        self.period = period.text


class Dimension(models.Model):
    """A dimension (维度) of a scheme, e.g. 党建引领 40; its points are capped at ``max``."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="dimensions")
    code = models.CharField("维度编码", max_length=16, validators=[validate_code])
    name = models.CharField("维度名称", max_length=100)
    max = models.FloatField("满分")
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "考核维度"
        verbose_name_plural = "考核维度"
        ordering = ["scheme", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="assessment_dimension_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.max:g}分）"


class Indicator(models.Model):
    """An indicator (指标): one rule, one source, in one dimension (a ``veto`` has none).

    Rule parameters live in their own columns (``target``/``floor``/``direction`` for
    ``ratio``, ``per`` for ``per_item`` and ``deduct``, ``steps`` ``[[label, points], …]`` for
    ``stepped``). ``evaluators`` are the accounts whose scores a ``manual`` indicator averages.
    ``missing_points`` is what a missing value scores (null = 0, the documented default).
    """

    AUDIT_FIELDS = (
        "code",
        "name",
        "dimension_id",
        "max",
        "rule",
        "source",
        "target",
        "floor",
        "direction",
        "per",
        "steps",
        "missing_points",
        "provider_id",
        "position",
    )

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="indicators")
    dimension = models.ForeignKey(
        Dimension,
        verbose_name="所属维度",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    code = models.CharField("指标编码", max_length=16, validators=[validate_code])
    name = models.CharField("指标名称", max_length=100)
    max = models.FloatField("分值", null=True, blank=True)
    rule = models.CharField("计分规则", max_length=10, choices=Rule.choices)
    source = models.CharField("数据来源", max_length=20, choices=Source.choices)
    target = models.FloatField("目标值", null=True, blank=True)
    floor = models.FloatField("最低比率", null=True, blank=True)
    direction = models.CharField("方向", max_length=8, choices=Direction.choices, blank=True)
    per = models.FloatField("每项分值", null=True, blank=True)
    steps = models.JSONField("档位", default=list, blank=True)
    missing_points = models.FloatField("缺数时得分", null=True, blank=True)
    evaluators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="评议人", blank=True, related_name="+"
    )
    provider = models.ForeignKey(
        Organisation,
        verbose_name="数据提供部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provided_indicators",
        help_text="业务部门：其管理员可为该指标录入数值（业务指标）",
    )
    description = models.TextField("口径说明", blank=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"
        ordering = ["scheme", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="assessment_indicator_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


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
        indexes = [models.Index(fields=["run", "rank"])]

    def __str__(self) -> str:
        return f"{self.org_id} {self.total:.2f}"


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
