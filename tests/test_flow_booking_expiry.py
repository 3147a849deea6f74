"""Point 6 of issue 18: a booking still pending when its slot has passed expires (已过期),
by the daily job or lazily on read, and leaves the owner's 待办."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client

from lianjian.core.models import AuditLog
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import providers
from lianjian.sharing import services
from lianjian.sharing.expiry import bookings_expire, expiry_reminders
from lianjian.sharing.models import Booking, BookingStatus
from tests.api_helpers import call
from tests.sharing_helpers import at, future_monday, make_sharing

PAST_NOW = datetime.datetime(
    2026, 3, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)
PAST_SLOT = (
    datetime.datetime(2026, 3, 2, 9, 0, tzinfo=PAST_NOW.tzinfo),
    datetime.datetime(2026, 3, 2, 11, 0, tzinfo=PAST_NOW.tzinfo),
)


@pytest.fixture
def sw(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_sharing(world)


def past_request(sw, world) -> Booking:
    """A request made back then for a slot that has passed by now, never decided."""
    return services.booking_request(
        actor=world.manager_b,
        resource=sw.r["R-A"],
        org=world.zb_b,
        start=PAST_SLOT[0],
        end=PAST_SLOT[1],
        purpose="主题党日",
        now=PAST_NOW,
    )


def future_request(sw, world) -> Booking:
    day = future_monday()
    return services.booking_request(
        actor=world.manager_b,
        resource=sw.r["R-A"],
        org=world.zb_b,
        start=at(day, 9),
        end=at(day, 11),
        purpose="党课",
    )


def owner_task(b: Booking) -> Notification:
    return Notification.objects.get(key=f"booking:{b.pk}:request")


@pytest.mark.django_db
def test_a_pending_request_whose_slot_passed_expires_audited_and_leaves_the_owners_todo(world, sw):
    old, upcoming = past_request(sw, world), future_request(sw, world)
    messages = bookings_expire()
    old.refresh_from_db()
    upcoming.refresh_from_db()
    assert (old.status, upcoming.status) == (BookingStatus.EXPIRED, BookingStatus.PENDING)
    assert owner_task(old).done_at is not None and owner_task(old).read_at is not None
    assert owner_task(upcoming).done_at is None
    assert [(m.key, m.user_ids) for m in messages] == [
        (f"booking:{old.pk}:已过期", (world.manager_b.pk,))
    ]
    log = AuditLog.objects.get(
        target_type="sharing.booking", target_id=str(old.pk), action="update"
    )
    assert (log.before, log.after) == ({"status": "待审批"}, {"status": "已过期"})
    assert bookings_expire() == []  # nothing twice


@pytest.mark.django_db
def test_decided_bookings_never_expire(world, sw):
    old = past_request(sw, world)
    services.booking_decline(actor=world.manager_a, booking=old, reason="场地维修", now=PAST_NOW)
    assert bookings_expire() == []
    old.refresh_from_db()
    assert old.status == BookingStatus.DECLINED


@pytest.mark.django_db
def test_the_daily_job_expires_and_tells_the_requester_once(world, sw):
    old = past_request(sw, world)
    assert "资源预约" in providers()
    out = io.StringIO()
    call_command("remind", stdout=out)
    assert "资源预约：新增提醒 1 条" in out.getvalue()
    old.refresh_from_db()
    assert old.status == BookingStatus.EXPIRED
    assert Notification.objects.get(key=f"booking:{old.pk}:已过期").user == world.manager_b
    assert list(expiry_reminders(datetime.date(2026, 3, 1))) == []


@pytest.mark.django_db
def test_a_job_for_an_earlier_day_leaves_later_slots_pending(world, sw):
    old = past_request(sw, world)
    assert list(expiry_reminders(datetime.date(2026, 3, 1))) == []
    old.refresh_from_db()
    assert old.status == BookingStatus.PENDING
    assert len(list(expiry_reminders(datetime.date(2026, 3, 2)))) == 1


@pytest.mark.django_db
def test_the_owners_inbox_drops_the_stale_todo_even_before_the_job_runs(world, sw):
    old = past_request(sw, world)
    c = Client()
    c.force_login(world.manager_a)
    page = c.get("/inbox/?kind=todo").content.decode()
    assert "待审批：运维检修党支部预约" not in page
    old.refresh_from_db()
    assert old.status == BookingStatus.EXPIRED


@pytest.mark.django_db
def test_the_booking_screen_and_api_show_it_expired_even_before_the_job_runs(world, sw):
    old = past_request(sw, world)
    c = Client()
    c.force_login(world.manager_b)
    page = c.get(f"/sharing/bookings/{old.pk}/").content.decode()
    assert "已过期" in page and "该预约在开始前未获审批，已自动过期" in page
    Booking.objects.filter(pk=old.pk).update(status=BookingStatus.PENDING)  # as if not yet expired
    status, body = call("GET", f"/bookings/{old.pk}", user=world.manager_b)
    assert (status, body["status"]) == (200, "已过期")
    status, body = call("GET", "/bookings?status=已过期", user=world.manager_a)
    assert status == 200 and [b["id"] for b in body["items"]] == [old.pk]
