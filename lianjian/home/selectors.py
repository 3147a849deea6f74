"""Reads of "我的" — a member's own page: what they took part in, and what waits for them.

Everything here is keyed by the signed-in user's own member record (``user.member_id``) and
their own inbox; no parameter names another person, so the page cannot show anyone else.
Figures are counted from the same rows that are listed, so they always add up.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Count, F, Window

from lianjian.activities.models import ActivityStatus, Attendance, AttendanceStatus, CheckinMethod
from lianjian.notifications.models import Notification

OPEN_SHOWN = 5
# Key tasks on the page; 查看全部 opens 我的任务 (keytasks:my_tasks) with every one.
TASKS_SHOWN = 6


@dataclass(frozen=True)
class MyYear:
    """A member's attendance (应到名单 rows) in the activities of one calendar year."""

    year: int
    rows: list[Attendance]
    present: int
    leave: int
    absent: int
    scanned: int

    @property
    def expected(self) -> int:
        return len(self.rows)


def attendance_years(member_id: int, today: datetime.date) -> list[int]:
    """The years the member was on an expected list, newest first (this year always offered)."""
    starts = (
        Attendance.objects.filter(member_id=member_id)
        .exclude(activity__status=ActivityStatus.VOID)
        .dates("activity__start", "year", order="DESC")
    )
    return sorted({today.year, *(d.year for d in starts)}, reverse=True)


def my_year(member_id: int, year: int) -> MyYear:
    """The member's attendance in ``year`` (voided activities left out), newest first. One query."""
    rows = list(
        Attendance.objects.filter(member_id=member_id, activity__start__year=year)
        .exclude(activity__status=ActivityStatus.VOID)
        .select_related("activity", "activity__host")
        # What the list shows of each activity (not its minutes, which can run to pages).
        .only(
            *(f.name for f in Attendance._meta.concrete_fields),
            *(f"activity__{name}" for name in ("code", "type", "topic", "start", "status", "host")),
            "activity__host__name",
        )
        .order_by("-activity__start")
    )
    status = [r.status for r in rows]
    return MyYear(
        year=year,
        rows=rows,
        present=status.count(AttendanceStatus.PRESENT),
        leave=status.count(AttendanceStatus.LEAVE),
        absent=status.count(AttendanceStatus.ABSENT),
        scanned=sum(1 for r in rows if r.method == CheckinMethod.SCAN),
    )


def open_todos(user_id: int, shown: int = OPEN_SHOWN) -> tuple[list[Notification], int]:
    """The user's first ``shown`` to-dos not yet done, the nearest due date first, and how
    many there are in all: one query (the count rides on each row as a window)."""
    rows: list[Notification] = list(
        Notification.objects.filter(
            user_id=user_id, kind=Notification.Kind.TASK, done_at__isnull=True
        )
        .annotate(open_count=Window(Count("id")))
        .order_by(F("due").asc(nulls_last=True), "-created_at")[:shown]
    )
    return rows, (int(cast(Any, rows[0]).open_count) if rows else 0)
