"""Demo resources and a year of bookings of them."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from typing import Any, Protocol

from lianjian.activities.models import Activity, ActivityType
from lianjian.activities.selectors import TZ
from lianjian.alliances.models import AllianceMember
from lianjian.orgs.models import Member, Organisation
from lianjian.sharing.demo.data import (
    ALLIANCE,
    CANCEL_REASONS,
    COMPANY,
    DECLINE_REASONS,
    OWN,
    PEOPLE,
    PEOPLE_HOURS,
    PURPOSES,
    REFERENCE,
    SLOTS,
    THINGS,
    VENUES,
    YEAR,
)
from lianjian.sharing.hours import fits, normalise_hours, parse_hours
from lianjian.sharing.models import (
    Booking,
    BookingStatus,
    Resource,
    ResourceKind,
)

# How many bookings a year a resource of each kind gets (others: 12).
BOOKINGS_PER_KIND: dict[str, int] = {
    ResourceKind.ROOM: 30,
    ResourceKind.VENUE: 40,
    ResourceKind.BASE: 24,
}


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


def demo_day(text: str) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(text), datetime.time(10), tzinfo=TZ
    )


def people_of(org_ids: list[int]) -> tuple[dict[int, str], dict[int, Member]]:
    """Per organisation: the 书记's name (who requests and decides) and an expert candidate
    (the first full member who is not the 书记)."""
    secretary: dict[int, str] = {}
    expert: dict[int, Member] = {}
    for m in Member.objects.current().filter(org_id__in=org_ids).order_by("number"):
        if "书记" in m.posts and "副书记" not in m.posts and m.org_id not in secretary:
            secretary[m.org_id] = m.name
        elif m.category == "正式党员" and m.org_id not in expert and not m.post:
            expert[m.org_id] = m
    return secretary, expert


def make_resources(orgs: dict[str, Organisation]) -> int:
    existing = set(Resource.objects.values_list("code", flat=True))
    owner_ids = [o.pk for o in orgs.values()]
    _, experts = people_of(owner_ids)
    rows = []
    for (
        code,
        name,
        kind,
        owner,
        sharing,
        capacity,
        address,
        lat,
        lon,
        hours,
        equipment,
        tags,
    ) in VENUES:
        if code not in existing:
            rows.append(
                Resource(
                    code=code,
                    name=name,
                    kind=kind,
                    owner=orgs[owner],
                    sharing=sharing,
                    capacity=capacity,
                    address=f"辽宁省本溪市{address}",
                    lat=lat,
                    lon=lon,
                    opening_hours=normalise_hours(hours),
                    equipment=list(equipment),
                    tags=list(tags),
                    contact="站长" if "变电站" in name else "支部书记",
                    description=f"{name}，可容纳 {capacity} 人，向{'联建单位' if sharing == ALLIANCE else '公司各单位'}开放预约。",
                )
            )
    for code, name, kind, owner, sharing, expertise in PEOPLE:
        if code not in existing:
            person = experts.get(orgs[owner].pk)
            rows.append(
                Resource(
                    code=code,
                    name=f"{name}（{person.name}）" if person else name,
                    kind=kind,
                    owner=orgs[owner],
                    sharing=sharing,
                    expertise=list(expertise),
                    tags=[],
                    member=person,
                    opening_hours=normalise_hours(PEOPLE_HOURS),
                    contact=person.name if person else "",
                    contact_phone=person.phone if person else "",
                    description=f"{orgs[owner].name}推荐的共享{kind}，可预约现场指导、授课或参加联合攻关。",
                )
            )
    for code, name, kind, owner, sharing, hours, tags, description in THINGS:
        if code not in existing:
            rows.append(
                Resource(
                    code=code,
                    name=name,
                    kind=kind,
                    owner=orgs[owner],
                    sharing=sharing,
                    opening_hours=normalise_hours(hours),
                    tags=list(tags),
                    description=description,
                    contact="支部书记",
                )
            )
    for r in rows:
        r.full_clean()
    Resource.objects.bulk_create(rows)
    return len(rows)


def pick_requesters(
    resources: list[Resource], orgs: dict[str, Organisation]
) -> dict[int, list[Organisation]]:
    """Per resource, who may book it besides its owner: alliance partners (联建单位), and for
    全部内部组织 also the company's internal branches."""
    partners: dict[int, set[int]] = defaultdict(set)
    alliances_of: dict[int, set[int]] = defaultdict(set)
    members_of: dict[int, set[int]] = defaultdict(set)
    for alliance_id, org_id in AllianceMember.objects.filter(
        left_on__isnull=True, alliance__status="运行"
    ).values_list("alliance_id", "org_id"):
        alliances_of[org_id].add(alliance_id)
        members_of[alliance_id].add(org_id)
    for org_id, alliance_ids in alliances_of.items():
        for a in alliance_ids:
            partners[org_id] |= members_of[a]
    by_id = {o.pk: o for o in orgs.values()}
    branches = [o for o in orgs.values() if not o.is_partner and o.kind == "党支部"]
    out: dict[int, list[Organisation]] = {}
    for r in resources:
        pool = {pk for pk in partners[r.owner_id] if pk in by_id} - {r.owner_id}
        if r.sharing == COMPANY:
            pool |= {o.pk for o in branches}
        if r.sharing == OWN:
            pool = set()
        out[r.pk] = sorted((by_id[pk] for pk in pool - {r.owner_id}), key=lambda o: o.code)
    return out


def make_bookings(
    resources: list[Resource],
    orgs: dict[str, Organisation],
    rng: random.Random,
    asked_at: dict[int, datetime.datetime],
) -> list[Booking]:
    """Bookings of 2026 for ``resources``; ``asked_at`` receives, by position, when each was requested."""
    secretary, _ = people_of([o.pk for o in orgs.values()])
    pools = pick_requesters(resources, orgs)
    taken: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
    out: list[Booking] = []

    def free(r: Resource, start: datetime.datetime, end: datetime.datetime) -> bool:
        return all(end <= s or start >= e for s, e in taken[r.pk])

    def add(
        r: Resource,
        org: Organisation,
        start: datetime.datetime,
        end: datetime.datetime,
        purpose: str,
        status: str,
        people: int | None,
        reason: str = "",
        activity: Activity | None = None,
    ) -> None:
        if status in (BookingStatus.PENDING, BookingStatus.APPROVED):
            taken[r.pk].append((start, end))
        decided = status in (BookingStatus.APPROVED, BookingStatus.DECLINED)
        asked = start - datetime.timedelta(days=rng.randint(3, 20))
        asked_at[len(out)] = asked
        out.append(
            Booking(
                resource=r,
                org=org,
                start=start,
                end=end,
                purpose=purpose,
                expected_people=people,
                status=status,
                reason=reason,
                activity=activity,
                requested_by_name=secretary.get(org.pk, org.name),
                decided_by_name=secretary.get(r.owner_id, r.owner.name) if decided else "",
                decided_at=asked + datetime.timedelta(days=1) if decided else None,
            )
        )

    # The joint activities that met in their lead's activity room get that room booked.
    rooms = {r.owner_id: r for r in resources if r.kind == ResourceKind.ROOM}
    for a in Activity.objects.filter(code__startswith="DM26-LJ", type=ActivityType.JOINT).order_by(
        "code"
    ):
        room = rooms.get(a.host_id)
        start = a.start
        end = start + datetime.timedelta(hours=2, minutes=30)
        if room is None or not fits(
            parse_hours(room.opening_hours), start.astimezone(TZ), end.astimezone(TZ)
        ):
            continue
        if free(room, start, end):
            add(
                room,
                a.host,
                start,
                end,
                a.topic,
                BookingStatus.APPROVED,
                min(room.capacity or 20, 20),
                activity=a,
            )

    for r in resources:
        schedule = parse_hours(r.opening_hours)
        pool = pools[r.pk]
        count = BOOKINGS_PER_KIND.get(r.kind, 12)
        for _ in range(count * 3):
            if sum(1 for b in out if b.resource is r) >= count:
                break
            day = datetime.date(YEAR, 1, 5) + datetime.timedelta(days=rng.randint(0, 359))
            sh, sm, eh, em = rng.choice(SLOTS)
            start = datetime.datetime(day.year, day.month, day.day, sh, sm, tzinfo=TZ)
            end = datetime.datetime(day.year, day.month, day.day, eh, em, tzinfo=TZ)
            if r.kind == ResourceKind.EQUIPMENT and not r.opening_hours:
                end = start + datetime.timedelta(hours=rng.choice((8, 24)))
            if not fits(schedule, start, end) or not free(r, start, end):
                continue
            # Most bookings come from other units: that is what sharing is for.
            org = rng.choice(pool) if pool and rng.random() < 0.75 else r.owner
            future = start > REFERENCE
            roll = rng.random()
            if future:
                status = (
                    BookingStatus.PENDING
                    if roll < 0.45
                    else BookingStatus.APPROVED
                    if roll < 0.9
                    else BookingStatus.CANCELLED
                )
            else:
                status = (
                    BookingStatus.APPROVED
                    if roll < 0.78
                    else BookingStatus.DECLINED
                    if roll < 0.9
                    else BookingStatus.CANCELLED
                )
            reason = (
                rng.choice(DECLINE_REASONS)
                if status == BookingStatus.DECLINED
                else rng.choice(CANCEL_REASONS)
                if status == BookingStatus.CANCELLED
                else ""
            )
            people = rng.randint(8, r.capacity) if r.capacity else None
            add(r, org, start, end, rng.choice(PURPOSES), status, people, reason)
    return out
