"""The demo loader of resource sharing: creates what is missing, idempotently."""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from lianjian.core.demo import record_demo
from lianjian.orgs.models import Organisation
from lianjian.sharing.demo.bookings import Writer, make_bookings, make_resources
from lianjian.sharing.demo.lists import make_lists, to_inbox
from lianjian.sharing.models import (
    Booking,
    Resource,
)


@transaction.atomic
def demo_sharing(stdout: Writer | None = None) -> dict[str, int]:
    """Create the missing demo resources, bookings, needs, projects and matches."""
    made = {"resources": 0, "bookings": 0, "needs": 0, "projects": 0, "matches": 0, "tasks": 0}
    orgs = {o.code: o for o in Organisation.objects.filter(code__regex=r"^(BX-|WB-)")}
    if "BX-ZB01" not in orgs:
        return made
    made["resources"] = make_resources(orgs)
    rng = random.Random(2026)
    fresh = list(
        Resource.objects.filter(code__startswith="BX-ZY-")
        .exclude(pk__in=Booking.objects.values("resource_id"))
        .select_related("owner")
        .order_by("code")
    )
    if fresh:
        asked_at: dict[int, datetime.datetime] = {}
        rows = make_bookings(fresh, orgs, rng, asked_at)
        Booking.objects.bulk_create(rows, batch_size=500)
        # auto_now_add stamps today; the demo's requests were made before their slots.
        for i, b in enumerate(rows):
            Booking.objects.filter(pk=b.pk).update(created_at=asked_at[i])
        made["bookings"] = len(rows)
        saved = list(
            Booking.objects.filter(resource__in=fresh).select_related(
                "resource", "resource__owner", "org"
            )
        )
        made["tasks"] = to_inbox(saved)
    made["needs"], made["projects"], made["matches"] = make_lists(orgs)
    record_demo("sharing.resource", "资源共享", made)
    if any(made.values()) and stdout is not None:
        stdout.write(
            f"资源共享：新建资源 {made['resources']} 项、预约 {made['bookings']} 条、需求 {made['needs']} 项、"
            f"项目 {made['projects']} 项、对接 {made['matches']} 条。"
        )
    return made
