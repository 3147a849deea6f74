"""Activity figures for screens: the calendar of a month, the statistics of a year, an\nalliance's activity figures and its plan against what was held."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any, cast

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractQuarter

from lianjian.activities.models import (
    Activity,
    ActivityOrg,
    ActivityQuerySet,
    ActivityType,
)
from lianjian.activities.times import TZ, local_start, year_bounds
from lianjian.alliances.models import Alliance, Plan
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


def statistics(
    qs: QuerySet[Activity], *, year: int, scope_orgs: QuerySet[Organisation]
) -> dict[str, Any]:
    """Activities and person-times (人次 = present) of ``year`` by type, month, organisation
    and alliance, for counted (submitted or approved) records. Four queries.

    By organisation, a joint activity counts once for each listed organisation in scope.
    """
    start, end = year_bounds(year)
    # The screens pass Activity.objects restricted to the user: an ActivityQuerySet.
    base = cast(ActivityQuerySet, qs).counted().filter(start__gte=start, start__lt=end)
    by_type = {
        r["type"]: (r["n"], r["p"] or 0)
        for r in base.values("type").annotate(n=Count("id"), p=Sum("present_count")).order_by()
    }
    by_month = {
        r["m"]: (r["n"], r["p"] or 0)
        for r in base.annotate(m=ExtractMonth("start", tzinfo=TZ))
        .values("m")
        .annotate(n=Count("id"), p=Sum("present_count"))
        .order_by()
    }
    by_org = list(
        ActivityOrg.objects.filter(activity__in=base.values("pk"), org__in=scope_orgs.values("pk"))
        .values("org__code", "org__name")
        .annotate(n=Count("id"), p=Sum("activity__present_count"))
        .order_by("-n", "org__code")[:30]
    )
    by_alliance = list(
        base.filter(alliance__isnull=False)
        .values("alliance__code", "alliance__name")
        .annotate(n=Count("id"), p=Sum("present_count"))
        .order_by("-n", "alliance__code")[:30]
    )
    total_n = sum(n for n, _ in by_type.values())
    total_p = sum(p for _, p in by_type.values())
    return {
        "total": total_n,
        "person_times": total_p,
        "by_type": [(t, *by_type.get(t, (0, 0))) for t in ActivityType.values],
        "by_month": [(m, *by_month.get(m, (0, 0))) for m in range(1, 13)],
        "by_org": [(r["org__code"], r["org__name"], r["n"], r["p"] or 0) for r in by_org],
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
