"""``/api/v1/supervision/...``: the same visibility as the screens (404 outside, 403 on a
visible row the caller may not change, nothing changed), the 销号 loop, lead reads
recorded, 4xx {"detail"} on bad input."""

from __future__ import annotations

import datetime

import pytest

from lianjian.supervision.models import Item, LeadRead, Measure
from tests import matrix
from tests.supervision_helpers import PERSONAS, Ledger, make_ledger

D = datetime.date


@pytest.fixture
def ledger(world) -> Ledger:
    return make_ledger(world)


def path(led, key: str) -> str:
    return {
        "batch_xc": f"/supervision/batches/{led.batch.code}",
        "batch_ns": f"/supervision/batches/{led.audit.code}",
        "item_a": f"/supervision/items/{led.item_a.pk}",
        "item_b": f"/supervision/items/{led.item_b.pk}",
        "lead": f"/supervision/leads/{led.lead.pk}",
    }[key]


#          admin company a    member b    outsider xuncha jijian shenji
READS = {
    "batch_xc": [200, 200, 200, 404, 200, 404, 200, 404, 404],
    "batch_ns": [200, 404, 404, 404, 404, 404, 404, 404, 200],
    "item_a": [200, 200, 200, 200, 404, 404, 200, 404, 404],
    "item_b": [200, 200, 404, 404, 200, 404, 200, 404, 404],
    "lead": [404, 404, 404, 404, 404, 404, 404, 200, 200],  # bodies only, not the admin
}


@pytest.mark.parametrize(("key", "persona"), matrix.cases(READS, PERSONAS))
def test_every_endpoint_answers_by_scope(ledger, key, persona):
    status, body = matrix.api_call(ledger.world, persona, "get", path(ledger, key))
    assert status == READS[key][PERSONAS.index(persona)]
    if status == 404:
        assert body == {"detail": "未找到"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_lists_answer_only_what_each_one_sees(ledger, persona):
    _, items = matrix.api_call(ledger.world, persona, "get", "/supervision/items")
    numbers = sorted(i["number"] for i in items["items"])
    expected = {
        "admin": ["1", "2"],
        "company": ["1", "2"],
        "manager_a": ["1"],
        "member_a": ["1"],
        "manager_b": ["2"],
        "outsider": [],
        "xuncha": ["1", "2"],
        "jijian": [],
        "shenji": [],
    }
    assert numbers == expected[persona]
    _, leads = matrix.api_call(ledger.world, persona, "get", "/supervision/leads")
    assert bool(leads["items"]) is (persona in ("jijian", "shenji"))


def test_every_api_read_of_a_lead_is_recorded(ledger):
    matrix.api_call(ledger.world, "jijian", "get", "/supervision/leads")
    matrix.api_call(ledger.world, "jijian", "get", path(ledger, "lead"))
    matrix.api_call(ledger.world, "company", "get", path(ledger, "lead"))
    assert list(LeadRead.objects.values_list("reader__username", "via")) == [
        ("jijian", "api"),
        ("jijian", "api"),
    ]


#            admin company a    member b    outsider xuncha jijian shenji
WRITES = {
    "measure": [201, 201, 201, 403, 404, 404, 403, 404, 404],
    "apply": [400, 400, 400, 403, 404, 404, 403, 404, 404],
}


def _state(led):
    item = Item.objects.get(pk=led.item_a.pk)
    return (item.state, Measure.objects.filter(item=item).count())


@pytest.mark.parametrize(("key", "persona"), matrix.cases(WRITES, PERSONAS))
def test_every_write_answers_by_scope(ledger, key, persona):
    pk = ledger.item_a.pk
    if key == "measure":
        url, body = (
            f"/supervision/items/{pk}/measures",
            {"text": "规范记录", "deadline": "2027-01-31"},
        )
    else:
        url, body = f"/supervision/items/{pk}/actions", {"action": "apply"}
    matrix.assert_write(
        lambda: _state(ledger),
        lambda: matrix.api_call(ledger.world, persona, "post", url, body),
        WRITES[key][PERSONAS.index(persona)],
    )


def test_the_loop_over_the_api(ledger):
    w = ledger.world
    pk = ledger.item_a.pk
    status, m = matrix.api_call(
        w,
        "manager_a",
        "post",
        f"/supervision/items/{pk}/measures",
        {"text": "规范记录", "deadline": "2027-01-31", "owner": "张三"},
    )
    assert status == 201
    for state in ("推进中", "已完成"):
        assert (
            matrix.api_call(
                w, "manager_a", "post", f"/supervision/measures/{m['id']}/state", {"state": state}
            )[0]
            == 200
        )
    status, body = matrix.api_call(
        w, "manager_a", "post", f"/supervision/items/{pk}/actions", {"action": "apply"}
    )
    assert status == 400 and "未核验" in body["detail"]
    status, body = matrix.api_call(
        w, "manager_a", "post", f"/supervision/measures/{m['id']}/state", {"state": "已核验"}
    )
    assert status == 403 and body["detail"]
    assert (
        matrix.api_call(
            w, "xuncha", "post", f"/supervision/measures/{m['id']}/state", {"state": "已核验"}
        )[0]
        == 200
    )
    status, item = matrix.api_call(
        w, "manager_a", "post", f"/supervision/items/{pk}/actions", {"action": "apply"}
    )
    assert status == 200 and item["state"] == "申请销号" and item["closable"] is True
    status, body = matrix.api_call(
        w, "xuncha", "post", f"/supervision/items/{pk}/actions", {"action": "return"}
    )
    assert status == 400 and "原因" in body["detail"]
    status, item = matrix.api_call(
        w, "xuncha", "post", f"/supervision/items/{pk}/actions", {"action": "accept"}
    )
    assert status == 200 and item["state"] == "已销号" and item["colour"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"action": "fly"},
        {"action": "apply", "extra": 1},
        {},
        {"action": "return", "reason": "x" * 501},
    ],
)
def test_bad_bodies_are_4xx_with_detail(ledger, body):
    status, answer = matrix.api_call(
        ledger.world, "xuncha", "post", f"/supervision/items/{ledger.item_a.pk}/actions", body
    )
    assert 400 <= status < 500 and isinstance(answer["detail"], str)


def test_bad_filters_are_422(ledger):
    status, answer = matrix.api_call(
        ledger.world, "xuncha", "get", "/supervision/items?colour=blue"
    )
    assert status == 422 and answer["detail"]


def _batch(source: str = "巡察") -> dict:
    return {
        "code": "XC-2026-02",
        "title": "第二轮巡察",
        "source": source,
        "issuing_body": "第二巡察组",
        "issuing_org": "DW",
        "inspected_org": "ZB-B",
        "feedback_date": "2026-11-01",
    }


#          admin company a    member b    outsider xuncha jijian shenji
CREATES = {
    # 400: an organisation out of the caller's sight is named; 403: a body of another source
    "batch": [201, 403, 400, 400, 400, 400, 201, 403, 403],
    "item": [201, 403, 403, 404, 403, 404, 201, 404, 404],
}


@pytest.mark.parametrize(("key", "persona"), matrix.cases(CREATES, PERSONAS))
def test_the_create_endpoints_answer_by_scope(ledger, key, persona):
    from lianjian.supervision.models import Batch

    if key == "batch":
        url, body = "/supervision/batches", _batch()
    else:
        url = f"/supervision/batches/{ledger.batch.code}/items"
        body = {
            "number": "9",
            "description": "新问题",
            "responsible_org": "ZB-A",
            "kind": "限期整改",
            "deadline": "2027-02-28",
        }
    matrix.assert_write(
        lambda: (Batch.objects.count(), Item.objects.count()),
        lambda: matrix.api_call(ledger.world, persona, "post", url, body),
        CREATES[key][PERSONAS.index(persona)],
    )


def test_a_created_item_names_its_people_by_number(ledger):
    status, item = matrix.api_call(
        ledger.world,
        "xuncha",
        "post",
        f"/supervision/batches/{ledger.batch.code}/items",
        {
            "number": "9",
            "description": "新问题",
            "responsible_org": "ZB-A",
            "responsible_leader": "M-A1",
            "kind": "限期整改",
            "deadline": "2027-02-28",
        },
    )
    assert status == 201 and item["state"] == "待整改" and item["measures"] == []
    status, body = matrix.api_call(
        ledger.world,
        "xuncha",
        "post",
        f"/supervision/batches/{ledger.batch.code}/items",
        {
            "number": "10",
            "description": "x",
            "responsible_org": "ZB-X",
            "kind": "限期整改",
            "deadline": "2027-02-28",
        },
    )
    assert status == 400 and "ZB-X" in body["detail"]
