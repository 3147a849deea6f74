"""``/api/v1/carriers``: the list and its filter, a carrier with members and reviews, the
figures of a day, 申报 with 班组, the lifecycle, reviews and vetoes; bad input answers 4xx
``{"detail": …}`` and changes nothing; the list's queries do not grow with its rows."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianjian.carriers import rules, services
from lianjian.carriers.models import Carrier
from lianjian.core.validation import today
from tests.api_helpers import call
from tests.carrier_helpers import named_post

SCORES = {"履职尽责": 95, "承诺兑现": 92, "关键任务成效": 90, "群众满意度": 93}


def test_declare_with_work_groups_and_walk_the_lifecycle(world):
    services.create_work_group(None, org=world.zb_a, code="ZB-A-BZ1", name="抄表班")
    status, body = call("post", "/carriers", user=world.manager_a, body={
        "kind": "责任区", "org": "ZB-A", "name": "抄表责任区", "leader": "M-A1",
        "work_groups": ["ZB-A-BZ1"], "commitments": "服务零投诉",
    })  # fmt: skip
    assert status == 201, body
    code = body["code"]
    assert body["state"] == "申报" and body["work_groups"] == ["ZB-A-BZ1"]
    for user, action in (
        (world.manager_a, "submit"),
        (world.manager_a, "branch_pass"),
        (world.company, "approve"),
    ):
        status, body = call(
            "post", f"/carriers/{code}/transition", user=user, body={"action": action}
        )
        assert status == 200, body
    status, body = call(
        "post", f"/carriers/{code}/transition", user=world.company, body={"action": "name"}
    )
    assert status == 400 and "公示期" in body["detail"]
    status, body = call(
        "post", f"/carriers/{code}/transition", user=world.company, body={"action": "object"}
    )
    assert status == 400 and "理由" in body["detail"]
    assert Carrier.objects.get(code=code).state == rules.PUBLICITY


def test_reviews_and_vetoes(world):
    c = named_post(world)
    status, body = call("post", f"/carriers/{c.code}/reviews", user=world.company,
                        body={"preset": "半年复核", "period": "2026H2", "scores": SCORES})  # fmt: skip
    assert status == 200 and body["reviews"][0]["band"] == "优秀"
    status, body = call("post", f"/carriers/{c.code}/reviews", user=world.company,
                        body={"preset": "半年复核", "period": "2027H1", "scores": {"履职尽责": 101}})  # fmt: skip
    assert status == 400 and body["detail"]
    status, body = call("post", f"/carriers/{c.code}/vetoes", user=world.company,
                        body={"kind": "违纪", "description": "违反廉洁纪律"})  # fmt: skip
    assert status == 200 and body["state"] == "摘牌"
    status, body = call("post", f"/carriers/{c.code}/vetoes", user=world.company,
                        body={"kind": "违纪", "description": "再次"})  # fmt: skip
    assert status == 400


def test_figures_of_a_day(world):
    c = named_post(world)
    services.record_veto(None, c, kind=rules.DISCIPLINE, description="违纪")
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    status, body = call("get", f"/carriers/figures?on={yesterday}", user=world.admin)
    assert status == 200
    figs = {f["kind"]: f for f in body}
    assert figs["示范岗"]["ever_named"] == 0  # named today
    status, body = call("get", "/carriers/figures", user=world.admin)
    figs = {f["kind"]: f for f in body}
    assert (
        figs["示范岗"]["ever_named"],
        figs["示范岗"]["active"],
        figs["示范岗"]["withdrawn"],
    ) == (1, 0, 1)
    assert call("get", "/carriers/figures?org=ZB-A", user=world.manager_b)[0] == 404
    assert call("get", "/carriers/figures?on=1000-01-01", user=world.admin)[0] == 422


def test_bad_bodies_answer_4xx_and_change_nothing(world):
    for body in (
        {"kind": "示范岗", "org": "ZB-A", "name": "无人岗"},
        {"kind": "突击队", "org": "ZB-A", "name": "无期限"},
        {"kind": "小组", "org": "ZB-A", "name": "x"},
        {"kind": "服务队", "org": "NOPE", "name": "x"},
        {"kind": "服务队", "org": "ZB-A", "name": "x", "work_groups": ["NOPE"]},
        {"kind": "服务队", "org": "ZB-A", "name": "x", "extra": 1},
        {"kind": "服务队", "org": "ZB-A", "name": "x\x00"},
    ):
        status, answer = call("post", "/carriers", user=world.manager_a, body=body)
        assert 400 <= status < 500 and answer["detail"], (body, status)
    assert not Carrier.objects.exists()


def test_the_list_filters_and_its_queries_stay_flat(world):
    c = named_post(world)
    services.declare(None, kind=rules.SERVICE_TEAM, org=world.zb_b, fields={"name": "光明服务队"})
    status, body = call("get", "/carriers?standing=active", user=world.admin)
    assert [i["code"] for i in body["items"]] == [c.code]
    status, body = call("get", "/carriers?org=ZB-A", user=world.manager_b)
    assert body["count"] == 0  # an organisation out of sight matches nothing

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert call("get", "/carriers", user=world.admin)[0] == 200
        return len(ctx.captured_queries)

    before = queries()
    for i in range(4):
        named_post(world, name=f"岗{i}")
    assert queries() == before


def test_declare_with_linked_key_tasks(world):
    from tests.keytask_helpers import make_tasks

    task = make_tasks(world).a
    status, body = call("post", "/carriers", user=world.manager_a,
                        body={"kind": "服务队", "org": "ZB-A", "name": "攻坚服务队", "key_tasks": [task.code]})  # fmt: skip
    assert status == 201 and body["key_tasks"] == [task.code]
    status, body = call("post", "/carriers", user=world.manager_a,
                        body={"kind": "服务队", "org": "ZB-A", "name": "x", "key_tasks": ["NOPE"]})  # fmt: skip
    assert status == 400 and "NOPE" in body["detail"]
