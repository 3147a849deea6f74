"""One filter per list: for every list served by a screen and the API, the same parameters
and the same user give the same rows on both edges (core.filters.LISTS)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import autodiscover_modules

from lianjian.core.filters import LISTS
from tests.api_helpers import call

autodiscover_modules("selectors")

PERSONAS = ["admin", "company", "manager_a", "member_a", "manager_b", "outsider"]

# Parameter sets per list; each is tried for every persona. Every registered list needs some.
CASES: dict[str, list[dict[str, str]]] = {
    "orgs": [
        {"q": "支部"}, {"q": "zb-"}, {"kind": "党支部"}, {"under": "DW"}, {"under": "ZB-B"},
        {"parent": "DW"}, {"partner": "true"}, {"partner": "false"}, {"include_dissolved": "1"},
        {"warning": "few_full"}, {"kind": "党委", "partner": "true"},
    ],
    "members": [
        {}, {"q": "M-A"}, {"q": "m-a1"}, {"q": "zs"}, {"q": "张"}, {"org": "ZB-A"}, {"under": "DW"},
        {"under": "ZB-B"}, {"category": "预备党员"}, {"post": "书记"}, {"floating": "1"},
        {"include_left": "1"}, {"q": "M", "under": "DW", "category": "正式党员"},
    ],
    # ``org`` out of scope answers 404 on both edges (tests/test_activities_void_year.py).
    "activities": [
        {}, {"q": "主题"}, {"q": "LF-A"}, {"q": "活动室"}, {"type": "主题党日"}, {"status": "草稿"},
        {"status": "已作废"}, {"year": "2026"}, {"year": "2026", "month": "3"}, {"year": "2025"},
        {"alliance": "NOPE"}, {"type": "党课", "year": "2026"},
    ],
    "rules": [
        {}, {"activity_type": "支部委员会"}, {"org_kind": "党小组"}, {"frequency": "月度"}, {"active": "true"},
        {"active": "false"}, {"org_kind": "党支部", "frequency": "年度"},
    ],
    # The API requires ``year``; an ``org`` out of scope answers 404 on both edges.
    "compliance": [
        {"year": "2026"}, {"year": "2025"}, {"year": "2026", "org": "DW"}, {"year": "2026", "org": "ZB-A"},
        {"year": "2026", "org": "ZB-A", "subtree": "false"}, {"year": "2026", "rule": "主题党日"},
        {"year": "2026", "rule": "党小组会", "org": "DW"}, {"year": "2026", "only": "problem"},
        {"year": "2025", "only": "problem", "rule": "组织生活会"}, {"year": "2026", "org": "ZB-X"},
    ],
}


def test_every_registered_list_is_checked():
    assert set(LISTS) == set(CASES)


def _screen_keys(user, entry, params) -> list[str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse(entry.screen), {**params, "size": 200})
    assert response.status_code == 200
    return [str(getattr(row, entry.key)) for row in response.context["page"].object_list]


def _api_keys(user, entry, params) -> list[str]:
    status, data = call("get", f"{entry.api}?{urlencode({**params, 'page_size': 500})}", user=user)
    assert status == 200, data
    return [str(item[entry.key]) for item in data["items"]]


@pytest.fixture
def activity_rows(world):
    """Activities of A and B, one joint, one voided draft (left out unless asked for)."""
    from lianjian.activities import services
    from lianjian.activities.selectors import TZ

    def rec(code, atype, host, *co, month=3, status="已通过"):
        return services.activity_record(actor=None, code=code, type=atype, host=host, co_orgs=list(co),
                                        start=datetime.datetime(2026, month, 5, 9, tzinfo=TZ), topic=f"{atype}{code}",
                                        venue="党员活动室", status=status)
    rec("LF-A", "主题党日", world.zb_a)
    rec("LF-AB", "联建活动", world.zb_a, world.zb_b, month=4)
    rec("LF-B", "党课", world.zb_b, month=5)
    draft = rec("LF-D", "主题党日", world.zb_a, status="草稿")
    rec("LF-V", "主题党日", world.zb_b, status="草稿")
    services.activity_void(actor=None, activity=draft, reason="重复登记")


def _compliance_rows(response, rows) -> list[tuple]:
    return [(r.org, r.rule, r.period, r.required, r.held, r.status) for r in rows] if response.status_code == 200 else []


def _screen_compliance(user, params) -> tuple[int, list[tuple]]:
    """The rows of the matrix (all its organisations fit on one page here) and of its export."""
    client = Client()
    client.force_login(user)
    response = client.get(reverse("activities:compliance_matrix"), params)
    rows = [row for m in response.context["page"].object_list for row in m.rows] if response.status_code == 200 else []
    export = client.get(reverse("activities:compliance_export"), params)
    assert export.status_code == response.status_code
    return response.status_code, _compliance_rows(response, rows)


def _api_compliance(user, params) -> tuple[int, list[tuple]]:
    status, data = call("get", f"/compliance?{urlencode(params)}", user=user)
    rows = [(r["org"], r["rule"], r["period"], r["required"], r["held"], r["status"]) for r in data.get("results", [])]
    return status, rows


@pytest.fixture
def compliance_rows(world):
    """A counted 主题党日 of ZB-A with XZ-A1 as co-organiser, and ZB-A's 2025年度 组织生活会
    held in February 2026 (所属年度 2025)."""
    from lianjian.activities import services
    from lianjian.activities.selectors import TZ

    services.activity_record(actor=None, code="LF-C1", type="主题党日", host=world.zb_a, co_orgs=[world.xz_a1],
                             start=datetime.datetime(2026, 3, 5, 9, tzinfo=TZ), topic="联合主题党日",
                             venue="党员活动室", status="已通过")
    services.activity_record(actor=None, code="LF-C2", type="组织生活会", host=world.zb_a, for_year=2025,
                             start=datetime.datetime(2026, 2, 10, 9, tzinfo=TZ), topic="2025年度组织生活会",
                             venue="党员活动室", status="已通过")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "params"), [(n, p) for n, cases in CASES.items() for p in cases])
def test_screen_and_api_list_the_same_rows(world, name, params, persona, request):
    user = getattr(world, persona)
    if name == "compliance":
        request.getfixturevalue("compliance_rows")
        screen = _screen_compliance(user, params)
        assert screen == _api_compliance(user, params)
        assert screen[0] in (200, 404)
        return
    if name == "activities":
        request.getfixturevalue("activity_rows")
    entry = LISTS[name]
    assert _screen_keys(user, entry, params) == _api_keys(user, entry, params)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_organisation_compliance_page_shows_the_rows_the_api_gives_for_that_organisation(world, compliance_rows,
                                                                                           persona):
    user = getattr(world, persona)
    client = Client()
    client.force_login(user)
    for code in ("ZB-A", "XZ-A1", "ZB-B", "DW"):
        for year in ("2025", "2026"):
            response = client.get(reverse("activities:compliance_org", args=[code]), {"year": year})
            rows = [r for rows in response.context["by_rule"].values() for r in rows] if response.status_code == 200 else []
            api = _api_compliance(user, {"year": year, "org": code, "subtree": "false"})
            assert (response.status_code, _compliance_rows(response, rows)) == api, (code, year)


def test_the_2025_annual_meeting_held_in_2026_is_a_2025_row_on_both_edges(world, compliance_rows):
    params = {"year": "2025", "org": "ZB-A", "subtree": "false", "rule": "组织生活会"}
    expected = (200, [("ZB-A", "组织生活会", "2025", 1, 1, "ok")])
    assert _screen_compliance(world.manager_a, params) == expected == _api_compliance(world.manager_a, params)
    params["year"] = "2026"
    assert _api_compliance(world.manager_a, params)[1][0][4] == 0


def test_the_compliance_selector_takes_a_fixed_number_of_queries(world, compliance_rows, django_assert_max_num_queries):
    from lianjian.activities.schemas import ComplianceFilter
    from lianjian.activities.selectors import TZ, compliance_list
    from lianjian.activities.services import activity_record
    from lianjian.orgs.services import org_create

    today = datetime.date(2026, 11, 21)
    f = ComplianceFilter(year=2026, org="DW", only="problem")
    with django_assert_max_num_queries(9):
        small = compliance_list(world.admin, f, today=today)
    for i in range(12):
        org = org_create(actor=None, code=f"ZB-Q{i}", name=f"支部{i}", kind="党支部", parent=world.dw)
        activity_record(actor=None, code=f"LF-Q{i}", type="主题党日", host=org, co_orgs=[world.zb_a], venue="活动室",
                        start=datetime.datetime(2026, 3, 2, 9, tzinfo=TZ), topic=f"活动{i}", status="已通过")
    with django_assert_max_num_queries(9):
        large = compliance_list(world.admin, f, today=today)
    assert len({r.org for r in large.rows}) > len({r.org for r in small.rows})


def test_a_member_search_by_number_prefix_finds_the_same_members_on_both_edges(world):
    # The disagreement this mechanism ended: the screen found 0 members for "M-A", the API 2.
    entry = LISTS["members"]
    assert _screen_keys(world.admin, entry, {"q": "M-A"}) == ["M-A1", "M-A2"]
    assert _api_keys(world.admin, entry, {"q": "M-A"}) == ["M-A1", "M-A2"]
