"""Hostile input to every write endpoint of the API (issue #16, Done when).

The endpoints come from the OpenAPI document, so a new one fails this test until it has a
valid request below. For each, the valid request is sent once (it must be accepted, so the
hostile variations reach the service), then every field of its body — and every id in its
path — gets each hostile value of its kind: dates at and beyond the limits, control
characters, tabs in single-line text, very long strings, huge and negative numbers, ``NaN``.
No answer may be a 500; a refused request stores nothing (every model's row count, the
audit log's included, is unchanged); control characters and dates of year 1 or 9999 are
always refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from tests.api_helpers import API, auth_header
from tests.appraisal_setup import appraisal_in
from tests.carrier_helpers import carrier_code
from tests.conftest import PASSWORD
from tests.hostile_helpers import (
    ALWAYS_REFUSED,
    Rotation,
    make_hostile,
    rolled_back,
    row_counts,
    variations,
)


@dataclass(frozen=True)
class Write:
    path: Callable[[Any, Any], str]
    body: Callable[[Any, Any], dict[str, Any]] = lambda w, h: {}
    persona: str = "admin"
    ids: tuple[str, ...] = field(default=())


def _jb(w: Any, what: str) -> str:
    """揭榜挂帅 rows made inside the request's savepoint (the forms test's set of rows)."""
    from tests.test_edges_hostile_forms import _jb as rows

    return rows(w, what)


def _rec() -> int:
    """The hostile world's recommendation (审计建议 to ZB-B)."""
    from lianjian.supervision.models import Recommendation

    return Recommendation.objects.values_list("pk", flat=True).get()


def _later(days: int) -> str:
    import datetime

    from django.utils import timezone

    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


WRITES: dict[tuple[str, str], Write] = {
    ("POST", "/calls"): Write(
        lambda w, h: "/calls",
        lambda w, h: {
            "issuer": "DW",
            "title": "配网攻关",
            "problem": "定位慢",
            "budget": 10,
            "deadline": _later(10),
            "eligible_orgs": ["ZB-A"],
        },
    ),
    ("POST", "/calls/{code}/transition"): Write(
        lambda w, h: f"/calls/{_jb(w, 'draft')}/transition", lambda w, h: {"action": "publish"}
    ),
    ("POST", "/bids"): Write(
        lambda w, h: "/bids",
        lambda w, h: {
            "call": _jb(w, "open_b"),
            "bidder_org": "ZB-A",
            "lead": "M-A1",
            "plan": "三个月完成",
            "budget_asked": 5,
            "planned_end": _later(100),
        },
        persona="manager_a",
    ),
    ("POST", "/bids/{code}/transition"): Write(
        lambda w, h: f"/bids/{_jb(w, 'submitted')}/transition",
        lambda w, h: {"action": "shortlist"},
    ),
    ("POST", "/projects/{code}/advance"): Write(
        lambda w, h: f"/projects/{_jb(w, 'project')}/advance",
        lambda w, h: {"note": "第一季度督导", "on": _today()},
    ),
    ("POST", "/projects/{code}/metrics"): Write(
        lambda w, h: f"/projects/{_jb(w, 'project')}/metrics",
        lambda w, h: {"name": "节约成本", "unit": "万元", "value": 12.5},
    ),
    ("POST", "/projects/{code}/awards"): Write(
        lambda w, h: f"/projects/{_jb(w, 'project')}/awards",
        lambda w, h: {"level": "省部", "name": "省级奖", "awarded_on": _today()},
    ),
    ("POST", "/projects/{code}/awards/{award_id}/void"): Write(
        lambda w, h: f"/projects/{_jb(w, 'project')}/awards/{_jb(w, 'award')}/void",
        lambda w, h: {"reason": "重复登记"},
        ids=("award",),
    ),
    ("POST", "/supervision/batches"): Write(
        lambda w, h: "/supervision/batches",
        lambda w, h: {
            "code": "XC-H2",
            "title": "专项巡察",
            "source": "巡察",
            "issuing_body": "巡察组",
            "issuing_org": "DW",
            "inspected_org": "ZB-A",
            "feedback_date": "2026-11-01",
            "plan_meeting": "党委会",
        },
    ),
    ("POST", "/supervision/batches/{code}/items"): Write(
        lambda w, h: "/supervision/batches/XC-2026-01/items",
        lambda w, h: {
            "number": "H2",
            "description": "问题",
            "tags": "组织建设",
            "responsible_org": "ZB-A",
            "responsible_leader": "M-A1",
            "responsible_person": "M-A2",
            "tracker": "王敏",
            "kind": "限期整改",
            "deadline": "2027-03-31",
            "important": True,
        },
    ),
    ("POST", "/supervision/items/{item_id}/measures"): Write(
        lambda w, h: f"/supervision/items/{h.ledger.item_a.pk}/measures",
        lambda w, h: {"text": "整改措施", "owner": "张三", "deadline": "2027-01-31"},
        ids=("item_id",),
    ),
    ("POST", "/supervision/items/{item_id}/actions"): Write(
        lambda w, h: f"/supervision/items/{h.ledger.item_a.pk}/actions",
        lambda w, h: {"action": "start", "reason": "开始整改"},
        ids=("item_id",),
    ),
    ("POST", "/supervision/measures/{measure_id}/state"): Write(
        lambda w, h: f"/supervision/measures/{h.sv_measure.pk}/state",
        lambda w, h: {"state": "推进中"},
        ids=("measure_id",),
    ),
    ("POST", "/supervision/leads"): Write(
        lambda w, h: "/supervision/leads",
        lambda w, h: {
            "from_body": "巡察",
            "to_body": "纪委",
            "org": "DW",
            "item_id": h.ledger.item_a.pk,
            "case": "党费收缴疑似挪用",
            "transferred_on": "2026-11-02",
        },
        persona="xuncha",
    ),
    ("POST", "/supervision/leads/{lead_id}/settle"): Write(
        lambda w, h: f"/supervision/leads/{h.ledger.lead.pk}/settle",
        lambda w, h: {"result": "已立案审查", "feedback_on": _today()},
        persona="jijian",
        ids=("lead_id",),
    ),
    ("POST", "/supervision/recommendations/{rec_id}/reply"): Write(
        lambda w, h: f"/supervision/recommendations/{_rec()}/reply",
        lambda w, h: {"reply": "已建立台账", "replied_on": _today()},
        persona="manager_b",
        ids=("rec_id",),
    ),
    ("POST", "/supervision/recommendations/{rec_id}/follow-up"): Write(
        lambda w, h: f"/supervision/recommendations/{_rec()}/follow-up",
        lambda w, h: {"note": "电话督办"},
        persona="shenji",
        ids=("rec_id",),
    ),
    ("POST", "/auth/token"): Write(
        lambda w, h: "/auth/token", lambda w, h: {"username": "admin", "password": PASSWORD}
    ),
    ("DELETE", "/auth/token"): Write(lambda w, h: "/auth/token"),
    ("POST", "/orgs"): Write(
        lambda w, h: "/orgs",
        lambda w, h: {
            "code": "XZ-H1",
            "name": "新组",
            "kind": "党小组",
            "parent": "ZB-A",
            "unit": "营销中心",
            "address": "一楼",
            "professions": ["营销服务"],
            "strengths": ["客户服务"],
            "needs": ["技术攻关"],
            "lat": 41.3,
            "lon": 123.7,
            "founded": "2020-01-01",
            "term_start": "2024-01-01",
            "term_end": "2027-01-01",
        },
    ),
    ("PATCH", "/orgs/{code}"): Write(
        lambda w, h: "/orgs/ZB-B",
        lambda w, h: {
            "name": "运维党支部",
            "unit": "检修分公司",
            "founded": "2010-01-01",
            "term_start": "2024-01-01",
            "term_end": "2027-01-01",
            "lat": 41.2,
            "lon": 123.9,
        },
    ),
    ("POST", "/orgs/{code}/dissolve"): Write(
        lambda w, h: "/orgs/XZ-A1/dissolve", lambda w, h: {"date": "2026-01-01", "reason": "调整"}
    ),
    ("POST", "/members"): Write(
        lambda w, h: "/members",
        lambda w, h: {
            "number": "M-H1",
            "name": "孙八",
            "gender": "男",
            "birth_date": "1990-03-07",
            "org": "ZB-A",
            "category": "正式党员",
            "joined_on": "2012-07-01",
            "confirmed_on": "2013-07-01",
            "post": "组织委员",
            "job": "客户经理",
            "phone": "13812340000",
            "id_number": "110101199003071233",
        },
    ),
    ("PATCH", "/members/{member_id}"): Write(
        lambda w, h: f"/members/{w.m_a2.pk}",
        lambda w, h: {
            "name": "李四",
            "birth_date": "1995-01-01",
            "joined_on": "2025-07-01",
            "job": "线路工",
            "phone": "13900000009",
            "left_on": "2026-11-01",
            "left_reason": "调出",
        },
        ids=("m_a2",),
    ),
    ("POST", "/members/{member_id}/transfer"): Write(
        lambda w, h: f"/members/{w.m_b1.pk}/transfer",
        lambda w, h: {"to_org": "ZB-A", "date": "2026-01-01", "reason": "调动"},
        ids=("m_b1",),
    ),
    ("POST", "/alliances"): Write(
        lambda w, h: "/alliances",
        lambda w, h: {
            "code": "LJ-H",
            "name": "新联建",
            "type": "结对共建",
            "theme": "党建+安全生产",
            "lead": "ZB-A",
            "members": ["ZB-B"],
            "sponsor": "陈海波",
            "sponsor_title": "副总经理",
            "guidance": ["王五"],
            "founded": "2025-01-01",
            "description": "简介",
        },
    ),
    ("PATCH", "/alliances/{code}"): Write(
        lambda w, h: "/alliances/LJ-A",
        lambda w, h: {
            "name": "营销联建",
            "sponsor": "陈海波",
            "founded": "2024-01-01",
            "description": "简介\n第二行",
        },
    ),
    ("POST", "/alliances/{code}/members"): Write(
        lambda w, h: "/alliances/LJ-A/members",
        lambda w, h: {
            "org": "ZB-C",
            "joined_on": "2026-01-01",
            "liaison": "赵六",
            "liaison_phone": "13700000000",
            "liaison_post": "委员",
        },
    ),
    ("POST", "/agreements"): Write(
        lambda w, h: "/agreements",
        lambda w, h: {
            "alliance": "LJ-A",
            "title": "新协议",
            "parties": ["ZB-A", "ZB-B"],
            "terms": "条款",
            "start": "2026-01-01",
            "end": "2028-12-31",
            "goals": [{"text": "联合开展主题党日", "target": 4, "unit": "次/年"}],
        },
    ),
    ("POST", "/agreements/{agreement_id}/status"): Write(
        lambda w, h: f"/agreements/{h.sharing.aw.ag_x.pk}/status",
        lambda w, h: {"status": "已签署", "on": "2026-01-01"},
        ids=("agreement",),
    ),
    ("POST", "/agreements/{agreement_id}/renew"): Write(
        lambda w, h: f"/agreements/{h.sharing.aw.ag_a.pk}/renew",
        lambda w, h: {"start": "2027-01-01", "end": "2029-12-31", "title": "续签协议"},
        ids=("agreement",),
    ),
    ("POST", "/activities"): Write(
        lambda w, h: "/activities",
        lambda w, h: {
            "code": "HD-H1",
            "type": "联建活动",
            "orgs": ["ZB-A", "ZB-B"],
            "start": "2026-11-20T09:00:00",
            "end": "2026-11-20T11:00:00",
            "topic": "联学",
            "venue": "活动室",
            "minutes": "记录",
            "host_person": "张三",
            "recorder": "李四",
            "sub_kind": "理论联学",
            "alliance": "LJ-A",
            "expected_count": 20,
            "present_count": 18,
        },
    ),
    ("POST", "/activities/{code}/void"): Write(
        lambda w, h: "/activities/HD-D/void", lambda w, h: {"reason": "误录"}
    ),
    ("POST", "/assessment/kpis"): Write(
        lambda w, h: "/assessment/kpis",
        lambda w, h: {
            "items": [{"org": "ZB-A", "period": "2026", "indicator_code": "YW1", "value": 90.5}]
        },
    ),
    ("POST", "/assessment/objections"): Write(
        lambda w, h: "/assessment/objections",
        lambda w, h: {
            "org": "ZB-A",
            "period": "2025",
            "indicator_code": "YW1",
            "reason": "数值有误",
        },
        persona="manager_a",
    ),
    ("POST", "/assessment/objections/{objection_id}/answer"): Write(
        lambda w, h: f"/assessment/objections/{_open_objection(w)}/answer",
        lambda w, h: {"accept": True, "corrected_value": 1, "answer": "已核实"},
        persona="company",
        ids=("objection",),
    ),
    ("POST", "/resources"): Write(
        lambda w, h: "/resources",
        lambda w, h: {
            "code": "R-H1",
            "name": "活动室",
            "kind": "党员活动室",
            "owner": "ZB-A",
            "sharing": "联建单位",
            "tags": ["活动阵地"],
            "description": "说明",
            "capacity": 30,
            "address": "二楼",
            "lat": 41.3,
            "lon": 123.7,
            "opening_hours": "周一至周五 08:30-17:30",
            "equipment": ["投影仪"],
            "contact": "张三",
            "phone": "13812345678",
        },
    ),
    ("PATCH", "/resources/{code}"): Write(
        lambda w, h: "/resources/R-A",
        lambda w, h: {
            "name": "活动室",
            "capacity": 25,
            "address": "三楼",
            "opening_hours": "周一至周五 08:30-17:30",
        },
    ),
    ("POST", "/bookings"): Write(
        lambda w, h: "/bookings",
        lambda w, h: {
            "resource": "R-B",
            "org": "ZB-B",
            "start": _slot(9),
            "end": _slot(11),
            "purpose": "主题党日",
            "expected_people": 10,
        },
    ),
    ("POST", "/bookings/{booking_id}/approve"): Write(
        lambda w, h: f"/bookings/{h.pending_booking.pk}/approve", ids=("booking",)
    ),
    ("POST", "/bookings/{booking_id}/decline"): Write(
        lambda w, h: f"/bookings/{h.pending_booking.pk}/decline",
        lambda w, h: {"reason": "时段已另作安排"},
        ids=("booking",),
    ),
    ("POST", "/bookings/{booking_id}/cancel"): Write(
        lambda w, h: f"/bookings/{h.own_booking.pk}/cancel",
        lambda w, h: {"reason": "改期"},
        ids=("booking",),
    ),
    ("POST", "/needs"): Write(
        lambda w, h: "/needs",
        lambda w, h: {
            "code": "XQ-H1",
            "org": "ZB-A",
            "title": "安全培训",
            "description": "需求\n说明",
            "tags": ["安全培训"],
            "needed_by": "2027-03-01",
            "contact": "张三",
        },
    ),
    ("POST", "/meetings"): Write(
        lambda w, h: "/meetings",
        lambda w, h: {
            "code": "LX-H1",
            "alliance": "LJ-A",
            "title": "联席会议",
            "start": "2026-12-20T14:30:00",
            "place": "会议室",
            "convener": "ZB-A",
            "host_person": "张三",
            "recorder": "李四",
            "minutes": "",
            "decisions": "",
            "agenda": [{"title": "通报工作"}],
            "attendees": [{"org": "ZB-A", "name": "张三", "post": "书记"}],
        },
    ),
    ("POST", "/problems"): Write(
        lambda w, h: "/problems",
        lambda w, h: {
            "code": "WT-H1",
            "title": "通道清障",
            "category": "安全生产",
            "urgency": "紧急",
            "description": "说明",
            "alliance": "LJ-A",
            "raised_by": "ZB-B",
            "raised_on": "2026-11-01",
        },
    ),
    ("POST", "/problems/{code}/assign"): Write(
        lambda w, h: "/problems/WT-P/assign",
        lambda w, h: {
            "owners": ["ZB-A"],
            "deadline": "2027-01-31",
            "responsible": "张三",
            "meeting": "LX-A",
            "note": "意见",
        },
    ),
    ("POST", "/problems/{code}/progress"): Write(
        lambda w, h: "/problems/WT-W/progress", lambda w, h: {"text": "已协调", "org": "ZB-A"}
    ),
    ("POST", "/problems/{code}/solve"): Write(
        lambda w, h: "/problems/WT-W/solve",
        lambda w, h: {"resolution": "已解决", "solved_on": _today()},
    ),
    ("POST", "/problems/{code}/confirm"): Write(
        lambda w, h: "/problems/WT-S/confirm", lambda w, h: {"note": "满意"}
    ),
    ("POST", "/problems/{code}/reopen"): Write(
        lambda w, h: "/problems/WT-S/reopen", lambda w, h: {"reason": "未解决"}
    ),
    ("POST", "/task-lists"): Write(
        lambda w, h: "/task-lists",
        lambda w, h: {
            "code": "QD-H1",
            "org": "ZB-A",
            "year": 2026,
            "name": "营销支部关键任务清单",
            "approval_ref": "2026年第1次支委会",
            "approved_on": "2026-01-10",
        },
    ),
    ("PATCH", "/task-lists/{code}"): Write(
        lambda w, h: f"/task-lists/{_kt(w).lst.code}",
        lambda w, h: {"name": "新清单名", "approval_ref": "党委会", "approved_on": "2026-01-05"},
    ),
    ("POST", "/task-lists/{code}/transition"): Write(
        lambda w, h: f"/task-lists/{_kt_draft(w)}/transition", lambda w, h: {"action": "issue"}
    ),
    ("POST", "/tasks"): Write(
        lambda w, h: "/tasks",
        lambda w, h: {
            "code": "QD-H-9",
            "list": _kt(w).lst.code,
            "parent": _kt(w).parent.code,
            "name": "带电作业能力提升",
            "category": "设备运维",
            "theme": "党建+设备运维",
            "owner_org": "ZB-A",
            "owner": "M-A1",
            "participants": ["M-A2"],
            "participant_names": "王工",
            "planned_start": "2026-02-01",
            "planned_end": "2026-11-30",
            "progress_mode": "指标",
            "weight": 2,
            "kpi_unit": "次",
            "kpi_baseline": 10,
            "kpi_target": 20,
            "kpi_direction": "越高越好",
        },
    ),
    ("PATCH", "/tasks/{code}"): Write(
        lambda w, h: f"/tasks/{_kt(w).a.code}",
        lambda w, h: {
            "name": "营销片区配网改造（调整）",
            "planned_start": "2026-02-01",
            "planned_end": "2026-11-30",
            "weight": 3,
            "owner": "M-A1",
            "participants": ["M-A2"],
            "kpi_unit": "%",
        },
    ),
    ("POST", "/tasks/{code}/transition"): Write(
        lambda w, h: f"/tasks/{_kt(w).a.code}/transition",
        lambda w, h: {"action": "suspend", "reason": "等待停电计划"},
    ),
    ("POST", "/milestones"): Write(
        lambda w, h: "/milestones",
        lambda w, h: {
            "task": _kt(w).a.code,
            "name": "完成设计",
            "weight": 2,
            "planned_on": "2026-03-01",
        },
    ),
    ("POST", "/milestones/{milestone_id}/action"): Write(
        lambda w, h: f"/milestones/{_kt_milestone(w)}/action",
        lambda w, h: {"action": "done", "on": _today()},
        ids=("milestone",),
    ),
    ("POST", "/task-reports"): Write(
        lambda w, h: "/task-reports",
        lambda w, h: {
            "task": _kt(w).b.code,
            "period": _today()[:7],
            "percent": 55,
            "kpi_value": 3,
            "text": "完成一半",
        },
    ),
    ("POST", "/task-reports/{report_id}/action"): Write(
        lambda w, h: f"/task-reports/{_kt_report(w)}/action",
        lambda w, h: {"action": "return", "reason": "数据不实"},
        ids=("report",),
    ),
    ("POST", "/carriers"): Write(
        lambda w, h: "/carriers",
        lambda w, h: {
            "kind": "示范岗",
            "org": "ZB-A",
            "name": "抄表示范岗",
            "leader": "M-A1",
            "established": _today(),
            "lat": 41.3,
            "lon": 123.7,
        },  # fmt: skip
    ),
    ("POST", "/carriers/{code}/transition"): Write(
        lambda w, h: f"/carriers/{carrier_code(w, 'submit')}/transition",
        lambda w, h: {"action": "branch_return", "reason": "材料不全"},
    ),
    ("POST", "/carriers/{code}/reviews"): Write(
        lambda w, h: f"/carriers/{carrier_code(w, 'name')}/reviews",
        lambda w, h: {
            "preset": "半年复核",
            "period": "2026H2",
            "note": "良好",
            "scores": {"履职尽责": 90, "承诺兑现": 91, "关键任务成效": 92, "群众满意度": 93},
        },  # fmt: skip
    ),
    ("POST", "/carriers/{code}/vetoes"): Write(
        lambda w, h: f"/carriers/{carrier_code(w, 'name')}/vetoes",
        lambda w, h: {"kind": "违纪", "description": "违反廉洁纪律", "day": _today()},
    ),
    ("POST", "/points/claims"): Write(
        lambda w, h: "/points/claims" if _pts(w) else "",
        lambda w, h: {
            "scheme": "JF-H",
            "rule": "B2",
            "member": "M-A1",
            "happened_on": _today(),
            "text": "获表彰",
            "evidence": "https://example.org/x",
        },
    ),
    ("POST", "/points/claims/{claim_id}/{action}"): Write(
        lambda w, h: f"/points/claims/{_pts(w)}/reject",
        lambda w, h: {"reason": "不符合条件"},
        ids=("claim",),
    ),
    ("PUT", "/points/schemes/{code}/standings/{number}"): Write(
        lambda w, h: "/points/schemes/JF-H/standings/M-A2" if _pts(w) else "",
        lambda w, h: {"category": "特殊", "exempt": True, "reason": "年满70岁"},
    ),
    ("POST", "/appraisals"): Write(
        lambda w, h: "/appraisals",
        lambda w, h: {"branch": "ZB-A", "year": 2026, "held_on": "2026-06-01", "title": "评议"},
    ),
    ("POST", "/appraisals/{code}/transition"): Write(
        lambda w, h: f"/appraisals/{appraisal_in(w, '测评中').code}/transition",
        lambda w, h: {"action": "void", "reason": "日期有误"},
    ),
    ("PUT", "/appraisals/{code}/self-assessment"): Write(
        lambda w, h: f"/appraisals/{appraisal_in(w, '测评中').code}/self-assessment",
        lambda w, h: {"text": "认真履职"},
        persona="member_a",
    ),
    ("POST", "/appraisals/{code}/votes"): Write(
        lambda w, h: f"/appraisals/{appraisal_in(w, '测评中').code}/votes",
        lambda w, h: {"member": "M-A9", "grade": "合格"},
        persona="member_a",
    ),
    ("POST", "/appraisals/{code}/decisions"): Write(
        lambda w, h: f"/appraisals/{appraisal_in(w, '测评结束').code}/decisions",
        lambda w, h: {"member": "M-A9", "grade": "合格", "feedback": "继续保持"},
    ),
    ("POST", "/appraisals/{code}/meeting"): Write(
        lambda w, h: f"/appraisals/{appraisal_in(w, '测评结束').code}/meeting",
        lambda w, h: {"start": "2023-12-01T10:00:00+08:00", "venue": "会议室"},
    ),
    ("POST", "/grouping/runs/{run_id}/adopt"): Write(
        lambda w, h: f"/grouping/runs/{_done_run(w)}/adopt",
        lambda w, h: {"networks": "替换"},
        ids=("run",),
    ),
    ("POST", "/decision-lists"): Write(
        lambda w, h: "/decision-lists",
        lambda w, h: {"organisation": "DW", "year": 2030, "level": "公司", "title": "事项清单"},
    ),
    ("POST", "/decision-lists/{code}/lines"): Write(
        lambda w, h: f"/decision-lists/{_dec(w)['list']}/lines",
        lambda w, h: {
            "category": "重大项目安排",
            "matter": "重大项目",
            "threshold": "500",
            "needs_prior_study": True,
            "body": "董事会",
        },
    ),
    ("POST", "/decision-lists/{code}/lines/{line_id}/withdraw"): Write(
        lambda w, h: f"/decision-lists/{_dec(w)['list']}/lines/{_dec(w)['line']}/withdraw",
        lambda w, h: {"reason": "并入其他条目"},
        ids=("line",),
    ),
    ("POST", "/decisions"): Write(
        lambda w, h: "/decisions",
        lambda w, h: {
            "number": "JC-H-N",
            "matter_list": _dec(w)["list"],
            "title": "新建事项",
            "category": "大额度资金运作",
            "amount": "1200.5",
            "department": "财务部",
            "sponsor": "王总",
            "materials": {"legal": "法律审核意见"},
        },
    ),
    ("POST", "/decisions/{number}/submit"): Write(
        lambda w, h: f"/decisions/{_dec(w)['draft']}/submit"
    ),
    ("POST", "/decisions/{number}/studies"): Write(
        lambda w, h: f"/decisions/{_dec(w)['prior']}/studies",
        lambda w, h: {
            "meeting": "党委会",
            "meeting_date": _today(),
            "members": 7,
            "present": 6,
            "recusals": ["刘明"],
            "opinions": [{"name": "王建国", "opinion": "同意"}],
            "outcome": "建议同意",
            "note": "说明",
        },
    ),
    ("POST", "/decisions/{number}/decision"): Write(
        lambda w, h: f"/decisions/{_dec(w)['pending']}/decision",
        lambda w, h: {
            "meeting": "董事会",
            "meeting_date": _today(),
            "opinions": "一致同意",
            "resolution": "同意实施",
            "conditions": "控制投资",
            "result": "通过",
        },
    ),
    ("POST", "/decisions/{number}/execution"): Write(
        lambda w, h: f"/decisions/{_dec(w)['decided']}/execution",
        lambda w, h: {
            "owner_org": "ZB-A",
            "owner_name": "张三",
            "started_on": _today(),
            "deviations": "无",
        },
    ),
    ("PATCH", "/decisions/{number}/execution"): Write(
        lambda w, h: f"/decisions/{_dec(w)['executing']}/execution",
        lambda w, h: {"key_tasks": [_kt(w).a.code], "deviations": "工期滞后", "owner_name": "李四"},
    ),
    ("POST", "/decisions/{number}/finish"): Write(
        lambda w, h: f"/decisions/{_dec(w)['executing']}/finish"
    ),
    ("POST", "/decisions/{number}/evaluation"): Write(
        lambda w, h: f"/decisions/{_dec(w)['executing']}/evaluation",
        lambda w, h: {
            "evaluator": "审计部",
            "evaluated_on": _today(),
            "objectives": "达成",
            "conclusion": "部分达到",
            "action": "调整",
            "lessons": "加强论证",
            "follow_up_title": "调整后的事项",
        },
    ),
    ("POST", "/decisions/{number}/archive"): Write(
        lambda w, h: f"/decisions/{_dec(w)['evaluated']}/archive"
    ),
}


def _dec(w: Any) -> dict[str, Any]:
    """The 三重一大 register of tests/decisions_helpers.py (made once) with an item in each
    state a step needs: 草拟, 待前置, 待决策, 已决策, 执行中 and 已评估."""
    if not hasattr(w, "_decisions"):
        import datetime

        from lianjian.decisions import services
        from lianjian.decisions.models import DecisionItem
        from tests.decisions_helpers import decide, make_register, study

        reg = make_register(w)

        def item(number: str, steps: int) -> str:
            made = services.item_create(
                actor=None,
                matter_list=reg.ml,
                number=number,
                title=f"事项{number}",
                category="大额度资金运作",
                amount=2000,
                department="财务部",
                sponsor="王总",
            )
            if steps >= 1:
                services.item_submit(actor=None, item=made)
            if steps >= 2:
                study(None, DecisionItem.objects.get(pk=made.pk))
            if steps >= 3:
                decide(None, DecisionItem.objects.get(pk=made.pk))
            if steps >= 4:
                services.evaluation_record(
                    actor=None,
                    item=DecisionItem.objects.get(pk=made.pk),
                    evaluator="审计部",
                    evaluated_on=datetime.date(2026, 11, 1),
                    conclusion="达到预期",
                    action="继续",
                )
            return number

        w._decisions = {
            "list": reg.ml.code,
            "line": reg.small.pk,
            "draft": reg.draft.number,
            "prior": item("JC-H-P", 1),
            "pending": item("JC-H-D", 2),
            "decided": item("JC-H-E", 3),
            "executing": reg.executing.number,
            "evaluated": item("JC-H-A", 4),
        }
    return w._decisions


def _pts(w: Any) -> int:
    """The points scheme JF-H of this year (made once) and a claim of M-A1 under review."""
    import datetime

    from lianjian.points import services
    from tests.points_helpers import make_scheme

    if not hasattr(w, "_points"):
        w._points = make_scheme(code="JF-H", year=int(_today()[:4]))
    return services.file_claim(
        actor=None,
        member=w.m_a1,
        rule=w._points.rules.get(code="B2"),
        happened_on=datetime.date.fromisoformat(_today()),
        text="获表彰",
    ).pk


def _kt(w: Any) -> Any:
    """The key-task list QD-T of the shared helper (made once), task B claimed."""
    if not hasattr(w, "_keytasks"):
        from lianjian.keytasks import services
        from tests.keytask_helpers import make_tasks

        t = make_tasks(w)
        services.task_transition(None, t.b, "claim")
        w._keytasks = t
    return w._keytasks


def _kt_draft(w: Any) -> str:
    from lianjian.keytasks.models import KeyTaskList
    from tests.keytask_helpers import make_tasks

    if not KeyTaskList.objects.filter(code="QD-D").exists():
        make_tasks(w, issue=False, code="QD-D")
    return "QD-D"


def _kt_milestone(w: Any) -> int:
    from lianjian.keytasks import services

    t = _kt(w)
    return services.milestone_save(
        None, t.b, name=f"节点{t.b.milestones.count()}", weight=1, planned_on=t.b.planned_start
    ).pk


def _kt_report(w: Any) -> int:
    import datetime

    from lianjian.keytasks import services
    from lianjian.keytasks.models import ProgressReport

    t = _kt(w)
    first = datetime.date.fromisoformat(_today()).replace(day=1) - datetime.timedelta(days=1)
    found = ProgressReport.objects.filter(task=t.b, period=f"{first:%Y-%m}").first()
    return (found or services.report_submit(None, t.b, period=f"{first:%Y-%m}", percent=30)).pk


def _done_run(w: Any) -> int:
    """A finished, unadopted 智能分组 run of ZB-A and ZB-B (as the engine would leave it)."""
    from lianjian.proposals.models import GroupingRun

    run = GroupingRun.objects.create(
        root=w.dw,
        params={},
        org_ids=[w.zb_a.pk, w.zb_b.pk],
        instance={"orgs": []},
        time_limit=5,
        status=GroupingRun.Status.DONE,
        result={"groups": [{"members": ["ZB-A", "ZB-B"], "lead": "ZB-A"}]},
    )
    return run.pk


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _open_objection(w: Any) -> int:
    """An open objection of ZB-A on its 2025 YW2 value (created once, outside the savepoints)."""
    from lianjian.assessment import objections
    from lianjian.assessment.models import KpiValue

    kpi = KpiValue.objects.get(org=w.zb_a, period="2025", indicator_code="YW2")
    return objections.objection_raise(actor=w.manager_a, kpi=kpi, reason="数值有误").pk


def _slot(hour: int) -> str:
    from tests.sharing_helpers import at, future_monday

    return at(future_monday(3), hour).isoformat()


def _write_endpoints() -> set[tuple[str, str]]:
    from lianjian.api import api

    schema = api.get_openapi_schema()
    return {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, ops in schema["paths"].items()
        for method in ops
        if method != "get"
    }


def _send(
    method: str, url: str, body: dict[str, Any] | None, headers: dict[str, str]
) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body, ensure_ascii=True), "content_type": "application/json"}
    response = getattr(Client(), method.lower())(API + url, **kwargs, **headers)
    data = json.loads(response.content) if response.content else None
    return response.status_code, data


def _cases(
    url: str, body: dict[str, Any], write: Write, pick: Rotation
) -> list[tuple[str, Any, str, dict[str, Any]]]:
    """(field, hostile value, url, body) of every variation of one valid request."""
    cases = [
        (where, bad, url, varied) for where, bad, varied in variations(body, form=False, pick=pick)
    ]
    if write.ids:
        parts = url.split("/")
        index = next(i for i, part in enumerate(parts) if part.isdigit())
        for bad in pick([2**63, 10**30, -1]):
            cases.append(
                ("{id}", bad, "/".join([*parts[:index], str(bad), *parts[index + 1 :]]), body)
            )
    return cases


def test_hostile_values_never_answer_500_and_a_refusal_stores_nothing(world, settings, tmp_path):
    # One world for every endpoint (each request runs in a savepoint rolled back after
    # it); the failures of all endpoints are listed together.
    assert _write_endpoints() == set(WRITES), "every write endpoint needs a valid request here"
    settings.MEDIA_ROOT = tmp_path
    hostile = make_hostile(world)
    failures: list[str] = []
    sent = 0
    pick = Rotation()
    for (method, path), write in sorted(WRITES.items()):
        headers = auth_header(getattr(world, write.persona))
        url, body = write.path(world, hostile), write.body(world, hostile)
        with rolled_back():
            status, data = _send(method, url, body or None, headers)
            if (
                status >= 400
            ):  # the valid request must pass, so that the variations reach the service
                failures.append(f"{method} {path}: the valid request answered {status} {data}")
                continue
        before = row_counts()  # the same before every variation: each is rolled back
        for where, bad, target, varied in _cases(url, body, write, pick):
            with rolled_back():
                status, data = _send(method, target, varied or None, headers)
                sent += 1
                label = f"{method} {path} {where}={str(bad)[:30]!r}"
                if status >= 500:
                    failures.append(f"{label}: {status} {data}")
                elif bad in ALWAYS_REFUSED and status < 400:
                    failures.append(f"{label}: accepted ({status})")
                elif status >= 400 and row_counts() != before:
                    failures.append(f"{label}: refused ({status}) but changed data")
                elif status >= 400 and not (
                    isinstance(data, dict) and isinstance(data.get("detail"), str)
                ):
                    failures.append(f"{label}: refused without a detail: {data}")
    assert not failures, "\n".join(failures)
    assert sent > 250
