"""Issue #18 §3–4 for activities: a record entered by mistake is voided (作废, audited,
never deleted, counted nowhere), and an annual duty counts for its 所属年度."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from lianjian.activities import services
from lianjian.activities.excel import ActivityExcel
from lianjian.activities.models import Activity, ActivityOrg, ActivityStatus
from lianjian.activities.schemas import ActivityFilter
from lianjian.activities.selectors import TZ, activity_list, statistics
from lianjian.core.excel import get_kind, import_file
from lianjian.core.models import AuditLog
from tests.api_helpers import call


def at(y: int, m: int, d: int, hh: int = 9) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, tzinfo=TZ)


def record(code, atype, host, start, *, status=ActivityStatus.DRAFT, **extra):
    return services.activity_record(
        actor=None,
        code=code,
        type=atype,
        host=host,
        start=start,
        topic=code,
        status=status,
        **extra,
    )


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("compliance", *args, stdout=out)
    return json.loads(out.getvalue())


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def void_url(code: str) -> str:
    return reverse("activities:activity_void", args=[code])


def state(code: str) -> tuple:
    a = Activity.objects.get(code=code)
    return (
        a.status,
        a.void_reason,
        list(ActivityOrg.objects.filter(activity=a).values_list("status", flat=True)),
    )


# --- 作废 -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_manager_voids_a_draft_with_a_reason_and_it_is_kept_audited_and_shown_as_voided(world):
    record("V-1", "主题党日", world.zb_a, at(2026, 3, 5))
    c = client_for(world.manager_a)
    response = c.post(void_url("V-1"), {"reason": "重复登记"})
    assert response.status_code == 302
    assert state("V-1") == ("已作废", "重复登记", ["已作废"])
    log = (
        AuditLog.objects.filter(target_type="activities.activity", target_id="V-1")
        .order_by("-at", "-id")
        .first()
    )
    assert log.before["status"] == "草稿" and log.after == {
        "status": "已作废",
        "void_reason": "重复登记",
    }
    page = c.get(reverse("activities:activity_detail", args=["V-1"])).content.decode()
    assert "已作废" in page and "作废原因：重复登记" in page
    assert 'action="/activities/a/V-1/void/"' not in page  # no second void
    assert "编辑" not in page.split("page-header")[1].split("</div></div>")[0]


@pytest.mark.django_db
def test_the_void_form_asks_for_confirmation_and_a_reason(world):
    record("V-1", "主题党日", world.zb_a, at(2026, 3, 5))
    page = (
        client_for(world.manager_a)
        .get(reverse("activities:activity_detail", args=["V-1"]))
        .content.decode()
    )
    form = page.split('action="/activities/a/V-1/void/"')[1].split("</form>")[0]
    assert "data-confirm=" in form and 'name="reason"' in form and "required" in form


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["member_a", "manager_b", "outsider"])
def test_who_does_not_manage_the_host_cannot_void_and_nothing_changes(world, persona):
    record("V-1", "主题党日", world.zb_a, at(2026, 3, 5))
    before = state("V-1")
    status = (
        client_for(getattr(world, persona)).post(void_url("V-1"), {"reason": "误录"}).status_code
    )
    assert status == (403 if persona == "member_a" else 404)
    api_status, _ = call(
        "POST", "/activities/V-1/void", user=getattr(world, persona), body={"reason": "误录"}
    )
    assert api_status == (403 if persona == "member_a" else 404)
    assert state("V-1") == before


@pytest.mark.django_db
def test_a_submitted_or_approved_record_cannot_be_voided_and_a_reason_is_required(world):
    record("V-S", "主题党日", world.zb_a, at(2026, 3, 5), status=ActivityStatus.SUBMITTED)
    record("V-D", "主题党日", world.zb_a, at(2026, 3, 6))
    before_s, before_d = state("V-S"), state("V-D")
    status, body = call(
        "POST", "/activities/V-S/void", user=world.manager_a, body={"reason": "误录"}
    )
    assert status == 400 and "只有草稿或已退回的记录可以作废" in body["detail"]
    status, body = call("POST", "/activities/V-D/void", user=world.manager_a, body={"reason": "  "})
    assert status in (400, 422)
    c = client_for(world.manager_a)
    c.post(void_url("V-D"), {"reason": ""})
    assert state("V-S") == before_s and state("V-D") == before_d


@pytest.mark.django_db
def test_the_api_voids_a_draft_and_answers_the_record(world):
    record("V-1", "主题党日", world.zb_a, at(2026, 3, 5))
    status, body = call(
        "POST", "/activities/V-1/void", user=world.manager_a, body={"reason": "误录"}
    )
    assert status == 200 and (body["status"], body["void_reason"]) == ("已作废", "误录")


@pytest.mark.django_db
def test_a_voided_record_counts_nowhere_and_is_listed_only_when_asked(world):
    a = record("V-1", "主题党日", world.zb_a, at(2025, 3, 5), status=ActivityStatus.RETURNED)
    services.activity_void(actor=None, activity=a, reason="误录")
    assert (
        run("--year", "2025", "--org", "ZB-A", "--today", "2026-01-05")["results"][2]["held"] == 0
    )
    assert statistics(None, root=None, year=2025)["total"] == 0
    assert list(activity_list(world.admin, ActivityFilter())) == []
    assert [x.code for x in activity_list(world.admin, ActivityFilter(status="已作废"))] == ["V-1"]
    assert call("GET", "/activities", user=world.admin)[1]["count"] == 0
    assert [r[0] for r in ActivityExcel().export_rows(user=None, org_code=None)] == []
    assert (
        list(
            client_for(world.manager_a)
            .get(reverse("activities:activity_list"))
            .context["page"]
            .object_list
        )
        == []
    )


@pytest.mark.django_db
def test_an_organisation_out_of_scope_answers_404_on_the_list_screen_and_api_alike(world):
    assert (
        client_for(world.manager_b)
        .get(reverse("activities:activity_list"), {"org": "ZB-A"})
        .status_code
        == 404
    )
    assert call("GET", "/activities?org=ZB-A", user=world.manager_b)[0] == 404


@pytest.mark.django_db
def test_an_activity_recorded_as_held_cannot_lie_in_the_future_but_a_plan_may(world):
    future = datetime.datetime.now(TZ) + datetime.timedelta(days=30)
    assert record("P-1", "主题党日", world.zb_a, future).status == "草稿"
    status, body = call(
        "POST",
        "/activities",
        user=world.manager_a,
        body={
            "type": "主题党日",
            "orgs": ["ZB-A"],
            "start": future.isoformat(),
            "topic": "计划",
            "present_count": 3,
            "expected_count": 5,
        },
    )
    assert status == 400 and "开始时间" in body["detail"]
    with pytest.raises(Exception, match="尚未举行"):
        services.activity_submit(actor=None, activity=Activity.objects.get(code="P-1"))
    assert Activity.objects.get(code="P-1").status == "草稿"


# --- 所属年度 ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_annual_meeting_held_in_february_counts_for_the_previous_year_when_it_says_so(world):
    record(
        "Y-1",
        "组织生活会",
        world.zb_a,
        at(2026, 2, 10),
        status=ActivityStatus.APPROVED,
        for_year=2025,
    )
    record("Y-2", "民主评议党员", world.zb_a, at(2026, 2, 11), status=ActivityStatus.APPROVED)
    rows25 = {
        (r["rule"], r["period"]): (r["held"], r["status"])
        for r in run("--year", "2025", "--org", "ZB-A", "--today", "2026-03-01")["results"]
    }
    rows26 = {
        (r["rule"], r["period"]): (r["held"], r["status"])
        for r in run("--year", "2026", "--org", "ZB-A", "--today", "2026-03-01")["results"]
    }
    assert rows25[("组织生活会", "2025")] == (1, "ok")
    assert rows26[("组织生活会", "2026")] == (0, "open")
    assert rows25[("民主评议党员", "2025")] == (0, "missing")  # not said: the year of its date
    assert rows26[("民主评议党员", "2026")] == (1, "ok")
    # The assessment source counts the same rows: the 2025 组织生活会 row is ok in 2025.
    from lianjian.assessment.periods import parse_period
    from lianjian.assessment.sources import compliance_counts
    from lianjian.orgs.models import Organisation

    orgs = Organisation.objects.filter(code="ZB-A")
    ok_closed = compliance_counts(parse_period("2025"), orgs, datetime.date(2026, 3, 1))[
        world.zb_a.pk
    ]
    record(
        "Y-3", "组织生活会", world.zb_a, at(2026, 2, 12), status=ActivityStatus.APPROVED
    )  # for 2026
    assert (
        compliance_counts(parse_period("2025"), orgs, datetime.date(2026, 3, 1))[world.zb_a.pk]
        == ok_closed
    )
    record(
        "Y-4", "组织生活会", world.zb_a, at(2026, 2, 13), status=ActivityStatus.DRAFT, for_year=2025
    )
    assert (
        compliance_counts(parse_period("2025"), orgs, datetime.date(2026, 3, 1))[world.zb_a.pk]
        == ok_closed
    )
    services.activity_void(actor=None, activity=Activity.objects.get(code="Y-4"), reason="误录")
    ok_before = ok_closed[0]
    Activity.objects.filter(code="Y-1").update(status=ActivityStatus.DRAFT)
    ActivityOrg.objects.filter(activity__code="Y-1").update(status=ActivityStatus.DRAFT)
    assert (
        compliance_counts(parse_period("2025"), orgs, datetime.date(2026, 3, 1))[world.zb_a.pk][0]
        == ok_before - 1
    )


@pytest.mark.django_db
def test_the_year_of_an_activity_defaults_to_its_date_and_other_years_are_refused_in_chinese(world):
    assert record("Y-0", "组织生活会", world.zb_a, at(2026, 2, 10)).for_year == 2026
    cases = [
        ("组织生活会", "2026-05-10T09:00:00+08:00", 2025, "只有 1–3 月召开的可计入上一年度"),
        ("组织生活会", "2026-02-10T09:00:00+08:00", 2024, "所属年度应为 2026 或 2025 年"),
        ("主题党日", "2026-02-10T09:00:00+08:00", 2025, "所属年度应为活动所在年份 2026 年"),
    ]
    for atype, start, year, message in cases:
        status, body = call(
            "POST",
            "/activities",
            user=world.manager_a,
            body={
                "type": atype,
                "orgs": ["ZB-A"],
                "start": start,
                "topic": "年度",
                "for_year": year,
            },
        )
        assert status == 400 and "所属年度" in body["detail"] and message in body["detail"]
    assert Activity.objects.count() == 1
    status, body = call(
        "POST",
        "/activities",
        user=world.manager_a,
        body={
            "type": "民主评议党员",
            "orgs": ["ZB-A"],
            "start": "2026-03-20T09:00:00+08:00",
            "topic": "年度",
            "for_year": 2025,
        },
    )
    assert status == 201 and body["for_year"] == 2025


@pytest.mark.django_db
def test_the_form_shows_the_year_for_annual_types_and_saves_it(world):
    c = client_for(world.manager_a)
    page = c.get(reverse("activities:activity_create")).content.decode()
    assert 'name="for_year"' in page and "activity_form.js" in page and "data-yearly-types" in page
    response = c.post(
        reverse("activities:activity_create"),
        {
            "type": "组织生活会",
            "topic": "2025年度组织生活会",
            "host": "ZB-A",
            "start": "2026-02-10T09:00",
            "for_year": "2025",
        },
    )
    assert response.status_code == 302
    assert Activity.objects.get(topic="2025年度组织生活会").for_year == 2025
    response = c.post(
        reverse("activities:activity_create"),
        {
            "type": "组织生活会",
            "topic": "错年",
            "host": "ZB-A",
            "start": "2026-06-10T09:00",
            "for_year": "2025",
        },
    )
    assert response.status_code == 400 and "所属年度" in response.content.decode()
    assert not Activity.objects.filter(topic="错年").exists()
    # Another type: the hidden field does not apply; the year of its date.
    c.post(
        reverse("activities:activity_create"),
        {
            "type": "主题党日",
            "topic": "二月主题党日",
            "host": "ZB-A",
            "start": "2026-02-10T09:00",
            "for_year": "2025",
        },
    )
    assert Activity.objects.get(topic="二月主题党日").for_year == 2026


def _load(rows, headers):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return import_file(
        get_kind("activities"), out, file_name="t.xlsx", user=None, actor=None, dry_run=False
    )


@pytest.mark.django_db
def test_the_excel_kind_reads_and_round_trips_the_year(world):
    header = ["活动编号", "组织编码", "活动类型", "开始时间", "主题", "所属年度"]
    ok = _load(
        [
            ["X-1", "ZB-A", "组织生活会", "2026-02-10 09:00", "年度会", 2025],
            ["X-2", "ZB-A", "主题党日", "2026-02-11 09:00", "主题党日", None],
        ],
        header,
    )
    assert not ok.errors, ok.errors
    assert dict(Activity.objects.values_list("code", "for_year")) == {"X-1": 2025, "X-2": 2026}
    assert ActivityOrg.objects.get(activity__code="X-1").for_year == 2025
    exported = {r[0]: r[-1] for r in ActivityExcel().export_rows(user=None, org_code=None)}
    assert exported == {"X-1": 2025, "X-2": 2026}
    assert ActivityExcel().columns[-1].header == "所属年度"
    # A file without the column leaves the year as it is.
    again = _load([["X-1", "ZB-A", "组织生活会", "2026-02-10 09:00", "年度会"]], header[:-1])
    assert not again.errors and Activity.objects.get(code="X-1").for_year == 2025
    bad = _load([["X-3", "ZB-A", "组织生活会", "2026-06-10 09:00", "年度会", 2025]], header)
    assert bad.errors and "所属年度" in bad.errors[0]
    assert not Activity.objects.filter(code="X-3").exists()


@pytest.mark.django_db
def test_the_list_selectors_take_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lianjian.activities.schemas import RuleFilter
    from lianjian.activities.selectors import rule_list

    def api_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert call("GET", "/activities?status=草稿", user=world.admin)[0] == 200
        return len(ctx.captured_queries)

    record("Q-0", "主题党日", world.zb_a, at(2026, 3, 1))
    small = api_queries()
    for i in range(1, 12):
        a = record(f"Q-{i}", "主题党日", world.zb_a, at(2026, 3, 1 + i), co_orgs=[world.zb_b])
        if i % 3 == 0:
            services.activity_void(actor=None, activity=a, reason="误录")
    assert api_queries() == small
    with django_assert_max_num_queries(1):
        assert len(list(rule_list(RuleFilter(org_kind="党支部")))) == 6
