"""Reads that shape sharing data for screens and the API: the month calendar of a resource,
match suggestions and the lists; the utilisation figures (:mod:`.utilisation`) are named
here too. Each issues a fixed number of queries whatever
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
from lianjian.sharing.utilisation import Usage as Usage
from lianjian.sharing.utilisation import chart_data as chart_data
from lianjian.sharing.utilisation import utilisation as utilisation

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
