"""Shared data for the assessment engine tests: the scheme file of shared/docs/assessment.md
(owned by the ``world`` company DW, applied to its 党支部 ZB-A and ZB-B) and small builders."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from lianjian.activities.models import ActivityStatus
from lianjian.activities.selectors import TZ
from lianjian.activities.services import activity_record

EXAMPLE: dict[str, Any] = {
    "code": "2025-SWD",
    "name": "2025年度党支部双维度考核",
    "period": "2025",
    "applies_to": {"kind": "党支部"},
    "dimensions": [
        {"code": "DJ", "name": "党建引领", "max": 40},
        {"code": "YW", "name": "业务提升", "max": 50},
        {"code": "LJ", "name": "联建共建", "max": 10},
    ],
    "indicators": [
        {
            "code": "DJ1",
            "name": "组织生活完成率",
            "dimension": "DJ",
            "max": 20,
            "rule": "ratio",
            "target": 1.0,
            "floor": 0.6,
            "direction": "higher",
            "source": "compliance_rate",
        },
        {
            "code": "YW1",
            "name": "营收完成率",
            "dimension": "YW",
            "max": 30,
            "rule": "ratio",
            "target": 100,
            "floor": 0.6,
            "direction": "higher",
            "source": "kpi",
        },
        {
            "code": "YW2",
            "name": "客户投诉",
            "dimension": "YW",
            "max": 10,
            "rule": "deduct",
            "per": 2,
            "source": "kpi",
        },
        {
            "code": "LJ1",
            "name": "联建活动",
            "dimension": "LJ",
            "max": 6,
            "rule": "per_item",
            "per": 1.5,
            "source": "joint_activities",
        },
        {
            "code": "LJ2",
            "name": "联建成效",
            "dimension": "LJ",
            "max": 8,
            "rule": "stepped",
            "steps": [["破冰", 2], ["推进", 4], ["落地", 8]],
            "source": "kpi",
        },
        {"code": "FJ1", "name": "重大安全责任事故", "rule": "veto", "source": "kpi"},
    ],
    "stars": [[95, 5], [90, 4], [80, 3], [70, 2], [60, 1]],
}


def example(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`EXAMPLE` owned by DW, with top-level ``changes``."""
    data = copy.deepcopy(EXAMPLE)
    data["owner"] = "DW"
    data.update(changes)
    return data


def with_manual(data: dict[str, Any], evaluators: list[str], *, top: float = 10) -> dict[str, Any]:
    """``data`` plus a manual indicator DJ2 书记述职评议 in DJ scored by ``evaluators``."""
    data["indicators"].insert(
        1,
        {
            "code": "DJ2",
            "name": "书记述职评议",
            "dimension": "DJ",
            "max": top,
            "rule": "manual",
            "source": "manual",
            "evaluators": evaluators,
        },
    )
    return data


def joint_activity(
    host,
    *co_orgs,
    day: datetime.date,
    present: int | None = 10,
    status: str = ActivityStatus.SUBMITTED,
    kind: str = "联建活动",
):
    """A joint activity (联建活动) held by ``host`` with ``co_orgs`` on ``day`` (09:00 local)."""
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=TZ)
    return activity_record(
        actor=None,
        type=kind,
        host=host,
        co_orgs=list(co_orgs),
        start=start,
        topic="联建",
        status=status,
        expected_count=present,
        present_count=present,
    )
