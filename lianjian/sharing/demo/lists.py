"""Demo needs, projects and their matches, and the reviewers' inbox of requests."""

from __future__ import annotations

import datetime

from lianjian.notifications.reminders import deliver
from lianjian.orgs.models import Organisation
from lianjian.orgs.selectors import responsible_managers
from lianjian.sharing import matching
from lianjian.sharing.demo.bookings import demo_day, people_of
from lianjian.sharing.demo.data import MATCHES, NEEDS, PROJECTS
from lianjian.sharing.models import (
    Booking,
    BookingStatus,
    Match,
    Need,
    Project,
    Resource,
)
from lianjian.sharing.services import request_reminder


def make_lists(orgs: dict[str, Organisation]) -> tuple[int, int, int]:
    needs = projects = matches = 0
    have = set(Need.objects.values_list("code", flat=True))
    for code, org, title, tags, sharing, status, needed_by, description, created in NEEDS:
        if code in have:
            continue
        Need.objects.create(
            code=code,
            org=orgs[org],
            title=title,
            tags=list(tags),
            sharing=sharing,
            status=status,
            needed_by=datetime.date.fromisoformat(needed_by),
            description=description,
        )
        Need.objects.filter(code=code).update(created_at=demo_day(created))
        needs += 1
    have = set(Project.objects.values_list("code", flat=True))
    for code, org, title, tags, wanted, status, start, end, description, created in PROJECTS:
        if code in have:
            continue
        Project.objects.create(
            code=code,
            org=orgs[org],
            title=title,
            tags=list(tags),
            partners_wanted=list(wanted),
            status=status,
            start=datetime.date.fromisoformat(start),
            end=datetime.date.fromisoformat(end),
            description=description,
        )
        Project.objects.filter(code=code).update(created_at=demo_day(created))
        projects += 1
    sources: dict[str, Need | Project] = {
        n.code: n
        for n in Need.objects.select_related("org").filter(code__in=[m[0] for m in MATCHES])
    }
    sources.update(
        {
            p.code: p
            for p in Project.objects.select_related("org").filter(code__in=[m[0] for m in MATCHES])
        }
    )
    resources = {
        r.code: r
        for r in Resource.objects.select_related("owner").filter(code__startswith="BX-ZY-")
    }
    secretary, _ = people_of([s.org_id for s in sources.values()])
    for source_code, target, status, note, day in MATCHES:
        source = sources.get(source_code)
        what, code = target.split(":")
        resource = resources.get(code) if what == "resource" else None
        org = orgs.get(code) if what != "resource" else None
        obj = resource or org
        if source is None or obj is None:
            continue
        key = {
            "need" if isinstance(source, Need) else "project": source,
            "resource" if what == "resource" else "org": obj,
        }
        if Match.objects.filter(**key).exists():
            continue
        tags = source.tags if isinstance(source, Need) else source.match_tags
        if resource is not None:
            offer, (lat, lon) = resource.all_tags, resource.coordinates()
        elif org is not None:
            offer, lat, lon = org.strengths, org.lat, org.lon
        shared = matching.suggest(
            matching.Target(tuple(tags), source.org.lat, source.org.lon),
            [matching.Candidate(code, tuple(offer), lat, lon)],
            limit=1,
        )
        distance = shared[0].distance_km if shared else None
        row = Match.objects.create(
            status=status,
            note=note,
            shared_tags=list(shared[0].shared) if shared else [],
            distance_km=round(distance, 1) if distance is not None else None,
            matched_by_name=secretary.get(source.org_id, source.org.name),
            **key,
        )
        Match.objects.filter(pk=row.pk).update(created_at=demo_day(day))
        matches += 1
    return needs, projects, matches


def to_inbox(bookings: list[Booking]) -> int:
    """待办 for the owners' managers of the pending requests (as the services would have made)."""
    pending = [b for b in bookings if b.status == BookingStatus.PENDING]
    managers = responsible_managers(
        list({b.resource.owner_id: b.resource.owner for b in pending}.values())
    )
    return deliver([request_reminder(b, managers[b.resource.owner_id]) for b in pending])
