"""One filter per list: for every list served by a screen and the API, the same parameters
and the same user give the same rows on both edges (core.filters.LISTS)."""

from __future__ import annotations

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
    # no objection exists in the shared world: tests/test_assessment_lists.py checks the
    # objection list with objections on both sides
    "objections": [{}, {"status": "open"}, {"side": "answer"}],
    "schemes": [{}, {"q": "swd"}, {"period": "2025"}, {"period_kind": "year"}, {"owner": "DW"}],
    "kpis": [{}, {"org": "ZB-A"}, {"period": "2025"}, {"channel": "excel"}],
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


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "params"), [(n, p) for n, cases in CASES.items() for p in cases])
def test_screen_and_api_list_the_same_rows(world, name, params, persona):
    user = getattr(world, persona)
    entry = LISTS[name]
    assert _screen_keys(user, entry, params) == _api_keys(user, entry, params)


def test_a_member_search_by_number_prefix_finds_the_same_members_on_both_edges(world):
    # The disagreement this mechanism ended: the screen found 0 members for "M-A", the API 2.
    entry = LISTS["members"]
    assert _screen_keys(world.admin, entry, {"q": "M-A"}) == ["M-A1", "M-A2"]
    assert _api_keys(world.admin, entry, {"q": "M-A"}) == ["M-A1", "M-A2"]
