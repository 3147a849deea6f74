"""揭榜挂帅 records: a call (发榜), its bids (揭榜), the project a winning bid becomes, the
project's stage records, outcome metrics and awards (with certificate files).

Scope (``core.scope``), the access policy in a few lines per model:

- a **call** is seen by the issuer's managers from its draft on, and once published by
  whoever sees the issuer or an organisation it names as eligible, or a member organisation
  of an eligible 联建网; the issuer's managers change and review it;
- a **bid** is seen by the bidder's side and the issuer's managers only — another bidder's
  bid answers 404 — and, once it won (中榜), by whoever sees its call: after the award the
  other branches see the winner only;
- a **project** is seen by whoever sees the issuer or the winning organisation; the
  issuer's side records its stages, metrics and awards (the assessed never enter what scores
  them). Progress, milestones and colours are the key task's (``task``), never a copy.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from lianjian.alliances.models import Alliance
from lianjian.core.models import Timestamped, UploadedFile, random_upload_path
from lianjian.core.scope import Also, Manages, Only, ScopedQuerySet, ScopeRules, Sees
from lianjian.core.validation import HISTORY, PLANNED, date_errors, instance_values, raise_errors
from lianjian.keytasks.models import KeyTask
from lianjian.orgs.models import Member, Organisation, validate_code
from lianjian.projects import rules


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


def _published(call: Any) -> bool:
    return bool(call.state != rules.CALL_DRAFT)


def _won(bid: Any) -> bool:
    return bool(bid.state == rules.BID_WON)


PUBLISHED = ~Q(state=rules.CALL_DRAFT)


class CallQuerySet(ScopedQuerySet["Call"]):
    pass


class Call(Timestamped):
    """A call for bids (发榜): the problem to solve, who may bid, budget, deadline, criteria;
    ``草拟 → 发布 → 截止 → 已评审``."""

    SCOPE = ScopeRules(
        view=[
            Manages("issuer"),
            Only(PUBLISHED, _published, Sees("issuer")),
            Only(PUBLISHED, _published, Sees("eligible_orgs")),
            Only(PUBLISHED, _published, Sees("eligible_alliances__memberships__org")),
        ],
        change=[Manages("issuer")],
    )
    AUDIT_FIELDS = (
        "code",
        "title",
        "problem",
        "issuer_id",
        "kind",
        "theme",
        "budget",
        "deadline",
        "criteria",
        "state",
        "published_on",
        "reviewed_on",
    )
    DATE_WINDOWS = {"deadline": PLANNED, "published_on": HISTORY, "reviewed_on": HISTORY}

    code = models.CharField("榜单编号", max_length=32, unique=True, validators=[validate_code])
    title = models.CharField("榜单名称", max_length=200)
    problem = models.TextField("需解决的问题", max_length=4000)
    issuer = models.ForeignKey(
        Organisation, verbose_name="发榜组织", on_delete=models.PROTECT, related_name="calls"
    )
    kind = models.CharField(
        "项目类型", max_length=8, choices=_choices(rules.KINDS), default=rules.KIND_CHALLENGE
    )
    theme = models.CharField("主题", max_length=100, blank=True, help_text="党建+X")
    eligible_orgs = models.ManyToManyField(
        Organisation, verbose_name="可揭榜组织", blank=True, related_name="open_calls"
    )
    eligible_alliances = models.ManyToManyField(
        Alliance, verbose_name="可揭榜联建网", blank=True, related_name="open_calls"
    )
    budget = models.DecimalField("预算（万元）", max_digits=12, decimal_places=2)
    deadline = models.DateField("揭榜截止日期")
    criteria = models.TextField("评审标准", max_length=4000, blank=True)
    state = models.CharField(
        "状态", max_length=8, choices=_choices(rules.CALL_STATES), default=rules.CALL_DRAFT
    )
    published_on = models.DateField("发布日期", null=True, blank=True)
    reviewed_on = models.DateField("评审日期", null=True, blank=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = "榜单"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["issuer", "state"], name="call_issuer_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0),
                name="call_budget_nonneg",
                violation_error_message="预算不能为负数",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_key(self) -> str:
        return self.code

    def clean(self) -> None:
        raise_errors(date_errors(Call, instance_values(self)))


class BidQuerySet(ScopedQuerySet["Bid"]):
    pass


class Bid(Timestamped):
    """A bid (揭榜) of an organisation (a branch, or a member organisation for its 联建网):
    lead, team, plan, expected results, budget asked;
    ``已提交 → 入围 → 答辩 → 中榜 | 未中`` (已撤回 by the bidder before review)."""

    SCOPE = ScopeRules(
        view=[
            Sees("bidder_org"),
            Manages("call__issuer"),
            Only(Q(state=rules.BID_WON), _won, Also("call", "view")),
        ],
        change=[Manages("bidder_org")],
        review=[Manages("call__issuer")],
    )
    AUDIT_FIELDS = (
        "code",
        "call_id",
        "bidder_org_id",
        "alliance_id",
        "lead_id",
        "team_names",
        "plan",
        "expected_results",
        "budget_asked",
        "planned_end",
        "state",
        "state_reason",
        "submitted_on",
        "defence_on",
    )
    DATE_WINDOWS = {"planned_end": PLANNED, "submitted_on": HISTORY, "defence_on": PLANNED}

    code = models.CharField("揭榜编号", max_length=32, unique=True, validators=[validate_code])
    call = models.ForeignKey(
        Call, verbose_name="榜单", on_delete=models.PROTECT, related_name="bids"
    )
    bidder_org = models.ForeignKey(
        Organisation, verbose_name="揭榜组织", on_delete=models.PROTECT, related_name="bids"
    )
    alliance = models.ForeignKey(
        Alliance,
        verbose_name="所在联建网",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bids",
    )
    lead = models.ForeignKey(
        Member, verbose_name="负责人", on_delete=models.PROTECT, related_name="led_bids"
    )
    team = models.ManyToManyField(
        Member, verbose_name="团队党员", blank=True, related_name="bid_teams"
    )
    team_names = models.CharField(
        "其他团队成员", max_length=500, blank=True, help_text="群众等非党员成员，以顿号分隔"
    )
    plan = models.TextField("实施方案", max_length=4000)
    expected_results = models.TextField("预期成果", max_length=2000, blank=True)
    budget_asked = models.DecimalField("申请经费（万元）", max_digits=12, decimal_places=2)
    planned_end = models.DateField("计划完成日期")
    state = models.CharField(
        "状态", max_length=8, choices=_choices(rules.BID_STATES), default=rules.BID_SUBMITTED
    )
    state_reason = models.CharField("状态说明", max_length=500, blank=True)
    submitted_on = models.DateField("提交日期")
    defence_on = models.DateField("答辩日期", null=True, blank=True)

    objects = BidQuerySet.as_manager()

    class Meta:
        verbose_name = "揭榜"
        ordering = ["-submitted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_asked__gte=0),
                name="bid_budget_nonneg",
                violation_error_message="申请经费不能为负数",
            ),
            models.UniqueConstraint(
                fields=["call", "bidder_org"],
                condition=~Q(state=rules.BID_WITHDRAWN),
                name="bid_one_standing_per_org",
                violation_error_message="本组织已揭此榜",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bidder_org.name}揭榜“{self.call.title}”"

    @property
    def audit_key(self) -> str:
        return self.code

    def clean(self) -> None:
        raise_errors(date_errors(Bid, instance_values(self)))


class InnovationProjectQuerySet(ScopedQuerySet["Project"]):
    pass


class Project(Timestamped):
    """The project (立项) of a winning bid: a key task of the issuing organisation's list
    (``task``) with a call behind it; ``立项 → 季度督导 → 中期评估 → 结项评价 → 推广应用``,
    graded at 结项评价 (优秀/良好/合格/不合格)."""

    SCOPE = ScopeRules(
        view=[Sees("call__issuer"), Sees("bid__bidder_org")],
        change=[Manages("call__issuer")],
    )
    AUDIT_FIELDS = ("code", "call_id", "bid_id", "task_id", "kind", "stage", "grade", "started_on")
    DATE_WINDOWS = {"started_on": HISTORY}

    code = models.CharField("项目编号", max_length=32, unique=True, validators=[validate_code])
    call = models.ForeignKey(
        Call, verbose_name="榜单", on_delete=models.PROTECT, related_name="projects"
    )
    bid = models.OneToOneField(
        Bid, verbose_name="中榜揭榜", on_delete=models.PROTECT, related_name="project"
    )
    task = models.OneToOneField(
        KeyTask, verbose_name="关键任务", on_delete=models.PROTECT, related_name="project"
    )
    kind = models.CharField("项目类型", max_length=8, choices=_choices(rules.KINDS))
    stage = models.CharField(
        "阶段", max_length=8, choices=_choices(rules.STAGES), default=rules.STAGE_START
    )
    grade = models.CharField("结项评价", max_length=4, choices=_choices(rules.GRADES), blank=True)
    started_on = models.DateField("立项日期")

    objects = InnovationProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "揭榜项目"
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return self.task.name

    @property
    def audit_key(self) -> str:
        return self.code

    def clean(self) -> None:
        raise_errors(date_errors(Project, instance_values(self)))


class StageRecord(models.Model):
    """One step of a project's stages: the stage entered (or a 季度督导 held), the date, the
    note and, at 结项评价, the grade."""

    SCOPE = ScopeRules(view=[Also("project", "view")], change=[Also("project", "change")])
    AUDIT_FIELDS = ("project_id", "stage", "on", "grade", "note")
    DATE_WINDOWS = {"on": HISTORY}

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="stage_records")
    stage = models.CharField("阶段", max_length=8, choices=_choices(rules.STAGES))
    on = models.DateField("日期")
    grade = models.CharField("评价等级", max_length=4, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    recorded_by = models.CharField("记录人", max_length=150, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "项目阶段记录"
        ordering = ["project_id", "on", "id"]

    def __str__(self) -> str:
        return f"{self.stage} {self.on:%Y-%m-%d}"

    def clean(self) -> None:
        raise_errors(date_errors(StageRecord, instance_values(self)))


class Metric(models.Model):
    """An outcome metric of a project (降损电量、节约成本 …): name, unit, value."""

    SCOPE = ScopeRules(view=[Also("project", "view")], change=[Also("project", "change")])
    AUDIT_FIELDS = ("project_id", "name", "unit", "value")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="metrics")
    name = models.CharField("指标", max_length=100)
    unit = models.CharField("单位", max_length=20, blank=True)
    value = models.FloatField("数值")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "成果指标"
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                name="metric_unique_name",
                violation_error_message="该指标已登记",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.value:g}{self.unit}"


class AwardQuerySet(ScopedQuerySet["Award"]):
    def standing(self) -> AwardQuerySet:
        return self.filter(voided=False)


class Award(models.Model):
    """An award a project won (公司 / 地市 / 省公司 / 省部 / 国家): name, issuing body, date,
    certificate files. Never deleted: a wrong entry is voided with a reason."""

    SCOPE = ScopeRules(view=[Also("project", "view")], change=[Also("project", "change")])
    AUDIT_FIELDS = (
        "project_id",
        "level",
        "name",
        "issued_by",
        "awarded_on",
        "voided",
        "void_reason",
    )
    DATE_WINDOWS = {"awarded_on": HISTORY}

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="awards")
    level = models.CharField("级别", max_length=4, choices=_choices(rules.LEVELS))
    name = models.CharField("奖项名称", max_length=200)
    issued_by = models.CharField("颁发单位", max_length=200, blank=True)
    awarded_on = models.DateField("获奖日期")
    voided = models.BooleanField("已作废", default=False)
    void_reason = models.CharField("作废原因", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = "项目获奖"
        ordering = ["-awarded_on", "-id"]
        indexes = [models.Index(fields=["awarded_on", "level"], name="award_date_level_idx")]

    def __str__(self) -> str:
        return f"{self.level}级：{self.name}"

    @property
    def audit_key(self) -> str:
        return str(self.pk)

    def clean(self) -> None:
        raise_errors(date_errors(Award, instance_values(self)))


def certificate_upload_to(instance: Certificate, filename: str) -> str:
    return random_upload_path("awards", instance.award_id, filename)


class Certificate(UploadedFile):
    """A certificate file of an award (PDF or image), stored under a random name."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="certificates")
    file = models.FileField(upload_to=certificate_upload_to, max_length=200)

    class Meta:
        verbose_name = "获奖证书"
        ordering = ["id"]
