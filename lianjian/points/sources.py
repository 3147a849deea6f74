"""The automatic sources of points: one small function per source, in :data:`SOURCES`.

Each function answers the records that earn a rule's points for the members of an
organisation subtree within a date range, as :class:`Found` rows: the member, a stable key
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


def _attendance(
    rule: engine.Rule, path: str, first: datetime.date, last: datetime.date, status: str
) -> Iterator[Found]:
    """The attendance rows of ``status`` at held activities in the range, of members who
    belonged to the subtree ``path`` **on the activity's day** (a later transfer neither
    takes points away from the old organisation's scheme nor gives them to the new one:
    a closed period does not change because of something done today)."""
    moved = transfers_after(first)
    qs = Attendance.objects.filter(
        Q(member__org__path__under=path) | Q(member_id__in=list(moved)),
        status=status,
        activity__status__in=COUNTED_STATUSES,
        activity__is_valid=True,
        activity__start__gte=local_start(first),
        activity__start__lt=local_start(last + datetime.timedelta(days=1)),
    )
    if rule.activity_types:
        qs = qs.filter(activity__type__in=rule.activity_types)
    rows = qs.values_list("pk", "member_id", "activity__start", "member__org_id")
    # The paths of every organisation a moved member was in (today's included).
    orgs = {org for history in moved.values() for _, org, _ in history}
    orgs |= set(Member.objects.filter(pk__in=list(moved)).values_list("org_id", flat=True))
    paths = dict(Organisation.objects.filter(pk__in=orgs).values_list("pk", "path"))
    for pk, member_id, start, org_id in rows.iterator(chunk_size=5000):
        day = timezone.localtime(start).date()
        if member_id in moved:
            then = org_on_day(org_id, moved[member_id], day)
            if not paths.get(then, "").startswith(path):
                continue
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
    task not cancelled."""
    qs = Milestone.objects.filter(
        accepted_on__gte=first,
        accepted_on__lte=last,
        task__owner__isnull=False,
        task__owner__org__path__under=path,
    ).exclude(task__state=TaskState.CANCELLED)
    for pk, owner_id, day in qs.values_list("pk", "task__owner_id", "accepted_on").iterator(
        chunk_size=5000
    ):
        if day is not None:  # the filter on accepted_on excludes None; mypy cannot see it
            yield Found(owner_id, f"milestone:{pk}", day, milestone_id=pk)


def problem_closed(
    rule: engine.Rule, path: str, first: datetime.date, last: datetime.date
) -> Iterator[Found]:
    """A problem of 事务共商 closed (已销号) in the range whose 责任人 is the member: the
    problem names its 责任人 by name, so the member is the one of that name in one of
    the problem's owner organisations (a name shared there matches nobody: no guessing)."""
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
    members: dict[tuple[int, str], list[int]] = {}
    for pk, org_id, name in Member.objects.filter(
        org_id__in={p[3] for p in problems}, name__in={p[1] for p in problems}
    ).values_list("pk", "org_id", "name"):
        members.setdefault((org_id, name), []).append(pk)
    seen: set[tuple[int, int]] = set()
    for pk, name, day, org_id in problems:
        found = members.get((org_id, name), [])
        if day is not None and len(found) == 1 and (pk, found[0]) not in seen:
            seen.add((pk, found[0]))
            yield Found(found[0], f"problem:{pk}", day, problem_id=pk)


def carrier(
    rule: engine.Rule, path: str, first: datetime.date, last: datetime.date
) -> Iterator[Found]:
    """Active 岗区队 membership, as its review shows it: a review (复核) dated in the range
    that kept the title (优秀, 合格 or 基本合格 — not 摘牌) earns the rule's points for each
    党员 who belonged to the carrier on the review day, its holder (负责人) included. The
    review is the record (减负: entered once by the reviewers; nobody reports membership)."""
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
    belonged: dict[int, list[tuple[int, datetime.date | None]]] = {}
    for carrier_id, member_id, left_on in CarrierMember.objects.filter(
        carrier_id__in={r[1] for r in reviews}, member__isnull=False
    ).values_list("carrier_id", "member_id", "left_on"):
        belonged.setdefault(carrier_id, []).append((member_id, left_on))
    for pk, carrier_id, day, leader_id in reviews:
        members = {m for m, left_on in belonged.get(carrier_id, []) if not left_on or left_on > day}
        if leader_id is not None:
            members.add(leader_id)
        for member_id in sorted(members):
            yield Found(member_id, f"carrier_review:{pk}:{member_id}", day, carrier_review_id=pk)


SOURCES: dict[str, Source] = {
    "attendance": attendance,
    "absence": absence,
    "milestone_accepted": milestone_accepted,
    "problem_closed": problem_closed,
    "carrier": carrier,
}

# The names a scheme may use: the computed sources and the reviewed claim.
SOURCE_NAMES = frozenset({*SOURCES, engine.CLAIM})
