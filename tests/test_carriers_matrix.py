"""Permission matrices of the 岗区队 screens and API (tests/matrix.py): out of scope → 404,
visible but not allowed → 403, and a refused write changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lianjian.carriers import rules
from lianjian.carriers.models import Carrier, CarrierReview, VetoEvent
from tests import matrix
from tests.carrier_helpers import named_post

SCREENS = {
    "list": [200, 200, 200, 200, 200, 200],
    "detail": [200, 200, 200, 200, 404, 404],
    "edit": [200, 200, 200, 403, 404, 404],
    "create": [200, 200, 200, 403, 200, 200],
    "contest": [200, 200, 200, 200, 200, 200],
    "coverage": [200, 200, 200, 200, 200, 200],
    "public": [200, 200, 200, 200, 404, 404],
}


def _screen_url(view, c):
    return {
        "list": reverse("carriers:carrier_list"),
        "detail": reverse("carriers:carrier_detail", args=[c.code]),
        "edit": reverse("carriers:carrier_edit", args=[c.code]),
        "create": reverse("carriers:carrier_create"),
        "contest": reverse("carriers:contest"),
        "coverage": reverse("carriers:coverage"),
        "public": reverse("carriers:public", args=[c.org.code]),
    }[view]


@pytest.mark.parametrize(("view", "persona"), matrix.cases(SCREENS))
def test_every_screen_answers_by_scope(world, view, persona):
    c = named_post(world)
    response = matrix.client_for(world, persona).get(_screen_url(view, c))
    assert response.status_code == matrix.expected(SCREENS, view, persona)


# Branch steps are the branch's managers' (and those above); committee steps need a manager
# above the branch.
WRITES = {
    "submit": [302, 302, 302, 403, 404, 404],
    "approve": [302, 302, 403, 403, 404, 404],
    "veto": [302, 302, 403, 403, 404, 404],
    "review": [302, 302, 403, 403, 404, 404],
    "member": [302, 302, 302, 403, 404, 404],
    "edit": [302, 302, 302, 403, 404, 404],
}


def _state(c):
    return lambda: (
        Carrier.objects.get(pk=c.pk).state,
        VetoEvent.objects.count(),
        CarrierReview.objects.count(),
        c.steps.count(),
        Carrier.objects.get(pk=c.pk).name,
        c.memberships.count(),
    )


@pytest.mark.parametrize(("write", "persona"), matrix.cases(WRITES))
def test_every_screen_write_answers_by_scope(world, write, persona):
    upto = {"submit": None, "approve": "branch_pass"}.get(write, "name")
    c = named_post(world, upto=upto) if upto else named_post(world, upto="declare")
    client = matrix.client_for(world, persona)
    if write in ("submit", "approve"):
        url, data = reverse("carriers:carrier_action", args=[c.code, write]), {}
    elif write == "veto":
        url = reverse("carriers:carrier_veto", args=[c.code])
        data = {"kind": rules.DISCIPLINE, "day": "2026-01-05", "description": "违纪"}
    elif write == "member":
        url = reverse("carriers:member_add", args=[c.code])
        data = {"kind": "团员", "name": "孙小"}
    elif write == "edit":
        url = reverse("carriers:carrier_edit", args=[c.code])
        data = {"name": "改名示范岗", "leader": "M-A1"}
    else:
        url = reverse("carriers:carrier_review", args=[c.code])
        data = {"preset": "半年复核", "period": "2026H2", **{f"item_{i}": "88" for i in range(5)}}
    matrix.assert_write(
        _state(c), lambda: client.post(url, data), matrix.expected(WRITES, write, persona)
    )


API_READS = {
    "list": [200, 200, 200, 200, 200, 200],
    "detail": [200, 200, 200, 200, 404, 404],
    "figures": [200, 200, 200, 200, 200, 200],
}


@pytest.mark.parametrize(("read", "persona"), matrix.cases(API_READS))
def test_every_api_read_answers_by_scope(world, read, persona):
    c = named_post(world)
    url = {"list": "/carriers", "detail": f"/carriers/{c.code}", "figures": "/carriers/figures"}[
        read
    ]
    status, body = matrix.api_call(world, persona, "GET", url)
    assert status == matrix.expected(API_READS, read, persona)
    if read == "list":
        assert (c.code in [i["code"] for i in body["items"]]) == (
            persona not in ("manager_b", "outsider")
        )


API_WRITES = {
    "create": [201, 201, 201, 403, 400, 400],
    "approve": [200, 200, 403, 403, 404, 404],
    "veto": [200, 200, 403, 403, 404, 404],
}


@pytest.mark.parametrize(("write", "persona"), matrix.cases(API_WRITES))
def test_every_api_write_answers_by_scope(world, write, persona):
    c = named_post(world, upto="branch_pass" if write == "approve" else "name")
    if write == "create":
        url, body = "/carriers", {"kind": "服务队", "org": "ZB-A", "name": "光明服务队"}
        state = lambda: Carrier.objects.count()  # noqa: E731
    elif write == "approve":
        url, body = f"/carriers/{c.code}/transition", {"action": "approve"}
        state = _state(c)
    else:
        url, body = f"/carriers/{c.code}/vetoes", {"kind": "责任事故", "description": "设备损坏"}
        state = _state(c)
    matrix.assert_write(
        state,
        lambda: matrix.api_call(world, persona, "POST", url, body),
        matrix.expected(API_WRITES, write, persona),
    )
