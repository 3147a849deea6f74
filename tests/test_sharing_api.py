"""The sharing API: ``/api/v1/resources``, ``/api/v1/bookings``, ``/api/v1/needs`` × every persona.

Out of scope → 404 with the body of a missing object; visible but not changeable → 403;
a clash → 409 with the reason; bad input → 4xx ``{"detail": …}``; on every refusal
nothing changes.
"""

from __future__ import annotations

import pytest

from lianjian.core.models import AuditLog
from lianjian.notifications.models import Notification
from lianjian.sharing import services
from lianjian.sharing.models import Booking, Need, Resource
from tests.api_helpers import call
from tests.matrix import PERSONAS, api_call, assert_write
from tests.sharing_helpers import MANAGES, VISIBLE, at, future_monday, make_sharing

DAY = future_monday()
NOT_FOUND = {"detail": "未找到"}


@pytest.fixture
def sw(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    s = make_sharing(world)
    s.booking = services.booking_request(
        actor=world.manager_b,
        resource=s.r["R-A"],
        org=world.zb_b,
        start=at(DAY, 9),
        end=at(DAY, 11),
        purpose="主题党日",
    )
    return s


def state() -> list:
    return [
        list(Booking.objects.order_by("pk").values_list()),
        list(Resource.objects.order_by("pk").values_list()),
        list(Need.objects.order_by("pk").values_list()),
        AuditLog.objects.count(),
        Notification.objects.count(),
    ]


# ---- reads --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_resource_list_and_detail_follow_the_scope(world, sw, persona):
    user = getattr(world, persona)
    status, data = call("get", "/resources?page_size=500", user=user)
    assert status == 200
    assert {r["code"] for r in data["items"]} == VISIBLE[persona] and data["count"] == len(
        VISIBLE[persona]
    )
    for code in ("R-A", "R-C", "R-X"):
        status, body = call("get", f"/resources/{code}", user=user)
        assert (status == 200) is (code in VISIBLE[persona])
        if status == 404:
            assert body == NOT_FOUND


def test_a_resource_answers_in_english_fields_with_the_phone_masked_for_outsiders_of_it(world, sw):
    _, mine = call("get", "/resources/R-A", user=world.manager_a)
    assert mine == {
        "id": sw.r["R-A"].pk,
        "code": "R-A",
        "name": "营销服务党员活动室",
        "kind": "党员活动室",
        "owner": "ZB-A",
        "owner_name": "营销服务党支部",
        "sharing": "联建单位",
        "tags": ["活动阵地", "客户服务"],
        "description": "",
        "capacity": 20,
        "address": "营销服务中心三楼",
        "lat": 41.3,
        "lon": 123.7,
        "opening_hours": "周一至周五 08:30-17:30",
        "equipment": [],
        "expertise": [],
        "member": None,
        "contact": "张三",
        "phone": "13812345678",
        "is_active": True,
    }
    _, theirs = call("get", "/resources/R-A", user=world.manager_b)
    assert theirs["phone"] == "138****5678"


def test_resource_filters(world, sw):
    def codes(query):
        return {
            r["code"] for r in call("get", f"/resources?{query}", user=world.company)[1]["items"]
        }

    assert codes("kind=阵地") == {"R-B", "R-C"}
    assert codes("sharing=仅本组织") == {"R-AOWN"}
    assert codes("tag=安全培训") == {"R-B", "R-CALL"}
    assert codes("org=ZB-A") == {"R-A", "R-AOWN"}
    assert codes("q=活动室") == {"R-A", "R-C"}
    assert codes("org=ZB-X") == set()
    status, body = call("get", "/resources?kind=房间", user=world.company)
    assert status == 422 and body["detail"].startswith("kind：应为以下之一")


@pytest.mark.parametrize(
    "persona,seen",
    [
        ("admin", True),
        ("company", True),
        ("manager_a", True),
        ("member_a", True),
        ("manager_b", True),
        ("outsider", False),
    ],
)
def test_bookings_are_seen_by_both_sides(world, sw, persona, seen):
    status, data = api_call(world, persona, "get", "/bookings")
    assert status == 200 and (data["count"] == 1) is seen
    status, body = api_call(world, persona, "get", f"/bookings/{sw.booking.pk}")
    assert status == (200 if seen else 404)
    if seen:
        assert (
            body["resource"] == "R-A"
            and body["org"] == "ZB-B"
            and body["status"] == "待审批"
            and body["hours"] == 2.0
        )
        assert body["start"].startswith(f"{DAY}T09:00:00+08:00")


def test_booking_views_mine_and_approve(world, sw):
    def ids(user, view):
        return [b["id"] for b in call("get", f"/bookings?view={view}", user=user)[1]["items"]]

    assert ids(world.manager_b, "mine") == [sw.booking.pk] and ids(world.manager_b, "approve") == []
    assert ids(world.manager_a, "mine") == [] and ids(world.manager_a, "approve") == [sw.booking.pk]


@pytest.mark.parametrize(
    "persona,seen",
    [
        ("admin", True),
        ("company", True),
        ("manager_a", True),
        ("member_a", True),
        ("manager_b", True),
        ("outsider", False),
    ],
)
def test_needs_follow_their_sharing_level(world, sw, persona, seen):
    status, data = api_call(world, persona, "get", "/needs")
    assert status == 200 and (data["count"] == 1) is seen
    status, body = api_call(world, persona, "get", "/needs/XQ-A")
    assert status == (200 if seen else 404)
    if seen and persona == "manager_a":
        assert [(s["target_type"], s["target"], s["shared_tags"]) for s in body["suggestions"]] == [
            ("resource", "R-B", ["安全培训", "活动阵地"]),
            ("resource", "R-CALL", ["安全培训"]),
            ("org", "ZB-C", ["活动阵地"]),
        ]


# ---- writes -------------------------------------------------------------------------------


def _expected(persona: str, code: str, ok: int) -> int:
    if code not in VISIBLE[persona]:
        return 404
    return ok if code in MANAGES[persona] else 403


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("code", ["R-A", "R-B", "R-X"])
def test_resource_update_is_refused_outside_the_owners_managers(world, sw, persona, code):
    expected = _expected(persona, code, 200)
    if code == "R-X" and expected == 200:
        expected = 400  # an expert has no capacity
    status, body = assert_write(
        state,
        lambda: api_call(world, persona, "patch", f"/resources/{code}", body={"capacity": 10}),
        expected,
    )
    if status == 200:
        assert body["capacity"] == 10


@pytest.mark.parametrize(
    "persona,owner,expected",
    [
        ("admin", "ZB-A", 201),
        ("company", "ZB-B", 201),
        ("manager_a", "ZB-A", 201),
        ("manager_a", "ZB-B", 400),
        ("member_a", "ZB-A", 403),
        ("manager_b", "ZB-B", 201),
        ("outsider", "ZB-A", 400),
        ("company", "DW2", 400),
    ],
)
def test_resource_create_needs_a_managed_owner(world, sw, persona, owner, expected):
    status, body = assert_write(
        state,
        lambda: api_call(
            world,
            persona,
            "post",
            "/resources",
            body={
                "name": "新阵地",
                "kind": "阵地",
                "owner": owner,
                "opening_hours": "周一 9:00-12:00",
            },
        ),
        expected,
    )
    if status == 201:
        assert (body["code"], body["opening_hours"], body["owner"]) == (
            "ZY-0001",
            "周一 09:00-12:00",
            owner,
        )


def test_resource_create_refuses_bad_input_in_chinese(world, sw):
    for payload, detail in [
        (
            {"name": "x", "kind": "阵地", "owner": "ZB-A", "opening_hours": "早上"},
            "opening_hours：“早上”应以星期开头，如“周一至周五 08:30-17:30”",
        ),
        (
            {"name": "x", "kind": "设备", "owner": "ZB-A", "capacity": 3},
            "capacity：只有阵地、党员活动室和教育基地可以填写容纳人数",
        ),
        (
            {"name": "x", "kind": "阵地", "owner": "ZB-A", "code": "R-A"},
            "code：资源编号已存在：R-A",
        ),
        ({"name": "x", "kind": "阵地", "owner": "ZB-A", "colour": "red"}, "colour：不支持的字段"),
        (
            {"name": "x", "kind": "阵地", "owner": "ZB-A", "description": "长" * 5001},
            "description：长度不能超过 5000 个字符",
        ),
    ]:
        status, body = call("post", "/resources", user=world.admin, body=payload)
        assert status in (400, 422) and body == {"detail": detail}


def _booking(org: str, start: int, end: int, resource: str = "R-A") -> dict:
    return {
        "resource": resource,
        "org": org,
        "start": at(DAY, start).isoformat(),
        "end": at(DAY, end).isoformat(),
        "purpose": "联合党课",
    }


@pytest.mark.parametrize(
    "persona,body,expected",
    [
        ("manager_b", _booking("ZB-B", 14, 16), 201),
        ("manager_b", _booking("ZB-B", 10, 12), 409),
        ("manager_b", _booking("ZB-A", 14, 16), 400),
        ("manager_b", _booking("ZB-B", 14, 16, "R-AOWN"), 400),
        ("manager_b", _booking("ZB-B", 18, 19), 400),
        ("manager_b", _booking("ZB-X", 14, 16), 400),
        ("member_a", _booking("ZB-A", 14, 16), 403),
        ("outsider", _booking("ZB-X", 14, 16), 400),
        ("manager_a", _booking("ZB-A", 11, 12), 201),
    ],
)
def test_booking_requests(world, sw, persona, body, expected):
    status, data = assert_write(
        state, lambda: api_call(world, persona, "post", "/bookings", body=body), expected
    )
    if status == 201:
        assert data["status"] == "待审批" and data["requested_by"] == persona
        assert Booking.objects.count() == 2
    if status == 409:
        assert data == {
            "detail": "该时段已被预约（与已有的待审批或已批准预约重叠），请选择其他时间"
        }


def test_a_naive_time_is_beijing_time(world, sw):
    body = {**_booking("ZB-B", 14, 16), "start": f"{DAY}T14:00:00", "end": f"{DAY}T16:00:00"}
    status, data = call("post", "/bookings", user=world.manager_b, body=body)
    assert status == 201 and data["start"] == f"{DAY}T14:00:00+08:00"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "action,body,deciders",
    [
        ("approve", None, {"admin", "company", "manager_a"}),
        ("decline", {"reason": "检修"}, {"admin", "company", "manager_a"}),
        ("cancel", {"reason": "改期"}, {"admin", "company", "manager_b"}),
    ],
)
def test_decisions_by_persona(world, sw, persona, action, body, deciders):
    expected = 404 if persona == "outsider" else 200 if persona in deciders else 403
    status, data = assert_write(
        state,
        lambda: api_call(
            world, persona, "post", f"/bookings/{sw.booking.pk}/{action}", body=body or {}
        ),
        expected,
    )
    if status == 200:
        assert (
            data["status"] == {"approve": "已批准", "decline": "已拒绝", "cancel": "已取消"}[action]
        )


def test_illegal_transitions_answer_400_and_change_nothing(world, sw):
    call("post", f"/bookings/{sw.booking.pk}/approve", user=world.manager_a)
    before = state()
    status, body = call(
        "post", f"/bookings/{sw.booking.pk}/decline", user=world.manager_a, body={"reason": "x"}
    )
    assert status == 400 and body == {"detail": "只有待审批的预约可以审批（当前：已批准）"}
    status, body = call("post", f"/bookings/{sw.booking.pk}/decline", user=world.manager_a, body={})
    assert status == 400
    assert state() == before
    status, body = call("post", "/bookings/99999999/approve", user=world.admin)
    assert status == 404 and body == NOT_FOUND


@pytest.mark.parametrize(
    "persona,org,expected",
    [
        ("manager_a", "ZB-A", 201),
        ("manager_a", "ZB-B", 400),
        ("member_a", "ZB-A", 403),
        ("company", "WB-GOV", 201),
    ],
)
def test_posting_a_need(world, sw, persona, org, expected):
    status, body = assert_write(
        state,
        lambda: api_call(
            world,
            persona,
            "post",
            "/needs",
            body={"org": org, "title": "需要讲师", "tags": ["培训师资"]},
        ),
        expected,
    )
    if status == 201:
        assert (
            body["status"] == "待对接" and body["code"].startswith("XQ") and body["matches"] == []
        )
    status, body = call(
        "post", "/needs", user=world.admin, body={"org": "ZB-A", "title": "x", "tags": []}
    )
    assert (status, body) == (400, {"detail": "tags：请至少填写一个标签，用于匹配资源和合作单位"})


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/resources"),
        ("get", "/resources/R-A"),
        ("post", "/resources"),
        ("patch", "/resources/R-A"),
        ("get", "/bookings"),
        ("get", "/bookings/1"),
        ("post", "/bookings"),
        ("post", "/bookings/1/approve"),
        ("post", "/bookings/1/decline"),
        ("post", "/bookings/1/cancel"),
        ("get", "/needs"),
        ("get", "/needs/XQ-A"),
        ("post", "/needs"),
    ],
)
def test_every_endpoint_needs_a_token(world, sw, method, path):
    before = state()
    status, body = call(method, path, body={} if method != "get" else None)
    assert status == 401 and body["detail"].startswith("未登录或令牌无效")
    assert state() == before
