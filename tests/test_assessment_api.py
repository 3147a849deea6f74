"""``/api/v1/assessment/…``: schemes as their file, KPI values written as batches with who
and when, results of the published (else latest) version; errors as ``{"detail": …}``."""

from __future__ import annotations

import copy
import datetime

import pytest

from lianjian.assessment.models import AssessmentRun, KpiBatch, KpiValue
from lianjian.assessment.services import assessment_run, kpi_set, run_publish, scheme_import
from lianjian.core.models import AuditLog
from tests.api_helpers import call
from tests.assessment_engine_helpers import EXAMPLE, example, joint_activity

TODAY = datetime.date(2026, 1, 10)


@pytest.fixture
def scheme(world):
    return scheme_import(example(), actor=None)[0]


def kpi_state() -> list:
    return [
        list(KpiValue.objects.values_list()),
        list(KpiBatch.objects.values_list()),
        AuditLog.objects.count(),
    ]


# --- schemes ------------------------------------------------------------------------------


def test_scheme_list_and_filters(scheme, world):
    scheme_import(example(code="2026Q-SWD", period="2026Q1"), actor=None)
    status, data = call("get", "/assessment/schemes", user=world.company)
    assert status == 200 and data["count"] == 2
    assert [s["code"] for s in data["items"]] == ["2026Q-SWD", "2025-SWD"]
    assert data["items"][1] | {"updated_at": None} == {
        "code": "2025-SWD",
        "name": "2025年度党支部双维度考核",
        "period": "2025",
        "period_kind": "year",
        "owner": "DW",
        "applies_kind": "党支部",
        "applies_orgs": [],
        "dimension_count": 3,
        "indicator_count": 6,
        "stars": [[95.0, 5.0], [90.0, 4.0], [80.0, 3.0], [70.0, 2.0], [60.0, 1.0]],
        "pass_line": 60.0,
        "updated_at": None,
    }
    for query, codes in (
        ("?period_kind=quarter", ["2026Q-SWD"]),
        ("?period=2025", ["2025-SWD"]),
        ("?q=2026", ["2026Q-SWD"]),
        ("?owner=DW2", []),
        ("?period_kind=", ["2026Q-SWD", "2025-SWD"]),
    ):
        status, data = call("get", f"/assessment/schemes{query}", user=world.company)
        assert (status, [s["code"] for s in data["items"]]) == (200, codes)


def test_scheme_detail_is_the_scheme_file(scheme, world):
    status, data = call("get", "/assessment/schemes/2025-SWD", user=world.member_a)
    assert status == 200
    assert data == {**EXAMPLE, "owner": "DW"}


def test_bad_list_parameters_are_422(world):
    status, data = call("get", "/assessment/schemes?period_kind=week", user=world.admin)
    assert (status, data) == (
        422,
        {"detail": "period_kind：应为以下之一：year、half、quarter、month"},
    )


# --- KPI values ---------------------------------------------------------------------------


def test_post_one_kpi_records_a_batch(scheme, world):
    status, data = call(
        "post",
        "/assessment/kpis",
        user=world.company,
        body={"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": 97.5},
    )
    assert status == 200
    batch = KpiBatch.objects.get()
    assert (batch.channel, batch.created_by, batch.row_count) == ("api", world.company, 1)
    item = data["items"][0]
    assert (data["batch"], data["created"], data["updated"], data["unchanged"]) == (
        batch.pk,
        1,
        0,
        0,
    )
    assert {k: item[k] for k in ("org", "org_name", "period", "indicator_code", "value")} == {
        "org": "ZB-A",
        "org_name": "营销服务党支部",
        "period": "2025",
        "indicator_code": "YW1",
        "value": 97.5,
    }
    assert (item["batch"]["id"], item["batch"]["channel"], item["batch"]["by"]) == (
        batch.pk,
        "api",
        "company",
    )


def test_post_a_list_is_one_batch_and_unchanged_values_keep_theirs(scheme, world):
    first = kpi_set(world.admin, org=world.zb_a, period="2025", indicator_code="YW1", value=90)
    body = {
        "items": [
            {"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": 90},
            {"org": "ZB-A", "period": "2025", "indicator_code": "YW2", "value": 1},
            {"org": "ZB-B", "period": "2025q4", "indicator_code": "YW1", "value": 80},
        ]
    }
    status, data = call("post", "/assessment/kpis", user=world.company, body=body)
    assert status == 200
    assert (data["created"], data["updated"], data["unchanged"]) == (2, 0, 1)
    assert [i["batch"]["id"] for i in data["items"]] == [
        first.batch_id,
        data["batch"],
        data["batch"],
    ]
    assert [i["period"] for i in data["items"]] == ["2025", "2025", "2025Q4"]
    status, data = call("post", "/assessment/kpis", user=world.company, body=body)
    assert (status, data["batch"], data["unchanged"]) == (200, None, 3)


@pytest.mark.parametrize(
    "body, status, detail",
    [
        (
            {"org": "ZB-A", "period": "2025", "indicator_code": "DJ1", "value": 1},
            400,
            "indicator_code：指标编码 DJ1 不是任何考核方案中的业务指标（数据来源为“业务指标（导入）”）",
        ),
        (
            {"org": "ZB-A", "period": "2025Q9", "indicator_code": "YW1", "value": 1},
            400,
            "period：期间“2025Q9”格式不正确，应为 2026、2026H1、2026Q3 或 2026-07",
        ),
        (
            {"org": "ZB-A", "period": "2025", "indicator_code": "YW1"},
            422,
            "请求体：缺少字段：value",
        ),
        (
            {"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": "x"},
            422,
            "value：应为数字",
        ),
        (
            {"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": 1, "items": []},
            422,
            "请求体：请只给出一条数值（org、period、indicator_code、value）或 items 列表之一",
        ),
        ({"items": []}, 422, "请求体：items 不能为空"),
        (
            {
                "items": [
                    {"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": 1, "x": 1}
                ]
            },
            422,
            "items.0.x：不支持的字段",
        ),
        (
            {
                "items": [
                    {"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": 1},
                    {"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": 2},
                ]
            },
            400,
            "第2条：与第1条重复（同一组织、期间和指标编码）",
        ),
        (
            {"org": "WB-GOV", "period": "2025", "indicator_code": "YW1", "value": 1},
            400,
            "org：外部单位 WB-GOV 不参加考核",
        ),
        (
            {"org": "ZB-X", "period": "2025", "indicator_code": "YW1", "value": 1},
            400,
            "组织不存在：ZB-X",
        ),
    ],
)
def test_bad_kpi_writes_change_nothing(scheme, world, body, status, detail):
    before = kpi_state()
    assert call("post", "/assessment/kpis", user=world.company, body=body) == (
        status,
        {"detail": detail},
    )
    assert kpi_state() == before


def test_kpi_list_filters(scheme, world):
    kpi_set(world.admin, org=world.zb_a, period="2025", indicator_code="YW1", value=1)
    kpi_set(
        world.admin, org=world.zb_b, period="2025", indicator_code="YW1", value=2, channel="api"
    )
    kpi_set(world.admin, org=world.zb_b, period="2026", indicator_code="YW2", value=3)
    batch = KpiValue.objects.get(value=2).batch_id
    for query, expected in (
        ("", [1, 2, 3]),
        ("?org=ZB-B", [2, 3]),
        ("?period=2025", [1, 2]),
        ("?indicator_code=YW2", [3]),
        ("?channel=api", [2]),
        (f"?batch={batch}", [2]),
        ("?org=ZB-X", []),
        ("?page_size=1&page=2", [2]),
    ):
        status, data = call("get", f"/assessment/kpis{query}", user=world.company)
        assert (status, [i["value"] for i in data["items"]]) == (200, expected), query
    assert call("get", "/assessment/kpis", user=world.company)[1]["count"] == 3


# --- results ------------------------------------------------------------------------------


@pytest.fixture
def runs(scheme, world):
    kpi_set(None, org=world.zb_a, period="2025", indicator_code="YW1", value=100)
    kpi_set(None, org=world.zb_b, period="2025", indicator_code="YW1", value=90)
    joint_activity(world.zb_b, day=datetime.date(2025, 5, 1))
    first = assessment_run(None, scheme, "2025", today=TODAY)
    kpi_set(None, org=world.zb_b, period="2025", indicator_code="YW1", value=100)
    second = assessment_run(None, scheme, "2025", today=TODAY)
    return first, second


def test_results_are_the_latest_version_until_one_is_published(runs, world):
    first, second = runs
    status, data = call(
        "get", "/assessment/results?scheme=2025-SWD&period=2025", user=world.company
    )
    assert status == 200
    assert {
        k: data[k] for k in ("scheme", "period", "version", "is_published", "org_count", "count")
    } == {
        "scheme": "2025-SWD",
        "period": "2025",
        "version": 2,
        "is_published": False,
        "org_count": 2,
        "count": 2,
    }
    assert data["items"][0] == {
        "org": "ZB-B",
        "name": "运维检修党支部",
        "total": 31.5,
        "stars": None,
        "vetoed": False,
        "passed": False,
        "rank": 1,
        "dimensions": {"DJ": 0.0, "YW": 30.0, "LJ": 1.5},
        "indicators": {
            "DJ1": {"value": 0.0, "points": 0.0, "missing": False},
            "YW1": {"value": 100.0, "points": 30.0, "missing": False},
            "YW2": {"value": None, "points": 0.0, "missing": True},
            "LJ1": {"value": 1.0, "points": 1.5, "missing": False},
            "LJ2": {"value": None, "points": 0.0, "missing": True},
            "FJ1": {"value": None, "points": 0.0, "missing": True},
        },
    }
    run_publish(None, first)
    status, data = call("get", "/assessment/results?scheme=2025-SWD", user=world.company)
    assert (status, data["version"], data["is_published"]) == (200, 1, True)
    assert [(r["org"], r["rank"], r["total"]) for r in data["items"]] == [
        ("ZB-A", 1, 30.0),
        ("ZB-B", 2, 28.5),
    ]
    status, data = call(
        "get", "/assessment/results?scheme=2025-SWD&period=2025&version=2", user=world.company
    )
    assert (status, data["version"]) == (200, 2)


def test_results_rows_follow_scope_and_filters(runs, world):
    run_publish(None, runs[1])  # the assessed see published versions only
    status, data = call("get", "/assessment/results?scheme=2025-SWD", user=world.manager_a)
    assert (
        status,
        [(r["org"], r["rank"]) for r in data["items"]],
        data["count"],
        data["org_count"],
    ) == (200, [("ZB-A", 2)], 1, 2)
    status, data = call("get", "/assessment/results?scheme=2025-SWD&org=ZB-B", user=world.company)
    assert [r["org"] for r in data["items"]] == ["ZB-B"]
    assert call("get", "/assessment/results?scheme=2025-SWD&org=ZB-B", user=world.manager_a) == (
        404,
        {"detail": "未找到"},
    )


@pytest.mark.parametrize(
    "query, detail",
    [
        ("?scheme=2025-SWD&period=2024", "方案 2025-SWD 在 2024 期间尚无考核结果"),
        (
            "?scheme=2025-SWD&period=2025&version=9",
            "方案 2025-SWD 在 2025 期间尚无该版本的考核结果",
        ),
        ("?scheme=NOPE", "未找到"),
    ],
)
def test_missing_results_are_404(runs, world, query, detail):
    assert call("get", f"/assessment/results{query}", user=world.admin) == (404, {"detail": detail})


def test_a_scheme_never_run_has_no_results(scheme, world):
    assert call("get", "/assessment/results?scheme=2025-SWD", user=world.admin) == (
        404,
        {"detail": "方案 2025-SWD 尚无考核结果"},
    )


def test_results_need_a_scheme(world):
    assert call("get", "/assessment/results", user=world.admin) == (422, {"detail": "scheme：必填"})


def test_unauthenticated_calls_are_401(scheme):
    for url in (
        "/assessment/schemes",
        "/assessment/schemes/2025-SWD",
        "/assessment/kpis",
        "/assessment/results?scheme=2025-SWD",
    ):
        status, data = call("get", url)
        assert status == 401 and data["detail"].startswith("未登录")
    assert AssessmentRun.objects.count() == 0


def test_scheme_file_is_complete_for_a_scheme_with_every_option(world):
    data = copy.deepcopy(EXAMPLE)
    data.update(owner="DW", pass_line=65, description="说明")
    data["indicators"].insert(
        1,
        {
            "code": "DJ2",
            "name": "书记述职评议",
            "dimension": "DJ",
            "max": 10,
            "rule": "manual",
            "source": "manual",
            "missing_points": 2,
            "evaluators": ["admin"],
            "description": "党委评议",
        },
    )
    scheme_import(copy.deepcopy(data), actor=None)
    status, body = call("get", "/assessment/schemes/2025-SWD", user=world.admin)
    assert (status, body) == (200, data)
