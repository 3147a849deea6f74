"""Sharing screens: permission matrix for every view (GET and POST), denials change
nothing, the booking flow through the forms, pinned query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianjian.core.models import AuditLog
from lianjian.notifications.models import Notification
from lianjian.sharing import services
from lianjian.sharing.models import Booking, Match, Need, Project, Resource, ResourcePhoto
from tests.alliance_helpers import PNG_BYTES
from tests.matrix import PERSONAS, assert_write, by_persona, cases, client_for, keys, visible_row
from tests.sharing_helpers import VISIBLE, at, future_monday, make_sharing

DAY = future_monday()


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
    s.project = services.project_create(
        actor=None,
        code="XM-B",
        org=world.zb_b,
        title="设备带电检测攻关",
        partners_wanted=["培训师资"],
        sharing="联建单位",
    )
    s.match = services.match_create(actor=None, need=s.need, resource=s.r["R-B"])
    s.photo = services.photo_add(
        actor=None, resource=s.r["R-A"], upload=SimpleUploadedFile("a.png", PNG_BYTES)
    )
    return s


def url(sw, name: str, *args) -> str:
    values = {"B": sw.booking.pk, "P": sw.photo.pk, "M": sw.match.pk}
    return reverse(f"sharing:{name}", args=[values.get(a, a) for a in args])


def _visible(code: str) -> list[int]:
    return visible_row(code, VISIBLE)


GET_MATRIX = {
    ("resource_list",): [200, 200, 200, 200, 200, 200],
    ("resource_create",): [200, 200, 200, 403, 200, 200],
    ("resource_detail", "R-A"): _visible("R-A"),
    ("resource_detail", "R-AOWN"): _visible("R-AOWN"),
    ("resource_detail", "R-C"): _visible("R-C"),
    ("resource_detail", "R-X"): _visible("R-X"),
    ("resource_edit", "R-A"): [200, 200, 200, 403, 403, 404],
    ("resource_edit", "R-B"): [200, 200, 403, 403, 200, 404],
    ("booking_create", "R-A"): [302, 302, 302, 403, 302, 404],
    ("photo", "R-A", "P"): _visible("R-A"),
    ("photo_delete", "R-A", "P"): [200, 200, 200, 403, 403, 404],
    ("booking_list",): [200, 200, 200, 200, 200, 200],
    ("booking_detail", "B"): [200, 200, 200, 200, 200, 404],
    ("booking_decline", "B"): [200, 200, 200, 403, 403, 404],
    ("booking_cancel", "B"): [200, 200, 403, 403, 200, 404],
    ("need_list",): [200, 200, 200, 200, 200, 200],
    ("need_create",): [200, 200, 200, 403, 200, 200],
    ("need_detail", "XQ-A"): [200, 200, 200, 200, 200, 404],
    ("need_edit", "XQ-A"): [200, 200, 200, 403, 403, 404],
    ("project_list",): [200, 200, 200, 200, 200, 200],
    ("project_create",): [200, 200, 200, 403, 200, 200],
    ("project_detail", "XM-B"): [200, 200, 200, 200, 200, 404],
    ("project_edit", "XM-B"): [200, 200, 403, 403, 200, 404],
    ("usage",): [200, 200, 200, 200, 200, 200],
}


@pytest.mark.parametrize("key", keys(GET_MATRIX))
def test_every_screen_answers_by_scope(world, sw, key):
    assert (
        by_persona(lambda p: client_for(world, p).get(url(sw, *key)).status_code) == GET_MATRIX[key]
    )


def test_anonymous_users_are_sent_to_login(world, sw):
    for key in GET_MATRIX:
        response = Client().get(url(sw, *key))
        assert response.status_code == 302 and response["Location"].startswith(
            "/accounts/login/"
        ), key


@pytest.mark.parametrize(
    "name,query",
    [
        ("resource_list", "org=ZB-A"),
        ("need_list", "org=ZB-A"),
        ("project_list", "org=ZB-A"),
        ("usage", "org=ZB-A"),
    ],
)
def test_filtering_by_an_organisation_out_of_scope_lists_nothing_and_the_report_is_404(
    world, sw, name, query
):
    # A list answers as the API does: the filter matches none of the rows the user may see.
    # The usage report is about that one organisation, so it does not exist for them.
    response = client_for(world, "manager_b").get(f"{url(sw, name)}?{query}")
    if name == "usage":
        assert response.status_code == 404
    else:
        assert (response.status_code, list(response.context["page"].object_list)) == (200, [])
        assert "营销服务党支部" not in response.content.decode()
    assert client_for(world, "manager_a").get(f"{url(sw, name)}?{query}").status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_resource_list_shows_exactly_the_visible_resources(world, sw, persona):
    response = client_for(world, persona).get(url(sw, "resource_list"), {"size": 100})
    assert {r.code for r in response.context["page"].object_list} == VISIBLE[persona]


def test_list_filters_search_kind_level_and_tag(world, sw):
    c = client_for(world, "company")
    codes = lambda **q: {  # noqa: E731
        r.code for r in c.get(url(sw, "resource_list"), q).context["page"].object_list
    }  # noqa: E731
    assert codes(q="活动室") == {"R-A", "R-C"}
    assert codes(kind="场地") == {"R-A", "R-B", "R-C", "R-GOV"}
    assert codes(kind="课程") == {"R-CALL"}
    assert codes(sharing="仅本组织") == {"R-AOWN"}
    assert codes(tag="安全培训") == {"R-B", "R-CALL"}
    assert codes(org="ZB-A") == {"R-A", "R-AOWN"}
    htmx = c.get(url(sw, "resource_list"), {"q": "阵地"}, HTTP_HX_REQUEST="true")
    assert "<html" not in htmx.content.decode() and "运维检修党建阵地" in htmx.content.decode()


def test_the_phone_is_masked_for_those_who_do_not_manage_the_resource(world, sw):
    assert (
        "13812345678"
        in client_for(world, "manager_a").get(url(sw, "resource_detail", "R-A")).content.decode()
    )
    page = client_for(world, "manager_b").get(url(sw, "resource_detail", "R-A")).content.decode()
    assert "13812345678" not in page and "138****5678" in page


def state() -> list:
    return [
        list(Booking.objects.order_by("pk").values_list()),
        list(Resource.objects.order_by("pk").values_list()),
        list(Match.objects.order_by("pk").values_list()),
        list(Need.objects.order_by("pk").values_list()),
        list(Project.objects.order_by("pk").values_list()),
        ResourcePhoto.objects.count(),
        AuditLog.objects.count(),
        Notification.objects.count(),
    ]


POST_MATRIX = {
    ("booking_approve", "B"): ({}, [302, 302, 302, 403, 403, 404]),
    ("booking_decline", "B"): ({"reason": "检修"}, [302, 302, 302, 403, 403, 404]),
    ("booking_cancel", "B"): ({"reason": "改期"}, [302, 302, 403, 403, 302, 404]),
    ("resource_edit", "R-A"): (
        {"name": "改名", "kind": "阵地", "owner": "ZB-A", "sharing": "联建单位"},
        [302, 302, 302, 403, 403, 404],
    ),
    ("photo_upload", "R-A"): ({"file": "png"}, [302, 302, 302, 403, 403, 404]),
    ("photo_delete", "R-A", "P"): ({}, [302, 302, 302, 403, 403, 404]),
    ("need_match", "XQ-A"): ({"target": "org:ZB-C"}, [302, 302, 302, 403, 403, 404]),
    ("need_edit", "XQ-A"): (
        {"title": "改", "org": "ZB-A", "tags": "x", "sharing": "联建单位", "status": "已关闭"},
        [302, 302, 302, 403, 403, 404],
    ),
    ("project_match", "XM-B"): ({"target": "org:ZB-C"}, [302, 302, 403, 403, 302, 404]),
    ("match_status", "M"): ({"status": "已达成"}, [302, 302, 302, 403, 403, 404]),
    ("booking_create", "R-A"): (
        {"org": "ZB-B", "start": f"{DAY}T14:00", "end": f"{DAY}T15:00", "purpose": "联学"},
        [302, 302, 400, 403, 302, 404],
    ),
}


@pytest.mark.parametrize(("key", "persona"), cases(POST_MATRIX))
def test_writes_are_refused_out_of_scope_and_read_only_changing_nothing(world, sw, key, persona):
    body, statuses = POST_MATRIX[key]
    if body.get("file") == "png":
        body = {"file": SimpleUploadedFile("b.png", PNG_BYTES, "image/png")}
    assert_write(
        state,
        lambda: client_for(world, persona).post(url(sw, *key), body),
        statuses[PERSONAS.index(persona)],
    )


def test_a_manager_books_through_the_form_and_the_owner_approves(world, sw):
    c = client_for(world, "manager_b")
    response = c.post(
        url(sw, "booking_create", "R-A"),
        {
            "org": "ZB-B",
            "start": f"{DAY}T09:30",
            "end": f"{DAY}T10:30",
            "purpose": "再次申请",
            "expected_people": "5",
        },
    )
    assert response.status_code == 400
    assert "该时段已被预约" in response.content.decode()
    response = c.post(
        url(sw, "booking_create", "R-A"),
        {
            "org": "ZB-B",
            "start": f"{DAY}T14:00",
            "end": f"{DAY}T16:00",
            "purpose": "联合党课",
            "expected_people": "30",
        },
    )
    assert (
        response.status_code == 400
        and "预计人数 30 人超过容纳人数 20 人" in response.content.decode()
    )
    response = c.post(
        url(sw, "booking_create", "R-A"),
        {
            "org": "ZB-B",
            "start": f"{DAY}T14:00",
            "end": f"{DAY}T16:00",
            "purpose": "联合党课",
            "expected_people": "18",
        },
    )
    booking = Booking.objects.get(purpose="联合党课")
    assert response.status_code == 302 and response["Location"] == url(
        sw, "booking_detail", booking.pk
    )
    owner = client_for(world, "manager_a")
    assert "待审批" in owner.get(url(sw, "booking_list") + "?tab=approve").content.decode()
    owner.post(url(sw, "booking_approve", booking.pk))
    assert Booking.objects.get(pk=booking.pk).status == "已批准"
    page = c.get(url(sw, "resource_detail", "R-A") + f"?month={DAY:%Y-%m}").content.decode()
    assert "14:00–16:00" in page and "运维检修党支部" in page


def test_other_units_see_a_taken_slot_without_its_details(world, sw):
    services.booking_request(
        actor=world.admin,
        resource=sw.r["R-B"],
        org=world.zb_b,
        start=at(DAY, 9),
        end=at(DAY, 10),
        purpose="内部会议",
    )
    page = (
        client_for(world, "manager_a")
        .get(url(sw, "resource_detail", "R-B") + f"?month={DAY:%Y-%m}")
        .content.decode()
    )
    assert "09:00–10:00" in page and "已占用" in page and "内部会议" not in page


def test_a_decline_without_a_reason_is_refused_and_changes_nothing(world, sw):
    before = state()
    response = client_for(world, "manager_a").post(
        url(sw, "booking_decline", sw.booking.pk), {"reason": ""}
    )
    assert response.status_code == 400 and "这个字段是必填项" in response.content.decode()
    assert state() == before


def test_a_photo_that_is_not_an_image_is_refused(world, sw):
    before = state()
    response = client_for(world, "manager_a").post(
        url(sw, "photo_upload", "R-A"),
        {"file": SimpleUploadedFile("x.png", b"<html>", "image/png")},
        follow=True,
    )
    assert "只能上传 PNG 或 JPEG 图片" in response.content.decode()
    assert state() == before


def test_creating_a_resource_and_a_need_through_the_forms(world, sw):
    c = client_for(world, "manager_a")
    response = c.post(
        url(sw, "resource_create"),
        {"name": "新活动室", "kind": "党员活动室", "owner": "ZB-B", "sharing": "联建单位"},
    )
    assert (
        response.status_code == 400
        and "组织编码不存在或不在您的管理范围内" in response.content.decode()
    )
    response = c.post(
        url(sw, "resource_create"),
        {
            "name": "新活动室",
            "kind": "党员活动室",
            "owner": "ZB-A",
            "sharing": "联建单位",
            "opening_hours": "周一 9:00-11:00",
            "tags": "活动阵地、红色教育",
            "capacity": "12",
            "is_active": "on",
        },
    )
    r = Resource.objects.get(name="新活动室")
    assert response.status_code == 302 and (r.code, r.opening_hours, r.tags) == (
        "ZY-0001",
        "周一 09:00-11:00",
        ["活动阵地", "红色教育"],
    )
    response = c.post(
        url(sw, "need_create"),
        {"title": "需要讲师", "org": "ZB-A", "tags": "", "sharing": "全部内部组织"},
    )
    assert response.status_code == 400 and "请至少填写一个标签" in response.content.decode()
    response = c.post(
        url(sw, "need_create"),
        {"title": "需要讲师", "org": "ZB-A", "tags": "培训师资", "sharing": "全部内部组织"},
    )
    need = Need.objects.get(title="需要讲师")
    assert response.status_code == 302 and need.code.startswith("XQ") and need.status == "待对接"
    assert "安全生产专题课" in c.get(url(sw, "need_detail", need.code)).content.decode()


def test_a_huge_text_in_a_form_is_refused_with_the_limit_and_nothing_is_saved(world, sw):
    c = client_for(world, "manager_a")
    before = (Resource.objects.count(), Need.objects.count(), Project.objects.count())
    response = c.post(
        url(sw, "resource_create"),
        {
            "name": "长说明",
            "kind": "阵地",
            "owner": "ZB-A",
            "sharing": "联建单位",
            "description": "长" * 5001,
        },
    )
    assert response.status_code == 400 and "5000" in response.content.decode()
    response = c.post(
        url(sw, "need_create"),
        {
            "title": "长需求",
            "org": "ZB-A",
            "tags": "培训师资",
            "sharing": "全部内部组织",
            "description": "长" * 10_001,
        },
    )
    assert response.status_code == 400 and "10000" in response.content.decode()
    response = c.post(
        url(sw, "project_create"),
        {
            "title": "长项目",
            "org": "ZB-A",
            "partners_wanted": "专家",
            "sharing": "全部内部组织",
            "description": "长" * 10_001,
        },
    )
    assert response.status_code == 400 and "10000" in response.content.decode()
    assert (Resource.objects.count(), Need.objects.count(), Project.objects.count()) == before


# ---- pinned query counts ------------------------------------------------------------------


def _count(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def _more(world, sw, n: int) -> None:
    for i in range(n):
        r = services.resource_create(
            actor=None,
            code=f"R-MORE-{i}",
            name=f"活动室 {i}",
            kind="阵地",
            owner=world.zb_b,
            sharing="全部内部组织",
            tags=["活动阵地", "安全培训"],
            lat=41.0 + i / 100,
            lon=123.5,
        )
        for k in range(3):
            b = services.booking_request(
                actor=world.admin,
                resource=r,
                org=world.zb_a,
                start=at(DAY + datetime.timedelta(days=k), 9),
                end=at(DAY + datetime.timedelta(days=k), 11),
                purpose="联学",
            )
            services.booking_approve(actor=world.admin, booking=b)
        services.match_create(actor=None, need=sw.need, resource=r)


@pytest.mark.parametrize(
    "path,limit",
    [
        ("/sharing/", 12),
        ("/sharing/r/R-B/", 16),
        ("/sharing/bookings/?tab=all", 12),
        ("/sharing/needs/XQ-A/", 16),
        ("/sharing/needs/", 12),
        (f"/sharing/usage/?year={DAY.year}", 16),
    ],
)
def test_screens_issue_a_fixed_number_of_queries(world, sw, path, limit):
    c = client_for(world, "company")
    services.booking_approve(actor=world.admin, booking=sw.booking)
    small = _count(c, path)
    _more(world, sw, 12)
    large = _count(c, path)
    assert small == large <= limit, (small, large)
