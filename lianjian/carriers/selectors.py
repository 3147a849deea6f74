"""Reads of 岗区队: the registry (one filter for screen and API), a carrier's page, the
figures as of a date (from the history: closed periods never change), the coverage of 班组,
the contest view, the public 公示 page and a member's own carriers."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from lianjian.carriers import rules
from lianjian.carriers.models import (
    Carrier,
    CarrierMember,
    CarrierReview,
    CarrierStep,
    WorkGroup,
)
from lianjian.carriers.schemas import CarrierFilter
from lianjian.core.filters import register_list, search
from lianjian.keytasks.models import KeyTask
from lianjian.orgs.models import Organisation

STANDING = {
    "active": rules.ACTIVE_STATES,
    "withdrawn": (rules.WITHDRAWN,),
    "pending": (rules.DECLARED, rules.BRANCH_REVIEW, rules.COMMITTEE, rules.PUBLICITY),
}


def _subtree(user: Any, code: str) -> Q:
    """Organisations under ``code`` — nothing when the user does not see ``code`` (a filter
    never names what is hidden)."""
    org = Organisation.objects.visible_to(user).filter(code=code).values_list("path", flat=True)
    path = org.first()
    if path is None:
        return Q(pk__in=[])
    return Q(org__path__under=path)


def carrier_list(user: Any, f: CarrierFilter) -> QuerySet[Carrier]:
    """The carriers ``user`` sees matching ``f``, by organisation, kind and code, with their
    organisation, leader and alliance loaded (one query)."""
    qs = Carrier.objects.visible_to(user).select_related("org", "leader", "alliance")
    qs = search(
        qs,
        f.q,
        "code__icontains",
        "name__icontains",
        "post_name__icontains",
        "leader__name__icontains",
    )
    if f.org:
        qs = qs.filter(_subtree(user, f.org))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.standing:
        qs = qs.filter(state__in=STANDING[f.standing])
    if f.theme:
        qs = qs.filter(theme__icontains=f.theme)
    return qs.order_by("org__code", "kind", "code")


register_list(
    "carriers",
    screen="carriers:carrier_list",
    api="/carriers",
    filter=CarrierFilter,
    key="code",
    selector=carrier_list,
)


def with_links(qs: QuerySet[Carrier]) -> QuerySet[Carrier]:
    """Load what the API shows of each row (班组 and key-task codes) in two more queries."""
    return qs.prefetch_related("work_groups", "key_tasks")


def carrier_detail(qs: QuerySet[Carrier]) -> QuerySet[Carrier]:
    """A carrier's page: members (current first), reviews, vetoes, history, 班组, tasks."""
    members = CarrierMember.objects.select_related("member").order_by("left_on", "id")
    return (
        qs.select_related("org", "leader", "alliance", "previous")
        .prefetch_related("reviews", "vetoes", "work_groups")
        .prefetch_related(Prefetch("memberships", queryset=members))
        .prefetch_related(Prefetch("steps", queryset=CarrierStep.objects.order_by("day", "id")))
        .prefetch_related(Prefetch("key_tasks", queryset=_tasks()))
    )


def _tasks() -> QuerySet[KeyTask]:
    return KeyTask.objects.select_related("owner_org").order_by("code")


def figures(
    user: Any, on: datetime.date, org: Organisation | None = None
) -> dict[str, rules.Figures]:
    """Figures per kind and in all on ``on`` among the carriers ``user`` sees (of ``org``'s
    subtree when given), from the history: a later change never alters an earlier day."""
    carriers = Carrier.objects.visible_to(user)
    if org is not None:
        carriers = carriers.filter(org__path__under=org.path)
    rows = (
        CarrierStep.objects.filter(carrier__in=carriers.values("pk"), day__lte=on)
        .order_by("day", "id")
        .values_list("carrier_id", "carrier__kind", "day", "state")
    )
    return rules.figures((rules.Step(*r) for r in rows), on)


@dataclass(frozen=True)
class BranchCoverage:
    org: Organisation
    coverage: rules.Coverage
    gap_names: tuple[str, ...]


def coverage(user: Any, org: Organisation | None = None) -> list[BranchCoverage]:
    """For each organisation with 班组 that ``user`` sees: how many 班组 an active 责任区 with
    at least one current 党员 covers, and the gaps by name (three queries)."""
    groups = WorkGroup.objects.visible_to(user).filter(retired=False).select_related("org")
    if org is not None:
        groups = groups.filter(org__path__under=org.path)
    by_org: dict[int, list[WorkGroup]] = defaultdict(list)
    orgs: dict[int, Organisation] = {}
    for g in groups.order_by("org__code", "code"):
        by_org[g.org_id].append(g)
        orgs[g.org_id] = g.org
    areas = (
        Carrier.objects.filter(
            kind=rules.AREA, state__in=rules.ACTIVE_STATES, org_id__in=list(orgs)
        )
        .annotate(
            party=Count(
                "memberships",
                filter=Q(memberships__kind=rules.PARTY, memberships__left_on__isnull=True),
                distinct=True,
            )
        )
        .prefetch_related("work_groups")
    )
    per_org: dict[int, list[tuple[list[str], int]]] = defaultdict(list)
    for a in areas:
        per_org[a.org_id].append(([g.code for g in a.work_groups.all()], a.party))
    out = []
    for org_id, gs in by_org.items():
        cov = rules.coverage([g.code for g in gs], per_org.get(org_id, []))
        names = {g.code: g.name for g in gs}
        out.append(BranchCoverage(orgs[org_id], cov, tuple(names[c] for c in cov.gaps)))
    return out


def contest(
    user: Any, period: str | None, kind: str | None = None
) -> tuple[list[str], list[CarrierReview]]:
    """岗区队竞赛: the reviews of one period side by side, best first (the periods offered,
    newest first; the newest when none is asked)."""
    reviews = CarrierReview.objects.filter(
        carrier__in=Carrier.objects.visible_to(user).values("pk")
    )
    if kind:
        reviews = reviews.filter(carrier__kind=kind)
    periods = sorted(set(reviews.values_list("period", flat=True)), reverse=True)
    chosen = period if period in periods else (periods[0] if periods else None)
    if chosen is None:
        return periods, []
    rows = list(
        reviews.filter(period=chosen)
        .select_related("carrier", "carrier__org", "carrier__leader")
        .order_by("-score", "carrier__code")
    )
    return periods, rows


def public_carriers(org: Organisation) -> QuerySet[Carrier]:
    """What the 公示 page of ``org`` shows: its carriers holding a title and those in 公示,
    with their members (names, posts, commitments). The caller has checked ``org`` is
    visible."""
    return (
        Carrier.objects.filter(
            org__path__under=org.path,
            state__in=(*rules.ACTIVE_STATES, rules.PUBLICITY),
        )
        .select_related("org", "leader")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=CarrierMember.objects.filter(left_on__isnull=True).order_by("id"),
            )
        )
        .order_by("kind", "code")
    )


def my_carriers(user: Any) -> list[Carrier]:
    """The active carriers the user's member record leads or belongs to (我的岗区队)."""
    member_id = getattr(user, "member_id", None)
    if member_id is None:
        return []
    return list(
        Carrier.objects.filter(state__in=rules.ACTIVE_STATES)
        .filter(
            Q(leader_id=member_id)
            | Q(
                pk__in=CarrierMember.objects.filter(
                    member_id=member_id, left_on__isnull=True
                ).values("carrier_id")
            )
        )
        .select_related("org")
        .order_by("kind", "code")
    )


def map_points(qs: QuerySet[Carrier]) -> list[dict[str, Any]]:
    """The carriers of ``qs`` that have coordinates, as points for the map (name, kind,
    state, lon/lat)."""
    return [
        {"name": c.name, "code": c.code, "kind": c.kind, "value": [c.lon, c.lat]}
        for c in qs.filter(lat__isnull=False, lon__isnull=False)
    ]


@dataclass
class OrgCarrierFigures:
    """What the assessment reads of one organisation's carriers in a period."""

    active: list[str]
    reviews: list[tuple[str, str, float]]


def assessment_figures(
    orgs: Any, start: datetime.date, end: datetime.date, today: datetime.date
) -> dict[int, OrgCarrierFigures]:
    """Per organisation (``orgs``: ids or a subquery of them), its own carriers (所属党组织),
    in two queries:

    * active — the carriers holding a title (已命名, 复核, 警示) on the counted day (the
      period's end, or ``today`` while it runs), from their history, so a later change never
      alters a closed period;
    * reviews — the reviews dated inside the period and not after ``today``, as
      (carrier code, review period, score).
    """
    as_of = min(end, today)
    out: dict[int, OrgCarrierFigures] = {}
    rows = (
        CarrierStep.objects.filter(carrier__org__in=orgs, day__lte=as_of)
        .order_by("day", "id")
        .values_list("carrier__org_id", "carrier__code", "state")
    )
    last: dict[tuple[int, str], str] = {}
    for org_id, code, state in rows:
        last[(org_id, code)] = state
    for (org_id, code), state in sorted(last.items()):
        figures = out.setdefault(org_id, OrgCarrierFigures([], []))
        if state in rules.ACTIVE_STATES:
            figures.active.append(code)
    reviews = (
        CarrierReview.objects.filter(
            carrier__org__in=orgs, day__gte=start, day__lte=min(end, today)
        )
        .order_by("carrier__code", "day")
        .values_list("carrier__org_id", "carrier__code", "period", "score")
    )
    for org_id, code, period, score in reviews:
        out.setdefault(org_id, OrgCarrierFigures([], [])).reviews.append((code, period, score))
    return out
