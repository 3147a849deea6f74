"""Utilisation of shared resources: approved hours per resource, kind and organisation over\na period, how much of it was booked by others, and the chart data of the statistics screen."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from lianjian.activities.selectors import TZ, local_start
from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.orgs.models import Organisation
from lianjian.sharing.models import (
    Booking,
    BookingStatus,
    Resource,
)


@dataclass
class Usage:
    """Approved hours of one resource (or one group): in total, already used (ended), and
    booked by organisations other than the owner."""

    hours: float = 0.0
    used: float = 0.0
    others: float = 0.0
    bookings: int = 0
    by_org: dict[int, float] = field(default_factory=dict)

    @property
    def share(self) -> float | None:
        """Fraction of hours booked by other organisations (None without any hours)."""
        return self.others / self.hours if self.hours else None

    def add(self, hours: float, used: float, org_id: int, other: bool) -> None:
        self.hours += hours
        self.used += used
        self.bookings += 1
        if other:
            self.others += hours
        self.by_org[org_id] = self.by_org.get(org_id, 0.0) + hours


def _clip(
    start: datetime.datetime,
    end: datetime.datetime,
    low: datetime.datetime,
    high: datetime.datetime,
) -> float:
    s, e = max(start, low), min(end, high)
    return max(0.0, (e - s).total_seconds() / 3600)


def utilisation(
    *, root: Organisation, user: Any, year: int, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """How much the resources owned in ``root``'s subtree were booked in ``year`` and by whom.

    Approved bookings only, clipped to the year (Asia/Shanghai). ``used`` counts the part
    before ``now``. "Others" are organisations other than the resource's owner: the share
    of their hours says how much is really shared across units. Figures per resource, per
    requesting organisation, per month, per company (top-level organisation of the owner)
    and per active alliance the user sees (hours on resources of its current members; of
    them, hours booked by another member). Six queries.
    """
    now = now or timezone.now()
    low, high = local_start(datetime.date(year, 1, 1)), local_start(datetime.date(year + 1, 1, 1))
    rows = list(
        Booking.objects.filter(
            status=BookingStatus.APPROVED, resource__owner__path__under=root.path
        )
        .overlapping(low, high)
        .values_list(
            "resource_id", "resource__owner_id", "resource__owner__path", "org_id", "start", "end"
        )
    )
    per_resource: dict[int, Usage] = defaultdict(Usage)
    per_org: dict[int, Usage] = defaultdict(Usage)
    per_company: dict[str, Usage] = defaultdict(Usage)
    months_own, months_other = [0.0] * 12, [0.0] * 12
    total = Usage()
    owners: dict[int, int] = {}
    pairs: dict[tuple[int, int], float] = defaultdict(float)
    for resource_id, owner_id, owner_path, org_id, start, end in rows:
        hours = _clip(start, end, low, high)
        used = _clip(start, end, low, min(high, max(low, now)))
        other = org_id != owner_id
        owners[resource_id] = owner_id
        for usage in (
            per_resource[resource_id],
            per_org[org_id],
            per_company[owner_path.strip("/").split("/")[0]],
            total,
        ):
            usage.add(hours, used, org_id, other)
        month = timezone.localtime(max(start, low), TZ).month - 1
        (months_other if other else months_own)[month] += hours
        pairs[(owner_id, org_id)] += hours
    resources = Resource.objects.in_bulk(list(per_resource), field_name="pk")
    org_ids = set(per_org) | set(owners.values())
    orgs = {
        o.pk: o
        for o in Organisation.objects.filter(pk__in=org_ids).only(
            "code", "name", "is_partner", "path"
        )
    }
    companies = {
        o.code: o
        for o in Organisation.objects.filter(code__in=list(per_company)).only("code", "name")
    }

    # Alliances: active ones the user sees with a current member owning a booked resource.
    owner_ids = set(owners.values())
    links = list(
        AllianceMember.objects.filter(
            left_on__isnull=True,
            alliance__status=Alliance.Status.ACTIVE,
            alliance__in=Alliance.objects.visible_to(user).values("pk"),
            alliance__memberships__org_id__in=owner_ids,
            alliance__memberships__left_on__isnull=True,
        )
        .values_list("alliance_id", "alliance__code", "alliance__name", "org_id")
        .distinct()
    )
    members: dict[int, set[int]] = defaultdict(set)
    names: dict[int, tuple[str, str]] = {}
    for alliance_id, code, name, org_id in links:
        members[alliance_id].add(org_id)
        names[alliance_id] = (code, name)
    per_alliance: list[dict[str, Any]] = []
    # Summed per (owner, booking organisation) first: far fewer pairs than bookings.
    for alliance_id, member_ids in members.items():
        hours = others = inside = 0.0
        for (owner_id, org_id), h in pairs.items():
            if owner_id in member_ids:
                hours += h
                if org_id != owner_id:
                    others += h
                    if org_id in member_ids:
                        inside += h
        if hours:
            per_alliance.append(
                {
                    "code": names[alliance_id][0],
                    "name": names[alliance_id][1],
                    "hours": hours,
                    "others": others,
                    "share": others / hours,
                    "inside": inside,
                    "inside_share": inside / hours,
                }
            )
    per_alliance.sort(key=lambda a: (-a["hours"], a["code"]))

    def org_name(pk: int) -> str:
        return orgs[pk].name if pk in orgs else "—"

    resource_rows: list[dict[str, Any]] = [
        {
            "resource": resources[pk],
            "owner": org_name(owners[pk]),
            "usage": u,
            "top": [
                (org_name(o), h) for o, h in sorted(u.by_org.items(), key=lambda kv: -kv[1])[:2]
            ],
        }
        for pk, u in per_resource.items()
    ]
    resource_rows.sort(key=lambda r: (-r["usage"].hours, r["resource"].code))
    org_rows: list[dict[str, Any]] = [
        {"org": orgs[pk], "usage": u} for pk, u in per_org.items() if pk in orgs
    ]
    org_rows.sort(key=lambda r: (-r["usage"].hours, r["org"].code))
    company_rows = [
        {"code": code, "name": companies[code].name if code in companies else code, "usage": u}
        for code, u in sorted(per_company.items())
    ]
    return {
        "total": total,
        "resources": resource_rows,
        "orgs": org_rows,
        "companies": company_rows,
        "alliances": per_alliance,
        "months_own": months_own,
        "months_other": months_other,
    }


def chart_data(data: dict[str, Any], *, top: int = 15) -> dict[str, Any]:
    """The utilisation figures as plain lists for the ECharts script (hours rounded to 0.1)."""
    res = data["resources"][:top]
    return {
        "months": [f"{m}月" for m in range(1, 13)],
        "months_own": [round(h, 1) for h in data["months_own"]],
        "months_other": [round(h, 1) for h in data["months_other"]],
        "resources": [r["resource"].name for r in reversed(res)],
        "res_own": [round(r["usage"].hours - r["usage"].others, 1) for r in reversed(res)],
        "res_other": [round(r["usage"].others, 1) for r in reversed(res)],
        "alliances": [a["name"] for a in data["alliances"]],
        "alliance_inside": [round(a["inside_share"] * 100, 1) for a in data["alliances"]],
        "alliance_other": [round(a["share"] * 100, 1) for a in data["alliances"]],
    }
