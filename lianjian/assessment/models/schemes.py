"""Schemes as data: the scheme (考核方案), its dimensions and indicators, and their choices."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from lianjian.assessment.periods import KIND_LABELS, parse_period, period_kind, period_problem
from lianjian.core.scope import (
    AboveUser,
    Manages,
    ScopedQuerySet,
    ScopeRules,
    Sees,
    Unset,
)
from lianjian.core.validation import PLANNED
from lianjian.orgs.models import Organisation, OrgKind, validate_code

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
    KEY_TASK_RATE = "key_task_rate", "关键任务按期验收率"
    KEY_TASK_PROGRESS = "key_task_progress", "关键任务进度（对序时进度）"
    DECISION_POST_EVALUATED = "decision_post_evaluated", "三重一大后评估完成率"
    CARRIER_COUNT = "carrier_count", "在册岗区队数"
    CARRIER_REVIEW = "carrier_review", "岗区队复核平均分"
    PROJECT_AWARDS = "project_awards", "揭榜项目获奖（按级别加权）"
    RECTIFICATION_ON_TIME = "rectification_on_time", "问题整改按期销号率"
    MEMBER_POINTS = "member_points", "党员平均积分"


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

    def save(self, *args: Any, **kwargs: Any) -> None:
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


class SchemePart(models.Model):
    """What a dimension and an indicator share: their order in the scheme, and a code
    unique within it (``assessment_<model>_code_unique``)."""

    class Meta:
        abstract = True
        ordering = ["scheme", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="%(app_label)s_%(class)s_code_unique"
            )
        ]


class Dimension(SchemePart):
    """A dimension (维度) of a scheme, e.g. 党建引领 40; its points are capped at ``max``."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="dimensions")
    code = models.CharField("维度编码", max_length=16, validators=[validate_code])
    name = models.CharField("维度名称", max_length=100)
    max = models.FloatField("满分")
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta(SchemePart.Meta):
        verbose_name = "考核维度"
        verbose_name_plural = "考核维度"

    def __str__(self) -> str:
        return f"{self.name}（{self.max:g}分）"


class Indicator(SchemePart):
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
    source = models.CharField("数据来源", max_length=30, choices=Source.choices)
    source = models.CharField("数据来源", max_length=32, choices=Source.choices)
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

    class Meta(SchemePart.Meta):
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
