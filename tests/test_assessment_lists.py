"""The lists of 双维度考核 — schemes, KPI values, objections (申诉) — are one filter each for
the screen and the API (core.filters, registered in ``assessment.selectors``): with rows on
both sides, every persona and more parameter sets than tests/test_list_filters.py tries get
the same rows on both edges; the objection list's queries stay flat."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.assessment import objections
from lianjian.assessment.models import KpiValue, Objection
from lianjian.assessment.services import kpi_set, scheme_import
from lianjian.core.filters import LISTS
from tests.assessment_engine_helpers import example
from tests.test_list_filters import PERSONAS, _api_keys, _screen


def _screen_keys(user, entry, params) -> list[str]:
    status, keys = _screen(user, entry, params)
    assert status == 200
    return keys


pytestmark = pytest.mark.django_db

CASES = [
    {},
    {"status": "open"},
    {"status": "accepted"},
    {"side": "answer"},
    {"side": "mine"},
    {"q": "ZB-A"},
    {"q": "yw2"},
    {"q": "运维"},
    {"side": "answer", "status": "open"},
]


def _objections(world, n: int = 1) -> None:
    scheme_import(example(), actor=None)
    for org, raiser in ((world.zb_a, world.manager_a), (world.zb_b, world.manager_b)):
        for code in ("YW1", "YW2", "LJ2")[: n + 1]:
            kpi = kpi_set(None, org=org, period="2025", indicator_code=code, value=1)
            objections.objection_raise(actor=raiser, kpi=kpi, reason="有误")
    first = Objection.objects.order_by("pk").first()
    objections.objection_answer(
        actor=world.company, objection=first, accept=True, corrected_value=2, answer="改"
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_objection_screen_and_api_list_the_same_rows(world, persona):
    _objections(world)
    user = getattr(world, persona)
    entry = LISTS["objections"]
    for params in CASES:
        assert _screen_keys(user, entry, params) == _api_keys(user, entry, params), params


def test_each_side_sees_what_it_should(world):
    _objections(world)
    entry = LISTS["objections"]
    assert len(_api_keys(world.company, entry, {"side": "answer", "status": "open"})) == 3
    assert (
        len(_api_keys(world.manager_a, entry, {})) == 2
        and _api_keys(world.manager_a, entry, {"side": "answer"}) == []
    )
    assert _api_keys(world.outsider, entry, {}) == []
    assert KpiValue.objects.get(org=world.zb_a, indicator_code="YW1").value == 2


@pytest.mark.parametrize("n", [1, 2])
def test_the_objection_list_queries_stay_flat(world, django_assert_max_num_queries, n):
    _objections(world, n)
    client = Client()
    client.force_login(world.company)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("assessment:objection_list")).status_code == 200


SCHEME_CASES = [
    {},
    {"q": "swd"},
    {"q": "另一"},
    {"period": "2025"},
    {"period_kind": "year"},
    {"period_kind": "quarter"},
    {"owner": "DW"},
    {"owner": "DW2"},
    {"q": "2025", "owner": "DW"},
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_scheme_screen_and_api_list_the_same_rows(world, persona):
    from tests.assessment_screens_helpers import make_assessed

    make_assessed(world)
    scheme_import(example(code="DW-Q", name="季度考核", period="2025Q1"), actor=None)
    user = getattr(world, persona)
    entry = LISTS["schemes"]
    for params in SCHEME_CASES:
        assert _screen_keys(user, entry, params) == _api_keys(user, entry, params), params


KPI_CASES = [
    {},
    {"q": "ZB-A"},
    {"q": "运维"},
    {"org": "DW"},
    {"org": "ZB-B"},
    {"org": "ZB-X"},
    {"period": "2025"},
    {"period": "2026"},
    {"indicator_code": "yw1"},
    {"channel": "excel"},
    {"channel": "form"},
    {"org": "DW", "indicator_code": "YW2", "channel": "excel"},
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_kpi_screen_and_api_list_the_same_rows(world, persona):
    from tests.assessment_screens_helpers import make_assessed

    make_assessed(world)
    user = getattr(world, persona)
    entry = LISTS["kpis"]
    for params in KPI_CASES:
        assert _screen_keys(user, entry, params) == _api_keys(user, entry, params), params
