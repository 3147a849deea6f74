"""Shared resources on top of ``world`` and ``make_alliances``, for the sharing tests.

Extra organisation: ZB-C 综合服务党支部 under DW, in no alliance. Extra account:
partner_gov, manager of the partner WB-GOV (a member of LJ-A).

Resources (code: owner, sharing level → who sees it among the personas)::

    R-A     ZB-A   联建单位      党员活动室, 20 seats, weekdays 08:30-17:30, phone 13812345678
    R-AOWN  ZB-A   仅本组织      设备
    R-B     ZB-B   全部内部组织   阵地, no hours, no capacity
    R-C     ZB-C   联建单位      阵地 (ZB-C has no alliance: company and admin only)
    R-CALL  ZB-C   全部内部组织   课程
    R-GOV   WB-GOV 联建单位      教育基地 of the partner
    R-X     ZB-X   全部内部组织   专家 of the other company

Visible (admin, company, manager_a, member_a, manager_b, outsider) — see VISIBLE below.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from lianjian.accounts.models import User
from lianjian.activities.selectors import TZ
from lianjian.orgs.models import Organisation
from lianjian.orgs.services import org_create
from lianjian.sharing import services
from lianjian.sharing.models import Need, Resource
from tests.alliance_helpers import Alliances, make_alliances
from tests.conftest import PASSWORD

VISIBLE = {
    "admin": {"R-A", "R-AOWN", "R-B", "R-C", "R-CALL", "R-GOV", "R-X"},
    "company": {"R-A", "R-AOWN", "R-B", "R-C", "R-CALL", "R-GOV"},
    "manager_a": {"R-A", "R-AOWN", "R-B", "R-CALL", "R-GOV"},
    "member_a": {"R-A", "R-AOWN", "R-B", "R-CALL", "R-GOV"},
    "manager_b": {"R-A", "R-B", "R-CALL", "R-GOV"},
    "outsider": {"R-X"},
}
MANAGES = {
    "admin": set(VISIBLE["admin"]),
    "company": set(VISIBLE["company"]),
    "manager_a": {"R-A", "R-AOWN"},
    "member_a": set(),
    "manager_b": {"R-B"},
    "outsider": {"R-X"},
}


@dataclass
class Sharing:
    aw: Alliances
    zb_c: Organisation
    partner_gov: User
    r: dict[str, Resource]
    need: Need


def future_monday(weeks: int = 2) -> datetime.date:
    """A Monday at least ``weeks`` weeks from today (bookings must lie in the future)."""
    today = timezone.localdate()
    return today + datetime.timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def make_sharing(world, aw=None) -> Sharing:
    aw = aw or make_alliances(world)
    zb_c = org_create(
        actor=None,
        code="ZB-C",
        name="综合服务党支部",
        kind="党支部",
        parent=world.dw,
        strengths=["活动阵地", "培训师资"],
        lat=41.35,
        lon=123.80,
    )
    partner_gov = User(
        username="partner_gov", role="manager", org=world.partner, first_name="周联络"
    )
    partner_gov.set_password(PASSWORD)
    partner_gov.save()
    mk = services.resource_create
    r = {
        "R-A": mk(
            actor=None,
            code="R-A",
            name="营销服务党员活动室",
            kind="党员活动室",
            owner=world.zb_a,
            sharing="联建单位",
            capacity=20,
            opening_hours="周一至周五 8:30-17:30",
            tags=["活动阵地", "客户服务"],
            lat=41.30,
            lon=123.70,
            contact="张三",
            contact_phone="13812345678",
            address="营销服务中心三楼",
        ),
        "R-AOWN": mk(
            actor=None,
            code="R-AOWN",
            name="便携投影仪",
            kind="设备",
            owner=world.zb_a,
            sharing="仅本组织",
            tags=["活动阵地"],
        ),
        "R-B": mk(
            actor=None,
            code="R-B",
            name="运维检修党建阵地",
            kind="阵地",
            owner=world.zb_b,
            sharing="全部内部组织",
            tags=["活动阵地", "安全培训"],
            lat=41.20,
            lon=123.90,
        ),
        "R-C": mk(
            actor=None,
            code="R-C",
            name="综合服务活动室",
            kind="阵地",
            owner=zb_c,
            sharing="联建单位",
            tags=["活动阵地"],
        ),
        "R-CALL": mk(
            actor=None,
            code="R-CALL",
            name="安全生产专题课",
            kind="课程",
            owner=zb_c,
            sharing="全部内部组织",
            tags=["安全培训", "培训师资"],
            opening_hours="周一至周五 09:00-17:00",
        ),
        "R-GOV": mk(
            actor=None,
            code="R-GOV",
            name="县政府红色教育基地",
            kind="教育基地",
            owner=world.partner,
            sharing="联建单位",
            tags=["红色教育", "实践基地"],
            capacity=80,
            lat=41.30,
            lon=124.12,
        ),
        "R-X": mk(
            actor=None,
            code="R-X",
            name="外公司技术专家",
            kind="专家",
            owner=world.zb_x,
            sharing="全部内部组织",
            expertise=["技术攻关"],
        ),
    }
    need = services.need_create(
        actor=None,
        code="XQ-A",
        org=world.zb_a,
        title="需要安全培训和活动场地",
        tags=["安全培训", "活动阵地"],
        sharing="全部内部组织",
    )
    return Sharing(aw=aw, zb_c=zb_c, partner_gov=partner_gov, r=r, need=need)
