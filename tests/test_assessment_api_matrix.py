"""Permission matrix of ``/api/v1/assessment/…``: every endpoint × every persona of the
``world`` fixture, exact status codes. Out of scope → 404 (the body of a missing object);
a visible organisation the caller may not change → 403; an organisation the caller cannot
see named in a body → 400 as if it did not exist. Nothing changes on a refusal; an
accepted write leaves one batch and its audit rows."""

from __future__ import annotations

import datetime

import pytest

from lianjian.assessment.models import KpiBatch, KpiValue
from lianjian.assessment.services import assessment_run, kpi_set, run_publish, scheme_import
from lianjian.core.models import AuditLog
from tests.api_helpers import call
from tests.assessment_engine_helpers import example
from tests.matrix import PERSONAS, api_call, assert_write

NOT_FOUND = {"detail": "未找到"}
# Schemes: DW's (company-wide), ZB-A's (its groups), DW2's, and a platform-wide one.
VISIBLE_SCHEMES = {
    "admin": ["ALL", "DW-SWD", "DW2-SWD", "ZBA-SWD"],
    "company": ["ALL", "DW-SWD", "ZBA-SWD"],
    "manager_a": ["ALL", "DW-SWD", "ZBA-SWD"],
    "member_a": ["ALL", "DW-SWD", "ZBA-SWD"],
    "manager_b": ["ALL", "DW-SWD"],
    "outsider": ["ALL", "DW2-SWD"],
}
VISIBLE_KPIS = {
    "admin": ["ZB-A", "ZB-B", "ZB-X"],
    "company": ["ZB-A", "ZB-B"],
    "manager_a": ["ZB-A"],
    "member_a": ["ZB-A"],
    "manager_b": ["ZB-B"],
    "outsider": ["ZB-X"],
}
# POST /kpis for an organisation: 200 for the scheme's owners, 403 when only visible or when it
# is the caller's own organisation (the assessed never enter their values), 400 when not visible.
WRITE_STATUS = {
    "ZB-A": {
        "admin": 200,
        "company": 200,
        "manager_a": 403,
        "member_a": 403,
        "manager_b": 400,
        "outsider": 400,
    },
    "ZB-B": {
        "admin": 200,
        "company": 200,
        "manager_a": 400,
        "member_a": 400,
        "manager_b": 403,
        "outsider": 400,
    },
    "ZB-X": {
        "admin": 200,
        "company": 400,
        "manager_a": 400,
        "member_a": 400,
        "manager_b": 400,
        "outsider": 200,
    },
}
RESULT_ROWS = {
    "admin": ["ZB-A", "ZB-B"],
    "company": ["ZB-A", "ZB-B"],
    "manager_a": ["ZB-A"],
    "member_a": ["ZB-A"],
    "manager_b": ["ZB-B"],
    "outsider": None,
}


@pytest.fixture
def setup(world):
    dw = scheme_import(example(code="DW-SWD"), actor=None)[0]
    scheme_import(example(code="ZBA-SWD", owner="ZB-A", applies_to={"kind": "党小组"}), actor=None)
    scheme_import(example(code="DW2-SWD", owner="DW2"), actor=None)
    platform = example(code="ALL", applies_to={"kind": "党委"})
    del platform["owner"]
    scheme_import(platform, actor=None)
    for org in (world.zb_a, world.zb_b, world.zb_x):
        kpi_set(None, org=org, period="2025", indicator_code="YW1", value=90)
    run_publish(
        None, assessment_run(None, dw, "2025", today=datetime.date(2026, 1, 10))
    )  # the assessed see it
    return world


def state() -> list:
    return [
        list(KpiValue.objects.order_by("pk").values_list()),
        list(KpiBatch.objects.order_by("pk").values_list()),
        AuditLog.objects.count(),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_scheme_list_shows_exactly_the_visible_schemes(setup, persona):
    status, data = api_call(setup, persona, "get", "/assessment/schemes?page_size=500")
    assert (status, sorted(s["code"] for s in data["items"]), data["count"]) == (
        200,
        VISIBLE_SCHEMES[persona],
        len(VISIBLE_SCHEMES[persona]),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("code", VISIBLE_SCHEMES["admin"])
def test_scheme_detail_is_404_outside_scope(setup, persona, code):
    status, data = api_call(setup, persona, "get", f"/assessment/schemes/{code}")
    if code in VISIBLE_SCHEMES[persona]:
        assert (status, data["code"]) == (200, code)
    else:
        assert (status, data) == (404, NOT_FOUND)


@pytest.mark.parametrize("persona", PERSONAS)
def test_kpi_list_shows_only_visible_organisations(setup, persona):
    status, data = api_call(setup, persona, "get", "/assessment/kpis?page_size=500")
    assert (status, [k["org"] for k in data["items"]], data["count"]) == (
        200,
        VISIBLE_KPIS[persona],
        len(VISIBLE_KPIS[persona]),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("org", ["ZB-A", "ZB-B", "ZB-X"])
def test_kpi_write_matrix(setup, persona, org):
    user = getattr(setup, persona)
    before = state()
    expected = WRITE_STATUS[org][persona]
    _, data = assert_write(
        state,
        lambda: api_call(
            setup,
            persona,
            "post",
            "/assessment/kpis",
            body={"org": org, "period": "2025", "indicator_code": "YW1", "value": 95},
        ),
        expected,
    )
    if expected == 200:
        batch = KpiBatch.objects.latest("id")
        assert (data["batch"], batch.created_by, batch.channel) == (batch.pk, user, "api")
        assert AuditLog.objects.count() == before[2] + 1
        assert KpiValue.objects.get(org__code=org).value == 95
    else:
        assert (
            data["detail"] == f"组织不存在：{org}"
            if expected == 400
            else "是被考核的组织" in data["detail"] or "无权录入" in data["detail"]
        )
        assert state() == before


def test_a_list_with_one_refused_organisation_writes_nothing(setup):
    before = state()
    status, data = call(
        "post",
        "/assessment/kpis",
        user=setup.manager_a,
        body={
            "items": [
                {"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": 1},
                {"org": "ZB-B", "period": "2025", "indicator_code": "YW1", "value": 1},
            ]
        },
    )
    assert (status, data) == (400, {"detail": "组织不存在：ZB-B"})
    assert state() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_results_matrix(setup, persona):
    status, data = api_call(setup, persona, "get", "/assessment/results?scheme=DW-SWD&period=2025")
    rows = RESULT_ROWS[persona]
    if rows is None:
        assert (status, data) == (404, NOT_FOUND)
    else:
        assert (status, [r["org"] for r in data["items"]], data["org_count"]) == (200, rows, 2)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/assessment/schemes"),
        ("delete", "/assessment/schemes/DW-SWD"),
        ("put", "/assessment/kpis"),
        ("post", "/assessment/results"),
    ],
)
def test_no_other_methods(setup, persona, method, url):
    _, data = assert_write(state, lambda: api_call(setup, persona, method, url, body={}), 405)
    assert data["detail"].startswith(f"不支持 {method.upper()} 方法")
