"""Reads that shape sharing data for screens and the API: the month calendar of a resource,
match suggestions, and utilisation figures. Each issues a fixed number of queries whatever
the number of rows (pinned in tests)."""

from __future__ import annotations

import calendar as pycal
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lianjian.activities.selectors import TZ, local_start
from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.core.filters import filter_given, register_list, search
from lianjian.orgs.models import Organisation, OrgKind
from lianjian.sharing import matching
from lianjian.sharing.hours import describe_day, parse_hours
from lianjian.sharing.models import (
    Booking,
    BookingQuerySet,
    BookingStatus,
    Match,
    Need,
    Project,
    Resource,
    ResourceKind,
    alliance_partner_ids,
    company_root,
)
from lianjian.sharing.schemas import BookingFilter, NeedFilter, ProjectFilter, ResourceFilter

WEEKDAYS = "一二三四五六日"


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    first = datetime.date(year, month, 1)
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return local_start(first), local_start(nxt)


@dataclass
class Slot:
    """One booking as the calendar shows it; ``detail`` false hides who booked and why
    (the viewer may see that the slot is taken, not the other unit's business)."""

    booking_id: int
    start: datetime.datetime
    end: datetime.datetime
    status: str
    org_name: str
    purpose: str
    detail: bool
    label: str = ""


def _day_label(start: datetime.datetime, end: datetime.datetime, day: datetime.date) -> str:
    """The part of a booking on one local day: ``09:00–11:30``, ``08:00 起``, ``至 12:00``, ``全天``."""
    first, last = start.date(), (end - datetime.timedelta(microseconds=1)).date()
    if first == last:
        return f"{start:%H:%M}–{end:%H:%M}"
    if day == first:
        return f"{start:%H:%M} 起"
    if day == last and end.time() != datetime.time(0):
        return f"至 {end:%H:%M}"
    return "全天"


@dataclass
class Day:
    date: datetime.date
    inside: bool
    hours: str
    slots: list[Slot] = field(default_factory=list)


def resource_month(resource: Resource, *, year: int, month: int, user: Any) -> list[list[Day]]:
    """The month grid (weeks of seven days, Monday first) of a resource: its pending and
    approved bookings per local day and the opening hours of each day. Two queries."""
    start, end = month_bounds(year, month)
    blocking = list(
        Booking.objects.filter(resource=resource)
        .blocking()
        .overlapping(start, end)
        .select_related("org")
        .order_by("start")[:1000]
    )
    visible = set(
        Booking.objects.visible_to(user)
        .filter(pk__in=[b.pk for b in blocking])
        .values_list("pk", flat=True)
    )
    schedule = parse_hours(resource.opening_hours)
    by_day: dict[datetime.date, list[Slot]] = defaultdict(list)
    for b in blocking:
        s, e = timezone.localtime(b.start, TZ), timezone.localtime(b.end, TZ)
        day = s.date()
        while day <= (e - datetime.timedelta(microseconds=1)).date():
            by_day[day].append(
                Slot(
                    b.pk,
                    s,
                    e,
                    b.status,
                    b.org.name,
                    b.purpose,
                    b.pk in visible,
                    _day_label(s, e, day),
                )
            )
            day += datetime.timedelta(days=1)
    weeks = []
    for week in pycal.Calendar().monthdatescalendar(year, month):
        weeks.append(
            [Day(d, d.month == month, describe_day(schedule, d), by_day.get(d, [])) for d in week]
        )
    return weeks


# --- suggestions ---------------------------------------------------------------------------


@dataclass
class Suggested:
    """A ranked suggestion with the object it names and whether it is already matched."""

    obj: Any
    suggestion: matching.Suggestion
    matched: bool


def candidate_orgs(org: Organisation) -> QuerySet[Organisation]:
    """Organisations that may meet a need of ``org``: its alliance partners and, for an
    internal organisation, every internal organisation of its company — not itself, not
    dissolved, not a 党小组 (too small to take on a need), only those with 优势资源."""
    q = Q(pk__in=alliance_partner_ids(Organisation.objects.filter(pk=org.pk)))
    if not org.is_partner:
        q |= Q(path__under=company_root(org), is_partner=False)
    return (
        Organisation.objects.filter(q)
        .exclude(pk=org.pk)
        .exclude(kind=OrgKind.GROUP)
        .filter(dissolved__isnull=True)
        .exclude(strengths=[])
    )


def suggestions(
    source: Need | Project, *, user: Any, limit: int = 8
) -> tuple[list[Suggested], list[Suggested]]:
    """Resources and organisations for a need or project, ranked by :func:`matching.suggest`.

    Resources: active ones the viewer sees and the source's organisation may use (shared
    with it), not its own. Organisations: :func:`candidate_orgs`. Four queries.
    """
    tags = tuple(source.tags if isinstance(source, Need) else source.match_tags)
    target = matching.Target(tags, source.org.lat, source.org.lon)
    resources = {
        r.code: r
        for r in (
            Resource.objects.visible_to(user)
            .filter(pk__in=Resource.objects.shared_with(source.org).values("pk"))
            .active()
            .exclude(owner_id=source.org_id)
            .select_related("owner")
            .only(
                "code",
                "name",
                "kind",
                "tags",
                "expertise",
                "lat",
                "lon",
                "capacity",
                "sharing",
                "owner__name",
                "owner__code",
                "owner__lat",
                "owner__lon",
            )
        )
    }
    orgs = {
        o.code: o
        for o in candidate_orgs(source.org).only(
            "code", "name", "strengths", "lat", "lon", "unit", "is_partner"
        )
    }
    matched_kw = {"need": source} if isinstance(source, Need) else {"project": source}
    matched = set(Match.objects.filter(**matched_kw).values_list("resource__code", "org__code"))
    matched_resources = {r for r, _ in matched if r}
    matched_orgs = {o for _, o in matched if o}
    res_candidates = []
    for r in resources.values():
        lat, lon = r.coordinates()
        res_candidates.append(matching.Candidate(r.code, tuple(r.all_tags), lat, lon))
    org_candidates = [
        matching.Candidate(o.code, tuple(o.strengths), o.lat, o.lon) for o in orgs.values()
    ]
    res_out = [
        Suggested(resources[s.key], s, s.key in matched_resources)
        for s in matching.suggest(target, res_candidates, limit=limit)
    ]
    org_out = [
        Suggested(orgs[s.key], s, s.key in matched_orgs)
        for s in matching.suggest(target, org_candidates, limit=limit)
    ]
    return res_out, org_out


# --- utilisation ---------------------------------------------------------------------------


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
    per_alliance = []
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

    resource_rows = sorted(
        (
            {
                "resource": resources[pk],
                "owner": org_name(owners[pk]),
                "usage": u,
                "top": [
                    (org_name(o), h) for o, h in sorted(u.by_org.items(), key=lambda kv: -kv[1])[:2]
                ],
            }
            for pk, u in per_resource.items()
        ),
        key=lambda r: (-r["usage"].hours, r["resource"].code),
    )
    org_rows = sorted(
        ({"org": orgs.get(pk), "usage": u} for pk, u in per_org.items() if pk in orgs),
        key=lambda r: (-r["usage"].hours, r["org"].code),
    )
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


# ---- the lists: one filter each, for the screen and the API ----------------------------

KIND_GROUPS = {
    "场地": [ResourceKind.VENUE, ResourceKind.ROOM, ResourceKind.BASE],
    "人员": [ResourceKind.EXPERT, ResourceKind.LECTURER],
}


def _under(user: Any, code: str, field: str) -> Q:
    """Rows whose ``field`` organisation is in the subtree of ``code``; an organisation the
    user may not see matches nothing (on the screen and over the API alike)."""
    org = Organisation.objects.visible_to(user).filter(code=code).only("path").first()
    return Q(**{f"{field}__path__under": org.path}) if org else Q(pk__in=[])


def _tagged(qs: QuerySet[Any], tag: str, fields: tuple[str, ...]) -> QuerySet[Any]:
    """Rows with ``tag`` in one of the list ``fields`` (JSON containment differs between
    SQLite and PostgreSQL, so the ids are picked in Python)."""
    ids = [
        row[0] for row in qs.values_list("pk", *fields) if any(tag in items for items in row[1:])
    ]
    return qs.filter(pk__in=ids)


def resource_list(user: Any, f: ResourceFilter) -> QuerySet[Resource]:
    """The resources ``user`` may see (own scope plus what others share with it) that match
    ``f``, by code — the one filter of the resource screen and ``GET /api/v1/resources``."""
    qs: QuerySet[Resource] = Resource.objects.visible_to(user).select_related(
        "owner", "member__org"
    )
    if f.org:
        qs = qs.filter(_under(user, f.org, "owner"))
    qs = search(
        qs,
        f.q,
        "name__icontains",
        "code__icontains",
        "address__icontains",
        "owner__name__icontains",
        "description__icontains",
    )
    if f.kind in KIND_GROUPS:
        qs = qs.filter(kind__in=KIND_GROUPS[f.kind])
    else:
        qs = filter_given(qs, kind=f.kind)
    qs = filter_given(qs, sharing=f.sharing, is_active=f.active)
    if f.tag:
        qs = _tagged(qs, f.tag, ("tags", "expertise"))
    return qs.annotate(n_photos=Count("photos")).order_by("code")


def booking_list(user: Any, f: BookingFilter) -> QuerySet[Booking]:
    """The bookings ``user`` may see (both sides) that match ``f`` — the one filter of the
    booking screen and ``GET /api/v1/bookings``: latest start first, the approval queue
    (``view=approve``, pending requests the user may decide) oldest first."""
    qs: QuerySet[Booking] = Booking.objects.visible_to(user).select_related(
        "resource", "resource__owner", "org", "activity"
    )
    if f.view == "mine":
        qs = qs.filter(org__in=Organisation.objects.visible_to(user).values("pk"))
    elif f.view == "approve":
        qs = cast(BookingQuerySet, qs).restrict(user, "decide").filter(status=BookingStatus.PENDING)
    qs = filter_given(qs, resource__code=f.resource, org__code=f.org, status=f.status)
    qs = search(
        qs,
        f.q,
        "resource__name__icontains",
        "resource__code__iexact",
        "purpose__icontains",
        "org__name__icontains",
    )
    if f.month:
        year, month = (int(part) for part in f.month.split("-"))
        qs = cast(BookingQuerySet, qs).overlapping(*month_bounds(year, month))
    if f.start_from:
        qs = qs.filter(end__gt=local_start(f.start_from))
    if f.start_to:
        qs = qs.filter(start__lt=local_start(f.start_to + datetime.timedelta(days=1)))
    return qs.order_by(*(("start", "id") if f.view == "approve" else ("-start", "-id")))


def _items(
    user: Any, model: Any, f: NeedFilter | ProjectFilter, tag_fields: tuple[str, ...]
) -> QuerySet[Any]:
    qs = model.objects.visible_to(user).select_related("org").annotate(n_matches=Count("matches"))
    if f.org:
        qs = qs.filter(_under(user, f.org, "org"))
    qs = search(
        qs,
        f.q,
        "title__icontains",
        "code__icontains",
        "description__icontains",
        "org__name__icontains",
    )
    qs = filter_given(qs, status=f.status)
    if f.tag:
        qs = _tagged(qs, f.tag, tag_fields)
    return qs.order_by("-created_at", "-id")


def need_list(user: Any, f: NeedFilter) -> QuerySet[Need]:
    """The needs ``user`` may see that match ``f``, newest first — the one filter of the
    need screen and ``GET /api/v1/needs``."""
    return _items(user, Need, f, ("tags",))


def project_list(user: Any, f: ProjectFilter) -> QuerySet[Project]:
    """The projects ``user`` may see that match ``f``, newest first (the project screen)."""
    return _items(user, Project, f, ("tags", "partners_wanted"))


register_list(
    "resources",
    screen="sharing:resource_list",
    api="/resources",
    filter=ResourceFilter,
    key="code",
    selector=resource_list,
)
register_list(
    "bookings",
    screen="sharing:booking_list",
    api="/bookings",
    filter=BookingFilter,
    key="id",
    selector=booking_list,
)
register_list(
    "needs",
    screen="sharing:need_list",
    api="/needs",
    filter=NeedFilter,
    key="code",
    selector=need_list,
)
register_list(
    "projects",
    screen="sharing:project_list",
    api=None,
    filter=ProjectFilter,
    key="code",
    selector=project_list,
)
