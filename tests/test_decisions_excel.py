"""The ``decisions`` Excel kind (docs/excel.md): export → import changes nothing; a new row
is a routed draft; a file with any bad row imports nothing and lists every error; only the
board office imports, into the lists it keeps."""

from __future__ import annotations

import io

import pytest

from lianjian.core.excel import export_file, get_kind, import_file
from lianjian.core.models import AuditLog
from lianjian.decisions import services
from lianjian.decisions.models import DecisionItem
from tests.decisions_helpers import make_register, study
from tests.excel_helpers import make_xlsx

HEADERS = [
    "事项编号",
    "事项清单编码",
    "事项名称",
    "类别",
    "金额（万元）",
    "提出部门",
    "分管领导",
    "可研报告",
]


@pytest.fixture
def reg(world):
    return make_register(world)


def _import(path, user, dry_run=False):
    return import_file(
        get_kind("decisions"), path, file_name=path.name, actor=user, user=user, dry_run=dry_run
    )


def test_export_then_import_changes_nothing(reg, tmp_path):
    buffer = io.BytesIO()
    assert export_file(get_kind("decisions"), buffer, user=reg.board) == 2
    path = tmp_path / "round.xlsx"
    path.write_bytes(buffer.getvalue())
    audits = AuditLog.objects.count()
    result = _import(path, reg.board)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert AuditLog.objects.count() == audits + 1  # the import's own row only


def test_a_new_row_is_a_routed_draft_and_materials_complete_a_submitted_item(reg, tmp_path):
    services.item_submit(actor=reg.board, item=reg.draft)
    path = make_xlsx(
        tmp_path / "new.xlsx",
        HEADERS,
        [
            ["JC-X-1", "QD-DW", "新建变电站", "大额度资金运作", 1000, "发展部", "张总", "可研.pdf"],
            [
                "JC-T-1",
                "QD-DW",
                "年度融资计划",
                "大额度资金运作",
                1000,
                "财务部",
                "王总会计师",
                "已补充可研",
            ],
        ],
    )
    result = _import(path, reg.board)
    assert result.ok, result.errors and (result.created, result.updated) == (1, 1)
    new = DecisionItem.objects.get(number="JC-X-1")
    assert new.state == "草拟" and new.line == reg.big and new.needs_prior_study
    assert DecisionItem.objects.get(number="JC-T-1").materials == {"feasibility": "已补充可研"}


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_error(reg, tmp_path):
    services.item_submit(actor=reg.board, item=reg.draft)
    study(reg.board, DecisionItem.objects.get(number="JC-T-1"))
    path = make_xlsx(
        tmp_path / "bad.xlsx",
        HEADERS,
        [
            ["JC-X-1", "QD-DW", "新建变电站", "大额度资金运作", 1000, "发展部", "张总", ""],
            ["JC-X-2", "NOPE", "某事项", "大额度资金运作", 10, "发展部", "张总", ""],
            ["JC-X-3", "QD-DW", "某事项", "小额", "abc", "发展部", "张总", ""],
            ["JC-T-1", "QD-DW", "改名", "大额度资金运作", 1000, "财务部", "王总会计师", ""],
        ],
    )
    result = _import(path, reg.board)
    assert not result.ok and result.created == 0
    text = "\n".join(result.errors)
    assert "第3行 事项清单编码：事项清单 NOPE 不存在或不由您维护" in text
    assert "第4行 类别" in text and "第4行 金额（万元）：应为数字" in text
    assert "第5行 事项编号：事项处于“待决策”状态，只能补充决策材料" in text
    assert not DecisionItem.objects.filter(number="JC-X-1").exists()
    assert DecisionItem.objects.get(number="JC-T-1").title == "年度融资计划"


def test_only_the_board_office_imports(world, reg, tmp_path):
    path = make_xlsx(
        tmp_path / "x.xlsx",
        HEADERS,
        [["JC-X-1", "QD-DW", "新建变电站", "大额度资金运作", 1000, "发展部", "张总", ""]],
    )
    for user in (world.company, world.manager_a, world.member_a):
        result = _import(path, user)
        assert result.errors == ["当前账户无权导入数据"]
    assert not DecisionItem.objects.filter(number="JC-X-1").exists()


def test_the_export_lists_what_the_user_sees(world, reg):
    kind = get_kind("decisions")
    assert [r[0] for r in kind.export_rows(user=world.manager_a, org_code=None)] == ["JC-T-2"]
    assert list(kind.export_rows(user=world.outsider, org_code=None)) == []


def test_the_command_line_imports_as_the_system(reg, tmp_path):
    from tests.excel_helpers import run

    path = make_xlsx(
        tmp_path / "cli.xlsx",
        HEADERS,
        [["JC-X-9", "QD-DW", "新建变电站", "大额度资金运作", 120, "发展部", "张总", ""]],
    )
    code, out, err = run("import", "decisions", str(path))
    assert code == 0, err
    item = DecisionItem.objects.get(number="JC-X-9")
    assert item.line == reg.small and item.created_by is None
    code, out, err = run("import", "decisions", str(tmp_path / "missing.xlsx"))
    assert code == 1 and "Traceback" not in err
