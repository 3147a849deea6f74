"""Expiry of booking requests nobody decided in time (待审批 → 已过期).

A request still pending when its slot starts can no longer be approved (the services refuse
it), so it expires: status 已过期, audited as done by the system, the owner's managers' 待办
closed (done and read) and the requester told. Two paths run it:

* the daily job: the ``资源预约`` provider of ``lianjian remind`` expires what has started by
  the end of the given day and returns the requesters' messages for delivery;
* lazily on read: booking screens, the booking API and the inbox call :func:`expire_due`
  first (one query when nothing is due), so they are right even if the job has not run.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lianjian.activities.selectors import TZ
from lianjian.core.audit import audit_record
from lianjian.core.models import AuditLog
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder, close, deliver
from lianjian.orgs.selectors import responsible_managers
from lianjian.sharing.models import Booking, BookingStatus


def _label(b: Booking) -> str:
    start, end = timezone.localtime(b.start, TZ), timezone.localtime(b.end, TZ)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{until}"


def expired_message(booking: Booking, user_ids: tuple[int, ...]) -> Reminder:
    """The requester's message about ``booking`` (resource and organisation loaded)."""
    return Reminder(
        key=f"booking:{booking.pk}:{BookingStatus.EXPIRED}",
        user_ids=user_ids,
        kind=Notification.Kind.MESSAGE,
        level=Notification.Level.YELLOW,
        title=f"预约已过期：{booking.resource.name}",
        body=f"{booking.org.name}预约“{booking.resource.name}”{_label(booking)}在开始前未获审批，已自动过期。",
        link=f"/sharing/bookings/{booking.pk}/",
    )


@transaction.atomic
def bookings_expire(*, now: datetime.datetime | None = None) -> list[Reminder]:
    """Expire every 待审批 booking whose slot started at or before ``now``; returns the
    requesters' messages (not yet delivered). Audited per booking; nothing else changes."""
    now = now or timezone.now()
    due = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(status=BookingStatus.PENDING, start__lte=now)
        .select_related("resource", "org")
        .order_by("start", "pk")
    )
    if not due:
        return []
    ids = [b.pk for b in due]
    Booking.objects.filter(pk__in=ids).update(status=BookingStatus.EXPIRED, updated_at=now)
    for b in due:
        b.status = BookingStatus.EXPIRED
        audit_record(
            actor=None,
            action=AuditLog.Action.UPDATE,
            obj=b,
            target_repr=f"{b.resource.name} {_label(b)}（{b.org.name}）",
            before={"status": BookingStatus.PENDING},
            after={"status": BookingStatus.EXPIRED},
            note="开始前未获审批，自动过期",
        )
    close(Q(key__in=[f"booking:{pk}:request" for pk in ids]))
    without_requester = [b.org for b in due if b.requested_by_id is None]
    managers = responsible_managers(without_requester) if without_requester else {}
    return [
        expired_message(
            b, (b.requested_by_id,) if b.requested_by_id is not None else managers[b.org_id]
        )
        for b in due
    ]


def expire_due(now: datetime.datetime | None = None) -> int:
    """Lazy expiry before a read: expire what is due and deliver the messages; returns how
    many bookings expired."""
    messages = bookings_expire(now=now)
    if messages:
        deliver(messages)
    return len(messages)


def expiry_reminders(today: datetime.date) -> Iterator[Reminder]:
    """The ``资源预约`` provider of ``lianjian remind``: expire what started by the end of
    ``today`` (never later than now), and hand the requesters' messages over for delivery."""
    end_of_day = datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time(), tzinfo=TZ
    )
    yield from bookings_expire(now=min(end_of_day, timezone.now()))
