"""Shared set-up of the points tests: the scheme file of points.md on the test world."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from lianjian.activities import services as activity_services
from lianjian.activities.models import Activity, AttendanceStatus
from lianjian.orgs.models import Member, Organisation
from lianjian.points import services
from lianjian.points.models import PointsScheme

YEAR = 2026


def scheme_file(org: str = "DW", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "2026-JF", "name": "2026年党员积分办法", "org": org, "year": YEAR,
        "period": "quarter", "base": 80, "bonus_cap": 20, "floor": None, "ceiling": 100,
        "exempt_categories": ["特殊"], "publicity_days": 3,
        "rules": [
            {"code": "A1", "text": "参加三会一课", "category": "任务", "points": 3,
             "cap_period": 6, "cap_year": 12, "source": "attendance",
             "activity_types": ["支部党员大会", "支部委员会", "党小组会", "党课"]},
            {"code": "A2", "text": "参加主题党日", "category": "任务", "points": 2, "cap_year": 8,
             "source": "attendance", "activity_types": ["主题党日"]},
            {"code": "B1", "text": "关键任务节点验收", "category": "奖励", "points": 2,
             "source": "milestone_accepted"},
            {"code": "B2", "text": "获得表彰", "category": "奖励", "points": 5, "source": "claim"},
            {"code": "C1", "text": "无故缺席组织生活", "category": "扣分", "points": -2,
             "source": "absence"},
            {"code": "V1", "text": "受到党纪处分", "category": "一票否决", "source": "claim",
             "veto_total": 0},
        ],
    }  # fmt: skip
    return {**data, **changes}


def make_scheme(org: str = "DW", **changes: Any) -> PointsScheme:
    return services.import_scheme(actor=None, data=scheme_file(org, **changes))


def held_meeting(
    host: Organisation,
    day: datetime.date,
    *,
    present: list[Member],
    absent: list[Member] = (),  # type: ignore[assignment]
    leave: list[Member] = (),  # type: ignore[assignment]
    type: str = "党小组会",
) -> Activity:
    """A submitted activity with the members' attendance marked."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 0)))
    activity = activity_services.activity_record(
        actor=None, type=type, host=host, start=start, topic=f"{type}{day}"
    )
    for group, status in (
        (present, AttendanceStatus.PRESENT),
        (absent, AttendanceStatus.ABSENT),
        (leave, AttendanceStatus.LEAVE),
    ):
        for m in group:
            activity_services.attendance_add(actor=None, activity=activity, member=m)
        if group:
            activity_services.attendance_mark(
                actor=None,
                activity=activity,
                member_ids=[m.pk for m in group],
                status=status,
                reason="" if status == AttendanceStatus.PRESENT else "原因",
            )
    activity_services.activity_submit(actor=None, activity=activity)
    activity.refresh_from_db()
    return activity
