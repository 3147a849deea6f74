"""Reads that shape the problem list and meetings for screens, the API and reminders.

Each function issues a fixed number of queries whatever the number of problems (pinned in
tests). "Today" is always passed in, so that figures and colours are reproducible.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from lianjian.alliances.models import Alliance
from lianjian.consultations import rules
from lianjian.consultations.models import (
    JointMeeting,
    Problem,
    ProblemCategory,
    ProblemEvent,
    ProblemOwner,
    ProblemState,
)
from lianjian.consultations.schemas import MeetingFilter, ProblemFilter
from lianjian.core.filters import register_list
from lianjian.core.scope import may
from lianjian.deadlines.engine import Colour, Kind, PresetRule, latest_due
from lianjian.deadlines.services import rule_for
from lianjian.orgs.models import Organisation

COLOURS = {"red": "逾期", "yellow": "临期", "green": "正常"}


def problem_rows(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    """Problems with what a list row, a permission check and the API show: the alliance and
    its lead, the raising organisation, the meeting, the owners (two queries in all)."""
    owners = ProblemOwner.objects.select_related("org").order_by("position")
    return qs.select_related("alliance", "alliance__lead", "raised_by", "meeting").prefetch_related(
        Prefetch("owner_links", queryset=owners)
    )


def colour_q(colour: str, today: datetime.date, rule: PresetRule | None = None) -> Q:
    """The problems of one 三色 colour (see :func:`rules.colour`) as a filter in SQL, built
    from the thresholds of ``rule`` (by default the preset of the kind ``problem``)."""
    rule = rule or rule_for(rules.DEADLINE_KIND)
    wanted = Colour(colour)  # ValueError for anything else
    open_ = Q(state__in=rules.OPEN_STATES, deadline__isnull=False)
    if rule.kind is Kind.LAG:
        # No progress on a problem: nothing lags, every open problem is green.
        return open_ if wanted is Colour.GREEN else Q(pk__in=[])
    red = latest_due(rule, today, Colour.RED)
    yellow = latest_due(rule, today, Colour.YELLOW)
    if wanted is Colour.RED:
        return open_ & Q(deadline__lte=red)
    if wanted is Colour.YELLOW:
        return open_ & Q(deadline__gt=red, deadline__lte=yellow)
    return open_ & Q(deadline__gt=yellow)


def org_problems_q(org: Organisation) -> Q:
    """Problems raised by or assigned to an organisation of ``org``'s subtree."""
    owned = ProblemOwner.objects.filter(org__path__under=org.path).values("problem_id")
    return Q(raised_by__path__under=org.path) | Q(pk__in=owned)


def problem_list(
    user: Any, f: ProblemFilter, today: datetime.date | None = None
) -> QuerySet[Problem]:
    """The problems ``user`` may see that match ``f``, newest first, with what a row shows —
    the one filter of the problem screen, its export and ``GET /api/v1/problems``. An
    organisation the user may not see matches nothing."""
    today = today or timezone.localdate()
    qs = Problem.objects.visible_to(user)
    if f.q:
        qs = qs.filter(
            Q(title__icontains=f.q)
            | Q(code__iexact=f.q)
            | Q(description__icontains=f.q)
            | Q(responsible__icontains=f.q)
        )
    if f.state == "未解决":
        qs = qs.filter(state__in=rules.UNSOLVED_STATES)
    elif f.state:
        qs = qs.filter(state=f.state)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.urgency:
        qs = qs.filter(urgency=f.urgency)
    if f.alliance:
        qs = qs.filter(alliance__code=f.alliance)
    if f.colour:
        qs = qs.filter(colour_q(f.colour, today))
    if f.org:
        org = Organisation.objects.visible_to(user).filter(code=f.org).only("path").first()
        qs = qs.filter(org_problems_q(org)) if org else qs.none()
    if f.year:
        qs = qs.filter(raised_on__year=f.year)
    return problem_rows(qs).order_by("-raised_on", "-id")


def meeting_list(user: Any, f: MeetingFilter) -> QuerySet[JointMeeting]:
    """The meetings ``user`` may see that match ``f``, latest first, with their counts — the
    one filter of the meeting screen and ``GET /api/v1/meetings``."""
    qs = JointMeeting.objects.visible_to(user)
    if f.q:
        qs = qs.filter(
            Q(title__icontains=f.q)
            | Q(code__iexact=f.q)
            | Q(place__icontains=f.q)
            | Q(minutes__icontains=f.q)
        )
    if f.alliance:
        qs = qs.filter(alliance__code=f.alliance)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.year:
        qs = qs.filter(start__year=f.year)
    return meeting_rows(qs).order_by("-start", "-id")


register_list(
    "problems",
    screen="consultations:problem_list",
    api="/problems",
    filter=ProblemFilter,
    key="code",
    selector=problem_list,
)
register_list(
    "meetings",
    screen="consultations:meeting_list",
    api="/meetings",
    filter=MeetingFilter,
    key="code",
    selector=meeting_list,
)


def timeline(problem: Problem) -> list[ProblemEvent]:
    """The problem's events, oldest first (one query)."""
    return list(problem.events.select_related("org").order_by("at", "id"))


# --- figures -------------------------------------------------------------------------------


@dataclass
class Figures:
    """The figures of a set of problems (an alliance's, or everything in view)."""

    raised: int = 0
    solved: int = 0
    closed: int = 0
    open: int = 0
    overdue: int = 0
    median_days: float | None = None

    @property
    def solve_rate(self) -> int | None:
        return round(100 * self.solved / self.raised) if self.raised else None


def _counts(today: datetime.date) -> dict[str, Any]:
    return {
        "raised": Count("id"),
        "solved": Count("id", filter=Q(state__in=rules.SOLVED_STATES)),
        "closed": Count("id", filter=Q(state=rules.CLOSED)),
        "open": Count("id", filter=Q(state__in=rules.UNSOLVED_STATES)),
        "overdue": Count("id", filter=colour_q("red", today)),
    }


def figures(qs: QuerySet[Problem], today: datetime.date) -> Figures:
    """Raised, solved (待确认 and 已销号), closed, open (not solved), overdue and the median
    days from raising to solving, of ``qs``. Two queries."""
    agg = qs.order_by().aggregate(**_counts(today))
    pairs = qs.filter(solved_on__isnull=False).order_by().values_list("raised_on", "solved_on")
    return Figures(**agg, median_days=rules.median_days(pairs))


def figures_by_alliance(qs: QuerySet[Problem], today: datetime.date) -> dict[int, Figures]:
    """:func:`figures` per alliance id of ``qs`` (problems without an alliance are left out).
    Two queries whatever the number of alliances."""
    out: dict[int, Figures] = {}
    base = qs.filter(alliance__isnull=False).order_by()
    for row in base.values("alliance_id").annotate(**_counts(today)):
        alliance_id = row.pop("alliance_id")
        out[alliance_id] = Figures(**row)
    pairs: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    for alliance_id, raised, solved in base.filter(solved_on__isnull=False).values_list(
        "alliance_id", "raised_on", "solved_on"
    ):
        pairs[alliance_id].append((raised, solved))
    for alliance_id, values in pairs.items():
        out[alliance_id].median_days = rules.median_days(values)
    return out


def alliance_card(alliance: Alliance, user: Any, today: datetime.date) -> dict[str, Any]:
    """What the alliance page's card shows: the figures of the alliance's problems the user
    sees, the most pressing open ones with their colour, the latest meetings. Four queries."""
    qs = Problem.objects.visible_to(user).filter(alliance=alliance)
    pressing = [
        (p, p.colour(today))
        for p in qs.filter(state__in=rules.OPEN_STATES, deadline__isnull=False)
        .select_related("raised_by")
        .order_by("deadline", "code")[:5]
    ]
    meetings = list(
        JointMeeting.objects.visible_to(user).filter(alliance=alliance).order_by("-start")[:3]
    )
    return {"figures": figures(qs, today), "pressing": pressing, "meetings": meetings}


def statistics(qs: QuerySet[Problem], *, year: int, today: datetime.date) -> dict[str, Any]:
    """Figures and chart series for the problems of ``qs``: all of them by category and by
    state; raised and solved by month of ``year``; the figures per alliance. Nine queries."""
    total = figures(qs, today)
    cat: dict[str, dict[str, Any]] = {
        r["category"]: dict(r)
        for r in qs.order_by()
        .values("category")
        .annotate(
            n=Count("id"),
            solved=Count("id", filter=Q(state__in=rules.SOLVED_STATES)),
            overdue=Count("id", filter=colour_q("red", today)),
        )
    }
    by_state = {r["state"]: r["n"] for r in qs.order_by().values("state").annotate(n=Count("id"))}
    raised_month = {
        r["m"]: r["n"]
        for r in qs.filter(raised_on__year=year)
        .order_by()
        .annotate(m=ExtractMonth("raised_on"))
        .values("m")
        .annotate(n=Count("id"))
    }
    solved_month = {
        r["m"]: r["n"]
        for r in qs.filter(solved_on__year=year)
        .order_by()
        .annotate(m=ExtractMonth("solved_on"))
        .values("m")
        .annotate(n=Count("id"))
    }
    per_alliance = figures_by_alliance(qs, today)
    labels = {
        pk: (code, name)
        for pk, code, name in Alliance.objects.filter(pk__in=list(per_alliance)).values_list(
            "pk", "code", "name"
        )
    }
    alliances = sorted(
        ((*labels[pk], f) for pk, f in per_alliance.items()), key=lambda t: (-t[2].raised, t[0])
    )
    return {
        "figures": total,
        "by_category": [
            (
                c,
                cat.get(c, {}).get("n", 0),
                cat.get(c, {}).get("solved", 0),
                cat.get(c, {}).get("overdue", 0),
            )
            for c in ProblemCategory.values
        ],
        "by_state": [(s, by_state.get(s, 0)) for s in ProblemState.values],
        "by_month": [(m, raised_month.get(m, 0), solved_month.get(m, 0)) for m in range(1, 13)],
        "alliances": alliances,
    }


def meeting_rows(qs: QuerySet[JointMeeting]) -> QuerySet[JointMeeting]:
    """Meetings with their alliance, convener and agenda/attendee counts (one query)."""
    return qs.select_related("alliance", "alliance__lead", "convener").annotate(
        n_agenda=Count("agenda", distinct=True), n_attendees=Count("attendees", distinct=True)
    )


def owner_orgs(problems: Iterable[Problem]) -> set[int]:
    """Every owner organisation id of ``problems`` (from their prefetched links)."""
    return {link.org_id for p in problems for link in p.owner_links.all()}


def actions_for(user: Any, problem: Problem) -> list[str]:
    """The steps ``user`` may take on ``problem`` now: the problem's state allows them
    (``rules``) and the user holds the role each needs (``Problem.SCOPE``)."""
    return [a for a in rules.ACTIONS if rules.allowed(a, problem.state) and may(user, a, problem)]
