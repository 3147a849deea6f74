"""党员积分: the scheme (积分办法) and its rules, members' categories, the ledger (积分台账)
and claims (积分申报). Rules of the numbers live in :mod:`lianjian.points.engine`.

Scope:
- a scheme is seen by whoever sees its organisation and by the members below it (the
  scheme that scores them); it is changed by the managers of its organisation;
- a ledger entry, claim or member category is seen by the managers of the member's
  organisation and by the member themself (not by the other members of the branch); managers of the member's organisation review
  claims and enter manual entries. Members never reach another member's rows.

The ledger is never edited: an entry is 生效 or 已撤回 (with the reason); a correction is
a new entry. ``auto`` entries carry the record they came from (``record_key``, and the
explicit link to an attendance, milestone or problem), so recomputing is idempotent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from lianjian.activities.models import Attendance
from lianjian.consultations.models import Problem
from lianjian.core.models import TaskJob
from lianjian.core.scope import (
    AboveUser,
    Also,
    IsOwnMember,
    Manages,
    ScopedQuerySet,
    ScopeRules,
    Sees,
)
from lianjian.core.validation import HISTORY, date_errors, instance_values
from lianjian.keytasks.models import Milestone
from lianjian.orgs.models import Member, Organisation, validate_code
from lianjian.points import engine


class PeriodKind(models.TextChoices):
    MONTH = "month", "月度"
    QUARTER = "quarter", "季度"
    YEAR = "year", "年度"


class RuleCategory(models.TextChoices):
    BASIC = "基础扣分", "基础扣分"
    TASK = "任务", "任务"
    REWARD = "奖励", "奖励"
    DEDUCT = "扣分", "扣分"
    VETO = "一票否决", "一票否决"


class SourceKind(models.TextChoices):
    """Where a rule's points come from (the registry in :mod:`lianjian.points.sources`
    computes the automatic ones; ``claim`` goes through review)."""

    ATTENDANCE = "attendance", "出席组织生活"
    ABSENCE = "absence", "无故缺席"
    MILESTONE = "milestone_accepted", "关键任务节点验收"
    PROBLEM = "problem_closed", "事务共商问题销号"
    CLAIM = "claim", "个人申报"


class EntrySource(models.TextChoices):
    AUTO = "auto", "自动"
    CLAIM = "claim", "申报"
    MANUAL = "manual", "录入"


class EntryStatus(models.TextChoices):
    ACTIVE = "生效", "生效"
    WITHDRAWN = "已撤回", "已撤回"


class ClaimState(models.TextChoices):
    """The review of a claim, each state the last step taken: the member filed it, the
    党小组 checked it, the 支委会 approved it, it is published (公示) until a date, then
    生效 (an entry is written) — or 驳回 at any step. An objection during 公示 sends it
    back to 党小组初核 (waiting for the 支委会 again)."""

    FILED = "已申报", "已申报"
    GROUP = "党小组初核", "党小组初核"
    COMMITTEE = "支委会审定", "支委会审定"
    PUBLIC = "公示", "公示"
    EFFECTIVE = "生效", "生效"
    REJECTED = "驳回", "驳回"


OPEN_CLAIM_STATES = (ClaimState.FILED, ClaimState.GROUP, ClaimState.COMMITTEE, ClaimState.PUBLIC)


class PointsCategory(models.TextChoices):
    BACKBONE = "骨干", "骨干"
    ORDINARY = "普通", "普通"
    MOBILE = "流动", "流动"
    SPECIAL = "特殊", "特殊"


class PointsSchemeQuerySet(ScopedQuerySet["PointsScheme"]):
    pass


class PointsScheme(models.Model):
    """A 积分办法 of an organisation subtree for a year. Importing the same code again
    makes a new ``version`` (the file is kept whole in ``spec``); rules that the new
    version drops are kept inactive, so old entries still name them."""

    SCOPE = ScopeRules(
        view=[Sees("org"), AboveUser("org")],
        change=[Manages("org")],
    )
    AUDIT_FIELDS = (
        "code", "name", "org_id", "year", "period", "base", "bonus_cap", "floor", "ceiling",
        "exempt_categories", "ranking", "publicity_days", "version",
    )  # fmt: skip

    code = models.CharField("办法编码", max_length=32, unique=True, validators=[validate_code])
    name = models.CharField("办法名称", max_length=100)
    org = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.PROTECT, related_name="points_schemes"
    )
    year = models.PositiveSmallIntegerField("年度")
    period = models.CharField(
        "积分周期", max_length=8, choices=PeriodKind.choices, default=PeriodKind.QUARTER
    )
    base = models.DecimalField("基础分", max_digits=7, decimal_places=2, default=Decimal(80))
    bonus_cap = models.DecimalField(
        "正向加分上限", max_digits=7, decimal_places=2, default=Decimal(20)
    )
    floor = models.DecimalField("下限", max_digits=7, decimal_places=2, null=True, blank=True)
    ceiling = models.DecimalField(
        "上限", max_digits=7, decimal_places=2, null=True, blank=True, default=Decimal(100)
    )
    exempt_categories = models.JSONField("免于积分的类别", default=list, blank=True)
    ranking = models.BooleanField("支部内排名", default=False)
    publicity_days = models.PositiveSmallIntegerField("公示天数", default=3)
    version = models.PositiveIntegerField("版本", default=1)
    spec = models.JSONField("办法文件", default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PointsSchemeQuerySet.as_manager()

    class Meta:
        verbose_name = "积分办法"
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def audit_key(self) -> str:
        return self.code

    def clean(self) -> None:
        if not 2000 <= self.year <= 2200:
            raise ValidationError({"year": "年度应在 2000 到 2200 之间"})

    def as_engine(self, rules: list[PointsRule] | None = None) -> engine.Scheme:
        """The engine's view of this scheme (its active rules unless ``rules`` are given)."""
        if rules is None:
            rules = [r for r in self.rules.all() if r.active]
        return engine.Scheme(
            code=self.code,
            name=self.name,
            org=self.org.code,
            year=self.year,
            period=self.period,
            base=self.base,
            bonus_cap=self.bonus_cap,
            floor=self.floor,
            ceiling=self.ceiling,
            exempt_categories=tuple(self.exempt_categories),
            ranking=self.ranking,
            rules=tuple(r.as_engine() for r in rules),
        )

    def periods(self) -> list[str]:
        return engine.periods_of(self.year, self.period)


class PointsRule(models.Model):
    """One item of a scheme; ``active`` is false once a newer version of the scheme drops
    it (entries keep naming it; it scores nothing more)."""

    SCOPE = ScopeRules(view=[Also("scheme")], change=[Also("scheme", "change")])
    AUDIT_FIELDS = (
        "code", "text", "category", "source", "points", "cap_period", "cap_year",
        "activity_types", "veto_total", "active",
    )  # fmt: skip

    scheme = models.ForeignKey(
        PointsScheme, verbose_name="积分办法", on_delete=models.PROTECT, related_name="rules"
    )
    code = models.CharField("规则编码", max_length=16)
    text = models.CharField("规则内容", max_length=200)
    category = models.CharField("类别", max_length=8, choices=RuleCategory.choices)
    source = models.CharField("来源", max_length=24)
    points = models.DecimalField("分值", max_digits=7, decimal_places=2, default=Decimal(0))
    cap_period = models.DecimalField(
        "每期上限", max_digits=7, decimal_places=2, null=True, blank=True
    )
    cap_year = models.DecimalField(
        "年度上限", max_digits=7, decimal_places=2, null=True, blank=True
    )
    activity_types = models.JSONField("活动类型", default=list, blank=True)
    veto_total = models.DecimalField(
        "否决后得分", max_digits=7, decimal_places=2, null=True, blank=True
    )
    active = models.BooleanField("有效", default=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "积分规则"
        ordering = ["scheme_id", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"],
                name="points_rule_unique",
                violation_error_message="该办法中已有此规则编码",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    @property
    def is_claimable(self) -> bool:
        return self.active and self.source == SourceKind.CLAIM

    @property
    def source_label(self) -> str:
        return dict(SourceKind.choices).get(self.source, self.source)

    def as_engine(self) -> engine.Rule:
        return engine.Rule(
            code=self.code,
            text=self.text,
            category=self.category,
            source=self.source,
            points=self.points,
            cap_period=self.cap_period,
            cap_year=self.cap_year,
            activity_types=tuple(self.activity_types),
            veto_total=self.veto_total,
        )


class PointsRowQuerySet(ScopedQuerySet[Any]):
    pass


# A member's points are theirs and their managers' business: a plain member's scope sees
# their whole branch (names, activities), but never another member's points.
MEMBER_ROW_SCOPE = ScopeRules(
    view=[Manages("member__org"), IsOwnMember("member")],
    change=[Manages("member__org")],
    review=[Manages("member__org")],
)


class MemberStanding(models.Model):
    """A member's category (骨干 / 普通 / 流动 / 特殊) for a year; the branch may exempt a
    member (e.g. aged 70+, long ill): exempt members get no score and no rank."""

    SCOPE = MEMBER_ROW_SCOPE
    AUDIT_FIELDS = ("member_id", "year", "category", "exempt", "reason")

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="points_standings"
    )
    year = models.PositiveSmallIntegerField("年度")
    category = models.CharField(
        "积分类别", max_length=4, choices=PointsCategory.choices, default=PointsCategory.ORDINARY
    )
    exempt = models.BooleanField("免于积分", default=False)
    reason = models.CharField("说明", max_length=200, blank=True)

    objects = PointsRowQuerySet.as_manager()

    class Meta:
        verbose_name = "党员积分类别"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year"],
                name="points_standing_unique",
                violation_error_message="该党员本年度已有积分类别",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.category}"


class PointsClaim(models.Model):
    """A member's declaration (or the group leader's for them) of an event under a
    claimable rule, with an optional evidence link; it becomes an entry only at 生效."""

    SCOPE = MEMBER_ROW_SCOPE
    DATE_WINDOWS = {"happened_on": HISTORY}
    AUDIT_FIELDS = (
        "member_id", "rule_id", "happened_on", "text", "evidence", "state", "public_until",
        "reason",
    )  # fmt: skip

    scheme = models.ForeignKey(
        PointsScheme, verbose_name="积分办法", on_delete=models.PROTECT, related_name="claims"
    )
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="points_claims"
    )
    rule = models.ForeignKey(
        PointsRule, verbose_name="积分规则", on_delete=models.PROTECT, related_name="claims"
    )
    happened_on = models.DateField("发生日期")
    period = models.CharField("期间", max_length=8)
    text = models.CharField("申报说明", max_length=300)
    evidence = models.URLField("佐证链接", max_length=500, blank=True)
    state = models.CharField(
        "状态", max_length=8, choices=ClaimState.choices, default=ClaimState.FILED
    )
    public_until = models.DateField("公示截止", null=True, blank=True)
    reason = models.CharField("驳回或异议理由", max_length=300, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申报人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PointsRowQuerySet.as_manager()

    class Meta:
        verbose_name = "积分申报"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scheme", "state"], name="points_claim_state_idx")]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.text}"

    def clean(self) -> None:
        errors = date_errors(PointsClaim, instance_values(self))
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_CLAIM_STATES


class PointsEntry(models.Model):
    """One line of the ledger (积分台账): never edited. ``status`` 已撤回 keeps
    ``withdrawn_reason``; a correction is a new entry."""

    SCOPE = MEMBER_ROW_SCOPE
    DATE_WINDOWS = {"happened_on": HISTORY}
    AUDIT_FIELDS = (
        "member_id", "rule_id", "period", "points", "happened_on", "source", "record_key",
        "claim_id", "status", "reason", "withdrawn_reason",
    )  # fmt: skip

    # The ledger grows by a million rows a year per 40,000 members: each index is paid on
    # every insert, so the scheme's is the composite ones' prefix and the links that most
    # entries leave empty are indexed only where set (docs/benchmarks.md §党员积分).
    scheme = models.ForeignKey(
        PointsScheme,
        verbose_name="积分办法",
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
    )
    # scheme, member and rule keep their database checks: at 400,000 members they are most
    # of the first recompute's COMMIT (docs/benchmarks.md §党员积分), not yet shown to be
    # the one to drop.
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="points_entries"
    )
    rule = models.ForeignKey(
        PointsRule, verbose_name="积分规则", on_delete=models.PROTECT, related_name="entries"
    )
    period = models.CharField("期间", max_length=8)
    happened_on = models.DateField("发生日期")
    points = models.DecimalField("分值", max_digits=7, decimal_places=2)
    source = models.CharField("来源", max_length=8, choices=EntrySource.choices)
    # "attendance:12", "milestone:7" …: the record an auto entry came from (unique per rule
    # and member while 生效), so a recompute finds what it already wrote.
    record_key = models.CharField("来源记录", max_length=64, blank=True)
    # Derived from the attendance row itself by the INSERT … SELECT that reads it (fast.py),
    # and attendance rows with entries are never deleted (Django's PROTECT below still
    # refuses): no database check per entry — at 400,000 members the first recompute
    # checked 11.5 M of them at its COMMIT (docs/benchmarks.md §党员积分). The full index
    # stays: the PROTECT check on removing a member from a draft activity's list asks for
    # the entries of any status by ``attendance_id``.
    attendance = models.ForeignKey(
        Attendance,
        verbose_name="出勤记录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name="任务节点",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name="共商问题",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    carrier_review = models.ForeignKey(
        "carriers.CarrierReview",
        verbose_name="岗区队复核",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # At most one entry per claim (points_entry_claim_unique), indexed only where set: a
    # plain one-to-one's unique index held a NULL for each of the ledger's millions of
    # automatic entries.
    claim = models.ForeignKey(
        PointsClaim,
        verbose_name="申报",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entry",
        db_index=False,
    )
    status = models.CharField(
        "状态", max_length=4, choices=EntryStatus.choices, default=EntryStatus.ACTIVE
    )
    reason = models.CharField("说明", max_length=300, blank=True)
    withdrawn_reason = models.CharField("撤回原因", max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PointsRowQuerySet.as_manager()

    class Meta:
        verbose_name = "积分台账"
        ordering = ["happened_on", "id"]
        constraints = [
            # An attendance entry's record is its attendance row (its member is the row's):
            # two integers instead of the text key for nearly all the ledger's rows
            # (docs/benchmarks.md §党员积分); the text key guards the other sources.
            models.UniqueConstraint(
                fields=["rule", "member", "record_key"],
                condition=Q(status="生效") & ~Q(record_key="") & Q(attendance__isnull=True),
                name="points_entry_record_unique",
                violation_error_message="该记录已计入积分",
            ),
            models.UniqueConstraint(
                fields=["attendance", "rule"],
                condition=Q(status="生效") & Q(attendance__isnull=False),
                name="points_entry_attendance_unique",
                violation_error_message="该记录已计入积分",
            ),
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(claim__isnull=False),
                name="points_entry_claim_unique",
                violation_error_message="该申报已计入积分",
            ),
        ]
        indexes = [
            models.Index(fields=["scheme", "member", "status"], name="points_entry_member_idx"),
            models.Index(fields=["scheme", "period", "status"], name="points_entry_period_idx"),
            # The ledger list's order (selectors.ENTRY_LIST_KEY): its pages seek on it.
            models.Index(fields=["happened_on", "id"], name="points_entry_ledger_idx"),
            *(
                models.Index(
                    fields=[link],
                    condition=Q(**{f"{link}__isnull": False}),
                    name=f"points_entry_{short}",
                )
                for link, short in (
                    ("milestone", "milestone_idx"),
                    ("problem", "problem_idx"),
                    ("carrier_review", "review_idx"),
                    ("entered_by", "entered_by_idx"),
                )
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.rule_id} {self.points}"

    def clean(self) -> None:
        errors = date_errors(PointsEntry, instance_values(self))
        if errors:
            raise ValidationError(errors)

    def as_event(self) -> engine.Event:
        return engine.Event(self.rule.code, self.period, self.points, (self.happened_on, self.id))


class RecomputeJob(TaskJob):
    """A recompute of a scheme's automatic entries for its whole year asked for on the
    scheme page (重新计算自动积分), worked by a background task
    (:func:`lianjian.points.tasks.recompute_task`): 排队 → 完成 (``written``/``withdrawn``:
    the entries the recompute wrote and withdrew) or 失败 (``errors``: why; nothing written —
    the user may ask again). Only its requester sees it (404 for anyone else). At most one
    job per scheme and requester waits at a time (a constraint): asking again answers it."""

    scheme = models.ForeignKey(PointsScheme, on_delete=models.PROTECT, related_name="+")
    written = models.PositiveIntegerField("新增", null=True, blank=True, editable=False)
    withdrawn = models.PositiveIntegerField("撤回", null=True, blank=True, editable=False)
    errors = models.JSONField("原因", default=list, blank=True)

    class Meta:
        verbose_name = "自动积分重新计算任务"
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "created_by"],
                condition=Q(status="排队"),
                name="points_recomputejob_one_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id} 重新计算（{self.status}）"
