"""Reads of 党员积分: totals per member and period (through the engine), the ledger and
claim lists (one selector each for the screen and the API), a member's own page.

Only 生效 entries count. A member's total for a period applies the rule caps over the
whole year first (:func:`lianjian.points.engine.period_total`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, cast

from django.db.models import ForeignKey, Q, QuerySet, Sum, prefetch_related_objects
from django.utils import timezone

from lianjian.activities.compliance import org_on_day
from lianjian.activities.models import Activity
from lianjian.core.filters import filter_given, register_list, search
from lianjian.core.scope import VIEW, ScopedQuerySet
from lianjian.orgs.models import Member, Organisation
from lianjian.points import engine
from lianjian.points.models import (
    OPEN_CLAIM_STATES,
    EntryStatus,
    MemberStanding,
    PointsClaim,
    PointsEntry,
    PointsRule,
    PointsScheme,
    RuleCategory,
)
from lianjian.points.schemas import ClaimFilter, EntryFilter, PointsSchemeFilter
from lianjian.points.sources import transfers_after


def scheme_for(member: Member, year: int) -> PointsScheme | None:
    """The scheme that scores ``member`` in ``year``: the one of the nearest organisation
    at or above theirs."""
    return scheme_for_path(member.org.path, year)


def scheme_for_path(path: str, year: int) -> PointsScheme | None:
    """The scheme that scores the members of the organisation at ``path`` in ``year``: the
    one of the nearest organisation at or above it."""
    parts = [p for p in path.strip("/").split("/") if p]
    paths = [f"/{'/'.join(parts[:i])}/" for i in range(1, len(parts) + 1)]
    schemes = {
        s.org.path: s
        for s in PointsScheme.objects.filter(year=year, org__path__in=paths).select_related("org")
    }
    for path in reversed(paths):
        if path in schemes:
            return schemes[path]
    return None


def exempt_members(scheme: PointsScheme, member_ids: Iterable[int]) -> set[int]:
    """The members exempt in the scheme's year: exempted by their branch, or of a
    category the scheme exempts."""
    rows = MemberStanding.objects.filter(year=scheme.year, member_id__in=list(member_ids))
    cats = set(scheme.exempt_categories)
    return {
        m for m, exempt, cat in rows.values_list("member_id", "exempt", "category")
        if exempt or cat in cats
    }  # fmt: skip


def _events(
    scheme: PointsScheme, member_ids: Iterable[int] | None, until: datetime.date | None = None
) -> dict[int, list[engine.Event]]:
    """Each member's counted points as one event per (rule, period), summed in SQL.

    Equal to the entry-by-entry events for the caps: a rule's entries all have the rule's
    sign (the services refuse a correction of the other sign), so the greedy caps of
    :func:`engine.kept_points` keep ``min(sum, caps left)`` of a period either way, and the
    periods are taken in order. ``until``: entries after it cannot change a total up to it
    (caps keep the earliest points) and are left out."""
    qs = PointsEntry.objects.filter(scheme=scheme, status=EntryStatus.ACTIVE)
    if member_ids is not None:
        qs = qs.filter(member_id__in=list(member_ids))
    if until is not None:
        qs = qs.filter(happened_on__lte=until)
    events: dict[int, list[engine.Event]] = defaultdict(list)
    rows = (
        qs.values("member_id", "rule__code", "period")
        .annotate(total=Sum("points"))
        .values_list("member_id", "rule__code", "period", "total")
        .order_by()
    )
    for member_id, code, period, points in rows.iterator(chunk_size=10000):
        events[member_id].append(engine.Event(code, period, points, (period, code)))
    return events


class Scored(NamedTuple):
    """A member scored in a period, with the path of their organisation on the period's
    day (:func:`scored_members`)."""

    member_id: int
    number: str
    name: str
    org_path: str


def scored_members(
    scheme: PointsScheme,
    period: str,
    members: QuerySet[Member] | None = None,
    *,
    under: str | None = None,
    today: datetime.date | None = None,
) -> list[Scored]:
    """Who is scored in ``period`` (a period of the scheme or its year), by number.

    The members whose organisation on the period's day — its last day, or today for a
    period not yet ended — lies in the subtree ``under`` (default: the scheme's), who had
    joined the party by that day and had not left before the period began. The organisation
    on a day is the transfers history's (:func:`lianjian.activities.compliance.org_on_day`,
    the rule the attendance sources and the compliance matrix use), so a member who moves
    later neither leaves the closed periods of their old organisation nor enters those of
    the new one: a closed period does not change because of something done today.
    ``members`` narrows the candidates (e.g. those a user may see)."""
    first, last = engine.period_bounds(period)
    day = min(last, today or timezone.localdate())
    path = under or scheme.org.path
    candidates = Member.objects.all() if members is None else members
    # Today's subtree, plus whoever moved after the day (few: transfers are rare), each of
    # those placed as of the day below.
    moved = transfers_after(day)
    where = Q(org__path__under=path) | Q(pk__in=list(moved)) if moved else Q(org__path__under=path)
    rows = list(
        candidates.filter(where)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=first), joined_on__lte=day)
        .order_by("number")
        .values_list("pk", "number", "name", "org_id", "org__path")
    )
    # The organisations a moved member may have been in: today's and each one they left.
    held = {
        org
        for pk, _, _, org_id, _ in rows
        if pk in moved
        for org in (org_id, *(from_org for _, from_org, _ in moved[pk]))
    }
    paths = dict(Organisation.objects.filter(pk__in=held).values_list("pk", "path"))
    out = []
    for pk, number, name, org_id, org_path in rows:
        then = org_path if pk not in moved else paths.get(org_on_day(org_id, moved[pk], day), "")
        if then.startswith(path):
            out.append(Scored(pk, number, name, then))
    return out


@dataclass(frozen=True)
class MemberTotal:
    member_id: int
    number: str
    name: str
    total: engine.Total
    # The member's organisation on the period's day (:func:`scored_members`).
    org_path: str = ""


def period_totals(
    scheme: PointsScheme,
    period: str,
    members: QuerySet[Member] | None = None,
    *,
    under: str | None = None,
    today: datetime.date | None = None,
) -> list[MemberTotal]:
    """The members scored in ``period`` (:func:`scored_members`: as of the period, not of
    today) with their totals, by number."""
    _, last = engine.period_bounds(period)
    rows = scored_members(scheme, period, members, under=under, today=today)
    ids = [r.member_id for r in rows]
    # The whole scheme: every entry of the scheme is one of its members' (no IN list of
    # hundreds of thousands of ids).
    everyone = members is None and under is None
    events = _events(scheme, None if everyone else ids, until=last)
    exempt = exempt_members(scheme, ids)
    spec = scheme.as_engine()
    return [
        MemberTotal(
            r.member_id, r.number, r.name,
            engine.period_total(spec, period, events.get(r.member_id, []),
                                exempt=r.member_id in exempt),
            r.org_path,
        )
        for r in rows
    ]  # fmt: skip


def year_totals(org_path: str, year: int, member_ids: list[int]) -> dict[int, Decimal | None]:
    """Each member's year total under the scheme that scores the organisation at
    ``org_path`` in ``year`` (None: exempt); {} when no scheme applies. 民主评议 shows it
    beside the vote (points.md: the same record, used twice)."""
    scheme = scheme_for_path(org_path, year)
    if scheme is None or not member_ids:
        return {}
    members = Member.objects.filter(pk__in=member_ids)
    return {t.member_id: t.total.total for t in period_totals(scheme, str(year), members)}


def mean_score(
    scheme: PointsScheme, period: str, org_path: str, *, today: datetime.date | None = None
) -> tuple[Decimal | None, int]:
    """The mean period total of the members scored in ``period`` (as of the period:
    :func:`scored_members`) whose organisation then lay under ``org_path``, not exempt, with
    how many were scored; (None, 0) when none were."""
    totals = [t.total.total for t in period_totals(scheme, period, under=org_path, today=today)]
    scored = [t for t in totals if t is not None]
    if not scored:
        return None, 0
    return (sum(scored, Decimal(0)) / len(scored)).quantize(Decimal("0.01")), len(scored)


# --- the member's own page ----------------------------------------------------------------


@dataclass
class MyPoints:
    """What a member sees of their points in a scheme's year."""

    scheme: PointsScheme
    periods: list[tuple[str, engine.Total]]
    year: engine.Total
    entries: list[tuple[PointsEntry, Decimal]]
    claims: list[PointsClaim]
    claimable: list[PointsRule]
    exempt: bool
    rank: tuple[int, int] | None = None
    current: str = ""


def my_points(member: Member, year: int, today: datetime.date | None = None) -> MyPoints | None:
    """The member's points of ``year`` under the scheme that scores them (None: no
    scheme). Entries show the points each keeps after the caps. A rank inside the branch
    only when the scheme turns ranking on.

    Five queries whatever the entries (the scheme, its rules, the member's claims, the
    entries with their attendance records, the member's standing), plus for each other
    kind of source present one query (problems) or two (milestones and their tasks, 岗区队
    reviews and their 岗区队), and four for a rank (the branch's totals: :func:`period_totals`)."""
    scheme = scheme_for(member, year)
    if scheme is None:
        return None
    rules = list(scheme.rules.all())
    spec = scheme.as_engine([r for r in rules if r.active])
    claims = list(PointsClaim.objects.filter(scheme=scheme, member=member).select_related("rule"))
    entries = _my_entries(scheme, member, rules, claims)
    active = [e for e in entries if e.status == EntryStatus.ACTIVE]
    events = [e.as_event() for e in active]
    kept = {event.order[1]: points for event, points in engine.kept_points(spec, events)}
    exempt = member.pk in exempt_members(scheme, [member.pk])
    periods = [(p, engine.period_total(spec, p, events, exempt=exempt)) for p in scheme.periods()]
    year_total = engine.period_total(spec, str(scheme.year), events, exempt=exempt)
    today = today or datetime.date.today()
    current = engine.period_of(today, scheme.period) if today.year == scheme.year else ""
    rank = _branch_rank(scheme, member, current) if scheme.ranking and not exempt else None
    return MyPoints(
        scheme=scheme,
        periods=periods,
        year=year_total,
        entries=[(e, kept.get(e.pk, Decimal(0))) for e in reversed(entries)],
        claims=claims,
        claimable=[r for r in rules if r.is_claimable and r.category != RuleCategory.VETO],
        exempt=exempt,
        rank=rank,
        current=current,
    )


# The columns the entry list shows of an attendance's activity (not its minutes, which can
# run to pages).
_ACTIVITY_SHOWN = ("code", "type", "topic")


def _my_entries(
    scheme: PointsScheme, member: Member, rules: list[PointsRule], claims: list[PointsClaim]
) -> list[PointsEntry]:
    """The member's entries in ``scheme`` (oldest first) with what the list shows of each
    source. The rules and claims the page has already read are attached rather than joined
    again (a join per entry of nine tables took longer to plan than to run); attendance,
    the common source, is joined; the rare sources are read in one query per kind present
    (none when absent)."""
    entries = list(
        PointsEntry.objects.filter(scheme=scheme, member=member)
        .select_related("attendance__activity")
        .defer(
            *(
                f"attendance__activity__{f.name}"
                for f in Activity._meta.concrete_fields
                if not f.primary_key and f.name not in _ACTIVITY_SHOWN
            )
        )
        .order_by("happened_on", "id")
    )
    # The entry's forward links, to attach an object already read without a query.
    links = {
        name: cast("ForeignKey[Any, Any]", PointsEntry._meta.get_field(name))
        for name in ("rule", "claim")
    }
    for name, known in (("rule", rules), ("claim", claims)):
        by_pk = {obj.pk: obj for obj in known}
        for e in entries:
            linked = by_pk.get(getattr(e, f"{name}_id"))
            if linked is not None:
                links[name].set_cached_value(e, linked)
    # Whatever was not attached (a rule or claim of another version of the scheme): read.
    prefetch_related_objects([e for e in entries if not links["rule"].is_cached(e)], "rule")
    prefetch_related_objects(
        [e for e in entries if e.claim_id and not links["claim"].is_cached(e)], "claim"
    )
    prefetch_related_objects(entries, "milestone__task", "problem", "carrier_review__carrier")
    return entries


def _branch_rank(scheme: PointsScheme, member: Member, current: str) -> tuple[int, int] | None:
    """The member's place in their branch for the ``current`` period, and how many are
    ranked (None outside the scheme's year)."""
    if not current:
        return None
    branch = Member.objects.filter(org_id=member.org_id)
    totals = [t for t in period_totals(scheme, current, branch) if t.total.total is not None]
    ordered = sorted(totals, key=lambda t: t.total.total or 0, reverse=True)
    mine = next((i for i, t in enumerate(ordered) if t.member_id == member.pk), None)
    return None if mine is None else (mine + 1, len(ordered))


@dataclass(frozen=True)
class MyPointsCard:
    """The 党员积分 card of 我的: the year's and the current period's totals and the
    member's claims of the year (how many, where the latest stands)."""

    scheme: PointsScheme
    year: engine.Total
    current: str
    current_total: engine.Total | None
    exempt: bool
    claim_count: int
    latest_claim_state: str


def my_points_card(
    member: Member, year: int, today: datetime.date | None = None
) -> MyPointsCard | None:
    """The figures of :func:`my_points` that 我的 shows, without the entry list: the
    totals from the ledger summed in SQL per (rule, period), equal to the entry-by-entry
    totals (:func:`_events`). Five queries whatever the entries (None: no scheme)."""
    scheme = scheme_for(member, year)
    if scheme is None:
        return None
    spec = scheme.as_engine()
    events = _events(scheme, [member.pk]).get(member.pk, [])
    exempt = member.pk in exempt_members(scheme, [member.pk])
    today = today or datetime.date.today()
    current = engine.period_of(today, scheme.period) if today.year == scheme.year else ""
    states = list(
        PointsClaim.objects.filter(scheme=scheme, member=member).values_list("state", flat=True)
    )
    return MyPointsCard(
        scheme=scheme,
        year=engine.period_total(spec, str(scheme.year), events, exempt=exempt),
        current=current,
        current_total=(
            engine.period_total(spec, current, events, exempt=exempt) if current else None
        ),
        exempt=exempt,
        claim_count=len(states),
        latest_claim_state=states[0] if states else "",
    )


# --- lists --------------------------------------------------------------------------------


# The ledger's order and keyset (core.paging.paginate_keyset): newest first, served by the
# (happened_on, id) index, so a deep page (or the last) costs what the first does.
ENTRY_LIST_KEY = ("-happened_on", "-id")


def entry_list(user: Any, f: EntryFilter) -> ScopedQuerySet[PointsEntry]:
    """The ledger entries ``user`` may see that match ``f``, newest first
    (:data:`ENTRY_LIST_KEY`) — the one filter of 积分台账 and ``GET /api/v1/points/entries``."""
    qs = PointsEntry.objects.restrict(user, VIEW).select_related(
        "member", "rule", "scheme", "member__org"
    )
    qs = filter_given(
        qs,
        scheme__code=f.scheme,
        period=f.period,
        rule__code=f.rule,
        source=f.source,
        status=f.status,
        member__org__code=f.org,
    )
    qs = search(qs, f.q, "member__name__icontains", "member__number__iexact", "reason__icontains")
    return qs.order_by(*ENTRY_LIST_KEY)


def claim_list(user: Any, f: ClaimFilter) -> ScopedQuerySet[PointsClaim]:
    qs = PointsClaim.objects.restrict(user, VIEW).select_related(
        "member", "rule", "scheme", "member__org"
    )
    if f.state == "open":
        qs = qs.filter(state__in=OPEN_CLAIM_STATES)
    else:
        qs = filter_given(qs, state=f.state)
    qs = filter_given(qs, scheme__code=f.scheme, member__org__code=f.org)
    qs = search(qs, f.q, "member__name__icontains", "member__number__iexact", "text__icontains")
    return qs.order_by("-created_at", "-id")


def standing_list(
    user: Any, scheme: PointsScheme, *, org: str | None = None
) -> ScopedQuerySet[MemberStanding]:
    """The categories set for ``scheme``'s year of the members in its subtree whose
    category ``user`` may see (managers: their organisations'; a member: their own), by
    member number."""
    qs = MemberStanding.objects.restrict(user, VIEW).filter(
        year=scheme.year, member__org__path__under=scheme.org.path
    )
    qs = filter_given(qs, member__org__code=org)
    return qs.select_related("member", "member__org").order_by("member__number", "id")


def scheme_list(user: Any, f: PointsSchemeFilter) -> ScopedQuerySet[PointsScheme]:
    qs = PointsScheme.objects.restrict(user, VIEW).select_related("org")
    qs = filter_given(qs, year=f.year)
    return search(qs, f.q, "code__icontains", "name__icontains").order_by("-year", "code")


register_list(
    "points_schemes",
    screen="points:scheme_list",
    api="/points/schemes",
    filter=PointsSchemeFilter,
    key="code",
    selector=scheme_list,
)
register_list(
    "points_entries",
    screen="points:entry_list",
    api="/points/entries",
    filter=EntryFilter,
    key="id",
    selector=entry_list,
)
register_list(
    "points_claims", screen="points:claim_list", api="/points/claims", filter=ClaimFilter,
    key="id", selector=claim_list,
)  # fmt: skip


def org_means(
    orgs: Iterable[tuple[int, str]], period: str, year: int
) -> dict[int, tuple[Decimal, dict[str, Any]]]:
    """The assessment source ``member_points``: for each organisation ``(id, path)``, the
    mean total for ``period`` of the scored (not exempt) members of its subtree, under the
    ``year`` scheme of its nearest organisation (itself or above), with the evidence
    ``{"scheme", "period", "scored", "exempt"}``. An organisation without a scheme, whose
    scheme has no such period (a half year under a quarterly scheme), or without scored
    members is left out (missing). One pass per scheme, whatever the number of
    organisations."""
    orgs = list(orgs)
    schemes = list(PointsScheme.objects.filter(year=year).select_related("org"))
    chosen: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for org_id, path in orgs:
        best = max(
            (s for s in schemes if path.startswith(s.org.path)),
            key=lambda s: len(s.org.path),
            default=None,
        )
        if best is not None and (period in best.periods() or period == str(best.year)):
            chosen[best.pk].append((org_id, path))
    out: dict[int, tuple[Decimal, dict[str, Any]]] = {}
    by_pk = {s.pk: s for s in schemes}
    for pk, members_of in chosen.items():
        scheme = by_pk[pk]
        # Each member under the organisation they belonged to in the period.
        totals = period_totals(scheme, period)
        for org_id, path in members_of:
            mine = [t for t in totals if t.org_path.startswith(path)]
            scored = [t.total.total for t in mine if t.total.total is not None]
            if scored:
                mean = (sum(scored, Decimal(0)) / len(scored)).quantize(Decimal("0.01"))
                out[org_id] = (
                    mean,
                    {
                        "scheme": scheme.code,
                        "period": period,
                        "scored": len(scored),
                        "exempt": len(mine) - len(scored),
                    },
                )
    return out
