"""Problems and meetings on top of ``world`` and ``alliance_helpers.make_alliances``.

LJ-A (lead ZB-A; ZB-B and the partner WB-GOV) and LJ-X (lead ZB-X; DW2)::

    WT-P  待研究  LJ-A, raised by ZB-B
    WT-W  已分派  LJ-A, raised by ZB-B, owner ZB-A, deadline in 30 days
    WT-S  待确认  LJ-A, raised by ZB-B, owner ZB-A, solved today
    WT-X  待研究  LJ-X, raised by ZB-X
    WT-L  已分派  no alliance, raised by ZB-A, owner ZB-B (assigned by the company)
    LX-A  筹备中  meeting of LJ-A convened by ZB-A, WT-P on its agenda
    LX-X  筹备中  meeting of LJ-X

Who sees what: LJ-A's problems and LX-A are visible to admin, company, manager_a, member_a
and manager_b; WT-X and LX-X to admin and outsider; WT-L to admin, company, manager_a,
member_a (raised by ZB-A) and manager_b (owner ZB-B).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from lianjian.consultations import services
from lianjian.consultations.models import JointMeeting, Problem
from tests.alliance_helpers import Alliances, make_alliances


@dataclass
class Consultations:
    al: Alliances
    pending: Problem
    assigned: Problem
    solved: Problem
    foreign: Problem
    loose: Problem
    meeting: JointMeeting
    meeting_x: JointMeeting


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def make_consultations(world, al=None) -> Consultations:
    al = al or make_alliances(world)
    raise_ = services.problem_raise
    pending = raise_(
        actor=None,
        raised_by=world.zb_b,
        alliance=al.lj_a,
        title="线路通道清障协调",
        category="安全生产",
        urgency="紧急",
        code="WT-P",
        description="通道内树障超高，需政府协调林权人。",
    )
    assigned = raise_(
        actor=None,
        raised_by=world.zb_b,
        alliance=al.lj_a,
        title="客户用电报装提速",
        category="营商环境",
        code="WT-W",
    )
    services.problem_assign(
        actor=None, problem=assigned, owners=[world.zb_a], deadline=days(30), responsible="张三"
    )
    solved = raise_(
        actor=None,
        raised_by=world.zb_b,
        alliance=al.lj_a,
        title="乡村振兴电力保障",
        category="乡村振兴",
        code="WT-S",
    )
    services.problem_assign(actor=None, problem=solved, owners=[world.zb_a], deadline=days(10))
    services.problem_solve(actor=None, problem=solved, resolution="新增配变 2 台。")
    foreign = raise_(
        actor=None,
        raised_by=world.zb_x,
        alliance=al.lj_x,
        title="外公司问题",
        category="其他",
        code="WT-X",
    )
    loose = raise_(
        actor=None,
        raised_by=world.zb_a,
        title="营业厅服务标准统一",
        category="营销服务",
        code="WT-L",
    )
    services.problem_assign(actor=None, problem=loose, owners=[world.zb_b], deadline=days(20))
    start = datetime.datetime.combine(
        days(7), datetime.time(14, 30), tzinfo=timezone.get_current_timezone()
    )
    meeting = services.meeting_create(
        actor=None,
        alliance=al.lj_a,
        title="营销政企联建第1次联席会议",
        start=start,
        convener=world.zb_a,
        code="LX-A",
        agenda=[
            services.Agenda("通报联建工作"),
            services.Agenda("研究：线路通道清障协调", pending),
        ],
        attendees=[
            services.Attendee(org=world.zb_a, name="张三", post="书记", member=world.m_a1),
            services.Attendee(org=world.partner, name="周联络", post="机关党委副书记"),
        ],
    )
    meeting_x = services.meeting_create(
        actor=None,
        alliance=al.lj_x,
        title="外公司联席会议",
        start=start,
        convener=world.zb_x,
        code="LX-X",
    )
    return Consultations(
        al=al,
        pending=pending,
        assigned=assigned,
        solved=solved,
        foreign=foreign,
        loose=loose,
        meeting=meeting,
        meeting_x=meeting_x,
    )
