"""Screens of 揭榜挂帅: 发榜 with pickers' codes, 揭榜 refused in Chinese for a branch the
call is not open to, certificates checked by content and served to whoever sees the project,
the project board's query count flat however many projects."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lianjian.core.validation import today
from lianjian.projects import services
from lianjian.projects.models import Bid, Call, Certificate
from tests.project_helpers import award_a, bid, make_call, make_scene


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_company_creates_a_call_from_the_form(world):
    response = _client(world.company).post(
        "/projects/calls/new/",
        {
            "issuer": "DW",
            "title": "带电检测攻关",
            "kind": "课题",
            "problem": "检测手段落后",
            "budget": "12.5",
            "deadline": (today() + datetime.timedelta(days=9)).isoformat(),
            "eligible_orgs": "ZB-A、ZB-B",
        },
    )
    assert response.status_code == 302
    call = Call.objects.get(title="带电检测攻关")
    assert call.state == "草拟" and call.kind == "课题"
    assert sorted(call.eligible_orgs.values_list("code", flat=True)) == ["ZB-A", "ZB-B"]


def test_a_bid_outside_the_call_is_refused_in_chinese_and_nothing_is_saved(world):
    call = services.call_create(
        actor=world.company,
        issuer=world.dw,
        eligible_orgs=[world.zb_a],
        title="只向营销支部",
        problem="p",
        budget=1,
        deadline=today() + datetime.timedelta(days=3),
    )
    services.call_transition(world.company, call, "publish")
    # manager_b does not see the call at all
    assert _client(world.manager_b).get(f"/projects/calls/{call.code}/bid/").status_code == 404
    # the company bids in ZB-B's name: visible call, refused on the form
    response = _client(world.company).post(
        f"/projects/calls/{call.code}/bid/",
        {
            "owner_org": "ZB-B",
            "lead": "M-B1",
            "plan": "方案",
            "budget_asked": "1",
            "planned_end": (today() + datetime.timedelta(days=60)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "不在本榜的揭榜范围内" in response.content.decode()
    assert not Bid.objects.exists()


def test_certificates_are_checked_and_served_to_whoever_sees_the_project(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = award_a(world, make_scene(world))
    url = f"/projects/p/{project.code}/awards/"
    bad = SimpleUploadedFile("x.pdf", b"<script>", content_type="application/pdf")
    response = _client(world.company).post(
        url,
        {"level": "省部", "name": "省级奖", "awarded_on": today().isoformat(), "upload": bad},
    )
    assert response.status_code == 400 and "PDF" in response.content.decode()
    png = SimpleUploadedFile("证书.png", b"\x89PNG\r\n\x1a\n0000", content_type="image/png")
    response = _client(world.company).post(
        url,
        {"level": "省部", "name": "省级奖", "awarded_on": today().isoformat(), "upload": png},
    )
    assert response.status_code == 302
    cert = Certificate.objects.get()
    file_url = f"/projects/p/{project.code}/certificates/{cert.pk}/"
    got = _client(world.member_a).get(file_url)
    assert got.status_code == 200 and got["X-Content-Type-Options"] == "nosniff"
    assert _client(world.manager_b).get(file_url).status_code == 404
    # the winner may not add awards (403), the page does not offer the form
    assert _client(world.manager_a).post(url, {"level": "国家", "name": "x"}).status_code == 403
    assert (
        _client(world.manager_a).get(f"/projects/p/{project.code}/").context["award_form"] is None
    )


def test_the_board_costs_the_same_queries_however_many_projects(
    world, django_assert_max_num_queries
):
    s = make_scene(world)
    first_project = award_a(world, s)
    services.award_add(
        world.company, first_project, level="公司", name="公司奖", awarded_on=today()
    )
    client = _client(world.company)
    client.get("/projects/")
    with django_assert_max_num_queries(30) as first:
        assert client.get("/projects/").status_code == 200
    for i in range(4):
        call = make_call(world, code=f"JB-M{i}")
        b = bid(world, call, side="b")
        services.call_transition(world.company, call, "close")
        services.bid_transition(world.company, b, "shortlist")
        services.bid_transition(world.company, b, "defence", on=today())
        project = services.bid_award(world.company, b)
        services.award_add(world.company, project, level="地市", name="市级奖", awarded_on=today())
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get("/projects/")
    assert len(response.context["cards"]) == 5


def test_the_issuer_edits_an_open_call_but_not_a_closed_one(world):
    call = make_call(world)
    client = _client(world.company)
    page = client.get(f"/projects/calls/{call.code}/edit/")
    assert page.status_code == 200 and page.context["form"]["eligible_orgs"].value() == "ZB-A、ZB-B"
    response = client.post(
        f"/projects/calls/{call.code}/edit/",
        {
            "title": "改名",
            "kind": "揭榜挂帅",
            "problem": "p",
            "budget": "5",
            "deadline": (today() + datetime.timedelta(days=30)).isoformat(),
            "eligible_orgs": "ZB-A",
        },
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.title == "改名" and list(call.eligible_orgs.values_list("code", flat=True)) == [
        "ZB-A"
    ]
    assert _client(world.manager_a).get(f"/projects/calls/{call.code}/edit/").status_code == 403
    services.call_transition(world.company, call, "close")
    response = client.post(
        f"/projects/calls/{call.code}/edit/",
        {
            "title": "再改",
            "kind": "揭榜挂帅",
            "problem": "p",
            "budget": "5",
            "deadline": today().isoformat(),
        },
    )
    assert response.status_code == 400 and "不能修改" in response.content.decode()
    call.refresh_from_db()
    assert call.title == "改名"
