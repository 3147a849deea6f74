"""Dates that make sense, at every edge (issue #16 items 3 and 13, issue #18 point 3).

Out-of-range dates and date-times are refused with a Chinese message naming the field —
by the API, the screens, the Excel imports and the CLI alike — and nothing is stored; a
record already holding such a date no longer breaks the page that shows it."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from lianjian.activities import services as activity_services
from lianjian.activities.models import Activity, Attendance
from lianjian.alliances.models import Agreement, Plan, PlanItem
from lianjian.assessment.models import AssessmentRun, KpiValue, Scheme
from lianjian.consultations.models import JointMeeting, Problem
from lianjian.core.models import AuditLog
from lianjian.orgs.models import Member, MemberTransfer, Organisation
from lianjian.sharing.models import Booking, Need
from tests.alliance_helpers import make_alliances
from tests.api_helpers import call
from tests.excel_helpers import make_xlsx, run
from tests.sharing_helpers import at, future_monday, make_sharing


def today() -> datetime.date:
    """Today, asked when a test runs (not when the file is collected, which may be yesterday)."""
    return timezone.localdate()


def tomorrow() -> datetime.date:
    return today() + datetime.timedelta(days=1)


OUT_OF_RANGE = "超出有效范围（1900-01-01 至 2199-12-31）"
BEFORE_1921 = "不能早于 1921-07-01（中国共产党成立之日）"


def counts() -> dict[str, int]:
    models = (
        Organisation,
        Member,
        MemberTransfer,
        Activity,
        Attendance,
        Agreement,
        Plan,
        PlanItem,
        JointMeeting,
        Problem,
        Booking,
        Need,
        KpiValue,
        Scheme,
        AssessmentRun,
        AuditLog,
    )
    return {m.__name__: m.objects.count() for m in models}


def screen(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- activities (the defect of issue #16 item 3) -------------------------------------------

ACTIVITY = {"type": "主题党日", "orgs": ["ZB-A"], "start": "2026-11-20T09:00:00", "topic": "学习会"}


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"start": "0001-01-01T00:00:00"}, f"start：开始时间{OUT_OF_RANGE}"),
        ({"end": "9999-12-31T23:59:59-12:00"}, f"end：结束时间{OUT_OF_RANGE}"),
        ({"start": "1900-01-01T09:00:00"}, f"start：开始时间{BEFORE_1921}"),
        (
            {"start": "2099-01-01T09:00:00"},
            "start：开始时间不能晚于 {ten_years}（最多提前 10 年）",
        ),
    ],
)
def test_the_api_refuses_an_activity_out_of_range_and_stores_nothing(world, change, detail):
    ten_years = today().replace(year=today().year + 10)
    detail = detail.replace("{ten_years}", f"{ten_years:%Y-%m-%d}")
    before = counts()
    assert call("post", "/activities", user=world.manager_a, body={**ACTIVITY, **change}) == (
        400,
        {"detail": detail},
    )
    assert counts() == before


def test_a_draft_may_be_planned_ahead_but_not_recorded_as_held(world):
    status, body = call(
        "post",
        "/activities",
        user=world.manager_a,
        body={**ACTIVITY, "start": f"{tomorrow().isoformat()}T09:00:00"},
    )
    assert status == 201, body
    draft = Activity.objects.get(code=body["code"])
    before = counts()
    response = screen(world.manager_a).post(f"/activities/a/{draft.code}/submit/", follow=True)
    assert "活动尚未举行，不能提交或审核：开始时间不能晚于今天" in response.content.decode()
    assert counts() == before and Activity.objects.get(pk=draft.pk).status == "草稿"
    activity_services.attendance_fill(
        actor=None, activity=draft
    )  # the expected list may be prepared
    attended = counts()
    response = screen(world.manager_a).post(
        f"/activities/a/{draft.code}/mark/",
        {"member": [world.m_a1.pk], "status": "出席"},
        follow=True,
    )
    assert "活动尚未举行，不能记录出席：开始时间不能晚于今天" in response.content.decode()
    assert counts() == attended
    assert not Attendance.objects.filter(activity=draft, status="出席").exists()
    with pytest.raises(activity_services.CheckinError, match="活动尚未举行，不能签到"):
        activity_services.attendance_checkin(
            actor=world.member_a, activity=draft, member=world.m_a1
        )


def test_an_activity_cannot_predate_its_host(world):
    # DW was founded on 2000-01-01 (conftest).
    status, body = call(
        "post",
        "/activities",
        user=world.company,
        body={**ACTIVITY, "orgs": ["DW"], "start": "1999-06-01T09:00:00"},
    )
    assert (status, body) == (
        400,
        {"detail": "start：开始时间不能早于本溪供电公司党委的成立日期（2000-01-01）"},
    )


def test_the_activity_form_refuses_year_one_and_stores_nothing(world):
    before = counts()
    response = screen(world.manager_a).post(
        "/activities/new/",
        {"type": "主题党日", "topic": "学习会", "host": "ZB-A", "start": "0001-01-01T00:00"},
    )
    assert response.status_code == 400
    assert f"开始时间{OUT_OF_RANGE}" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        ("2027-06-01 09:00", "开始时间不能晚于今天"),
        ("1900-01-01 09:00", f"开始时间{BEFORE_1921}"),
        ("0001-01-01 09:00", OUT_OF_RANGE),
    ],
)
def test_the_activities_import_refuses_held_records_out_of_range(world, tmp_path, start, reason):
    # An import records activities as held (已通过 / 已提交): they cannot lie ahead.
    path = make_xlsx(
        tmp_path / "a.xlsx",
        ["活动编号", "组织编码", "活动类型", "开始时间", "主题"],
        [["HD-X1", "ZB-A", "主题党日", start, "学习会"]],
    )
    before = counts()
    code, out, err = run("import", "activities", str(path))
    assert (code, err.splitlines()[0]) == (1, f"第2行 开始时间：{reason}")
    assert counts() == before


def test_meetings_refuse_year_one(world):
    make_alliances(world)
    before = counts()
    status, body = call(
        "post",
        "/meetings",
        user=world.admin,
        body={"alliance": "LJ-A", "title": "联席会议", "start": "0001-01-01T00:00:00"},
    )
    assert (status, body) == (400, {"detail": f"start：召开时间{OUT_OF_RANGE}"})
    assert counts() == before


# --- members: 入党, 转正, birth dates ---------------------------------------------------------

MEMBER = {
    "number": "M-A9",
    "name": "孙八",
    "org": "ZB-A",
    "category": "正式党员",
    "joined_on": "2012-07-01",
}


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"joined_on": "2030-01-01", "category": "预备党员"}, "joined_on：入党日期不能晚于今天"),
        ({"joined_on": "1921-06-30"}, f"joined_on：入党日期{BEFORE_1921}"),
        (
            {"confirmed_on": "2012-08-01"},
            "confirmed_on：转正日期不能早于 2013-07-01（入党满一年，预备期为一年）",
        ),
        (
            {"confirmed_on": "2014-07-02"},
            "confirmed_on：转正日期不能晚于 2014-07-01（预备期最多延长一年）",
        ),
        ({"birth_date": "9999-12-31"}, f"birth_date：出生日期{OUT_OF_RANGE}"),
        ({"birth_date": "1899-12-31"}, f"birth_date：出生日期{OUT_OF_RANGE}"),
        # 18 the day after: the old rule (365 × 18 − 5 days) let it pass
        ({"birth_date": "1994-07-02"}, "joined_on：入党时应年满十八岁"),
        (
            {"joined_on": today().replace(month=1, day=1).isoformat()},
            "category：入党未满一年，应为预备党员（预备期为一年）",
        ),
    ],
)
def test_the_api_refuses_member_dates_that_make_no_sense(world, change, detail):
    before = counts()
    assert call("post", "/members", user=world.manager_a, body={**MEMBER, **change}) == (
        400,
        {"detail": detail},
    )
    assert counts() == before


def test_a_confirmation_within_the_probation_window_is_accepted(world):
    assert (
        call(
            "post", "/members", user=world.manager_a, body={**MEMBER, "confirmed_on": "2012-08-01"}
        )[0]
        == 400
    )
    status, body = call(
        "post",
        "/members",
        user=world.manager_a,
        body={**MEMBER, "birth_date": "1990-03-07", "confirmed_on": "2014-07-01"},
    )
    assert status == 201, body


def test_the_member_form_refuses_a_birth_date_in_year_9999(world):
    before = counts()
    response = screen(world.manager_a).post(
        "/orgs/members/new/", {**MEMBER, "birth_date": "9999-12-31"}
    )
    assert response.status_code == 400
    assert f"出生日期{OUT_OF_RANGE}" in response.content.decode()
    assert counts() == before


def test_the_members_import_refuses_impossible_dates(world, tmp_path):
    headers = ["人员编号", "姓名", "所在组织编码", "党员类别", "入党日期", "转正日期", "出生日期"]
    path = make_xlsx(
        tmp_path / "m.xlsx",
        headers,
        [
            ["M-X8", "钱九", "ZB-A", "正式党员", "2030-01-01", None, None],
            ["M-X9", "孙十", "ZB-A", "正式党员", "2010-07-01", "2010-08-01", "9999-12-31"],
        ],
    )
    before = counts()
    code, out, err = run("import", "members", str(path))
    assert code == 1
    assert err.strip().splitlines() == [
        "第2行 入党日期：入党日期不能晚于今天",
        "第3行 出生日期：超出有效范围（1900-01-01 至 2199-12-31）",
        "第3行 转正日期：转正日期不能早于 2011-07-01（入党满一年，预备期为一年）",
        "共 3 处错误，未导入任何数据。",
    ]
    assert counts() == before


def test_a_transfer_cannot_be_dated_ahead(world):
    before = counts()
    status, body = call(
        "post",
        f"/members/{world.m_a2.pk}/transfer",
        user=world.admin,
        body={"to_org": "ZB-B", "date": tomorrow().isoformat()},
    )
    assert (status, body) == (400, {"detail": "date：转接日期不能晚于今天"})
    assert counts() == before


# --- organisations ---------------------------------------------------------------------------


def test_an_organisation_cannot_be_founded_in_the_future(world, tmp_path):
    before = counts()
    body = {
        "code": "XZ-A8",
        "name": "新组",
        "kind": "党小组",
        "parent": "ZB-A",
        "founded": "2099-01-01",
    }
    assert call("post", "/orgs", user=world.manager_a, body=body) == (
        400,
        {"detail": "founded：成立日期不能晚于今天"},
    )
    response = screen(world.manager_a).post("/orgs/new/", body)
    assert response.status_code == 400 and "成立日期不能晚于今天" in response.content.decode()
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码", "成立日期"],
        [["XZ-A8", "新组", "党小组", "ZB-A", datetime.date(2099, 1, 1)]],
    )
    assert (
        run("import", "orgs", str(path))[2].splitlines()[0]
        == "第2行 成立日期：成立日期不能晚于今天"
    )
    assert counts() == before


def test_a_term_cannot_start_before_the_organisation_was_founded(world):
    status, body = call("patch", "/orgs/DW", user=world.admin, body={"term_start": "1999-01-01"})
    assert (status, body) == (400, {"detail": "term_start：本届任期开始不能早于成立日期"})


# --- periods ------------------------------------------------------------------------------------


def test_a_kpi_for_2099_is_refused_at_every_edge(world, tmp_path):
    from tests.assessment_screens_helpers import make_assessed

    make_assessed(world)
    before = counts()
    assert call(
        "post",
        "/assessment/kpis",
        user=world.admin,
        body={"org": "ZB-A", "period": "2099", "indicator_code": "YW1", "value": 90},
    ) == (400, {"detail": "period：期间“2099”尚未开始"})
    path = make_xlsx(
        tmp_path / "k.xlsx", ["组织编码", "期间", "指标编码", "数值"], [["ZB-A", "2099", "YW1", 90]]
    )
    assert run("import", "kpis", str(path))[2].splitlines()[0] == "第2行 期间：期间“2099”尚未开始"
    assert counts() == before


def test_a_run_for_a_period_that_has_not_begun_is_refused(world):
    from lianjian.assessment import services as assessment_services
    from tests.assessment_screens_helpers import make_assessed

    scheme = make_assessed(world).scheme
    code, out, err = run(
        "assess", "run", "--scheme", scheme.code, "--period", str(today().year + 1)
    )
    assert (code, err.strip()) == (1, f"期间“{today().year + 1}”尚未开始")
    with pytest.raises(Exception, match="尚未开始"):
        assessment_services.assessment_run(None, scheme, str(today().year + 1))


def test_a_scheme_may_be_written_ahead_but_not_for_2099(world):
    from lianjian.assessment import services as assessment_services
    from tests.assessment_engine_helpers import example

    with pytest.raises(Exception, match="期间“2099”不能晚于"):
        assessment_services.scheme_import({**example(), "period": "2099"}, actor=None)
    scheme, _ = assessment_services.scheme_import(
        {**example(), "period": str(today().year + 1)}, actor=None
    )
    assert scheme.period == str(today().year + 1)


# --- alliances, sharing, problems -------------------------------------------------------------


def test_an_agreement_ending_in_year_9999_is_refused_and_an_old_one_shows(world):
    al = make_alliances(world)
    before = counts()
    status, body = call(
        "post",
        "/agreements",
        user=world.admin,
        body={
            "alliance": "LJ-A",
            "title": "长期协议",
            "parties": ["ZB-A", "ZB-B"],
            "end": "9999-12-31",
        },
    )
    assert (status, body) == (400, {"detail": f"end：到期日期{OUT_OF_RANGE}"})
    assert counts() == before
    # A record stored before dates had windows: its page still answers (no renewal offer).
    Agreement.objects.filter(pk=al.ag_a.pk).update(end=datetime.date(9999, 12, 31))
    response = screen(world.admin).get(f"/alliances/agreements/{al.ag_a.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1｜x｜99999｜g", "第 1 行计划活动次数应在 0 到 999 之间"),
        ("1｜x｜²｜g", "第 1 行计划活动次数应为整数"),
        ("1｜x｜9223372036854775808｜g", "第 1 行计划活动次数应在 0 到 999 之间"),
    ],
)
def test_plan_items_with_impossible_counts_are_refused(world, line, message):
    make_alliances(world)
    before = counts()
    response = screen(world.manager_a).post(
        "/alliances/LJ-A/plan/2026/", {"summary": "", "items": line}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_a_plan_year_outside_the_planning_window_is_404(world):
    make_alliances(world)
    assert screen(world.manager_a).get("/alliances/LJ-A/plan/2099/").status_code == 404


def test_a_booking_in_year_9999_is_refused(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    make_sharing(world)
    before = counts()
    response = screen(world.manager_b).post(
        "/sharing/r/R-B/book/",
        {
            "org": "ZB-B",
            "start": "9999-12-31T23:59",
            "end": "9999-12-31T23:59",
            "purpose": "主题党日",
        },
    )
    assert response.status_code == 400
    assert f"开始时间{OUT_OF_RANGE}" in response.content.decode()
    status, body = call(
        "post",
        "/bookings",
        user=world.manager_b,
        body={
            "resource": "R-B",
            "org": "ZB-B",
            "start": "9999-12-31T23:59:00",
            "end": "9999-12-31T23:59:59",
            "purpose": "主题党日",
        },
    )
    assert status == 400 and body["detail"].startswith(f"start：开始时间{OUT_OF_RANGE}")
    day = future_monday()
    far = day.replace(year=day.year + 11)
    status, body = call(
        "post",
        "/bookings",
        user=world.manager_b,
        body={
            "resource": "R-B",
            "org": "ZB-B",
            "start": at(far, 9).isoformat(),
            "end": at(far, 10).isoformat(),
            "purpose": "主题党日",
        },
    )
    assert status == 400 and "（最多提前 10 年）" in body["detail"]
    assert counts() == before


def test_a_need_due_in_1900_is_refused(world):
    before = counts()
    status, body = call(
        "post",
        "/needs",
        user=world.manager_a,
        body={"org": "ZB-A", "title": "培训", "tags": ["安全培训"], "needed_by": "1900-01-01"},
    )
    assert (status, body) == (400, {"detail": f"needed_by：期望完成日期{BEFORE_1921}"})
    assert counts() == before


def test_a_problem_deadline_far_ahead_is_refused(world):
    al = make_alliances(world)
    problem_status, problem = call(
        "post",
        "/problems",
        user=world.manager_b,
        body={
            "title": "通道清障",
            "category": "安全生产",
            "alliance": al.lj_a.code,
            "raised_by": "ZB-B",
        },
    )
    assert problem_status == 201, problem
    before = counts()
    status, body = call(
        "post",
        f"/problems/{problem['code']}/assign",
        user=world.manager_a,
        body={"owners": ["ZB-A"], "deadline": "2099-01-01"},
    )
    assert status == 400 and body["detail"].startswith("deadline：办理期限不能晚于")
    assert counts() == before


# --- the CLI ----------------------------------------------------------------------------------


def test_remind_with_a_date_beyond_the_bound_answers_without_a_traceback(db):
    code, out, err = run("remind", "--date", "9999-12-31")
    assert (code, out, err.strip()) == (1, "", f"日期{OUT_OF_RANGE}")


def test_a_filter_date_beyond_the_bound_answers_422_not_500(world):
    # A query date is stored nowhere; only the outer bound applies (the day after it is
    # computed to filter, which overflowed at 9999-12-31).
    status, body = call("get", "/bookings?start_to=9999-12-31", user=world.admin)
    assert (status, body) == (422, {"detail": f"start_to：{OUT_OF_RANGE}"})
    assert call("get", "/bookings?start_to=2026-12-31", user=world.admin)[0] == 200
