"""Permission matrices of 揭榜挂帅, screens and API: who sees a call, a bid and a project
(another bidder's bid is 404 until it wins; after the award the other branches see the
winner only), and who may publish, review and advance (403 on a visible row, nothing
changed)."""

from __future__ import annotations

import pytest

from lianjian.core.validation import today
from lianjian.projects import services
from lianjian.projects.models import Bid, Call, Project
from tests import matrix
from tests.project_helpers import award_a, make_call, make_scene

OK = 302  # a screen's accepted POST redirects

BEFORE_AWARD = {
    "call": [200, 200, 200, 200, 200, 404],
    "draft": [200, 200, 404, 404, 404, 404],
    "bid_a": [200, 200, 200, 200, 404, 404],
    "bid_b": [200, 200, 404, 404, 200, 404],
}
AFTER_AWARD = {
    "bid_a": [200, 200, 200, 200, 200, 404],  # the winner, seen by whoever sees the call
    "bid_b": [200, 200, 404, 404, 200, 404],  # a losing bid stays its bidder's
    "project": [200, 200, 200, 200, 404, 404],
}


def _codes(s) -> dict[str, tuple[str, str]]:
    return {
        "call": ("calls", s.call.code),
        "draft": ("calls", "JB-DRAFT"),
        "bid_a": ("bids", s.bid_a.code),
        "bid_b": ("bids", s.bid_b.code),
    }


SCREENS = {"calls": "call_detail", "bids": "bid_detail", "projects": "project_detail"}


def _screen(kind: str, code: str) -> str:
    from django.urls import reverse

    return reverse(f"projects:{SCREENS[kind]}", args=[code])


@pytest.mark.parametrize("row", matrix.keys(BEFORE_AWARD))
def test_who_sees_calls_and_bids_before_the_award(world, row):
    s = make_scene(world)
    make_call(world, publish=False, code="JB-DRAFT")
    kind, code = _codes(s)[row]
    screen = matrix.by_persona(
        lambda p: matrix.client_for(world, p).get(_screen(kind, code)).status_code
    )
    api = matrix.by_persona(lambda p: matrix.api_call(world, p, "get", f"/{kind}/{code}")[0])
    assert screen == BEFORE_AWARD[row]
    assert api == BEFORE_AWARD[row]


@pytest.mark.parametrize("row", matrix.keys(AFTER_AWARD))
def test_who_sees_bids_and_the_project_after_the_award(world, row):
    s = make_scene(world)
    project = award_a(world, s)
    kind, code = {
        "bid_a": ("bids", s.bid_a.code),
        "bid_b": ("bids", s.bid_b.code),
        "project": ("projects", project.code),
    }[row]
    screen = matrix.by_persona(
        lambda p: matrix.client_for(world, p).get(_screen(kind, code)).status_code
    )
    api = matrix.by_persona(lambda p: matrix.api_call(world, p, "get", f"/{kind}/{code}")[0])
    assert screen == AFTER_AWARD[row]
    assert api == AFTER_AWARD[row]


def test_lists_never_name_another_bidders_bid(world):
    s = make_scene(world)
    for persona, expected in {
        "company": {s.bid_a.code, s.bid_b.code},
        "manager_a": {s.bid_a.code},
        "member_a": {s.bid_a.code},
        "manager_b": {s.bid_b.code},
        "outsider": set(),
    }.items():
        status, data = matrix.api_call(world, persona, "get", "/bids")
        assert status == 200
        assert {b["code"] for b in data["items"]} == expected, persona
        page = matrix.client_for(world, persona).get("/projects/bids/")
        assert {b.code for b in page.context["page"].object_list} == expected, persona


# --- writes ------------------------------------------------------------------------------

PUBLISH = [OK, OK, 404, 404, 404, 404]
SHORTLIST = [OK, OK, 403, 403, 404, 404]
ADVANCE = [OK, OK, 403, 403, 404, 404]


def _api_status(screen_status: int) -> int:
    return 200 if screen_status == OK else screen_status


@pytest.mark.parametrize("persona", matrix.PERSONAS)
@pytest.mark.parametrize("edge", ["screen", "api"])
def test_publish_a_draft(world, persona, edge):
    call = make_call(world, publish=False, code="JB-DRAFT")
    expected = matrix.expected({"publish": PUBLISH}, "publish", persona)

    def send():
        if edge == "screen":
            return matrix.client_for(world, persona).post(f"/projects/calls/{call.code}/publish/")
        return matrix.api_call(
            world, persona, "post", f"/calls/{call.code}/transition", {"action": "publish"}
        )

    matrix.assert_write(
        lambda: Call.objects.get(pk=call.pk).state,
        send,
        expected if edge == "screen" else _api_status(expected),
    )


@pytest.mark.parametrize("persona", matrix.PERSONAS)
@pytest.mark.parametrize("edge", ["screen", "api"])
def test_shortlist_a_bid(world, persona, edge):
    s = make_scene(world)
    services.call_transition(world.company, s.call, "close")
    expected = matrix.expected({"x": SHORTLIST}, "x", persona)
    code = s.bid_a.code

    def send():
        if edge == "screen":
            return matrix.client_for(world, persona).post(f"/projects/bids/{code}/shortlist/")
        return matrix.api_call(
            world, persona, "post", f"/bids/{code}/transition", {"action": "shortlist"}
        )

    matrix.assert_write(
        lambda: Bid.objects.get(pk=s.bid_a.pk).state,
        send,
        expected if edge == "screen" else _api_status(expected),
    )


@pytest.mark.parametrize("persona", matrix.PERSONAS)
@pytest.mark.parametrize("edge", ["screen", "api"])
def test_advance_a_project(world, persona, edge):
    s = make_scene(world)
    project = award_a(world, s)
    expected = matrix.expected({"x": ADVANCE}, "x", persona)

    def send():
        if edge == "screen":
            return matrix.client_for(world, persona).post(
                f"/projects/p/{project.code}/advance/",
                {"note": "督导", "on": f"{today():%Y-%m-%d}"},
            )
        return matrix.api_call(
            world, persona, "post", f"/projects/{project.code}/advance", {"note": "督导"}
        )

    matrix.assert_write(
        lambda: Project.objects.get(pk=project.pk).stage,
        send,
        expected if edge == "screen" else _api_status(expected),
    )


@pytest.mark.parametrize("persona", matrix.PERSONAS)
def test_bid_screen_only_for_managers_of_an_eligible_branch(world, persona):
    s = make_scene(world)
    response = matrix.client_for(world, persona).get(f"/projects/calls/{s.call.code}/")
    if response.status_code == 404:
        assert persona == "outsider"
        return
    # ZB-A and ZB-B have bid already; the company and the admin manage no further branch
    # that the call names, so nobody is offered 揭榜 a second time.
    assert response.context["can_bid"] is False
    Bid.objects.filter(pk__in=[s.bid_a.pk, s.bid_b.pk]).update(state="已撤回")
    response = matrix.client_for(world, persona).get(f"/projects/calls/{s.call.code}/")
    assert response.context["can_bid"] is (
        persona in ("admin", "company", "manager_a", "manager_b")
    )
