"""``/api/v1/activities`` and ``/api/v1/compliance``: scope matrix, create, errors."""

from __future__ import annotations

import datetime

import pytest

from lianjian.activities import services
from lianjian.activities.models import Activity, ActivityStatus
from lianjian.activities.selectors import TZ
from tests.api_helpers import call
from tests.matrix import PERSONAS, api_call


@pytest.fixture
def acts(world):
    def rec(code, atype, host, *co, day=5, status=ActivityStatus.APPROVED):
        return services.activity_record(
            actor=None,
            code=code,
            type=atype,
            host=host,
            co_orgs=list(co),
            start=datetime.datetime(2025, 3, day, 9, tzinfo=TZ),
            topic=code,
            status=status,
        )

    return [
        rec("ACT-A", "主题党日", world.zb_a),
        rec("ACT-AB", "联建活动", world.zb_a, world.zb_b, day=6),
        rec("ACT-B", "党课", world.zb_b, day=7),
    ]


LIST = {
    "admin": ["ACT-B", "ACT-AB", "ACT-A"],
    "company": ["ACT-B", "ACT-AB", "ACT-A"],
    "manager_a": ["ACT-AB", "ACT-A"],
    "member_a": ["ACT-AB", "ACT-A"],
    "manager_b": ["ACT-B", "ACT-AB"],
    "outsider": [],
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_and_details_show_only_the_callers_scope(world, acts, persona):
    status, body = api_call(world, persona, "GET", "/activities")
    assert status == 200
    assert [a["code"] for a in body["items"]] == LIST[persona] and body["count"] == len(
        LIST[persona]
    )
    for code in ("ACT-A", "ACT-AB", "ACT-B"):
        status, detail = api_call(world, persona, "GET", f"/activities/{code}")
        assert status == (200 if code in LIST[persona] else 404)
        if status == 404:
            assert detail == {"detail": "未找到"}


@pytest.mark.django_db
def test_the_detail_has_the_contract_fields(world, acts):
    status, body = call("GET", "/activities/ACT-AB", user=world.admin)
    assert status == 200
    assert (body["host"], body["orgs"], body["type"], body["start"], body["status"]) == (
        "ZB-A",
        ["ZB-A", "ZB-B"],
        "联建活动",
        "2025-03-06T09:00:00+08:00",
        "已通过",
    )
    assert body["attendance"] == []


@pytest.mark.django_db
def test_list_filters(world, acts):
    assert call("GET", "/activities?org=ZB-B", user=world.admin)[1]["count"] == 2
    assert call("GET", "/activities?type=党课", user=world.admin)[1]["count"] == 1
    assert call("GET", "/activities?year=2025&month=3", user=world.admin)[1]["count"] == 3
    assert call("GET", "/activities?year=2025&month=4", user=world.admin)[1]["count"] == 0
    # An organisation out of scope answers 404, as the screen does (one filter, one rule).
    assert call("GET", "/activities?org=ZB-A", user=world.manager_b)[0] == 404
    status, body = call("GET", "/activities?page_size=501", user=world.admin)
    assert status == 422 and "page_size" in body["detail"]


NEW = {
    "type": "主题党日",
    "orgs": ["ZB-A"],
    "start": "2025-05-05T09:00:00",
    "topic": "新活动",
    "code": "NEW-1",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona,expected",
    [
        ("admin", 201),
        ("company", 201),
        ("manager_a", 201),
        ("member_a", 403),
        ("manager_b", 400),
        ("outsider", 400),
    ],
)
def test_create_needs_a_host_the_caller_manages(world, acts, persona, expected):
    status, body = api_call(world, persona, "POST", "/activities", body=NEW)
    assert status == expected
    assert Activity.objects.filter(code="NEW-1").exists() == (expected == 201)
    if expected == 201:
        assert (body["code"], body["status"], body["start"]) == (
            "NEW-1",
            "草稿",
            "2025-05-05T09:00:00+08:00",
        )


@pytest.mark.django_db
def test_create_refuses_bad_input_with_chinese_details(world, acts):
    assert call("POST", "/activities", user=world.admin, body={**NEW, "type": "开会"})[0] == 422
    status, body = call("POST", "/activities", user=world.admin, body={**NEW, "code": "ACT-A"})
    assert (status, body["detail"]) == (400, "code：活动编号已存在：ACT-A")
    status, body = call(
        "POST", "/activities", user=world.admin, body={**NEW, "orgs": ["ZB-A", "ZB-A"]}
    )
    assert status == 400
    status, body = call(
        "POST", "/activities", user=world.manager_a, body={**NEW, "orgs": ["ZB-A", "ZB-B"]}
    )
    assert (status, body["detail"]) == (400, "协办组织不存在：ZB-B")
    status, body = call(
        "POST",
        "/activities",
        user=world.admin,
        body={**NEW, "expected_count": 2, "present_count": 3},
    )
    assert status == 400 and "实到人数不能多于应到人数" in body["detail"]
    assert Activity.objects.count() == 3


@pytest.mark.django_db
def test_compliance_endpoint_is_scoped(world, acts):
    status, body = call("GET", "/compliance?year=2025&org=ZB-A", user=world.manager_a)
    assert status == 200 and body["year"] == 2025
    assert {r["org"] for r in body["results"]} == {"ZB-A", "XZ-A1"}
    march = [
        r
        for r in body["results"]
        if r["org"] == "ZB-A" and r["rule"] == "主题党日" and r["period"] == "2025-03"
    ]
    assert march == [
        {
            "org": "ZB-A",
            "rule": "主题党日",
            "period": "2025-03",
            "required": 1,
            "held": 1,
            "status": "ok",
        }
    ]  # ACT-AB is a 联建活动, another rule
    assert call("GET", "/compliance?year=2025&org=ZB-B", user=world.manager_a)[0] == 404
    assert {
        r["org"] for r in call("GET", "/compliance?year=2025", user=world.outsider)[1]["results"]
    } == {"ZB-X"}
    assert call("GET", "/compliance", user=world.admin)[0] == 422
    assert call("GET", "/compliance?year=2025")[0] == 401
