"""The automatic sources of points: one small function per source, in :data:`SOURCES`.

Each function answers the records that earn a rule's points for the members of an
organisation subtree within a date range — each member placed by their organisation on the
record's day (:class:`Placement`) — as :class:`Found` rows: the member, a stable key
of the record (``attendance:12``) and its day, with the explicit link the ledger keeps.
The records are the ones other capabilities already keep (减负: entered once) — nothing
here asks anyone to type anything.

Adding a source is one function and one line in :data:`SOURCES`; the scheme validator
accepts exactly the names listed here plus ``claim``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from lianjian.activities.compliance import org_on_day
from lianjian.activities.models import COUNTED_STATUSES, Attendance, AttendanceStatus
from lianjian.activities.times import local_start
from lianjian.carriers import rules as carrier_rules
from lianjian.carriers.models import CarrierMember, CarrierReview
from lianjian.consultations import rules as problem_rules
from lianjian.consultations.models import Problem
from lianjian.keytasks.models import Milestone, TaskState
from lianjian.orgs.models import Member, MemberTransfer, Organisation
from lianjian.points import engine


@dataclass(frozen=True)
class Found:
    member_id: int
    key: str
    day: datetime.date
    attendance_id: int | None = None
    milestone_id: int | None = None
    problem_id: int | None = None
    carrier_review_id: int | None = None


Source = Callable[[engine.Rule, str, datetime.date, datetime.date], Iterator[Found]]


def transfers_after(first: datetime.date) -> dict[int, list[tuple[datetime.date, int, int]]]:
    """The transfers dated after ``first`` by member, as (date, from org, to org): the only
    ones that place a member elsewhere on a day from ``first`` on (few: transfers are rare)."""
    moved: dict[int, list[tuple[datetime.date, int, int]]] = {}
    for member_id, *transfer in MemberTransfer.objects.filter(date__gt=first).values_list(
        "member_id", "date", "from_org_id", "to_org_id"
    ):
        moved.setdefault(member_id, []).append(tuple(transfer))  # type: ignore[arg-type]
    return moved


@dataclass(frozen=True)
class Placement:
    """Members placed by their organisation **on a record's day** — the one as-of rule
    (:func:`~lianjian.activities.compliance.org_on_day`) that the attendance sources, the
    compliance matrix and the ledger's SQL path share: a later transfer neither takes a
    closed period's points away from the old organisation's scheme nor gives them to the
    new one. Two queries: the transfers dated after ``first`` (few) and the paths of the
    organisations the moved members were in."""

    moved: dict[int, list[tuple[datetime.date, int, int]]]
    paths: dict[int, str]

    @classmethod
    def since(cls, first: datetime.date) -> Placement:
        moved = transfers_after(first)
        orgs = {org for history in moved.values() for _, org, _ in history}
        orgs |= set(Member.objects.filter(pk__in=list(moved)).values_list("org_id", flat=True))
        return cls(moved, dict(Organisation.objects.filter(pk__in=orgs).values_list("pk", "path")))

    def members_q(self, field: str, path: str) -> Q:
        """Rows whose member (``field``) may have been under ``path`` on some day from
        ``first`` on: under it today, or moved since (:meth:`under` decides those)."""
        return Q(**{f"{field}__org__path__under": path}) | Q(
            **{f"{field}_id__in": list(self.moved)}
        )

    def org_on(self, member_id: int, org_id: int, day: datetime.date) -> int:
        """The organisation of a member of ``org_id`` today on ``day``."""
        history = self.moved.get(member_id)
        return org_on_day(org_id, history, day) if history else org_id

    def under(self, path: str, member_id: int, org_id: int, day: datetime.date) -> bool:
        """Whether the member (of ``org_id`` today) was under ``path`` on ``day``; members
        not moved since ``first`` were selected by today's path (:meth:`members_q`)."""
        if member_id not in self.moved:
            return True
        return self.paths.get(self.org_on(member_id, org_id, day), "").startswith(path)


def _attendance(
    rule: engine.Rule, path: str, first: datetime.date, last: datetime.date, status: str
) -> Iterator[Found]:
    """The attendance rows of ``status`` at held activities in the range, of members who
    belonged to the subtree ``path`` **on the activity's day** (a later transfer neither
    takes points away from the old organisation's scheme nor gives them to the new one:
    a closed period does not change because of something done today)."""
    placed = Placement.since(first)
    qs = Attendance.objects.filter(
        placed.members_q("member", path),
        status=status,
        activity__status__in=COUNTED_STATUSES,
        activity__is_valid=True,
        activity__start__gte=local_start(first),
        activity__start__lt=local_start(last + datetime.timedelta(days=1)),
    )
    if rule.activity_types:
        qs = qs.filter(activity__type__in=rule.activity_types)
    rows = qs.values_list("pk", "member_id", "activity__start", "member__org_id")
    for pk, member_id, start, org_id in rows.iterator(chunk_size=5000):
        day = timezone.localtime(start).date()
        if placed.under(path, member_id, org_id, day):
            yield Found(member_id, f"attendance:{pk}", day, attendance_id=pk)


def attendance(
    rule: engine.Rule, path: str, first: datetime.date, last: datetime.date
) -> Iterator[Found]:
    """Present (出席, not on leave) at a held activity (已提交/已通过, not voided) of the
    rule's types."""
    return _attendance(rule, path, first, last, AttendanceStatus.PRESENT)


def absence(
    rule: engine.Rule, path: str, first: datetime.date, last: datetime.date
) -> Iterator[Found]:
    """Absent without leave (缺席, not 请假) from a held activity of the rule's types (all
    types when the rule lists none)."""
    return _attendance(rule, path, first, last, AttendanceStatus.ABSENT)


def milestone_accepted(
    rule: engine.Rule, path: str, first: datetime.date, last: datetime.date
) -> Iterator[Found]:
    """A milestone accepted (验收) in the range, of a task the member owns (责任人), the
    task not cancelled; the owner placed by their organisation on the day of acceptance."""
    placed = Placement.since(first)
    qs = Milestone.objects.filter(
        placed.members_q("task__owner", path),
        accepted_on__gte=first,
        accepted_on__lte=last,
        task__owner__isnull=False,
    ).exclude(task__state=TaskState.CANCELLED)
    rows = qs.values_list("pk", "task__owner_id", "accepted_on", "task__owner__org_id")
    for pk, owner_id, day, org_id in rows.iterator(chunk_size=5000):
        # the filter on accepted_on excludes None; mypy cannot see it
        if day is not None and placed.under(path, owner_id, org_id, day):
            yield Found(owner_id, f"milestone:{pk}", day, milestone_id=pk)


def problem_closed(
    rule: engine.Rule, path: str, first: datetime.date, last: datetime.date
) -> Iterator[Found]:
    """A problem of 事务共商 closed (已销号) in the range whose 责任人 is the member: the
    problem names its 责任人 by name, so the member is the one of that name in one of
    the problem's owner organisations on the day it was closed (a name shared there matches
    nobody: no guessing)."""
    problems = list(
        Problem.objects.filter(
            state=problem_rules.CLOSED,
            closed_on__gte=first,
            closed_on__lte=last,
            owner_links__org__path__under=path,
        )
        .exclude(responsible="")
        .values_list("pk", "responsible", "closed_on", "owner_links__org_id")
    )
    if not problems:
        return
    placed = Placement.since(first)
    # Everyone of those names who may have been in one of the owner organisations on a
    # closing day: there today, or moved since the range began.
    people = Member.objects.filter(
        Q(org_id__in={p[3] for p in problems}) | Q(pk__in=list(placed.moved)),
        name__in={p[1] for p in problems},
    ).values_list("pk", "org_id", "name")
    by_name: dict[str, list[tuple[int, int]]] = {}
    for member_id, org_id, name in people:
        by_name.setdefault(name, []).append((member_id, org_id))
    seen: set[tuple[int, int]] = set()
    for pk, name, day, org_id in problems:
        if day is None:
            continue
        found = [m for m, today in by_name.get(name, []) if placed.org_on(m, today, day) == org_id]
        if len(found) == 1 and (pk, found[0]) not in seen:
            seen.add((pk, found[0]))
            yield Found(found[0], f"problem:{pk}", day, problem_id=pk)


def carrier(
    rule: engine.Rule, path: str, first: datetime.date, last: datetime.date
) -> Iterator[Found]:
    """Active 岗区队 membership, as its review shows it: a review (复核) dated in the range
    that kept the title (优秀, 合格 or 基本合格 — not 摘牌) earns the rule's points for each
    党员 who belonged to the carrier on the review day, its holder (负责人) included. The
    review is the record (减负: entered once by the reviewers; nobody reports membership).
    Each member is placed by their organisation on the review day."""
    reviews = list(
        CarrierReview.objects.filter(
            day__gte=first,
            day__lte=last,
            state_after__in=carrier_rules.ACTIVE_STATES,
            carrier__org__path__under=path,
        ).values_list("pk", "carrier_id", "day", "carrier__leader_id")
    )
    if not reviews:
        return
    placed = Placement.since(first)
    belonged: dict[int, list[tuple[int, datetime.date | None]]] = {}
    for carrier_id, member_id, left_on in CarrierMember.objects.filter(
        carrier_id__in={r[1] for r in reviews}, member__isnull=False
    ).values_list("carrier_id", "member_id", "left_on"):
        belonged.setdefault(carrier_id, []).append((member_id, left_on))
    people = {m for rows in belonged.values() for m, _ in rows}
    people |= {r[3] for r in reviews if r[3] is not None}
    # Today's organisation of each: the placement on the review day starts from it.
    orgs = dict(Member.objects.filter(pk__in=people).values_list("pk", "org_id"))
    paths = dict(Organisation.objects.filter(pk__in=set(orgs.values())).values_list("pk", "path"))
    for pk, carrier_id, day, leader_id in reviews:
        members = {m for m, left_on in belonged.get(carrier_id, []) if not left_on or left_on > day}
        if leader_id is not None:
            members.add(leader_id)
        for member_id in sorted(members):
            then = placed.org_on(member_id, orgs[member_id], day)
            if paths.get(then, placed.paths.get(then, "")).startswith(path):
                yield Found(
                    member_id, f"carrier_review:{pk}:{member_id}", day, carrier_review_id=pk
                )


SOURCES: dict[str, Source] = {
    "attendance": attendance,
    "absence": absence,
    "milestone_accepted": milestone_accepted,
    "problem_closed": problem_closed,
    "carrier": carrier,
}

# The names a scheme may use: the computed sources and the reviewed claim.
SOURCE_NAMES = frozenset({*SOURCES, engine.CLAIM})
