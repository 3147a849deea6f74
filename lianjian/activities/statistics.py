"""Activity figures for screens: the calendar of a month, the statistics of a year, an\nalliance's activity figures and its plan against what was held."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractQuarter

from lianjian.activities.compliance_inputs import IN_LIST_LIMIT
from lianjian.activities.models import (
    COUNTED_STATUSES,
    TALLY_TYPE_PREFIX,
    Activity,
    ActivityOrg,
    ActivityTally,
    ActivityType,
)
from lianjian.activities.tallies import in_scope, missing
from lianjian.activities.times import TZ, local_start, year_bounds
from lianjian.alliances.models import Alliance, Plan
from lianjian.core.scope import SEE, scope_of
from lianjian.orgs.models import Organisation


def month_activities(
    qs: QuerySet[Activity], year: int, month: int
) -> dict[datetime.date, list[Activity]]:
    first = datetime.date(year, month, 1)
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    by_day: dict[datetime.date, list[Activity]] = defaultdict(list)
    for a in (
        qs.filter(start__gte=local_start(first), start__lt=local_start(nxt))
        .select_related("host")
        .order_by("start")[:2000]
    ):
        by_day[a.start.astimezone(TZ).date()].append(a)
    return by_day


# The ActivityTally columns summed over a scope: by type, by month, and the co-organised.
_TYPE_COLUMNS = [f"{p}_{x}" for p in TALLY_TYPE_PREFIX.values() for x in ("n", "p")]
_MONTH_COLUMNS = [f"m{m:02d}_{x}" for m in range(1, 13) for x in ("n", "p")]


def _common_depth(path: str, other: str) -> int:
    """The depth of the nearest common ancestor of the organisations at two paths (the
    root's depth is 0; -1 when they share none)."""
    common = 0
    for a, b in zip(path.strip("/").split("/"), other.strip("/").split("/"), strict=False):
        if a != b:
            break
        common += 1
    return common - 1


def _full_subtree(user: Any, root: Organisation | None) -> bool:
    """Whether ``user`` sees the whole subtree of ``root`` (so the scope is that subtree)."""
    if root is None or user is None:
        return root is not None
    scope = scope_of(user)
    return scope.everything or any(g.subtree and g.covers(root.path) for g in scope.of(SEE))


def _count_year(ids: list[int], year: int) -> None:
    """Count and store the :class:`ActivityTally` of ``year`` of the organisations ``ids``
    (at most ``IN_LIST_LIMIT``): four reads — the organisations, the hosted activities by
    type and month, the listed ones, the hosts of those co-organised — and one upsert.
    Organisations with nothing get an empty row."""
    start, end = year_bounds(year)
    rows = {
        pk: ActivityTally(org_id=pk, year=year, path=path, code=code)
        for pk, path, code in Organisation.objects.filter(pk__in=ids).values_list(
            "pk", "path", "code"
        )
    }
    hosted = (
        Activity.objects.counted()
        .filter(host_id__in=ids, start__gte=start, start__lt=end)
        .annotate(m=ExtractMonth("start", tzinfo=TZ))
        .values("host_id", "type", "m")
        .annotate(n=Count("id"), p=Sum("present_count"))
        .order_by()
    )
    for r in hosted:
        tally = rows[r["host_id"]]
        for prefix in (TALLY_TYPE_PREFIX[r["type"]], f"m{r['m']:02d}"):
            setattr(tally, f"{prefix}_n", getattr(tally, f"{prefix}_n") + r["n"])
            setattr(tally, f"{prefix}_p", getattr(tally, f"{prefix}_p") + (r["p"] or 0))
    listed = (
        ActivityOrg.objects.filter(
            org_id__in=ids, start__gte=start, start__lt=end, status__in=COUNTED_STATUSES
        )
        .values("org_id")
        .annotate(
            n=Count("id"),
            p=Sum("activity__present_count"),
            guests=Count("id", filter=Q(position__gt=0)),
        )
        .order_by()
    )
    for link in listed:
        tally = rows[link["org_id"]]
        tally.linked_n, tally.linked_p, tally.guest_n = link["n"], link["p"] or 0, link["guests"]
    hosts = (
        ActivityOrg.objects.filter(
            org_id__in=ids,
            position__gt=0,
            start__gte=start,
            start__lt=end,
            status__in=COUNTED_STATUSES,
        )
        .values_list("org_id", "activity__host__path")
        .distinct()
    )
    for org_id, host_path in hosts:
        tally = rows[org_id]
        depth = _common_depth(tally.path, host_path)
        tally.guest_depth = depth if tally.guest_depth is None else min(depth, tally.guest_depth)
    ActivityTally.objects.bulk_create(
        list(rows.values()),
        update_conflicts=True,
        unique_fields=["org", "year"],
        update_fields=[
            "path",
            "code",
            *_TYPE_COLUMNS,
            *_MONTH_COLUMNS,
            "linked_n",
            "linked_p",
            "guest_n",
            "guest_depth",
        ],
    )


def statistics(user: Any, *, root: Organisation | None, year: int) -> dict[str, Any]:
    """Activities and person-times (人次 = present) of ``year`` by type, month, organisation
    and alliance, for counted (submitted or approved) records listing an organisation of
    the scope: what :func:`~lianjian.activities.selectors.compliance_scope` gives for
    ``user`` (None = the system) under ``root`` (None = all). A joint activity counts once
    by type and by month, and once for each listed organisation in scope by organisation.

    From the stored :class:`ActivityTally` of the scope (those missing are counted first:
    four queries per ``IN_LIST_LIMIT`` organisations, once). Six queries whatever the
    size of the scope: the check for missing tallies (two counts), the sums, the joint
    activities hosted outside the scope with a co-organiser inside (counted with no tally
    of the scope; for a whole subtree only the co-organisers whose ``guest_depth`` says
    such a host may exist are read), the first 30 organisations and their names, the
    alliances.
    """
    orgs = Organisation.objects.all() if user is None else Organisation.objects.visible_to(user)
    if root is not None:
        orgs = orgs.filter(path__under=root.path)
    tallies = in_scope(ActivityTally.objects.filter(year=year), user, root)
    ids = missing(orgs, tallies)
    for i in range(0, len(ids), IN_LIST_LIMIT):
        _count_year(ids[i : i + IN_LIST_LIMIT], year)
    sums = tallies.aggregate(**{c: Sum(c) for c in (*_TYPE_COLUMNS, *_MONTH_COLUMNS)})
    by_type = {t: [sums[f"{p}_n"] or 0, sums[f"{p}_p"] or 0] for t, p in TALLY_TYPE_PREFIX.items()}
    by_month = {m: [sums[f"m{m:02d}_n"] or 0, sums[f"m{m:02d}_p"] or 0] for m in range(1, 13)}
    start, end = year_bounds(year)
    # Activities listing an organisation of the scope as a co-organiser while their host is
    # outside it: the tallies count an activity with its host only.
    visited = tallies.filter(guest_n__gt=0)
    if _full_subtree(user, root):
        # A co-organiser whose every such host shares an ancestor at or below the root
        # with it has them all in the scope.
        visited = visited.filter(guest_depth__lt=root.depth)  # type: ignore[union-attr]
    guests = ActivityOrg.objects.filter(
        org_id__in=visited.values("org_id"),
        position__gt=0,
        start__gte=start,
        start__lt=end,
        status__in=COUNTED_STATUSES,
    )
    visiting = (
        Activity.objects.counted()
        .filter(pk__in=guests.values("activity_id"), start__gte=start, start__lt=end)
        .filter(~Exists(orgs.filter(pk=OuterRef("host_id"))))
        .annotate(m=ExtractMonth("start", tzinfo=TZ))
        .values("type", "m")
        .annotate(n=Count("id"), p=Sum("present_count"))
        .order_by()
    )
    for r in visiting:
        for figures in (by_type[r["type"]], by_month[r["m"]]):
            figures[0] += r["n"]
            figures[1] += r["p"] or 0
    first = list(
        tallies.filter(linked_n__gt=0)
        .order_by("-linked_n", "code")
        .values_list("org_id", "code", "linked_n", "linked_p")[:30]
    )
    names = dict(
        Organisation.objects.filter(pk__in=[r[0] for r in first]).values_list("pk", "name")
    )
    by_org = [(code, names[pk], n, p) for pk, code, n, p in first]
    by_alliance = list(
        Activity.objects.counted()
        .filter(
            start__gte=start,
            start__lt=end,
            alliance__isnull=False,
            pk__in=ActivityOrg.objects.filter(org__in=orgs.values("pk")).values("activity_id"),
        )
        .values("alliance__code", "alliance__name")
        .annotate(n=Count("id"), p=Sum("present_count"))
        .order_by("-n", "alliance__code")[:30]
    )
    return {
        "total": sum(n for n, _ in by_type.values()),
        "person_times": sum(p for _, p in by_type.values()),
        "by_type": [(t, *by_type[t]) for t in ActivityType.values],
        "by_month": [(m, *by_month[m]) for m in range(1, 13)],
        "by_org": by_org,
        "by_alliance": [
            (r["alliance__code"], r["alliance__name"], r["n"], r["p"] or 0) for r in by_alliance
        ],
    }


def alliance_activity_figures(alliance: Alliance) -> dict[str, int]:
    """The joint activities of ``alliance`` and their person-times (人次 = present), for the
    records that count — submitted or approved, the rule compliance uses; drafts and returned
    records do not. One query."""
    agg = (
        Activity.objects.counted()
        .filter(alliance=alliance)
        .aggregate(n=Count("id"), person_times=Sum("present_count"))
    )
    return {"activities": agg["n"], "person_times": agg["person_times"] or 0}


def plan_vs_actual(plan: Plan) -> list[dict[str, Any]]:
    """Per quarter of ``plan``'s year: its items, the activities they plan, and the joint
    activities the alliance actually held (counted records, as :func:`alliance_activity_figures`).
    Two queries (the items unless prefetched, and the counts)."""
    items = list(plan.items.all())
    rows = (
        Activity.objects.counted()
        .filter(alliance_id=plan.alliance_id, start__year=plan.year)
        .annotate(q=ExtractQuarter("start"))
        .values("q")
        .annotate(n=Count("id"))
        .order_by()
    )
    actual = {r["q"]: r["n"] for r in rows}
    out = []
    for q in (1, 2, 3, 4):
        q_items = [i for i in items if i.quarter == q]
        out.append(
            {
                "quarter": q,
                "items": q_items,
                "planned": sum(i.planned_activities for i in q_items),
                "actual": actual.get(q, 0),
            }
        )
    return out
