"""Double booking is impossible, also when requests arrive at the same moment.

Runs against PostgreSQL only (``LIANJIAN_DATABASE_URL=postgres://…``): SQLite serialises
every write transaction anyway (``BEGIN IMMEDIATE``) and has no exclusion constraints, so
there is nothing to race. Threads use their own database connections, like the workers
of a web server.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, OperationalError, transaction
from django.test import Client

from lianjian.sharing.models import Booking
from tests.api_helpers import API, auth_header
from tests.concurrency_helpers import THREADS, race, require_postgresql
from tests.sharing_helpers import at, future_monday, make_sharing

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def pg():
    require_postgresql("the concurrent double-booking test")


def test_concurrent_api_requests_for_one_slot_book_it_exactly_once(pg, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    make_sharing(world)
    day = future_monday()
    headers = [auth_header(world.manager_b if i % 2 else world.manager_a) for i in range(THREADS)]
    orgs = ["ZB-B" if i % 2 else "ZB-A" for i in range(THREADS)]

    def request(i: int) -> tuple[int, str]:
        # Every request overlaps every other: same start, ends from 10:00 to 11:45.
        body = {
            "resource": "R-A",
            "org": orgs[i],
            "start": at(day, 9).isoformat(),
            "end": (at(day, 10) + datetime.timedelta(minutes=15 * i)).isoformat(),
            "purpose": f"并发申请 {i}",
        }
        response = Client().post(
            f"{API}/bookings", data=body, content_type="application/json", **headers[i]
        )
        return response.status_code, response.json().get("detail", "")

    results = race(request)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    assert {detail for status, detail in results if status == 409} == {
        "该时段已被预约（与已有的待审批或已批准预约重叠），请选择其他时间"
    }
    assert Booking.objects.filter(resource__code="R-A").count() == 1


def test_the_database_refuses_an_overlap_that_bypasses_the_services(pg, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sw = make_sharing(world)
    day = future_monday()
    base = {"resource": sw.r["R-A"], "org": world.zb_b, "purpose": "直接写入"}
    Booking.objects.create(start=at(day, 9), end=at(day, 11), status="已批准", **base)
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        Booking.objects.create(start=at(day, 10), end=at(day, 12), status="待审批", **base)
    # Touching ends and refused or cancelled rows are not overlaps.
    Booking.objects.create(start=at(day, 11), end=at(day, 12), status="待审批", **base)
    Booking.objects.create(start=at(day, 9), end=at(day, 11), status="已拒绝", **base)
    Booking.objects.create(start=at(day, 9), end=at(day, 11), status="已取消", **base)
    assert Booking.objects.count() == 4


def test_concurrent_raw_inserts_cannot_both_commit(pg, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sw = make_sharing(world)
    day = future_monday()
    resource_id, org_id = sw.r["R-A"].pk, world.zb_b.pk

    def insert(i: int) -> str:
        with transaction.atomic():
            Booking.objects.create(
                resource_id=resource_id,
                org_id=org_id,
                start=at(day, 9),
                end=at(day, 11),
                status="待审批",
                purpose=f"线程 {i}",
            )
        return "ok"

    results = race(insert, 4)
    assert sum(r == "ok" for r in results) == 1, results
    # The losers are refused by the constraint — or, when several wait on each other's
    # exclusion check (no resource lock on this raw path), one is chosen as a deadlock victim.
    assert all(
        isinstance(r, IntegrityError)
        or (isinstance(r, OperationalError) and "deadlock detected" in str(r))
        for r in results
        if r != "ok"
    ), [repr(r) for r in results]
    assert Booking.objects.count() == 1
