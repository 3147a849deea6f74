"""Bookings of resources: visible to both sides, never two holding one slot."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.activities.models import Activity
from lianjian.core.scope import (
    IsUser,
    Manages,
    ScopedQuerySet,
    ScopeRules,
    Sees,
)
from lianjian.core.validation import PLANNED, date_errors, instance_values, raise_errors
from lianjian.orgs.models import Organisation
from lianjian.sharing.models.resources import (
    Resource,
)


class BookingStatus(models.TextChoices):
    PENDING = "待审批", "待审批"
    APPROVED = "已批准", "已批准"
    DECLINED = "已拒绝", "已拒绝"
    CANCELLED = "已取消", "已取消"
    EXPIRED = "已过期", "已过期"  # still pending when its slot started (sharing.expiry)


# A pending request holds its slot as firmly as an approved one: first come, first served,
# so an owner never has to choose between two requests for one slot, and "double booking
# is impossible" holds for everything that is not declined or cancelled.
BLOCKING_STATUSES = (BookingStatus.PENDING, BookingStatus.APPROVED)


class BookingQuerySet(ScopedQuerySet["Booking"]):
    def blocking(self) -> BookingQuerySet:
        return self.filter(status__in=BLOCKING_STATUSES)

    def overlapping(self, start: datetime.datetime, end: datetime.datetime) -> BookingQuerySet:
        """Bookings whose [start, end) intersects [start, end): touching ends do not overlap."""
        return self.filter(start__lt=end, end__gt=start)


class Booking(models.Model):
    """A request to use a resource from ``start`` to ``end`` (half-open) for ``org``.

    待审批 → 已批准 / 已拒绝 (by the owner's managers, a reason for a refusal), 待审批 or
    已批准 → 已取消 (by the requesting side, before the start), and 待审批 → 已过期 when the
    slot starts undecided (:mod:`lianjian.sharing.expiry`). No two blocking bookings
    (待审批, 已批准) of one resource overlap: services serialise on the resource row and
    re-check, and on PostgreSQL an exclusion constraint (migration 0002) holds it in the
    database whatever the code does.
    """

    # Both sides see a booking; the resource's managers decide it; the requesting side
    # (the user who asked, or a manager of the requesting organisation) cancels it.
    SCOPE = ScopeRules(
        view=[Sees("org"), Sees("resource__owner")],
        decide=[Manages("resource__owner")],
        cancel=[Manages("org"), IsUser("requested_by")],
    )

    AUDIT_FIELDS = (
        "resource_id",
        "org_id",
        "start",
        "end",
        "purpose",
        "expected_people",
        "activity_id",
        "status",
        "reason",
    )
    DATE_WINDOWS = {"start": PLANNED, "end": PLANNED}

    resource = models.ForeignKey(
        Resource, verbose_name="资源", on_delete=models.PROTECT, related_name="bookings"
    )
    org = models.ForeignKey(
        Organisation, verbose_name="预约组织", on_delete=models.PROTECT, related_name="bookings"
    )
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间")
    purpose = models.CharField("用途", max_length=200)
    expected_people = models.PositiveIntegerField("预计人数", null=True, blank=True)
    activity = models.ForeignKey(
        Activity,
        verbose_name="关联活动",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    status = models.CharField(
        "状态", max_length=4, choices=BookingStatus.choices, default=BookingStatus.PENDING
    )
    reason = models.CharField("拒绝或取消原因", max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField("申请人", max_length=150, blank=True)
    decided_by_name = models.CharField("审批人", max_length=150, blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = "预约"
        ordering = ["-start", "-id"]
        indexes = [
            models.Index(fields=["resource", "start"], name="booking_resource_start_idx"),
            models.Index(fields=["org", "start"], name="booking_org_start_idx"),
            models.Index(fields=["status", "start"], name="booking_status_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="booking_end_after_start",
                violation_error_message="结束时间应晚于开始时间",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.start:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    @property
    def is_blocking(self) -> bool:
        return self.status in BLOCKING_STATUSES

    def clean(self) -> None:
        raise_errors(date_errors(Booking, instance_values(self)))
