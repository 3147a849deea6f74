"""Writes of bookings (预约).

A booking is for an organisation the resource is shared with, in the future, within the
opening hours, within the capacity, and never overlaps another pending or approved booking
of the same resource. The check runs with the resource row locked (``select_for_update``:
concurrent requests for one resource queue there on PostgreSQL; on SQLite every write
transaction is already serialised by ``BEGIN IMMEDIATE``), and on PostgreSQL an exclusion
constraint backs it in the database; a clash caught there is reported like any other.
Decisions and cancellations follow 待审批 → 已批准/已拒绝, 待审批/已批准 → 已取消.

Booking requests put a 待办 (TASK) into the inbox of the owner's managers; decisions put a
message (MESSAGE) into the requester's, and close the managers' 待办.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lianjian.activities.models import Activity, ActivityOrg
from lianjian.activities.selectors import TZ
from lianjian.core.audit import audit_record, snapshot
from lianjian.core.models import AuditLog
from lianjian.core.validation import date_errors, raise_errors
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder, close, deliver
from lianjian.orgs.models import Organisation
from lianjian.orgs.selectors import responsible_managers
from lianjian.sharing.hours import fits, parse_hours
from lianjian.sharing.models import (
    BLOCKING_STATUSES,
    Booking,
    BookingStatus,
    Resource,
)
from lianjian.sharing.services.resources import user_name

CLASH = "该时段已被预约（与已有的待审批或已批准预约重叠），请选择其他时间"


class BookingClash(ValidationError):
    """The slot overlaps another pending or approved booking (the API answers 409)."""

    def __init__(self) -> None:
        super().__init__(CLASH, code="clash")


MAX_BOOKING_DAYS = 31


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value, TZ)


def _label(b: Booking) -> str:
    start, end = _local(b.start), _local(b.end)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{until}"


def _repr(b: Booking) -> str:
    return f"{b.resource.name} {_label(b)}（{b.org.name}）"


def check_slot(
    *,
    resource: Resource,
    start: datetime.datetime,
    end: datetime.datetime,
    expected_people: int | None,
    now: datetime.datetime,
) -> None:
    """The rules of a slot that need no other booking: order, future, length, opening
    hours and capacity. Raises ValidationError (Chinese, by field)."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("aware datetimes expected")
    # First the fields' windows: nothing below may compute with a time beyond them.
    raise_errors(date_errors(Booking, {"start": start, "end": end}))
    if end <= start:
        raise ValidationError({"end": "结束时间应晚于开始时间"})
    if start <= now:
        raise ValidationError({"start": "开始时间已过，不能预约过去的时段"})
    if end - start > datetime.timedelta(days=MAX_BOOKING_DAYS):
        raise ValidationError({"end": f"单次预约不能超过 {MAX_BOOKING_DAYS} 天"})
    schedule = parse_hours(resource.opening_hours)
    if not fits(schedule, _local(start), _local(end)):
        raise ValidationError(
            {"start": f"所选时段不在{resource.hours_label}内（{resource.opening_hours}）"}
        )
    if (
        expected_people is not None
        and resource.capacity is not None
        and expected_people > resource.capacity
    ):
        raise ValidationError(
            {"expected_people": f"预计人数 {expected_people} 人超过容纳人数 {resource.capacity} 人"}
        )


def _insert(booking: Booking) -> None:
    """Save a new or changed blocking booking; the PostgreSQL exclusion constraint's
    refusal (a race the row lock did not see, or a caller that skipped it) becomes CLASH."""
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as exc:
        if "booking_no_overlap" in str(exc):
            raise BookingClash() from None
        raise


def _managers_of(resource: Resource) -> tuple[int, ...]:
    return responsible_managers([resource.owner])[resource.owner_id]


def _close_tasks(booking: Booking) -> None:
    """The managers' 待办 of the request is done — and read, as when marked 办结 by hand, so
    that the sidebar's unread count does not keep counting it."""
    close(Q(key=f"booking:{booking.pk}:request"))


@transaction.atomic
def booking_request(
    *,
    actor: Any,
    resource: Resource,
    org: Organisation,
    start: datetime.datetime,
    end: datetime.datetime,
    purpose: str,
    expected_people: int | None = None,
    activity: Activity | None = None,
    now: datetime.datetime | None = None,
) -> Booking:
    """Request ``resource`` for ``org`` from ``start`` to ``end`` (待审批).

    Refused (ValidationError, nothing written) when the resource is withdrawn or not shared
    with ``org``, the slot breaks :func:`check_slot`, the activity does not list ``org``,
    or the slot overlaps a pending or approved booking (:data:`CLASH`).
    """
    now = now or timezone.now()
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": "请填写用途"})
    if len(purpose) > 200:
        raise ValidationError({"purpose": "用途不能超过 200 个字符"})
    # The lock: every request, approval and cancellation of this resource waits here.
    locked = (
        Resource.objects.select_for_update(of=("self",)).select_related("owner").get(pk=resource.pk)
    )
    if not locked.is_active:
        raise ValidationError("该资源已停止预约")
    if not Resource.objects.shared_with(org).filter(pk=locked.pk).exists():
        raise ValidationError({"org": f"该资源未向“{org.name}”开放（共享范围：{locked.sharing}）"})
    check_slot(resource=locked, start=start, end=end, expected_people=expected_people, now=now)
    if activity is not None and not ActivityOrg.objects.filter(activity=activity, org=org).exists():
        raise ValidationError({"activity": f"活动 {activity.code} 未列出预约组织“{org.name}”"})
    if Booking.objects.filter(resource=locked).blocking().overlapping(start, end).exists():
        raise BookingClash()
    booking = Booking(
        resource=locked,
        org=org,
        start=start,
        end=end,
        purpose=purpose,
        expected_people=expected_people,
        activity=activity,
        status=BookingStatus.PENDING,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        requested_by_name=user_name(actor),
    )
    booking.full_clean(validate_constraints=False)
    _insert(booking)
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=booking,
        target_repr=_repr(booking),
        after=snapshot(booking),
        note=f"预约申请：{org.name} {_label(booking)}",
    )
    deliver([request_reminder(booking, _managers_of(locked))])
    return booking


def request_reminder(booking: Booking, user_ids: Sequence[int]) -> Reminder:
    """The 待办 of a pending request for the owner's managers (``booking`` with its resource
    and organisation loaded); the demo builds its inbox with it too."""
    people = f"，预计 {booking.expected_people} 人" if booking.expected_people else ""
    return Reminder(
        key=f"booking:{booking.pk}:request",
        user_ids=tuple(user_ids),
        kind=Notification.Kind.TASK,
        level=Notification.Level.GREEN,
        title=f"待审批：{booking.org.name}预约“{booking.resource.name}”",
        body=f"{_label(booking)}，用途：{booking.purpose}{people}",
        link=f"/sharing/bookings/{booking.pk}/",
        due=_local(booking.start).date(),
        closed_by_work=True,
    )


def _locked_booking(booking: Booking) -> Booking:
    """The booking, re-read under the same resource lock as requests, so that a decision or
    a cancellation never interleaves with a request for the same resource."""
    Resource.objects.select_for_update().filter(pk=booking.resource_id).first()
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("resource", "resource__owner", "org")
        .get(pk=booking.pk)
    )


def _tell_requester(booking: Booking, title: str, body: str) -> None:
    users: Sequence[int] = ()
    if booking.requested_by_id is not None:
        users = (booking.requested_by_id,)
    else:
        users = responsible_managers([booking.org])[booking.org_id]
    deliver(
        [
            Reminder(
                key=f"booking:{booking.pk}:{booking.status}",
                user_ids=tuple(users),
                kind=Notification.Kind.MESSAGE,
                level=Notification.Level.GREEN
                if booking.status == BookingStatus.APPROVED
                else Notification.Level.YELLOW,
                title=title,
                body=body,
                link=f"/sharing/bookings/{booking.pk}/",
            )
        ]
    )


def _decide(
    actor: Any, booking: Booking, status: str, reason: str, now: datetime.datetime
) -> Booking:
    booking = _locked_booking(booking)
    if booking.status != BookingStatus.PENDING:
        raise ValidationError(f"只有待审批的预约可以审批（当前：{booking.status}）")
    before = {"status": booking.status, "reason": booking.reason}
    if status == BookingStatus.APPROVED:
        if booking.start <= now:
            raise ValidationError("预约时段已开始，不能再批准")
        if (
            Booking.objects.filter(resource_id=booking.resource_id)
            .blocking()
            .overlapping(booking.start, booking.end)
            .exclude(pk=booking.pk)
            .exists()
        ):
            raise BookingClash()
    booking.status, booking.reason = status, reason
    booking.decided_by_name, booking.decided_at = user_name(actor), now
    booking.save(update_fields=["status", "reason", "decided_by_name", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=booking,
        target_repr=_repr(booking),
        before=before,
        after={"status": status, "reason": reason},
        note=reason or status,
    )
    _close_tasks(booking)
    verdict = "已批准" if status == BookingStatus.APPROVED else f"未获批准（原因：{reason}）"
    _tell_requester(
        booking,
        f"预约{status}：{booking.resource.name}",
        f"{booking.org.name}预约“{booking.resource.name}”{_label(booking)}{verdict}。",
    )
    return booking


@transaction.atomic
def booking_approve(
    *, actor: Any, booking: Booking, now: datetime.datetime | None = None
) -> Booking:
    """待审批 → 已批准 (before the slot starts)."""
    return _decide(actor, booking, BookingStatus.APPROVED, "", now or timezone.now())


@transaction.atomic
def booking_decline(
    *, actor: Any, booking: Booking, reason: str, now: datetime.datetime | None = None
) -> Booking:
    """待审批 → 已拒绝 with a reason (required, ≤ 300 characters)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写拒绝原因"})
    if len(reason) > 300:
        raise ValidationError({"reason": "拒绝原因不能超过 300 个字符"})
    return _decide(actor, booking, BookingStatus.DECLINED, reason, now or timezone.now())


@transaction.atomic
def booking_cancel(
    *, actor: Any, booking: Booking, reason: str = "", now: datetime.datetime | None = None
) -> Booking:
    """待审批 or 已批准 → 已取消, by the requesting side, before the slot starts. The slot is
    free again at once; the owner's managers are told."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise ValidationError({"reason": "取消原因不能超过 300 个字符"})
    booking = _locked_booking(booking)
    if booking.status not in BLOCKING_STATUSES:
        raise ValidationError(f"只有待审批或已批准的预约可以取消（当前：{booking.status}）")
    if booking.start <= now:
        raise ValidationError("预约时段已开始，不能取消")
    before = {"status": booking.status, "reason": booking.reason}
    booking.status, booking.reason = BookingStatus.CANCELLED, reason
    booking.save(update_fields=["status", "reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=booking,
        target_repr=_repr(booking),
        before=before,
        after={"status": booking.status, "reason": reason},
        note=reason or "已取消",
    )
    _close_tasks(booking)
    deliver(
        [
            Reminder(
                key=f"booking:{booking.pk}:已取消",
                user_ids=_managers_of(booking.resource),
                kind=Notification.Kind.MESSAGE,
                level=Notification.Level.GREEN,
                title=f"预约已取消：{booking.resource.name}",
                body=f"{booking.org.name}取消了{_label(booking)}的预约"
                + (f"（{reason}）" if reason else "")
                + "。",
                link=f"/sharing/bookings/{booking.pk}/",
            )
        ]
    )
    return booking
