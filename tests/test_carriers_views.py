"""岗区队 screens: the registry with its figures and map, a carrier's page and its actions
(approve, name, review, veto), the contest view, the coverage, the public 公示 page and the
我的岗区队 card; names escaped; query counts flat."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianjian.carriers import rules, services
from lianjian.carriers.models import Carrier
from lianjian.core.validation import today
from tests import matrix
from tests.carrier_helpers import named_post


def test_the_registry_shows_figures_rows_and_map_points(world):
    c = named_post(world)
    gone = named_post(world, name="安全督查党员示范岗")
    services.record_veto(None, gone, kind=rules.DISCIPLINE, description="违纪")
    response = matrix.client_for(world, "company").get(reverse("carriers:carrier_list"))
    assert response.status_code == 200
    total = response.context["total"]
    assert (total.ever_named, total.active, total.withdrawn) == (2, 1, 1)
    assert [r.code for r in response.context["page"].object_list] == [c.code, gone.code]
    assert len(response.context["points"]) == 2
    assert 'id="carrier-points"' in response.content.decode()
    active = matrix.client_for(world, "company").get(
        reverse("carriers:carrier_list"), {"standing": "active"}
    )
    assert [r.code for r in active.context["page"].object_list] == [c.code]


def test_a_manager_above_approves_and_names_through_the_screens(world):
    c = named_post(world, upto="branch_pass")
    client = matrix.client_for(world, "company")
    page = client.get(reverse("carriers:carrier_detail", args=[c.code])).content.decode()
    assert 'data-action="approve"' in page and 'data-action="reject"' in page
    response = client.post(reverse("carriers:carrier_action", args=[c.code, "approve"]))
    assert response.status_code == 302
    # The 公示 has just opened: naming is refused with the reason, nothing changes.
    response = client.post(reverse("carriers:carrier_action", args=[c.code, "name"]))
    assert response.status_code == 400 and "公示期" in response.content.decode()
    assert Carrier.objects.get(pk=c.pk).state == rules.PUBLICITY
    c.steps.filter(action="approve").update(day=today() - datetime.timedelta(days=10))
    response = client.post(reverse("carriers:carrier_action", args=[c.code, "name"]))
    assert response.status_code == 302
    assert Carrier.objects.get(pk=c.pk).state == rules.NAMED


def test_a_return_without_a_reason_is_refused(world):
    c = named_post(world, upto="branch_pass")
    client = matrix.client_for(world, "company")
    response = client.post(
        reverse("carriers:carrier_action", args=[c.code, "reject"]), {"reason": ""}
    )
    assert response.status_code == 400 and "须说明理由" in response.content.decode()
    assert Carrier.objects.get(pk=c.pk).state == rules.COMMITTEE
    assert (
        client.post(reverse("carriers:carrier_action", args=[c.code, "bogus"])).status_code == 404
    )


def test_a_review_and_a_veto_on_the_carrier_page(world):
    c = named_post(world)
    client = matrix.client_for(world, "company")
    data = {
        "preset": "半年复核",
        "period": "2026H2",
        "item_0": "95",
        "item_1": "91",
        "item_2": "92",
        "item_3": "94",
    }
    assert client.post(reverse("carriers:carrier_review", args=[c.code]), data).status_code == 302
    missing = {**data, "period": "2027H1", "item_3": ""}
    response = client.post(reverse("carriers:carrier_review", args=[c.code]), missing)
    assert response.status_code == 400 and "缺少评分项" in response.content.decode()
    veto = {"kind": "责任事故", "day": today().isoformat(), "description": "违章操作"}
    assert client.post(reverse("carriers:carrier_veto", args=[c.code]), veto).status_code == 302
    c.refresh_from_db()
    assert c.state == rules.WITHDRAWN
    page = client.get(reverse("carriers:carrier_detail", args=[c.code])).content.decode()
    assert "一票否决（责任事故）" in page and "违章操作" in page


def test_the_contest_puts_reviews_side_by_side(world):
    a = named_post(world, name="甲岗")
    b = named_post(world, name="乙岗")
    scores = dict.fromkeys(rules.PRESETS["半年复核"].items, 85.0)
    services.record_review(None, a, preset="半年复核", period="2026H2", scores=scores)
    services.record_review(
        None, b, preset="半年复核", period="2026H2", scores=dict.fromkeys(scores, 95.0)
    )
    response = matrix.client_for(world, "member_a").get(reverse("carriers:contest"))
    assert [r.carrier.name for r in response.context["reviews"]] == ["乙岗", "甲岗"]
    outsider = matrix.client_for(world, "outsider").get(reverse("carriers:contest"))
    assert outsider.context["reviews"] == []


def test_the_public_page_shows_names_posts_and_commitments_escaped(world):
    c = named_post(world, name="<b>抄表</b>示范岗")
    services.add_member(None, c, kind=rules.LEAGUE, name="孙小")
    declared = services.declare(
        None, kind=rules.SERVICE_TEAM, org=world.zb_a, fields={"name": "未命名服务队"}
    )
    page = (
        matrix.client_for(world, "member_a")
        .get(reverse("carriers:public", args=["ZB-A"]))
        .content.decode()
    )
    assert "&lt;b&gt;抄表&lt;/b&gt;示范岗" in page and "<b>抄表</b>" not in page
    assert "服务零投诉" in page and "孙小（团员）" in page and world.m_a1.name in page
    assert declared.name not in page


def test_my_page_lists_my_active_posts(world):
    c = named_post(world)
    page = matrix.client_for(world, "member_a").get(reverse("home:mine")).content.decode()
    assert 'id="my-carriers"' in page and c.name in page


def test_a_declaration_through_the_form(world):
    client = matrix.client_for(world, "manager_a")
    data = {"kind": "突击队", "org": "ZB-A", "name": "迎峰度夏突击队", "leader": "M-A1", "end_date": "2026-08-31",
            "established": "2026-06-01"}  # fmt: skip
    response = client.post(reverse("carriers:carrier_create"), data)
    assert response.status_code == 302
    c = Carrier.objects.get(name="迎峰度夏突击队")
    assert (c.kind, c.state, c.org, c.leader) == (
        rules.TASK_FORCE,
        rules.DECLARED,
        world.zb_a,
        world.m_a1,
    )
    bad = {**data, "name": "无结束日期", "end_date": ""}
    response = client.post(reverse("carriers:carrier_create"), bad)
    assert response.status_code == 400 and "任务结束日期" in response.content.decode()
    assert not Carrier.objects.filter(name="无结束日期").exists()
    other = {**data, "org": "ZB-B", "name": "越权"}
    assert client.post(reverse("carriers:carrier_create"), other).status_code == 400
    assert not Carrier.objects.filter(name="越权").exists()


def test_list_and_detail_queries_stay_flat(world):
    client = matrix.client_for(world, "admin")
    c = named_post(world)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    list_before = count(reverse("carriers:carrier_list"))
    detail_before = count(reverse("carriers:carrier_detail", args=[c.code]))
    for i in range(4):
        extra = named_post(world, name=f"岗{i}")
        services.add_member(None, extra, kind=rules.LEAGUE, name=f"团员{i}")
        services.add_member(None, c, kind=rules.LEAGUE, name=f"团员{i}")
    assert count(reverse("carriers:carrier_list")) == list_before
    assert count(reverse("carriers:carrier_detail", args=[c.code])) == detail_before


def test_the_registry_counts_figures_as_of_a_day(world):
    c = named_post(world)
    services.record_veto(None, c, kind=rules.DISCIPLINE, description="违纪")
    client = matrix.client_for(world, "admin")
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    past = client.get(reverse("carriers:carrier_list"), {"on": yesterday}).context["total"]
    assert (past.ever_named, past.active, past.withdrawn) == (0, 0, 0)
    now = client.get(reverse("carriers:carrier_list"), {"on": "9999-01-01"}).context["total"]
    assert (now.ever_named, now.withdrawn) == (1, 1)  # a future day reads as today


def test_a_task_force_completes_its_task(world):
    force = services.declare(
        None, kind=rules.TASK_FORCE, org=world.zb_a, fields={"name": "保电突击队", "end_date": today()},
        day=today() - datetime.timedelta(days=20),
    )  # fmt: skip
    for action in ("submit", "branch_pass", "approve"):
        services.transition(None, force, action, day=today() - datetime.timedelta(days=10))
    services.transition(None, force, "name")
    client = matrix.client_for(world, "company")
    assert (
        client.post(reverse("carriers:carrier_action", args=[force.code, "complete"])).status_code
        == 302
    )
    assert Carrier.objects.get(pk=force.pk).state == rules.COMPLETED
    post = named_post(world)
    response = client.post(reverse("carriers:carrier_action", args=[post.code, "complete"]))
    assert response.status_code == 400 and "突击队" in response.content.decode()
