"""民主评议党员: one appraisal per branch and year, its participants, their
self-assessments, the ratings members give each other and the branch's decisions.

States (:class:`AppraisalState`): 准备 (participants fixed) → 测评中 (自评、互评) →
测评结束 (the committee reads the tally and decides) → 已决定 (the decision meeting is an
:class:`~lianjian.activities.models.Activity` of type 民主评议党员 held by the branch, linked
by ``meeting`` — the record that satisfies the yearly compliance row) → 已反馈 (members see
their result). Before 已决定 an appraisal may be voided (已作废) with a reason; nothing is
deleted.

Scope:

* an appraisal and its participants are seen with the branch (its managers, those above,
  its members) and by every participant (a member of a 党小组 included), and changed by the
  branch's managers;
* ``tally`` (the counts per grade per member) is for the branch's managers only;
* a :class:`Vote` is seen by its voter alone — no manager, no other member reads who rated
  whom what (the tally is an aggregate read after the ``tally`` check);
* a :class:`Decision` is seen by the branch's managers, and by the member it grades once
  the result is published (已反馈).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from lianjian.activities.models import Activity
from lianjian.appraisals import rules
from lianjian.core.models import CodedRecord, Timestamped
from lianjian.core.scope import (
    IsOwnMember,
    Manages,
    Only,
    ScopedQuerySet,
    ScopeRules,
    Sees,
)
from lianjian.core.validation import PLANNED, is_date, raise_errors
from lianjian.orgs.models import Member, Organisation


class AppraisalState(models.TextChoices):
    PREPARING = "准备", "准备"
    RATING = "测评中", "自评互评中"
    RATED = "测评结束", "测评结束"
    DECIDED = "已决定", "已决定"
    PUBLISHED = "已反馈", "已反馈"
    VOID = "已作废", "已作废"


GRADE_CHOICES = [(g, g) for g in rules.GRADES]
# States in which a member writes a self-assessment and rates the others.
OPEN_STATES = (AppraisalState.RATING,)
# States that may be voided: nothing has been decided yet.
VOIDABLE_STATES = (AppraisalState.PREPARING, AppraisalState.RATING, AppraisalState.RATED)
# States in which grades may be set; feedback may still be edited until published.
GRADING_STATES = (AppraisalState.RATED,)
FEEDBACK_STATES = (AppraisalState.RATED, AppraisalState.DECIDED)
# 民主评议 of a year may be held until the end of March of the next (as the yearly meeting).
LATE_MONTHS = 3


def held_on_problem(year: Any, held_on: Any) -> str:
    """Why ``held_on`` does not fit an appraisal for ``year``, or "": in that year, or in
    January–March of the next one (the yearly meeting's rule)."""
    if not isinstance(year, int) or not is_date(held_on):
        return ""
    if held_on.year == year or (held_on.year == year + 1 and held_on.month <= LATE_MONTHS):
        return ""
    return f"评议日期应在 {year} 年内（或 {year + 1} 年 1–3 月）"


class Appraisal(CodedRecord):
    """One 民主评议党员 of a branch for a year. ``held_on`` is the appraisal date: the
    participants and whether each is a 正式党员 are taken as of it. ``meeting`` is the
    decision meeting, an activity of type 民主评议党员 held by the branch."""

    # A participant sees it even when their account belongs to a 党小组 of the branch.
    SCOPE = ScopeRules(
        view=[Sees("branch"), IsOwnMember("participants__member")],
        change=[Manages("branch")],
        tally=[Manages("branch")],
    )
    LABEL_FIELD = "title"
    AUDIT_FIELDS = (
        "code",
        "branch_id",
        "year",
        "held_on",
        "title",
        "state",
        "meeting_id",
        "void_reason",
    )
    DATE_WINDOWS = {"held_on": PLANNED}

    code = models.CharField("评议编号", max_length=32, unique=True)
    branch = models.ForeignKey(
        Organisation, verbose_name="党支部", on_delete=models.PROTECT, related_name="appraisals"
    )
    year = models.PositiveSmallIntegerField("年度")
    held_on = models.DateField("评议日期")
    title = models.CharField("名称", max_length=100)
    state = models.CharField(
        "状态", max_length=4, choices=AppraisalState.choices, default=AppraisalState.PREPARING
    )
    meeting = models.ForeignKey(
        Activity,
        verbose_name="评议会议",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisals",
    )
    void_reason = models.CharField("作废原因", max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "民主评议"
        ordering = ["-year", "branch_id", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "year"],
                condition=~Q(state="已作废"),
                name="appraisal_branch_year_unique",
                violation_error_message="该支部本年度已有民主评议",
            ),
        ]

    def clean(self) -> None:
        errors = self.own_date_errors()
        problem = held_on_problem(self.year, self.held_on)
        if problem and "held_on" not in errors:
            errors["held_on"] = problem
        if isinstance(self.year, int) and not 1921 <= self.year <= 2199:
            errors["year"] = "年度不在有效范围内"
        raise_errors(errors)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_published(self) -> bool:
        return self.state == AppraisalState.PUBLISHED


class Participant(models.Model):
    """A member taking part, as of the appraisal date: ``is_full`` says whether they were a
    正式党员 then (graded) or a 预备党员 (taking part without a grade); ``name`` keeps the
    name they had."""

    SCOPE = ScopeRules(
        view=[Sees("appraisal__branch")],
        change=[Manages("appraisal__branch")],
    )
    AUDIT_FIELDS = ("appraisal_id", "member_id", "name", "is_full")

    appraisal = models.ForeignKey(
        Appraisal, on_delete=models.PROTECT, related_name="participants", verbose_name="民主评议"
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="appraisals", verbose_name="党员"
    )
    name = models.CharField("姓名", max_length=50)
    is_full = models.BooleanField("正式党员")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "参评党员"
        ordering = ["appraisal_id", "-is_full", "member__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "member"],
                name="participant_unique",
                violation_error_message="该党员已在参评名单中",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_key(self) -> str:
        return f"{self.appraisal_id}:{self.member_id}"

    @property
    def category(self) -> str:
        return "正式党员" if self.is_full else "预备党员"


class SelfAssessment(Timestamped):
    """个人自评: the text a participant writes about their own year (one per participant,
    rewritten while rating is open, every version audited)."""

    SCOPE = ScopeRules(
        view=[Sees("participant__appraisal__branch")],
        change=[IsOwnMember("participant__member")],
    )
    AUDIT_FIELDS = ("participant_id", "text")

    participant = models.OneToOneField(
        Participant, on_delete=models.PROTECT, related_name="self_assessment"
    )
    text = models.TextField("个人自评", max_length=2000)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "个人自评"

    def __str__(self) -> str:
        return f"{self.participant_id} 自评"


class Vote(models.Model):
    """One rating (互评/民主测评): ``voter`` rates ``votee`` with a grade, once. Seen by
    the voter alone; the branch committee reads only the counts (:func:`rules.tally`)."""

    SCOPE = ScopeRules(view=[IsOwnMember("voter__member")])
    AUDIT_FIELDS = ("appraisal_id", "grade")

    appraisal = models.ForeignKey(Appraisal, on_delete=models.PROTECT, related_name="votes")
    voter = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="votes_cast")
    votee = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="votes_received")
    grade = models.CharField("等次", max_length=4, choices=GRADE_CHOICES)
    cast_at = models.DateTimeField("评价时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "互评"
        constraints = [
            models.UniqueConstraint(
                fields=["voter", "votee"],
                name="vote_once",
                violation_error_message="已评价过该党员，每人只能评价一次",
            ),
            models.CheckConstraint(
                condition=~Q(voter=models.F("votee")),
                name="vote_not_self",
                violation_error_message="不能评价本人",
            ),
        ]

    def __str__(self) -> str:
        return "互评"


class Decision(Timestamped):
    """The grade the branch decides for one 正式党员, with the feedback (反馈意见) the member
    reads once published. Changed (audited) while the appraisal allows, never deleted."""

    SCOPE = ScopeRules(
        view=[
            Manages("participant__appraisal__branch"),
            Only(
                Q(participant__appraisal__state=AppraisalState.PUBLISHED),
                lambda d: d.participant.appraisal.state == AppraisalState.PUBLISHED,
                IsOwnMember("participant__member"),
            ),
        ],
        change=[Manages("participant__appraisal__branch")],
    )
    AUDIT_FIELDS = ("participant_id", "grade", "feedback")

    participant = models.OneToOneField(
        Participant, on_delete=models.PROTECT, related_name="decision"
    )
    grade = models.CharField("评定等次", max_length=4, choices=GRADE_CHOICES)
    feedback = models.TextField("反馈意见", max_length=2000, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "评定结果"

    def __str__(self) -> str:
        return f"{self.participant_id} {self.grade}"
