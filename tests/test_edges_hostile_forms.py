"""Hostile input to every form POST of the screens (issue #16, Done when).

Every URL pattern of the screens is classified below: a form POST (with a valid submission,
taken from the rendered form where there is one, so a new field of an existing form is
covered automatically) or a page that only reads. A new URL fails this test until it is
classified. Each valid submission is sent once (it must not be refused, so the hostile
variations reach the service), then every field gets each hostile value of its shape:
dates at and beyond the limits, control characters, tabs in single-line fields, very long
strings, huge and negative numbers, ``NaN``. No answer may be a 500; a refused submission
(4xx) stores nothing (every model's row count, the audit log's included, is unchanged);
control characters and dates of year 1 or 9999 are always refused.
"""

from __future__ import annotations

import datetime
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from lianjian.activities import services as activity_services
from lianjian.activities.models import ComplianceRule
from lianjian.assessment.models import Dimension
from lianjian.notifications.models import Notification
from lianjian.sharing import services as sharing_services
from lianjian.sharing.models import Match
from tests.alliance_helpers import PDF_BYTES, PNG_BYTES
from tests.appraisal_setup import appraisal_in
from tests.assessment_engine_helpers import example
from tests.carrier_helpers import carrier_code, member_row
from tests.conftest import PASSWORD
from tests.excel_helpers import make_xlsx
from tests.hostile_helpers import (
    ALWAYS_REFUSED,
    Rotation,
    hostile_for,
    make_hostile,
    rolled_back,
    row_counts,
)
from tests.sharing_helpers import future_monday

NEXT_MONDAY = future_monday(3).isoformat()
TODAY = datetime.date.today().isoformat()
THIS_YEAR = datetime.date.today().year
THIS_MONTH = f"{datetime.date.today():%Y-%m}"


class _Forms(HTMLParser):
    """The POST forms of a page: (action, [(name, value), …]) as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._select: tuple[str, bool, list[str], list[str]] | None = None
        self._option: tuple[str | None, bool] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._fields = [] if a.get("method", "get").lower() == "post" else None
            if self._fields is not None:
                self.forms.append((a.get("action", ""), self._fields))
        if self._fields is None:
            return
        name = a.get("name", "")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._fields.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a, [], [])
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a)
            self._select[2].append("")
        elif tag == "textarea" and name:
            self._textarea = (name, [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)
        elif self._option is not None and self._select is not None:
            self._select[2][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            text = self._select[2][-1].strip()
            self._select[2][-1] = value if value is not None else text
            if selected:
                self._select[3].append(self._select[2][-1])
            self._option = None
        elif tag == "select" and self._select is not None and self._fields is not None:
            name, multiple, options, chosen = self._select
            if not chosen and options and not multiple:
                chosen = [options[0]]
            self._fields.extend((name, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._fields is not None:
            text = "".join(self._textarea[1])
            self._fields.append((self._textarea[0], text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "form":
            self._fields = None


def scraped(client: Client, page: str, target: str) -> dict[str, Any]:
    """The fields of the form of ``page`` that posts to ``target``, with their values."""
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    parser = _Forms()
    parser.feed(response.content.decode())
    for action, fields in parser.forms:
        if (urlsplit(action).path or urlsplit(page).path) == target:
            data: dict[str, Any] = {}
            for name, value in fields:
                data.setdefault(name, []).append(value)
            return {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    raise AssertionError(f"no form of {page} posts to {target}: {[a for a, _ in parser.forms]}")


@dataclass(frozen=True)
class Post:
    url: Callable[[Any, Any], str]
    data: Callable[[Any, Any], dict[str, Any]] = lambda w, h: {}
    page: Callable[[Any, Any], str] | None = None  # the page whose form is scraped first
    persona: str | None = "admin"
    files: Callable[[], dict[str, Any]] | None = None
    ok: bool = True  # the valid submission is accepted (some need a state a test cannot reach)


def _sv_rec() -> int:
    """The hostile world's recommendation (审计建议 to ZB-B)."""
    from lianjian.supervision.models import Recommendation

    return Recommendation.objects.values_list("pk", flat=True).get()


def _same(url: Callable[[Any, Any], str]) -> Callable[[Any, Any], str]:
    return url


def _xlsx() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = make_xlsx(
            Path(folder) / "orgs.xlsx",
            ["组织编码", "组织名称", "组织类型", "上级组织编码"],
            [["XZ-H9", "新组", "党小组", "ZB-A"]],
        )
        return {"file": SimpleUploadedFile("orgs.xlsx", path.read_bytes())}


def _ladder(w: Any) -> int:
    """An active escalation ladder of problems (inside the savepoint of the request)."""
    from lianjian.deadlines import services as deadline_services
    from lianjian.deadlines.models import DeadlineKind, EscalationLadder

    found = EscalationLadder.objects.filter(active=True).first()
    return (
        found
        or deadline_services.ladder_create(
            actor=w.admin,
            kind=DeadlineKind.objects.get(code="problem"),
            name="问题督办",
            steps=[("提醒", 3), ("约谈", 7)],
        )
    ).pk


def _rule(w: Any, h: Any) -> int:
    return ComplianceRule.objects.order_by("pk").values_list("pk", flat=True).first()


def _notification(w: Any, h: Any) -> int:
    n = Notification.objects.filter(user=w.admin).first()
    if n is None:
        n = Notification.objects.create(
            user=w.admin, kind="test", title="提醒", key="edges-hostile"
        )
    return n.pk


def _photo(w: Any, h: Any) -> int:
    photo = sharing_services.photo_add(
        actor=None,
        resource=h.sharing.r["R-A"],
        upload=SimpleUploadedFile("p.png", PNG_BYTES, "image/png"),
    )
    return photo.pk


def _match(w: Any, h: Any) -> int:
    match = Match.objects.first() or sharing_services.match_create(
        actor=w.admin, need=h.sharing.need, resource=h.sharing.r["R-B"], note="对接"
    )
    return match.pk


def _checkin(w: Any, h: Any) -> str:
    return f"/activities/checkin/{activity_services.checkin_token(h.draft)}/"


def _grouping_run(w: Any, h: Any) -> int:
    from lianjian.proposals.models import GroupingRun

    run = GroupingRun.objects.first()
    return run.pk if run else 999_999


def _appraisal_url(state: str, step: str) -> Callable[[Any, Any], str]:
    return lambda w, h: f"/appraisals/{appraisal_in(w, state).code}/{step}/"


def _participant_pk(w: Any, state: str, number: str) -> str:
    return str(appraisal_in(w, state).participants.get(member__number=number).pk)


def _pts(w: Any) -> Any:
    """The points scheme JF-F of this year (made in the savepoint that asks for it)."""
    from lianjian.points.models import PointsScheme
    from tests.points_helpers import make_scheme

    return PointsScheme.objects.filter(code="JF-F").first() or make_scheme(
        code="JF-F", year=THIS_YEAR
    )


def _pts_claim(w: Any) -> int:
    from lianjian.points import services as points_services

    return points_services.file_claim(
        actor=None,
        member=w.m_a1,
        rule=_pts(w).rules.get(code="B2"),
        happened_on=datetime.date.today(),
        text="获表彰",
    ).pk


def _pts_entry(w: Any) -> int:
    from lianjian.points import services as points_services

    return points_services.add_manual_entry(
        actor=None,
        member=w.m_a1,
        rule=_pts(w).rules.get(code="C1"),
        happened_on=datetime.date.today(),
        reason="缺席",
    ).pk


POSTS: dict[str, Post] = {
    "points:scheme_recompute": Post(lambda w, h: f"/points/s/{_pts(w).code}/recompute/"),
    "points:claim_create": Post(
        lambda w, h: "/points/claims/new/" if _pts(w) else "",
        lambda w, h: {
            "rule": str(_pts(w).rules.get(code="B2").pk),
            "happened_on": TODAY,
            "text": "获公司表彰",
            "evidence": "https://example.org/x",
        },
        persona="member_a",
    ),
    "points:entry_add": Post(
        lambda w, h: f"/points/s/{_pts(w).code}/m/M-A1/entries/",
        lambda w, h: {
            "rule": str(_pts(w).rules.get(code="C1").pk),
            "happened_on": TODAY,
            "points": "-1",
            "reason": "迟到早退",
        },
    ),
    "points:standing_set": Post(
        lambda w, h: f"/points/s/{_pts(w).code}/m/M-A1/standing/",
        lambda w, h: {"category": "特殊", "exempt": "on", "reason": "长期病休"},
    ),
    "points:entry_withdraw": Post(
        lambda w, h: f"/points/entries/{_pts_entry(w)}/withdraw/",
        lambda w, h: {"reason": "实为请假"},
    ),
    "points:claim_step": Post(
        lambda w, h: f"/points/claims/{_pts_claim(w)}/reject/",
        lambda w, h: {"reason": "不符合条件"},
    ),
    "supervision:batch_create": Post(
        lambda w, h: "/supervision/batches/new/",
        lambda w, h: {
            "code": "XC-H",
            "title": "专项巡察",
            "source": "巡察",
            "issuing_body": "巡察组",
            "issuing_org": "DW",
            "inspected_org": "ZB-A",
            "feedback_date": "2026-11-01",
            "plan_meeting": "党委会",
        },
    ),
    "supervision:item_create": Post(
        lambda w, h: "/supervision/batches/XC-2026-01/items/new/",
        lambda w, h: {
            "number": "H1",
            "description": "问题",
            "tags": "组织建设",
            "responsible_org": "ZB-A",
            "responsible_leader": "M-A1",
            "tracker": "王敏",
            "kind": "限期整改",
            "deadline": "2027-03-31",
        },
    ),
    "supervision:report_submit": Post(
        lambda w, h: "/supervision/batches/XC-2026-01/reports/new/",
        lambda w, h: {
            "title": "整改报告",
            "submitted_on": "2026-11-01",
            "link": "https://example.com/r",
        },
    ),
    "supervision:measure_add": Post(
        lambda w, h: f"/supervision/items/{h.ledger.item_a.pk}/measures/",
        lambda w, h: {"text": "整改措施", "owner": "张三", "deadline": "2027-01-31"},
    ),
    "supervision:item_progress": Post(
        lambda w, h: f"/supervision/items/{h.ledger.item_a.pk}/progress/",
        lambda w, h: {"progress": "进展", "results": "成效", "evidence": "https://example.com/a"},
    ),
    "supervision:item_start": Post(lambda w, h: f"/supervision/items/{h.ledger.item_a.pk}/start/"),
    "supervision:item_apply": Post(
        lambda w, h: f"/supervision/items/{h.ledger.item_b.pk}/apply/", ok=False
    ),
    "supervision:item_accept": Post(
        lambda w, h: f"/supervision/items/{h.ledger.item_b.pk}/accept/", ok=False
    ),
    "supervision:item_return": Post(
        lambda w, h: f"/supervision/items/{h.ledger.item_b.pk}/return/",
        lambda w, h: {"reason": "佐证不足"},
        ok=False,
    ),
    "supervision:item_confirm": Post(
        lambda w, h: f"/supervision/items/{h.ledger.item_b.pk}/confirm/", ok=False
    ),
    "supervision:item_reopen": Post(
        lambda w, h: f"/supervision/items/{h.ledger.item_b.pk}/reopen/",
        lambda w, h: {"reason": "反弹"},
        ok=False,
    ),
    "supervision:item_resume": Post(
        lambda w, h: f"/supervision/items/{h.ledger.item_b.pk}/resume/", ok=False
    ),
    "supervision:measure_step": Post(
        lambda w, h: f"/supervision/measures/{h.sv_measure.pk}/step/",
        lambda w, h: {"state": "推进中"},
    ),
    "supervision:lead_create": Post(
        lambda w, h: "/supervision/leads/new/",
        lambda w, h: {
            "from_body": "巡察",
            "to_body": "纪委",
            "org": "DW",
            "item": str(h.ledger.item_a.pk),
            "case": "党费收缴疑似挪用",
            "transferred_on": "2026-11-02",
        },
        persona="xuncha",
    ),
    "supervision:lead_settle": Post(
        lambda w, h: f"/supervision/leads/{h.ledger.lead.pk}/settle/",
        lambda w, h: {"result": "已立案审查", "feedback_on": TODAY},
        page=lambda w, h: f"/supervision/leads/{h.ledger.lead.pk}/",
        persona="jijian",
    ),
    "supervision:recommendation_reply": Post(
        lambda w, h: f"/supervision/recommendations/{_sv_rec()}/reply/",
        lambda w, h: {"reply": "已建立台账", "replied_on": TODAY},
        page=lambda w, h: f"/supervision/recommendations/{_sv_rec()}/",
        persona="manager_b",
    ),
    "supervision:recommendation_follow_up": Post(
        lambda w, h: f"/supervision/recommendations/{_sv_rec()}/follow-up/",
        lambda w, h: {"note": "电话督办"},
        page=lambda w, h: f"/supervision/recommendations/{_sv_rec()}/",
        persona="shenji",
    ),
    "supervision:system_change_add": Post(
        lambda w, h: f"/supervision/items/{h.ledger.item_a.pk}/system-changes/",
        lambda w, h: {
            "title": "党支部记录规范",
            "kind": "新建",
            "link": "https://example.com/rule",
            "adopted_on": TODAY,
        },
    ),
    "supervision:recommendation_create": Post(
        lambda w, h: "/supervision/recommendations/new/",
        lambda w, h: {
            "kind": "审计建议",
            "issuer_org": "DW",
            "recipient": "ZB-A",
            "text": "建立物资月度盘点制度",
            "reply_due": NEXT_MONDAY,
        },
    ),
    "supervision:accountability_add": Post(
        lambda w, h: f"/supervision/items/{h.ledger.item_a.pk}/accountability/",
        lambda w, h: {
            "subject": "张三",
            "responsibility": "直接",
            "handling": "诫勉谈话",
            "decided_on": TODAY,
            "business_track": "on",
            "loss": "1000",
        },
    ),
    "supervision:decision_accountability": Post(
        lambda w, h: _decision_accountability_url(w),
        lambda w, h: {
            "subject": "分管负责人",
            "responsibility": "主管",
            "handling": "经济处罚",
            "decided_on": TODAY,
            "business_track": "on",
            "loss": "8600000",
            "party_track": "on",
        },
    ),
    "accounts:login": Post(
        lambda w, h: "/accounts/login/",
        lambda w, h: {"username": "admin", "password": PASSWORD},
        persona=None,
    ),
    "accounts:logout": Post(lambda w, h: "/accounts/logout/"),
    "accounts:password_change": Post(
        lambda w, h: "/accounts/me/password/",
        lambda w, h: {
            "old_password": PASSWORD,
            "new_password1": "Edges-pass-2026!",
            "new_password2": "Edges-pass-2026!",
        },
    ),
    "accounts:token_create": Post(
        lambda w, h: "/accounts/me/tokens/", lambda w, h: {"name": "脚本"}
    ),
    "accounts:token_revoke": Post(lambda w, h: f"/accounts/me/tokens/{_token(w)}/revoke/"),
    "orgs:org_create": Post(
        lambda w, h: "/orgs/new/",
        lambda w, h: {
            "code": "XZ-H1",
            "name": "新组",
            "kind": "党小组",
            "parent": "ZB-A",
            "unit": "营销中心",
            "address": "一楼",
            "professions": "营销服务",
            "lat": "41.3",
            "lon": "123.7",
            "founded": "2020-01-01",
            "term_start": "2024-01-01",
            "term_end": "2027-01-01",
        },
        page=_same(lambda w, h: "/orgs/new/"),
    ),
    "orgs:org_edit": Post(
        lambda w, h: "/orgs/o/ZB-B/edit/",
        page=_same(lambda w, h: "/orgs/o/ZB-B/edit/"),
        data=lambda w, h: {"founded": "2010-01-01", "term_start": "2024-01-01"},
    ),
    "orgs:org_dissolve": Post(
        lambda w, h: "/orgs/o/XZ-A1/dissolve/",
        lambda w, h: {"date": "2026-01-01", "reason": "调整"},
        page=_same(lambda w, h: "/orgs/o/XZ-A1/dissolve/"),
    ),
    "orgs:member_create": Post(
        lambda w, h: "/orgs/members/new/",
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
        page=_same(lambda w, h: "/orgs/members/new/"),
    ),
    "orgs:member_edit": Post(
        lambda w, h: f"/orgs/members/{w.m_a2.pk}/edit/",
        page=_same(lambda w, h: f"/orgs/members/{w.m_a2.pk}/edit/"),
        data=lambda w, h: {"birth_date": "1995-01-01"},
    ),
    "orgs:member_transfer": Post(
        lambda w, h: f"/orgs/members/{w.m_b1.pk}/transfer/",
        lambda w, h: {"to_org": "ZB-A", "date": "2026-01-01", "reason": "调动"},
    ),
    "orgs:import_start": Post(
        lambda w, h: "/orgs/excel/", lambda w, h: {"kind": "orgs"}, files=_xlsx
    ),
    "orgs:import_confirm": Post(
        lambda w, h: "/orgs/excel/confirm/", lambda w, h: {"token": "x"}, ok=False
    ),
    "alliances:alliance_create": Post(
        lambda w, h: "/alliances/new/",
        lambda w, h: {
            "code": "LJ-H",
            "name": "新联建",
            "theme": "党建+安全生产",
            "lead": "ZB-A",
            "members": "ZB-B",
            "sponsor": "陈海波",
            "sponsor_title": "副总经理",
            "guidance": "王五",
            "status": "运行",
            "founded": "2025-01-01",
            "description": "简介",
        },
        page=_same(lambda w, h: "/alliances/new/"),
    ),
    "alliances:alliance_edit": Post(
        lambda w, h: "/alliances/LJ-A/edit/", page=_same(lambda w, h: "/alliances/LJ-A/edit/")
    ),
    "alliances:member_add": Post(
        lambda w, h: "/alliances/LJ-A/members/add/",
        lambda w, h: {
            "org": "ZB-C",
            "joined_on": "2026-01-01",
            "liaison": "赵六",
            "liaison_phone": "13700000000",
            "liaison_post": "委员",
        },
    ),
    "alliances:member_edit": Post(
        lambda w, h: f"/alliances/LJ-A/members/{h.sharing.aw.zb_b_in_a.pk}/",
        lambda w, h: {
            "liaison": "赵六",
            "liaison_phone": "13700000000",
            "liaison_post": "委员",
            "left_on": "2026-11-01",
        },
    ),
    "alliances:agreement_create": Post(
        lambda w, h: "/alliances/LJ-A/agreements/new/",
        lambda w, h: {
            "title": "新协议",
            "parties": [str(w.zb_a.pk), str(w.zb_b.pk)],
            "terms": "条款",
            "start": "2026-01-01",
            "end": "2028-12-31",
            "goals": "联合开展主题党日｜4｜次",
        },
    ),
    "alliances:agreement_status": Post(
        lambda w, h: f"/alliances/agreements/{h.sharing.aw.ag_x.pk}/status/",
        lambda w, h: {"status": "已签署", "on": "2026-01-01"},
    ),
    "alliances:agreement_renew": Post(
        lambda w, h: f"/alliances/agreements/{h.sharing.aw.ag_a.pk}/renew/",
        lambda w, h: {"title": "续签协议", "start": "2027-01-01", "end": "2029-12-31"},
    ),
    "alliances:agreement_upload": Post(
        lambda w, h: f"/alliances/agreements/{h.sharing.aw.ag_a.pk}/upload/",
        files=lambda: {"file": SimpleUploadedFile("a.pdf", PDF_BYTES, "application/pdf")},
    ),
    "alliances:plan_edit": Post(
        lambda w, h: "/alliances/LJ-A/plan/2026/",
        lambda w, h: {"summary": "目标", "items": "1｜党课互讲｜2｜覆盖全体党员"},
    ),
    "activities:activity_create": Post(
        lambda w, h: "/activities/new/",
        lambda w, h: {
            "type": "联建活动",
            "topic": "联学",
            "host": "ZB-A",
            "co_orgs": "ZB-B",
            "alliance": "LJ-A",
            "sub_kind": "理论联学",
            "start": "2026-11-20T09:00",
            "end": "2026-11-20T11:00",
            "venue": "活动室",
            "host_person": "张三",
            "recorder": "李四",
            "expected_count": "20",
            "present_count": "18",
            "minutes": "记录",
        },
        page=_same(lambda w, h: "/activities/new/"),
    ),
    "activities:activity_edit": Post(
        lambda w, h: "/activities/a/HD-D/edit/", page=_same(lambda w, h: "/activities/a/HD-D/edit/")
    ),
    "activities:attendance_fill": Post(lambda w, h: "/activities/a/HD-D/fill/"),
    "activities:attendance_add": Post(
        lambda w, h: "/activities/a/HD-D/add/", lambda w, h: {"number": "M-B1"}
    ),
    "activities:attendance_mark": Post(
        lambda w, h: "/activities/a/HD-D/mark/",
        lambda w, h: {"member": [str(w.m_a1.pk)], "status": "请假", "reason": "出差"},
    ),
    "activities:activity_submit": Post(lambda w, h: "/activities/a/HD-D/submit/"),
    "activities:activity_approve": Post(lambda w, h: "/activities/a/HD-R/approve/"),
    "activities:activity_return": Post(
        lambda w, h: "/activities/a/HD-R/return/", lambda w, h: {"reason": "补充记录"}
    ),
    "activities:activity_void": Post(
        lambda w, h: "/activities/a/HD-D/void/", lambda w, h: {"reason": "误录"}
    ),
    "activities:rule_create": Post(
        lambda w, h: "/activities/rules/new/",
        lambda w, h: {
            "activity_type": "联建活动",
            "org_kind": "党总支",
            "frequency": "年度",
            "required": "1",
            "sort": "100",
            "note": "依据",
        },
        page=_same(lambda w, h: "/activities/rules/new/"),
    ),
    "activities:rule_edit": Post(
        lambda w, h: f"/activities/rules/{_rule(w, h)}/",
        page=_same(lambda w, h: f"/activities/rules/{_rule(w, h)}/"),
    ),
    "activities:checkin": Post(_checkin, persona="member_a"),
    "assessment:scheme_create": Post(
        lambda w, h: "/assessment/new/",
        lambda w, h: {
            "code": "S-H1",
            "name": "新方案",
            "period": "2026",
            "owner": "DW",
            "applies_kind": "党支部",
            "pass_line": "60",
            "description": "说明",
        },
        page=_same(lambda w, h: "/assessment/new/"),
    ),
    "assessment:scheme_edit": Post(
        lambda w, h: f"/assessment/s/{h.assessed.scheme.code}/edit/",
        page=_same(lambda w, h: f"/assessment/s/{h.assessed.scheme.code}/edit/"),
    ),
    "assessment:scheme_delete": Post(lambda w, h: f"/assessment/s/{h.assessed.other.code}/delete/"),
    "assessment:scheme_upload": Post(
        lambda w, h: "/assessment/upload/",
        files=lambda: {
            "file": SimpleUploadedFile(
                "s.json",
                json.dumps(example(code="S-UP", name="上传方案")).encode(),
                "application/json",
            )
        },
    ),
    "assessment:dimension_create": Post(
        lambda w, h: f"/assessment/s/{h.assessed.scheme.code}/dimensions/new/",
        lambda w, h: {"code": "D9", "name": "新维度", "max": "10", "position": "9"},
    ),
    "assessment:dimension_edit": Post(
        lambda w, h: f"/assessment/s/{h.assessed.scheme.code}/dimensions/{_dimension(h)}/",
        page=_same(
            lambda w, h: f"/assessment/s/{h.assessed.scheme.code}/dimensions/{_dimension(h)}/"
        ),
    ),
    "assessment:indicator_create": Post(
        lambda w, h: f"/assessment/s/{h.assessed.scheme.code}/indicators/new/",
        lambda w, h: {
            "code": "X9",
            "name": "新指标",
            "rule": "per_item",
            "source": "kpi",
            "per": "2",
            "max": "5",
            "position": "9",
            "dimension": str(_dimension(h)),
        },
        page=_same(lambda w, h: f"/assessment/s/{h.assessed.scheme.code}/indicators/new/"),
    ),
    "assessment:indicator_edit": Post(
        lambda w, h: f"/assessment/s/{h.assessed.scheme.code}/indicators/{h.review.pk}/",
        page=_same(
            lambda w, h: f"/assessment/s/{h.assessed.scheme.code}/indicators/{h.review.pk}/"
        ),
    ),
    "assessment:part_delete": Post(
        lambda w, h: f"/assessment/s/{h.assessed.scheme.code}/indicators/{h.review.pk}/delete/"
    ),
    "assessment:run_list": Post(
        lambda w, h: f"/assessment/s/{h.assessed.scheme.code}/runs/",
        lambda w, h: {"period": "2025", "note": "试算"},
    ),  # the scheme's own period
    "assessment:run_void": Post(
        lambda w, h: f"/assessment/r/{h.assessed.run1.pk}/void/",
        lambda w, h: {"reason": "期间有误"},
    ),
    "assessment:run_republish": Post(lambda w, h: f"/assessment/r/{h.assessed.run2.pk}/republish/"),
    # the Word reports: the click queues the report's job (core.jobs) and shows its page
    "assessment:run_report": Post(lambda w, h: f"/assessment/r/{h.assessed.run2.pk}/report/"),
    "supervision:batch_report": Post(lambda w, h: "/supervision/batches/XC-2026-01/report.docx"),
    "assessment:objection_raise": Post(
        lambda w, h: "/assessment/objections/new/",
        lambda w, h: {"kpi": str(_kpi(w, "YW1")), "reason": "数值有误"},
        persona="manager_a",
    ),
    "assessment:objection_detail": Post(
        lambda w, h: f"/assessment/objections/{_objection(w)}/",
        lambda w, h: {"decision": "accept", "corrected_value": "1", "answer": "已核实"},
        persona="company",
    ),
    "assessment:run_publish": Post(lambda w, h: f"/assessment/r/{h.assessed.run1.pk}/publish/"),
    "assessment:kpi_set": Post(
        lambda w, h: "/assessment/kpis/set/",
        lambda w, h: {"org": "ZB-A", "period": "2026", "indicator_code": "YW1", "value": "90.5"},
    ),
    "assessment:review_score": Post(
        lambda w, h: f"/assessment/reviews/{h.review.pk}/",
        lambda w, h: {"period": "2026", "org": "ZB-A", "score": "8", "comment": "良好"},
    ),
    "appraisals:appraisal_create": Post(
        lambda w, h: "/appraisals/new/",
        lambda w, h: {"branch": "ZB-A", "year": str(THIS_YEAR), "held_on": TODAY, "title": "评议"},
    ),
    "appraisals:appraisal_start": Post(_appraisal_url("准备", "start")),
    "appraisals:appraisal_close": Post(_appraisal_url("测评中", "close")),
    "appraisals:appraisal_publish": Post(_appraisal_url("已决定", "publish")),
    "appraisals:appraisal_void": Post(
        _appraisal_url("准备", "void"), lambda w, h: {"reason": "日期有误"}
    ),
    "appraisals:self_assessment": Post(
        _appraisal_url("测评中", "self"), lambda w, h: {"text": "认真履职"}, persona="member_a"
    ),
    "appraisals:vote": Post(
        _appraisal_url("测评中", "vote"),
        lambda w, h: {"votee": _participant_pk(w, "测评中", "M-A9"), "grade": "合格"},
        persona="member_a",
    ),
    "appraisals:decide": Post(
        _appraisal_url("测评结束", "decide"),
        lambda w, h: {
            "participant": _participant_pk(w, "测评结束", "M-A9"),
            "grade": "合格",
            "feedback": "继续保持",
        },
    ),
    "appraisals:meeting": Post(
        _appraisal_url("测评结束", "meeting"),
        lambda w, h: {"start": "2023-12-01T10:00", "venue": "会议室"},
    ),
    "keytasks:tasklist_create": Post(
        lambda w, h: "/keytasks/new/",
        lambda w, h: {
            "code": "KT-H1",
            "organisation": "DW",
            "year": str(THIS_YEAR),
            "name": "关键任务清单",
            "approval_ref": "党委会",
            "approved_on": f"{THIS_YEAR}-01-05",
        },
    ),
    "keytasks:tasklist_edit": Post(
        lambda w, h: "/keytasks/l/QD-H/edit/",
        lambda w, h: {"name": "关键任务清单（调整）"},
        page=_same(lambda w, h: "/keytasks/l/QD-H/edit/"),
    ),
    "keytasks:tasklist_transition": Post(lambda w, h: "/keytasks/l/QD-H/do/start/"),
    "keytasks:task_create": Post(
        lambda w, h: "/keytasks/l/QD-H/tasks/new/",
        lambda w, h: {
            "code": "QD-H-H1",
            "name": "主变增容",
            "parent": "QD-H-1",
            "theme": "党建+安全生产",
            "owner_org": "ZB-A",
            "owner": "M-A1",
            "participants": "M-A2",
            "participant_names": "赵工",
            "planned_start": f"{THIS_YEAR}-02-01",
            "planned_end": f"{THIS_YEAR}-11-30",
            "progress_mode": "手动",
            "weight": "2",
        },
        page=_same(lambda w, h: "/keytasks/l/QD-H/tasks/new/"),
    ),
    "keytasks:task_edit": Post(
        lambda w, h: "/keytasks/t/QD-H-1-A/edit/",
        lambda w, h: {"name": "营销片区配网改造（调整）", "weight": "3"},
        page=_same(lambda w, h: "/keytasks/t/QD-H-1-A/edit/"),
    ),
    "keytasks:task_transition": Post(
        lambda w, h: "/keytasks/t/QD-H-1-B/do/suspend/",
        lambda w, h: {"suspend-reason": "等待资金"},
    ),
    "keytasks:milestone_add": Post(
        lambda w, h: "/keytasks/t/QD-H-1-A/milestones/",
        lambda w, h: {"name": "竣工", "weight": "2", "planned_on": f"{THIS_YEAR}-10-01"},
    ),
    "keytasks:milestone_done": Post(
        lambda w, h: f"/keytasks/t/QD-H-1-A/milestones/{h.milestone_open.pk}/done/",
        lambda w, h: {"on": TODAY},
    ),
    "keytasks:milestone_accept": Post(
        lambda w, h: f"/keytasks/t/QD-H-1-A/milestones/{h.milestone_done.pk}/accept/",
        lambda w, h: {"on": TODAY},
    ),
    "keytasks:report_submit": Post(
        lambda w, h: "/keytasks/t/QD-H-1-A/reports/",
        lambda w, h: {"period": THIS_MONTH, "percent": "45", "text": "完成可研"},
    ),
    "keytasks:report_confirm": Post(
        lambda w, h: f"/keytasks/t/QD-H-1-A/reports/{h.report.pk}/confirm/"
    ),
    "keytasks:report_return": Post(
        lambda w, h: f"/keytasks/t/QD-H-1-A/reports/{h.report.pk}/return/",
        lambda w, h: {"report-reason": "请补充佐证"},
    ),
    "keytasks:package_create": Post(
        lambda w, h: "/keytasks/packages/new/",
        lambda w, h: {"organisation": "ZB-A", "month": THIS_MONTH, "name": "新任务包"},
        page=_same(lambda w, h: "/keytasks/packages/new/"),
    ),
    "keytasks:package_item_add": Post(
        lambda w, h: f"/keytasks/packages/{h.package_draft.pk}/items/",
        lambda w, h: {"title": "入户走访", "task": "QD-H-1-A", "capacity": "3"},
        page=_same(lambda w, h: f"/keytasks/packages/{h.package_draft.pk}/"),
    ),
    "keytasks:package_publish": Post(
        lambda w, h: f"/keytasks/packages/{h.package_draft.pk}/publish/"
    ),
    "keytasks:package_item_claim": Post(
        lambda w, h: f"/keytasks/packages/{h.package_open.pk}/items/{h.item_free.pk}/claim/",
        persona="member_a",
    ),
    "keytasks:package_claim_withdraw": Post(
        lambda w, h: f"/keytasks/packages/{h.package_open.pk}/claims/{h.claim.pk}/withdraw/",
        persona="member_a",
    ),
    "keytasks:evidence_add": Post(
        lambda w, h: "/keytasks/t/QD-H-1-A/evidence/",
        lambda w, h: {"kind": "文件", "title": "可研批复", "url": "https://example.com/k.pdf"},
    ),
    "consultations:problem_create": Post(
        lambda w, h: "/consultations/new/",
        lambda w, h: {
            "alliance": "LJ-A",
            "raised_by": "ZB-B",
            "title": "通道清障",
            "category": "安全生产",
            "urgency": "紧急",
            "description": "说明",
        },
        persona="manager_b",
    ),
    "consultations:problem_edit": Post(
        lambda w, h: "/consultations/p/WT-P/edit/",
        page=_same(lambda w, h: "/consultations/p/WT-P/edit/"),
    ),
    "consultations:problem_assign": Post(
        lambda w, h: "/consultations/p/WT-P/assign/",
        lambda w, h: {
            "owners": "ZB-A",
            "deadline": "2027-01-31",
            "responsible": "张三",
            "meeting": "LX-A",
            "note": "意见",
        },
    ),
    "consultations:problem_progress": Post(
        lambda w, h: "/consultations/p/WT-W/progress/",
        lambda w, h: {"org": "ZB-A", "text": "已协调"},
    ),
    "consultations:problem_solve": Post(
        lambda w, h: "/consultations/p/WT-W/solve/",
        lambda w, h: {"resolution": "已解决", "solved_on": _today()},
    ),
    "consultations:problem_confirm": Post(
        lambda w, h: "/consultations/p/WT-S/confirm/", lambda w, h: {"note": "满意"}
    ),
    "consultations:problem_reopen": Post(
        lambda w, h: "/consultations/p/WT-S/reopen/", lambda w, h: {"reason": "未解决"}
    ),
    "consultations:meeting_create": Post(
        lambda w, h: "/consultations/meetings/new/?alliance=LJ-A",
        lambda w, h: {
            "title": "联席会议",
            "start": "2026-12-20T14:30",
            "place": "会议室",
            "convener": "ZB-A",
            "host_person": "张三",
            "recorder": "李四",
            "agenda": "通报工作",
            "attendees": "ZB-A｜张三｜书记",
        },
        page=_same(lambda w, h: "/consultations/meetings/new/?alliance=LJ-A"),
    ),
    "consultations:meeting_edit": Post(
        lambda w, h: "/consultations/meetings/LX-A/edit/",
        page=_same(lambda w, h: "/consultations/meetings/LX-A/edit/"),
    ),
    "consultations:meeting_held": Post(lambda w, h: "/consultations/meetings/LX-A/held/", ok=False),
    "sharing:resource_create": Post(
        lambda w, h: "/sharing/new/",
        lambda w, h: {
            "name": "活动室",
            "kind": "党员活动室",
            "owner": "ZB-A",
            "sharing": "联建单位",
            "tags": "活动阵地",
            "capacity": "30",
            "address": "二楼",
            "lat": "41.3",
            "lon": "123.7",
            "opening_hours": "周一至周五 08:30-17:30",
            "contact": "张三",
            "contact_phone": "13812345678",
            "description": "说明",
        },
        page=_same(lambda w, h: "/sharing/new/"),
    ),
    "sharing:resource_edit": Post(
        lambda w, h: "/sharing/r/R-A/edit/", page=_same(lambda w, h: "/sharing/r/R-A/edit/")
    ),
    "sharing:booking_create": Post(
        lambda w, h: "/sharing/r/R-B/book/",
        lambda w, h: {
            "org": "ZB-B",
            "start": f"{NEXT_MONDAY}T09:00",
            "end": f"{NEXT_MONDAY}T11:00",
            "purpose": "主题党日",
            "expected_people": "10",
        },
    ),
    "sharing:photo_upload": Post(
        lambda w, h: "/sharing/r/R-A/photos/",
        files=lambda: {"file": SimpleUploadedFile("p.png", PNG_BYTES, "image/png")},
    ),
    "sharing:photo_delete": Post(lambda w, h: f"/sharing/r/R-A/photos/{_photo(w, h)}/delete/"),
    "sharing:booking_approve": Post(
        lambda w, h: f"/sharing/bookings/{h.pending_booking.pk}/approve/"
    ),
    "sharing:booking_decline": Post(
        lambda w, h: f"/sharing/bookings/{h.pending_booking.pk}/decline/",
        lambda w, h: {"reason": "时段已另作安排"},
    ),
    "sharing:booking_cancel": Post(
        lambda w, h: f"/sharing/bookings/{h.own_booking.pk}/cancel/",
        lambda w, h: {"reason": "改期"},
    ),
    "sharing:need_create": Post(
        lambda w, h: "/sharing/needs/new/",
        lambda w, h: {
            "title": "安全培训",
            "org": "ZB-A",
            "tags": "安全培训",
            "sharing": "全部内部组织",
            "needed_by": "2027-03-01",
            "contact": "张三",
            "description": "说明",
        },
        page=_same(lambda w, h: "/sharing/needs/new/"),
    ),
    "sharing:need_edit": Post(
        lambda w, h: "/sharing/needs/XQ-A/edit/",
        page=_same(lambda w, h: "/sharing/needs/XQ-A/edit/"),
    ),
    "sharing:need_match": Post(
        lambda w, h: "/sharing/needs/XQ-A/match/",
        lambda w, h: {"target": "resource:R-B", "note": "对接"},
    ),
    "sharing:project_create": Post(
        lambda w, h: "/sharing/projects/new/",
        lambda w, h: {
            "title": "联合攻关",
            "org": "ZB-A",
            "tags": "技术攻关",
            "partners_wanted": "培训师资",
            "sharing": "全部内部组织",
            "start": "2026-12-01",
            "end": "2027-06-30",
            "description": "说明",
        },
        page=_same(lambda w, h: "/sharing/projects/new/"),
    ),
    "sharing:project_edit": Post(
        lambda w, h: f"/sharing/projects/{_project(w, h)}/edit/",
        lambda w, h: {"partners_wanted": "培训师资", "start": "2026-12-01"},
        page=_same(lambda w, h: f"/sharing/projects/{_project(w, h)}/edit/"),
    ),
    "sharing:project_match": Post(
        lambda w, h: f"/sharing/projects/{_project(w, h)}/match/",
        lambda w, h: {"target": "resource:R-B", "note": "对接"},
    ),
    "sharing:match_status": Post(
        lambda w, h: f"/sharing/matches/{_match(w, h)}/status/", lambda w, h: {"status": "已达成"}
    ),
    "proposals:run_form": Post(
        lambda w, h: "/grouping/",
        lambda w, h: {
            "root": "DW",
            "groups": "1",
            "min_size": "1",
            "max_size": "5",
            "w_profession": "1",
            "w_geography": "1",
            "w_complementarity": "1",
            "geo_scale_km": "30",
            "time_limit": "2",
        },
    ),
    "proposals:run_adopt": Post(
        lambda w, h: f"/grouping/runs/{_grouping_run(w, h)}/adopt/", ok=False
    ),
    "deadlines:preset_edit": Post(
        lambda w, h: "/deadlines/presets/due/",
        lambda w, h: {"yellow": "10"},
        page=_same(lambda w, h: "/deadlines/presets/due/"),
    ),
    "deadlines:kind_set": Post(
        lambda w, h: "/deadlines/kinds/problem/",
        lambda w, h: {"preset": "late"},
        page=lambda w, h: "/deadlines/",
    ),
    "deadlines:ladder_create": Post(
        lambda w, h: "/deadlines/ladders/new/",
        lambda w, h: {
            "name": "问题督办",
            "kind": "problem",
            "step_name": ["提醒", "约谈", ""],
            "step_days": ["3", "7", ""],
        },
        page=_same(lambda w, h: "/deadlines/ladders/new/"),
    ),
    "deadlines:ladder_edit": Post(
        lambda w, h: f"/deadlines/ladders/{_ladder(w)}/",
        lambda w, h: {"name": "问题督办（修订）"},
        page=_same(lambda w, h: f"/deadlines/ladders/{_ladder(w)}/"),
    ),
    "deadlines:ladder_void": Post(
        lambda w, h: f"/deadlines/ladders/{_ladder(w)}/void/",
        lambda w, h: {"reason": "改用新办法"},
    ),
    "notifications:mark_all_read": Post(lambda w, h: "/inbox/read-all/"),
    "notifications:mark": Post(
        lambda w, h: f"/inbox/{_notification(w, h)}/mark/",
        lambda w, h: {"action": "done", "next": "/inbox/"},
    ),
    "decisions:matter_list_create": Post(
        lambda w, h: "/decisions/lists/new/",
        lambda w, h: {
            "organisation": "DW",
            "year": str(THIS_YEAR),
            "level": "公司",
            "title": "事项清单",
        },
    ),
    "decisions:matter_list_detail": Post(
        lambda w, h: _decision_url(w, "lists/QD-DW/"),
        lambda w, h: {
            "category": "重大项目安排",
            "matter": "重大项目",
            "threshold": "500",
            "needs_prior_study": "on",
            "body": "董事会",
        },
    ),
    "decisions:line_withdraw": Post(
        lambda w, h: f"/decisions/lines/{_decision_register(w).small.pk}/withdraw/",
        lambda w, h: {"reason": "并入其他条目"},
    ),
    "decisions:item_create": Post(
        lambda w, h: _decision_url(w, "new/"),
        lambda w, h: {
            "matter_list": "QD-DW",
            "title": "新建事项",
            "category": "大额度资金运作",
            "amount": "1200",
            "department": "财务部",
            "sponsor": "王总",
            "legal": "法律审核意见",
        },
    ),
    "decisions:item_edit": Post(
        lambda w, h: _decision_url(w, "i/JC-T-1/edit/"),
        lambda w, h: {
            "title": "改名事项",
            "category": "大额度资金运作",
            "amount": "800",
            "department": "财务部",
            "sponsor": "王总",
        },
    ),
    "decisions:item_submit": Post(lambda w, h: _decision_url(w, "i/JC-T-1/submit/")),
    "decisions:study_create": Post(
        lambda w, h: _decision_url(w, "i/JC-T-1/study/", steps=1),
        lambda w, h: {
            "meeting": "党委会",
            "meeting_date": TODAY,
            "members": "7",
            "present": "6",
            "recusals": "刘明",
            "opinions": "王建国：同意",
            "outcome": "建议同意",
        },
    ),
    "decisions:decision_create": Post(
        lambda w, h: _decision_url(w, "i/JC-T-1/decide/", steps=2),
        lambda w, h: {
            "meeting": "董事会",
            "meeting_date": TODAY,
            "resolution": "同意",
            "result": "通过",
        },
    ),
    "decisions:execution_create": Post(
        lambda w, h: _decision_url(w, "i/JC-T-1/execute/", steps=3),
        lambda w, h: {"owner_org": "ZB-A", "owner_name": "张三", "started_on": TODAY},
    ),
    "decisions:execution_edit": Post(
        lambda w, h: _decision_url(w, "i/JC-T-2/execution/"),
        lambda w, h: {"deviations": "工期滞后"},
    ),
    "decisions:item_finish": Post(lambda w, h: _decision_url(w, "i/JC-T-2/finish/")),
    "decisions:evaluation_create": Post(
        lambda w, h: _decision_url(w, "i/JC-T-2/evaluate/"),
        lambda w, h: {
            "evaluator": "审计部",
            "evaluated_on": TODAY,
            "objectives": "达成",
            "conclusion": "达到预期",
            "action": "继续",
        },
    ),
    "decisions:item_archive": Post(lambda w, h: _decision_url(w, "i/JC-T-2/archive/", steps=4)),
    "carriers:carrier_create": Post(
        lambda w, h: "/carriers/new/",
        lambda w, h: {
            "kind": "服务队",
            "org": "ZB-A",
            "name": "光明服务队",
            "established": TODAY,
            "commitments": "随叫随到",
        },  # fmt: skip
    ),
    "carriers:carrier_edit": Post(
        lambda w, h: f"/carriers/c/{carrier_code(w, 'name')}/edit/",
        lambda w, h: {"name": "抄表服务示范岗（调整）", "lat": "41.3"},
        page=_same(lambda w, h: f"/carriers/c/{carrier_code(w, 'name')}/edit/"),
    ),
    "carriers:carrier_action": Post(
        lambda w, h: f"/carriers/c/{carrier_code(w, 'submit')}/branch_return/",
        lambda w, h: {"reason": "材料不全"},
    ),
    "carriers:carrier_review": Post(
        lambda w, h: f"/carriers/c/{carrier_code(w, 'name')}/review/",
        lambda w, h: {
            "preset": "半年复核",
            "period": "2026H2",
            "item_0": "90",
            "item_1": "91",
            "item_2": "92",
            "item_3": "93",
            "note": "良好",
        },  # fmt: skip
    ),
    "carriers:carrier_veto": Post(
        lambda w, h: f"/carriers/c/{carrier_code(w, 'name')}/veto/",
        lambda w, h: {"kind": "责任事故", "day": TODAY, "description": "违章作业"},
    ),
    "carriers:carrier_reapply": Post(
        lambda w, h: f"/carriers/c/{carrier_code(w, 'name', withdrawn_last_year=True)}/reapply/",
    ),
    "carriers:member_add": Post(
        lambda w, h: f"/carriers/c/{carrier_code(w, 'name')}/members/",
        lambda w, h: {"kind": "团员", "name": "孙小", "masses": "赵大、钱二"},
    ),
    "carriers:member_leave": Post(lambda w, h: member_row(w)),
    "carriers:coverage": Post(
        lambda w, h: "/carriers/coverage/",
        lambda w, h: {"org": "ZB-A", "code": "ZB-A-BZ7", "name": "抄表班"},
    ),
    "projects:call_create": Post(
        lambda w, h: "/projects/calls/new/",
        lambda w, h: {
            "issuer": "DW",
            "title": "配网攻关",
            "kind": "揭榜挂帅",
            "problem": "定位慢",
            "budget": "10",
            "deadline": TODAY,
            "eligible_orgs": "ZB-A",
        },
        page=_same(lambda w, h: "/projects/calls/new/"),
    ),
    "projects:call_edit": Post(
        lambda w, h: f"/projects/calls/{_jb(w, 'draft')}/edit/",
        lambda w, h: {
            "title": "改过的榜单",
            "kind": "课题",
            "problem": "问题",
            "budget": "20",
            "deadline": NEXT_MONDAY,
            "eligible_orgs": "ZB-A、ZB-B",
        },
        page=_same(lambda w, h: f"/projects/calls/{_jb(w, 'draft')}/edit/"),
    ),
    "projects:call_publish": Post(lambda w, h: f"/projects/calls/{_jb(w, 'draft')}/publish/"),
    "projects:call_close": Post(lambda w, h: f"/projects/calls/{_jb(w, 'open')}/close/"),
    "projects:bid_create": Post(
        lambda w, h: f"/projects/calls/{_jb(w, 'open_b')}/bid/",
        lambda w, h: {
            "owner_org": "ZB-A",
            "lead": "M-A1",
            "plan": "三个月完成",
            "budget_asked": "5",
            "planned_end": NEXT_MONDAY,
        },
        persona="manager_a",
    ),
    "projects:bid_withdraw": Post(
        lambda w, h: f"/projects/bids/{_jb(w, 'open_bid')}/withdraw/",
        lambda w, h: {"reason": "人员调整"},
        persona="manager_a",
    ),
    "projects:bid_shortlist": Post(lambda w, h: f"/projects/bids/{_jb(w, 'submitted')}/shortlist/"),
    "projects:bid_reject": Post(
        lambda w, h: f"/projects/bids/{_jb(w, 'submitted')}/reject/",
        lambda w, h: {"reason": "方案不成熟"},
    ),
    "projects:bid_defence": Post(
        lambda w, h: f"/projects/bids/{_jb(w, 'shortlisted')}/defence/",
        lambda w, h: {"on": TODAY},
    ),
    "projects:bid_award": Post(
        lambda w, h: f"/projects/bids/{_jb(w, 'defence')}/award/",
        lambda w, h: {"reason": "评审通过"},
    ),
    "projects:project_advance": Post(
        lambda w, h: f"/projects/p/{_jb(w, 'project')}/advance/",
        lambda w, h: {"note": "第一季度督导", "on": TODAY},
    ),
    "projects:project_metric": Post(
        lambda w, h: f"/projects/p/{_jb(w, 'project')}/metrics/",
        lambda w, h: {"name": "节约成本", "unit": "万元", "value": "12.5"},
    ),
    "projects:project_award": Post(
        lambda w, h: f"/projects/p/{_jb(w, 'project')}/awards/",
        lambda w, h: {
            "level": "省部",
            "name": "省级奖",
            "issued_by": "省企联",
            "awarded_on": TODAY,
        },
        files=lambda: {"upload": SimpleUploadedFile("c.png", PNG_BYTES, "image/png")},
    ),
    "projects:award_void": Post(
        lambda w, h: f"/projects/p/{_jb(w, 'project')}/awards/{_jb(w, 'award')}/void/",
        lambda w, h: {"reason": "重复登记"},
    ),
    "projects:award_certificate": Post(
        lambda w, h: f"/projects/p/{_jb(w, 'project')}/awards/{_jb(w, 'award')}/certificate/",
        files=lambda: {"upload": SimpleUploadedFile("c.pdf", PDF_BYTES, "application/pdf")},
    ),
}

# Pages that only read (lists, details, charts, downloads): no form posts to them.
READ_ONLY = {
    "supervision:decision_losses",
    "carriers:carrier_list",
    "carriers:carrier_detail",
    "carriers:contest",
    "carriers:public",
    "projects:project_list",
    "projects:project_detail",
    "projects:certificate_file",
    "projects:call_list",
    "projects:call_detail",
    "projects:bid_list",
    "projects:bid_detail",
    "appraisals:appraisal_list",
    "appraisals:appraisal_detail",
    "points:member_detail",
    "points:scheme_list",
    "points:scheme_detail",
    "points:entry_list",
    "points:claim_list",
    "points:mine",
    "points:recompute_job",
    "supervision:dashboard",
    "supervision:batch_list",
    "supervision:batch_detail",
    "supervision:item_list",
    "supervision:item_detail",
    "supervision:lead_list",
    "supervision:lead_detail",
    "supervision:recommendation_list",
    "supervision:recommendation_detail",
    "keytasks:tasklist_list",
    "keytasks:tasklist_detail",
    "keytasks:tasklist_timeline",
    "keytasks:tasklist_export",
    "keytasks:task_detail",
    "keytasks:my_tasks",
    "keytasks:rollup",
    "keytasks:package_list",
    "keytasks:package_detail",
    "home:home",
    "home:mine",
    "core:audit_list",
    "core:picker",
    "deadlines:settings",
    "accounts:profile",
    "orgs:org_tree",
    "orgs:org_detail",
    "orgs:org_children",
    "orgs:member_list",
    "orgs:member_detail",
    "orgs:import_job",
    "assessment:run_job",
    "core:report_job",
    "core:report_job_download",
    "orgs:template_download",
    "orgs:export_download",
    "orgs:export_filtered",
    "alliances:alliance_list",
    "alliances:network",
    "alliances:agreement_detail",
    "alliances:agreement_file",
    "alliances:alliance_detail",
    "activities:activity_list",
    "activities:activity_calendar",
    "activities:activity_stats",
    "activities:compliance_matrix",
    "activities:compliance_export",
    "activities:compliance_org",
    "activities:rule_list",
    "activities:activity_detail",
    "assessment:scheme_list",
    "assessment:scheme_detail",
    "assessment:scheme_download",
    "assessment:scheme_trend",
    "assessment:run_results",
    "assessment:run_stale",
    "assessment:run_compare",
    "assessment:run_analysis",
    "assessment:run_export",
    "assessment:result_detail",
    "assessment:kpi_list",
    "assessment:batch_detail",
    "assessment:review_list",
    "assessment:objection_list",
    "consultations:problem_list",
    "consultations:problem_export",
    "consultations:problem_stats",
    "consultations:problem_detail",
    "consultations:meeting_list",
    "consultations:meeting_detail",
    "sharing:resource_list",
    "sharing:resource_detail",
    "sharing:photo",
    "sharing:booking_list",
    "sharing:booking_detail",
    "sharing:need_list",
    "sharing:need_detail",
    "sharing:project_list",
    "sharing:project_detail",
    "sharing:usage",
    "proposals:run_detail",
    "proposals:partners",
    "notifications:inbox",
    "notifications:open",
    "decisions:item_list",
    "decisions:register",
    "decisions:matter_lists",
    "decisions:item_detail",
}


def _decision_register(w: Any) -> Any:
    """DW's 事项清单 with a draft JC-T-1 and JC-T-2 executing (inside the savepoint of the
    request; tests/decisions_helpers.py)."""
    from lianjian.decisions.models import DecisionItem
    from tests.decisions_helpers import make_register

    if DecisionItem.objects.filter(number="JC-T-1").exists():
        from lianjian.decisions.models import MatterLine

        return type("Reg", (), {"small": MatterLine.objects.get(matter="一般资金调度")})
    return make_register(w)


def _decision_accountability_url(w: Any) -> str:
    """The 双重问责 page of JC-T-2 (the register made inside the request's savepoint)."""
    _decision_register(w)
    return "/supervision/decisions/JC-T-2/accountability/"


def _decision_url(w: Any, path: str, *, steps: int = 0) -> str:
    """``/decisions/<path>`` once the register exists, JC-T-1 taken ``steps`` steps on
    (1 submitted, 2 studied, 3 decided) or, with 4, JC-T-2 evaluated."""
    import datetime as dt

    from lianjian.decisions import services as decision_services
    from lianjian.decisions.models import DecisionItem
    from tests.decisions_helpers import decide, study

    _decision_register(w)
    item = DecisionItem.objects.get(number="JC-T-1")
    if steps == 4:
        decision_services.evaluation_record(
            actor=None,
            item=DecisionItem.objects.get(number="JC-T-2"),
            evaluator="审计部",
            evaluated_on=dt.date(2026, 11, 1),
            conclusion="达到预期",
            action="继续",
        )
    elif steps and item.state == "草拟":
        decision_services.item_submit(actor=None, item=item)
        if steps >= 2:
            study(None, DecisionItem.objects.get(pk=item.pk))
        if steps >= 3:
            decide(None, DecisionItem.objects.get(pk=item.pk))
    return f"/decisions/{path}"


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _token(w: Any) -> int:
    from lianjian.accounts.models import ApiToken

    token, _ = ApiToken.issue(user=w.admin, name="旧令牌")
    return token.pk


def _dimension(h: Any) -> int:
    return (
        Dimension.objects.filter(scheme=h.assessed.scheme)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def _kpi(w: Any, code: str) -> int:
    from lianjian.assessment.models import KpiValue

    return KpiValue.objects.get(org=w.zb_a, period="2025", indicator_code=code).pk


def _objection(w: Any) -> int:
    """An open objection of ZB-A on its 2025 YW2 value (inside the savepoint of the request)."""
    from lianjian.assessment import objections
    from lianjian.assessment.models import KpiValue

    kpi = KpiValue.objects.get(pk=_kpi(w, "YW2"))
    return objections.objection_raise(actor=w.manager_a, kpi=kpi, reason="数值有误").pk


def _project(w: Any, h: Any) -> str:
    from lianjian.sharing.models import Project

    project = Project.objects.filter(code="XM-H").first() or sharing_services.project_create(
        actor=None,
        code="XM-H",
        org=w.zb_a,
        title="联合攻关",
        tags=["技术攻关"],
        sharing="全部内部组织",
    )
    return project.code


def _jb(w: Any, what: str) -> str:
    """揭榜挂帅 rows of the DW list QD-H (inside the savepoint of the request): a draft call, an
    open call with ZB-A's bid, an open call without bids, a closed call with ZB-A's bid 已提交,
    one with ZB-A's bid in 答辩 and ZB-B's 入围, and an awarded project with an award."""
    from lianjian.projects import services as jb
    from lianjian.projects.models import Award, Call, Project

    if not Call.objects.filter(code="JB-H-DRAFT").exists():
        later = datetime.date.today() + datetime.timedelta(days=10)

        def call(code: str, publish: bool = True) -> Any:
            made = jb.call_create(
                actor=None,
                issuer=w.dw,
                eligible_orgs=[w.zb_a, w.zb_b],
                code=code,
                title=f"榜单{code}",
                problem="问题",
                budget=10,
                deadline=later,
            )
            if publish:
                jb.call_transition(None, made, "publish")
            return made

        def bid(c: Any, org: Any, lead: Any, code: str) -> Any:
            return jb.bid_submit(
                actor=None,
                call=c,
                bidder_org=org,
                lead=lead,
                code=code,
                plan="方案",
                budget_asked=1,
                planned_end=later + datetime.timedelta(days=100),
            )

        call("JB-H-DRAFT", publish=False)
        bid(call("JB-H-OPEN"), w.zb_a, w.m_a1, "JB-H-OPEN-A")
        call("JB-H-OPEN-B")
        closed = call("JB-H-C1")
        bid(closed, w.zb_a, w.m_a1, "JB-H-C1-A")
        jb.call_transition(None, closed, "close")
        review = call("JB-H-C2")
        a, b = bid(review, w.zb_a, w.m_a1, "JB-H-C2-A"), bid(review, w.zb_b, w.m_b1, "JB-H-C2-B")
        jb.call_transition(None, review, "close")
        for x in (a, b):
            jb.bid_transition(None, x, "shortlist")
        jb.bid_transition(None, a, "defence", on=datetime.date.today())
        won = call("JB-H-C3")
        c = bid(won, w.zb_a, w.m_a1, "JB-H-C3-A")
        jb.call_transition(None, won, "close")
        jb.bid_transition(None, c, "shortlist")
        jb.bid_transition(None, c, "defence", on=datetime.date.today())
        project = jb.bid_award(None, c)
        jb.award_add(None, project, level="地市", name="市级奖", awarded_on=datetime.date.today())
    return {
        "draft": lambda: "JB-H-DRAFT",
        "open": lambda: "JB-H-OPEN",
        "open_b": lambda: "JB-H-OPEN-B",
        "open_bid": lambda: "JB-H-OPEN-A",
        "submitted": lambda: "JB-H-C1-A",
        "shortlisted": lambda: "JB-H-C2-B",
        "defence": lambda: "JB-H-C2-A",
        "project": lambda: Project.objects.get(bid__code="JB-H-C3-A").code,
        "award": lambda: str(Award.objects.get(project__bid__code="JB-H-C3-A").pk),
    }[what]()


def _names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "api":
                continue
            names |= _names(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and p.name:
            names.add(f"{namespace}:{p.name}")
    return names


def _client(world: Any, persona: str | None) -> Client:
    client = Client()
    if persona is not None:
        client.force_login(getattr(world, persona))
    return client


def test_hostile_values_in_every_form_never_answer_500_and_a_refusal_stores_nothing(
    world, settings, tmp_path
):
    assert set(POSTS) & READ_ONLY == set()
    assert _names(get_resolver().url_patterns) == set(POSTS) | READ_ONLY, (
        "every URL needs classifying here"
    )
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path
    settings.GROUPING_RUN_INLINE = True
    hostile = make_hostile(world)
    failures: list[str] = []
    sent = 0
    pick = Rotation()
    for name, post in sorted(POSTS.items()):
        with rolled_back():
            client = _client(world, post.persona)
            url = post.url(world, hostile)
            data = (
                scraped(client, post.page(world, hostile), urlsplit(url).path) if post.page else {}
            )
            data.update(post.data(world, hostile))
            before = row_counts()
            response = client.post(url, {**data, **(post.files() if post.files else {})})
            if post.ok and response.status_code >= 400:
                failures.append(f"{name}: the valid submission answered {response.status_code}")
                continue
            if (
                post.ok
                and response.status_code == 200
                and row_counts() == before
                and name != "orgs:import_start"
            ):
                failures.append(f"{name}: the valid submission changed nothing (a form error?)")
                continue
        # One signed-in client for all the variations: its session outlives the savepoints.
        client = _client(world, post.persona)
        for key, value in data.items():
            for bad in pick(
                hostile_for(value if not isinstance(value, list) else value[0], form=True)
            ):
                varied = {
                    **data,
                    key: [str(bad), *value[1:]] if isinstance(value, list) else str(bad),
                }
                with rolled_back():
                    url = post.url(world, hostile)
                    before = row_counts()
                    response = client.post(url, {**varied, **(post.files() if post.files else {})})
                    sent += 1
                    label = f"{name} {key}={str(bad)[:30]!r}"
                    if response.status_code >= 500:
                        failures.append(f"{label}: {response.status_code}")
                    elif str(bad) in ALWAYS_REFUSED and row_counts() != before:
                        failures.append(f"{label}: accepted ({response.status_code})")
                    elif response.status_code >= 400 and row_counts() != before:
                        failures.append(
                            f"{label}: refused ({response.status_code}) but changed data"
                        )
    assert not failures, "\n".join(failures)
    assert sent > 400
