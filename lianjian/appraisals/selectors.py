"""Reads of 民主评议党员: the appraisal list (one filter for the screen and the API), the
progress of one appraisal, the tally for the branch committee and a member's own part.

Anonymity: the tally counts votes per member rated and grade, after the ``tally`` check
(the branch's managers); it never reads who voted. A member's own ratings are read through
``Vote.objects.visible_to`` (the voter alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from lianjian.appraisals import rules
from lianjian.appraisals.models import (
    Appraisal,
    AppraisalState,
    Decision,
    Participant,
    SelfAssessment,
    Vote,
)
from lianjian.appraisals.schemas import AppraisalFilter
from lianjian.core.filters import filter_given, register_list, search
from lianjian.core.scope import may
from lianjian.points.selectors import year_totals


def appraisal_list(user: Any, f: AppraisalFilter) -> QuerySet[Appraisal]:
    """The appraisals ``user`` sees matching ``f``, newest year first, with their counts of
    正式 and 预备 participants (one query)."""
    qs: QuerySet[Any] = Appraisal.objects.visible_to(user).select_related("branch", "meeting")
    qs = search(qs, f.q, "code__icontains", "title__icontains", "branch__name__icontains")
    if f.org:
        qs = qs.filter(branch__path__contains=f"/{f.org}/")
    qs = filter_given(qs, year=f.year, state=f.state)
    qs = qs.annotate(
        full_count=Count("participants", filter=Q(participants__is_full=True)),
        probationary_count=Count("participants", filter=Q(participants__is_full=False)),
    )
    # ⌊正式党员 / 3⌋ (rules.excellent_quota) in SQL: integer division on both databases.
    qs = qs.annotate(excellent_quota=F("full_count") / rules.EXCELLENT_SHARE_DENOMINATOR)
    return qs.order_by("-year", "branch__code", "-id")


register_list(
    "appraisals",
    screen="appraisals:appraisal_list",
    api="/appraisals",
    filter=AppraisalFilter,
    key="code",
    selector=appraisal_list,
)


@dataclass
class Row:
    """One participant as the appraisal page shows them."""

    participant: Participant
    self_assessed: bool
    votes_cast: int
    votes_owed: int
    tally: rules.Tally | None = None
    decision: Decision | None = None
    self_text: str = ""
    points: Decimal | None = None


@dataclass
class Progress:
    """An appraisal's participants with who has written and rated, and, for the branch
    committee, the tally and decisions."""

    appraisal: Appraisal
    rows: list[Row]
    full_count: int
    probationary_count: int
    quota: int
    excellent: int
    show_tally: bool
    self_done: int = 0
    votes_done: int = 0
    grades: tuple[str, ...] = field(default=rules.GRADES)


def progress(user: Any, appraisal: Appraisal) -> Progress:
    """Everyone's progress (self-assessment written, ratings given out of those owed);
    with the tally, decisions and each member's 党员积分 of the year when ``user`` may see the
    tally. Five queries, and those of the year's points when the tally shows."""
    participants = list(
        Participant.objects.filter(appraisal=appraisal)
        .select_related("member")
        .annotate(cast=Count("votes_cast"))
        .order_by("-is_full", "member__number")
    )
    written = dict(
        SelfAssessment.objects.filter(participant__appraisal=appraisal).values_list(
            "participant_id", "text"
        )
    )
    full = sum(1 for p in participants if p.is_full)
    show = may(user, "tally", appraisal)
    tallies: dict[int, rules.Tally] = {}
    decisions: dict[int, Decision] = {}
    points: dict[int, Decimal | None] = {}
    if show:
        pairs = (
            Vote.objects.filter(appraisal=appraisal)
            .values_list("votee_id", "grade")
            .annotate(n=Count("id"))
            .order_by()
        )
        expanded = [(votee, grade) for votee, grade, n in pairs for _ in range(n)]
        tallies = rules.tally(expanded, [p.pk for p in participants if p.is_full])
        decisions = {
            d.participant_id: d for d in Decision.objects.filter(participant__appraisal=appraisal)
        }
        # The year's 党员积分 beside the vote, for the committee only (points.md).
        points = year_totals(
            appraisal.branch.path, appraisal.year, [p.member_id for p in participants]
        )
    rows = [
        Row(
            p,
            p.pk in written,
            p.cast,
            full - (1 if p.is_full else 0),
            tallies.get(p.pk),
            decisions.get(p.pk),
            written.get(p.pk, ""),
            points.get(p.member_id),
        )
        for p in participants
    ]
    excellent = sum(1 for d in decisions.values() if d.grade == rules.EXCELLENT)
    return Progress(
        appraisal,
        rows,
        full,
        len(participants) - full,
        rules.excellent_quota(full),
        excellent,
        show,
        self_done=len(written),
        votes_done=sum(1 for r in rows if r.votes_owed and r.votes_cast >= r.votes_owed),
    )


@dataclass
class MyPart:
    """The signed-in member's part in an appraisal: their row, self-assessment, the
    members they still have to rate, their own ratings, and their result once published."""

    participant: Participant
    self_text: str
    others: list[tuple[Participant, str]]  # (a 正式党员 to rate, the grade I gave or "")
    decision: Decision | None

    @property
    def to_rate(self) -> int:
        return sum(1 for _, g in self.others if not g)


def my_part(user: Any, appraisal: Appraisal) -> MyPart | None:
    """``user``'s own part, or None when they do not take part. Four queries."""
    member_id = getattr(user, "member_id", None)
    if member_id is None:
        return None
    me = Participant.objects.filter(appraisal=appraisal, member_id=member_id).first()
    if me is None:
        return None
    own = SelfAssessment.objects.filter(participant=me).first()
    given = dict(Vote.objects.visible_to(user).filter(voter=me).values_list("votee_id", "grade"))
    others = [
        (p, given.get(p.pk, ""))
        for p in Participant.objects.filter(appraisal=appraisal, is_full=True)
        .exclude(pk=me.pk)
        .select_related("member", "self_assessment")
        .order_by("member__number")
    ]
    decision = Decision.objects.visible_to(user).filter(participant=me).first()
    return MyPart(me, own.text if own else "", others, decision)


@dataclass
class MineCard:
    """What the 我的 page shows: an appraisal open for the member to respond to, else their
    latest published result."""

    appraisal: Appraisal
    to_rate: int = 0
    self_written: bool = False
    decision: Decision | None = None


def mine_card(user: Any) -> MineCard | None:
    """The 民主评议 card of 我的: the member's appraisal that is open (测评中), with what is
    left to do, else the latest published one with their grade. Three queries at most."""
    member_id = getattr(user, "member_id", None)
    if member_id is None:
        return None
    mine = Appraisal.objects.visible_to(user).filter(participants__member_id=member_id)
    open_one = mine.filter(state=AppraisalState.RATING).order_by("-year", "-id").first()
    if open_one is not None:
        part = my_part(user, open_one)
        if part is not None:
            return MineCard(open_one, part.to_rate, bool(part.self_text))
    decision = (
        Decision.objects.visible_to(user)
        .filter(participant__member_id=member_id)
        .select_related("participant__appraisal")
        .order_by("-participant__appraisal__year")
        .first()
    )
    if decision is None:
        return None
    return MineCard(decision.participant.appraisal, decision=decision)
