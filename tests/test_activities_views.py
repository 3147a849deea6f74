"""Activity screens: permission matrix, attendance, review, QR check-in, pinned query counts."""

from __future__ import annotations

import datetime
import time
from unittest import mock

import pytest
import segno
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianjian.activities import services
from lianjian.activities.models import Activity, ActivityStatus, Attendance, ComplianceRule
from lianjian.activities.selectors import TZ
from lianjian.orgs.services import org_create
from tests.matrix import assert_write, by_persona, cases, client_for, expected


def at(m: int, d: int, hh: int = 9) -> datetime.datetime:
    return datetime.datetime(2026, m, d, hh, tzinfo=TZ)


@pytest.fixture
def acts(world):
    a = services.activity_record(
        actor=None,
        code="ACT-A",
        type="主题党日",
        host=world.zb_a,
        start=at(3, 5),
        topic="A 的主题党日",
    )
    ab = services.activity_record(
        actor=None,
        code="ACT-AB",
        type="联建活动",
        sub_kind="党课互讲",
        host=world.zb_a,
        co_orgs=[world.zb_b],
        start=at(3, 6),
        topic="联合党课",
        status=ActivityStatus.SUBMITTED,
    )
    b = services.activity_record(
        actor=None, code="ACT-B", type="党课", host=world.zb_b, start=at(3, 7), topic="B 的党课"
    )
    return {"a": a, "ab": ab, "b": b}


def url(name: str, *args) -> str:
    return reverse(f"activities:{name}", args=args)


GET_MATRIX = {
    ("activity_list",): [200, 200, 200, 200, 200, 200],
    ("activity_create",): [200, 200, 200, 403, 200, 200],
    ("activity_detail", "ACT-A"): [200, 200, 200, 200, 404, 404],
    ("activity_detail", "ACT-AB"): [200, 200, 200, 200, 200, 404],
    ("activity_detail", "ACT-B"): [200, 200, 404, 404, 200, 404],
    ("activity_edit", "ACT-A"): [200, 200, 200, 403, 404, 404],
    ("activity_edit", "ACT-B"): [200, 200, 404, 404, 200, 404],
    ("activity_calendar",): [200, 200, 200, 200, 200, 200],
    ("activity_stats",): [200, 200, 200, 200, 200, 200],
    ("compliance_matrix",): [200, 200, 200, 200, 200, 200],
    ("compliance_org", "ZB-A"): [200, 200, 200, 200, 404, 404],
    ("compliance_org", "WB-GOV"): [200, 200, 404, 404, 404, 404],
    ("compliance_export",): [200, 200, 200, 200, 200, 200],
    ("rule_list",): [200, 200, 200, 200, 200, 200],
    ("rule_create",): [200, 403, 403, 403, 403, 403],
}


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(GET_MATRIX), ids=["-".join(k) for k in GET_MATRIX])
def test_every_screen_answers_by_scope(world, acts, key):
    got = by_persona(lambda p: client_for(world, p).get(url(*key)).status_code)
    assert got == GET_MATRIX[key]


@pytest.mark.django_db
def test_filtered_screens_answer_404_for_an_organisation_out_of_scope(world, acts):
    c = client_for(world, "manager_b")
    assert c.get(url("activity_list") + "?org=ZB-A").status_code == 404
    assert c.get(url("compliance_matrix") + "?org=ZB-A").status_code == 404
    assert c.get(url("activity_calendar") + "?org=ZB-A").status_code == 404
    assert c.get(url("activity_stats") + "?org=ZB-A").status_code == 404


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(world, acts):
    response = Client().get(url("activity_detail", "ACT-A"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


POST_MATRIX = {
    # action, code → expected per persona (a denied persona must change nothing)
    ("attendance_fill", "ACT-A"): [302, 302, 302, 403, 404, 404],
    ("activity_submit", "ACT-A"): [302, 302, 302, 403, 404, 404],
    ("activity_approve", "ACT-AB"): [302, 302, 403, 403, 403, 404],
    ("activity_return", "ACT-AB"): [302, 302, 403, 403, 403, 404],
}


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "persona"), cases(POST_MATRIX))
def test_writes_are_refused_out_of_scope_and_read_only_changing_nothing(world, acts, key, persona):
    name, code = key

    def state():
        a = Activity.objects.get(code=code)
        return (
            a.status,
            a.return_reason,
            a.updated_at,
            Attendance.objects.filter(activity=a).count(),
        )

    response = assert_write(
        state,
        lambda: client_for(world, persona).post(url(name, code), {"reason": "记录不完整"}),
        expected(POST_MATRIX, key, persona),
    )
    after = Activity.objects.get(code=code)
    if response.status_code != 302:
        assert Attendance.objects.filter(activity=after).count() == 0
    elif name == "activity_approve":
        assert after.status == ActivityStatus.APPROVED
    elif name == "activity_return":
        assert (after.status, after.return_reason) == (ActivityStatus.RETURNED, "记录不完整")
    elif name == "activity_submit":
        assert after.status == ActivityStatus.SUBMITTED
    else:
        assert list(
            Attendance.objects.filter(activity=after).values_list("member__number", flat=True)
        ) == ["M-A1", "M-A2"]


@pytest.mark.django_db
def test_creating_a_joint_activity_lists_host_and_co_organisers(world, acts):
    c = client_for(world, "manager_a")
    response = c.post(
        url("activity_create"),
        {
            "type": "联建活动",
            "topic": "党日交流",
            "host": "ZB-A",
            "co_orgs": "ZB-B",
            "start": "2026-04-02T09:30",
            "sub_kind": "党日交流",
            "venue": "会议室",
        },
    )
    assert response.status_code == 400
    assert "组织 ZB-B 不存在或不在您的范围内" in response.content.decode()
    response = client_for(world, "company").post(
        url("activity_create"),
        {
            "type": "联建活动",
            "topic": "党日交流",
            "host": "ZB-A",
            "co_orgs": "ZB-B、WB-GOV",
            "start": "2026-04-02T09:30",
            "sub_kind": "党日交流",
        },
    )
    activity = Activity.objects.get(topic="党日交流")
    assert response.status_code == 302 and response["Location"] == url(
        "activity_detail", activity.code
    )
    assert activity.code == "HD20260402-001"
    assert list(activity.org_links.order_by("position").values_list("org__code", flat=True)) == [
        "ZB-A",
        "ZB-B",
        "WB-GOV",
    ]
    assert activity.start == datetime.datetime(2026, 4, 2, 9, 30, tzinfo=TZ)
    assert activity.status == ActivityStatus.DRAFT


@pytest.mark.django_db
def test_bad_form_input_is_explained_and_nothing_is_created(world, acts):
    c = client_for(world, "manager_a")
    response = c.post(
        url("activity_create"),
        {"type": "党课", "topic": "x", "host": "ZB-B", "start": "2026-13-01T09:00"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "组织编码不存在或不在您的管理范围内" in text
    response = c.post(
        url("activity_create"),
        {
            "type": "主题党日",
            "topic": "x",
            "host": "ZB-A",
            "start": "2026-04-02T09:00",
            "lecturer": "张三",
            "expected_count": "3",
            "present_count": "5",
        },
    )
    assert response.status_code == 400
    assert "只有党课可以填写授课人" in response.content.decode()
    assert Activity.objects.count() == 3


@pytest.mark.django_db
def test_attendance_fill_mark_submit_approve(world, acts):
    c = client_for(world, "manager_a")
    a = acts["a"]
    c.post(url("attendance_fill", "ACT-A"))
    c.post(url("attendance_mark", "ACT-A"), {"member": [world.m_a1.pk], "status": "出席"})
    response = c.post(
        url("attendance_mark", "ACT-A"), {"member": [world.m_a2.pk], "status": "请假"}, follow=True
    )
    assert "请假需填写原因" in response.content.decode()
    c.post(
        url("attendance_mark", "ACT-A"),
        {"member": [world.m_a2.pk], "status": "请假", "reason": "出差"},
    )
    a.refresh_from_db()
    assert (a.expected_count, a.present_count) == (2, 1)
    assert list(
        Attendance.objects.filter(activity=a).values_list(
            "member__number", "status", "reason", "method"
        )
    ) == [("M-A1", "出席", "", "补录"), ("M-A2", "请假", "出差", "")]
    assert c.post(url("activity_submit", "ACT-A")).status_code == 302
    # Submitted: the recorder can no longer change it, the parent organisation's manager approves.
    assert c.get(url("activity_edit", "ACT-A")).status_code == 302
    response = c.post(
        url("attendance_mark", "ACT-A"), {"member": [world.m_a2.pk], "status": "出席"}, follow=True
    )
    assert "活动记录已提交或已通过，不能修改" in response.content.decode()
    assert client_for(world, "manager_a").post(url("activity_approve", "ACT-A")).status_code == 403
    assert client_for(world, "company").post(url("activity_approve", "ACT-A")).status_code == 302
    a.refresh_from_db()
    assert (a.status, a.present_count) == (ActivityStatus.APPROVED, 1)
    # The link rows compliance reads carry the activity's status and validity.
    assert list(a.org_links.values_list("status", "is_valid", "start", "type")) == [
        (ActivityStatus.APPROVED, True, a.start, "主题党日")
    ]


@pytest.mark.django_db
def test_return_needs_a_reason(world, acts):
    response = client_for(world, "company").post(
        url("activity_return", "ACT-AB"), {"reason": " "}, follow=True
    )
    assert "请填写退回原因" in response.content.decode()
    assert Activity.objects.get(code="ACT-AB").status == ActivityStatus.SUBMITTED


@pytest.mark.django_db
def test_qr_check_in_marks_the_member_present_once(world, acts):
    services.attendance_fill(actor=None, activity=acts["a"])
    manager = client_for(world, "manager_a")
    # The token carries the second it was signed: the page and the test sign in the same one.
    with mock.patch("django.core.signing.time.time", return_value=time.time()):
        page = manager.get(url("activity_detail", "ACT-A")).content.decode()
        token = services.checkin_token(acts["a"])
    assert url("checkin", token) in page
    # The QR code on the page encodes exactly the absolute check-in link.
    qr = segno.make("http://testserver" + url("checkin", token), error="m").svg_inline(
        scale=5, title="签到二维码"
    )
    assert qr in page
    member = client_for(world, "member_a")
    assert "确认签到" in member.get(url("checkin", token)).content.decode()
    response = member.post(url("checkin", token))
    assert response.status_code == 200 and "签到成功" in response.content.decode()
    row = Attendance.objects.get(activity=acts["a"], member=world.m_a1)
    assert (row.status, row.method) == ("出席", "扫码")
    first = row.checked_in_at
    member.post(url("checkin", token))
    row.refresh_from_db()
    assert row.checked_in_at == first
    acts["a"].refresh_from_db()
    assert (acts["a"].expected_count, acts["a"].present_count) == (2, 1)


@pytest.mark.django_db
def test_qr_check_in_refuses_people_not_expected_expired_and_forged_links(world, acts, monkeypatch):
    services.attendance_fill(actor=None, activity=acts["a"])
    token = services.checkin_token(acts["a"])
    response = client_for(world, "company").post(url("checkin", token))
    assert response.status_code == 403 and "当前账户未关联党员信息" in response.content.decode()
    assert client_for(world, "member_a").post(url("checkin", token + "x")).status_code == 400
    real = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() + services.CHECKIN_MAX_AGE + 5)
    response = client_for(world, "member_a").post(url("checkin", token))
    assert response.status_code == 400 and "签到二维码已过期" in response.content.decode()
    assert Attendance.objects.filter(activity=acts["a"], status="出席").count() == 0
    assert Client().get(url("checkin", token)).status_code == 302


@pytest.mark.django_db
def test_a_committee_meeting_without_quorum_is_flagged_invalid(world):
    act = services.activity_record(
        actor=None, code="ZWH-1", type="支部委员会", host=world.zb_a, start=at(3, 1), topic="支委会"
    )
    services.attendance_fill(actor=None, activity=act)
    act.refresh_from_db()
    assert (act.expected_count, act.present_count, act.is_valid) == (1, 0, False)
    assert (
        "会议无效"
        in client_for(world, "manager_a").get(url("activity_detail", "ZWH-1")).content.decode()
    )
    services.attendance_mark(actor=None, activity=act, member_ids=[world.m_a1.pk], status="出席")
    act.refresh_from_db()
    assert act.is_valid is True


@pytest.mark.django_db
def test_admins_edit_rules_and_compliance_follows(world):
    rule = ComplianceRule.objects.get(activity_type="主题党日", org_kind="党支部")
    c = client_for(world, "admin")
    response = c.post(
        url("rule_edit", rule.pk),
        {
            "activity_type": "主题党日",
            "org_kind": "党支部",
            "frequency": "季度",
            "required": "2",
            "active": "on",
            "sort": "50",
            "note": "",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.frequency, rule.required) == ("季度", 2)
    assert (
        client_for(world, "company").post(url("rule_edit", rule.pk), {"required": "1"}).status_code
        == 403
    )
    rule.refresh_from_db()
    assert rule.required == 2


@pytest.mark.django_db
def test_the_matrix_shows_colours_and_the_export_has_the_rows(world, acts):
    c = client_for(world, "company")
    page = c.get(url("compliance_matrix") + "?year=2026").content.decode()
    assert "营销服务党支部" in page and "营销一组" in page and "lj-missing" in page
    assert "本溪县人民政府机关党委" not in page


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_list_and_matrix_query_counts_do_not_grow_with_the_data(world, acts):
    c = client_for(world, "company")
    small_list = _queries(c, url("activity_list"))
    small_matrix = _queries(c, url("compliance_matrix") + "?year=2026")
    for i in range(27):
        org = org_create(
            actor=None, code=f"ZB-Q{i}", name=f"支部{i}", kind="党支部", parent=world.dw
        )
        services.activity_record(
            actor=None,
            code=f"Q{i}",
            type="主题党日",
            host=org,
            co_orgs=[world.zb_a],
            start=at(2, 3),
            topic=f"活动{i}",
            status=ActivityStatus.APPROVED,
        )
    assert _queries(c, url("activity_list")) == small_list
    assert _queries(c, url("compliance_matrix") + "?year=2026") == small_matrix


@pytest.mark.django_db
def test_the_calendar_lists_the_month_as_cards_for_phones_and_picks_its_organisation(world, acts):
    """On a phone the grid only marks the days (a count); the day's activities follow as an
    agenda of cards. The organisation filter is a picker, and names only rows in scope."""
    c = client_for(world, "manager_a")
    page = c.get(url("activity_calendar") + "?month=2026-03").content.decode()
    agenda = page[page.index("lj-agenda") :]
    assert "3月5日 星期四" in agenda and "A 的主题党日" in agenda and "联合党课" in agenda
    assert "B 的党课" not in page  # ZB-B's own lesson is out of manager A's scope
    assert "data-picker-code" in page and "组织（含下级）：名称、拼音或编码" in page
    empty = c.get(url("activity_calendar") + "?month=2026-04").content.decode()
    assert "本月没有活动" in empty
    assert c.get(url("activity_calendar") + "?month=2026-03&org=ZB-A").status_code == 200
