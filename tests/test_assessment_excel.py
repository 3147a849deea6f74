"""Excel kind ``kpis`` (contracts §3): exact columns, one batch per import, all-or-nothing,
scope, idempotent re-import, export → import round trip, and the CLI."""

from __future__ import annotations

import pytest

from lianjian.assessment.models import KpiBatch, KpiValue
from lianjian.assessment.services import scheme_import
from lianjian.core.excel import export_file, get_kind, import_file
from lianjian.core.models import AuditLog
from tests.assessment_engine_helpers import example
from tests.excel_helpers import make_xlsx, read_xlsx, run

HEADERS = ["组织编码*", "期间*", "指标编码*", "数值*"]
ROWS = [
    ["ZB-A", "2025", "YW1", 98.5],
    ["ZB-A", 2025, "YW2", 2],
    ["ZB-B", "2025", "YW1", "101.2"],
    ["ZB-B", "2025q4", "FJ1", 0],
]


@pytest.fixture
def scheme(world):
    return scheme_import(example(), actor=None)[0]


def load(tmp_path, rows, *, user=None, headers=HEADERS, dry_run=False, name="kpi.xlsx"):
    path = make_xlsx(tmp_path / name, headers, rows)
    return import_file(
        get_kind("kpis"), path, file_name=name, user=user, actor=user, dry_run=dry_run
    )


def values() -> list[tuple]:
    return list(
        KpiValue.objects.order_by("org__code", "period", "indicator_code").values_list(
            "org__code", "period", "indicator_code", "value"
        )
    )


def state() -> list:
    return [
        list(KpiValue.objects.values_list()),
        list(KpiBatch.objects.values_list()),
        AuditLog.objects.count(),
    ]


def test_the_kind_has_exactly_the_contract_columns():
    assert [c.title for c in get_kind("kpis").columns] == HEADERS
    assert get_kind("kpis").label == "业务指标"


def test_import_is_one_batch_with_who_and_when_and_reimport_changes_nothing(
    scheme, world, tmp_path
):
    result = load(tmp_path, ROWS, user=world.company, name="十月.xlsx")
    assert result.errors == [] and (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert values() == [
        ("ZB-A", "2025", "YW1", 98.5),
        ("ZB-A", "2025", "YW2", 2.0),
        ("ZB-B", "2025", "YW1", 101.2),
        ("ZB-B", "2025Q4", "FJ1", 0.0),
    ]
    batch = KpiBatch.objects.get()
    assert (
        batch.channel,
        batch.file_name,
        batch.row_count,
        batch.created_by,
        batch.created_by_name,
    ) == ("excel", "十月.xlsx", 4, world.company, "company")
    assert set(KpiValue.objects.values_list("batch_id", flat=True)) == {batch.pk}
    summary = AuditLog.objects.get(action="import")
    assert summary.after == {
        "kind": "kpis",
        "file": "十月.xlsx",
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "batch": batch.pk,
    }
    assert AuditLog.objects.filter(target_type="assessment.kpivalue").count() == 4
    before = state()
    again = load(tmp_path, ROWS, user=world.company, name="十月.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert state()[:2] == before[:2]  # no value, no batch; only the import summary is logged
    changed = load(tmp_path, [["ZB-A", "2025", "YW1", 99]], user=world.admin, name="更正.xlsx")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 0)
    kpi = KpiValue.objects.get(org__code="ZB-A", indicator_code="YW1")
    assert (kpi.value, kpi.batch.file_name, kpi.batch.created_by) == (
        99.0,
        "更正.xlsx",
        world.admin,
    )
    assert KpiValue.objects.get(org__code="ZB-A", indicator_code="YW2").batch_id == batch.pk


def test_every_error_is_listed_and_nothing_is_imported(scheme, world, tmp_path):
    before = state()
    result = load(
        tmp_path,
        [
            ["ZB-A", "2025", "YW1", 1],
            ["NOPE", "2025", "YW1", 1],
            ["WB-GOV", "2025", "YW1", 1],
            ["ZB-A", "2025Q5", "DJ1", "很多"],
            ["ZB-A", "2025", "YW1", 2],
            ["ZB-A", "2025", "含 空格", None],
            [None, None, None, 1e13],
        ],
    )
    assert result.errors == [
        "第3行 组织编码：组织 NOPE 不存在",
        "第4行 组织编码：外部单位 WB-GOV 不参加考核",
        "第5行 期间：期间格式应为 2026、2026H1、2026Q3 或 2026-07",
        "第5行 指标编码：DJ1 不是任何考核方案中的业务指标（数据来源为“业务指标（导入）”）",
        "第5行 数值：应为数字",
        "第6行 指标编码：与第2行重复（同一组织、期间和指标编码）",
        "第7行 指标编码：指标编码只能包含字母、数字、下划线、点和短横线，最长 16 位",
        "第7行 数值：不能为空",
        "第8行 组织编码：不能为空",
        "第8行 期间：不能为空",
        "第8行 指标编码：不能为空",
        "第8行 数值：应为有限的数字（绝对值不超过 10¹²）",
    ]
    assert (result.created, result.updated) == (0, 0)
    assert state() == before


def test_headers_are_checked(scheme, tmp_path):
    result = load(
        tmp_path, [["ZB-A", "2025", "YW1"]], headers=["组织编码", "期间", "指标编码", "备注"]
    )
    assert result.errors == ["第1行 备注：未知的列名", "第1行 数值：缺少必填列"]


def test_a_branch_manager_imports_no_value_of_their_own_branch_nor_outside_their_subtree(
    scheme, world, tmp_path
):
    before = state()
    result = load(tmp_path, ROWS, user=world.manager_a)
    own = "组织编码：营销服务党支部是被考核的组织：本组织的业务指标由考核方案的制定单位或该指标的数据提供部门录入，如有异议请提出申诉"
    assert result.errors == [
        f"第2行 {own}",
        f"第3行 {own}",
        "第4行 组织编码：组织 ZB-B 不存在",
        "第5行 组织编码：组织 ZB-B 不存在",
    ]
    assert state() == before
    assert load(tmp_path, ROWS, user=world.company).created == 4  # the scheme's owner enters them


def test_members_cannot_import(scheme, world, tmp_path):
    before = state()
    assert load(tmp_path, ROWS, user=world.member_a).errors == ["当前账户无权导入数据"]
    assert state() == before


def test_a_dry_run_counts_and_writes_nothing(scheme, world, tmp_path):
    load(tmp_path, ROWS[:1])
    before = state()
    result = load(
        tmp_path,
        [["ZB-A", "2025", "YW1", 98.5], ["ZB-A", "2025", "YW2", 3], ["ZB-B", "2025", "YW1", 4]],
        dry_run=True,
    )
    assert (result.created, result.updated, result.unchanged, result.errors) == (2, 0, 1, [])
    assert state() == before


def test_export_round_trips_and_follows_scope(scheme, world, tmp_path):
    load(tmp_path, ROWS)
    out = tmp_path / "export.xlsx"
    assert export_file(get_kind("kpis"), out) == 4
    headers, rows = read_xlsx(out)
    assert headers == HEADERS
    assert rows == [
        ["ZB-A", "2025", "YW1", 98.5],
        ["ZB-A", "2025", "YW2", 2],
        ["ZB-B", "2025", "YW1", 101.2],
        ["ZB-B", "2025Q4", "FJ1", 0],
    ]
    result = import_file(get_kind("kpis"), out, file_name="export.xlsx")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    mine = tmp_path / "mine.xlsx"
    assert export_file(get_kind("kpis"), mine, user=world.manager_b) == 2
    assert [r[0] for r in read_xlsx(mine)[1]] == ["ZB-B", "ZB-B"]
    assert export_file(get_kind("kpis"), mine, user=world.company, org_code="ZB-A") == 2


def test_the_command_line_imports_and_exports(scheme, tmp_path):
    path = make_xlsx(tmp_path / "kpi.xlsx", HEADERS, ROWS)
    assert run("import", "kpis", str(path), "--dry-run") == (
        0,
        "检查通过（未导入）：将新建 4 条，更新 0 条，未变 0 条。\n",
        "",
    )
    assert run("import", "kpis", str(path)) == (
        0,
        "导入完成：新建 4 条，更新 0 条，未变 0 条。\n",
        "",
    )
    batch = KpiBatch.objects.get()
    assert (batch.created_by, batch.created_by_name) == (None, "系统")
    bad = make_xlsx(tmp_path / "bad.xlsx", HEADERS, [["ZB-A", "2025", "YW1", "x"]])
    code, _, err = run("import", "kpis", str(bad))
    assert (code, err.splitlines()) == (
        1,
        ["第2行 数值：应为数字", "共 1 处错误，未导入任何数据。"],
    )
    assert run("export", "kpis", str(tmp_path / "all.xlsx"))[0] == 0
