"""Excel kinds ``supervision_batches`` and ``supervision_items`` (contracts.md §3): the exact
columns, all-or-nothing with every bad row listed, scope per row, export → import round
trip through the CLI."""

from __future__ import annotations

import datetime

import pytest

from lianjian.core.excel import get_kind, import_file
from lianjian.core.models import AuditLog
from lianjian.supervision.models import Batch, Item
from tests.excel_helpers import make_xlsx, read_xlsx, run
from tests.supervision_helpers import Ledger, make_ledger

D = datetime.date
BATCH_HEADERS = ["批次编码*", "来源*", "下发单位*", "被检查组织编码*", "反馈日期*"]
ITEM_HEADERS = [
    "批次编码*",
    "问题编号*",
    "问题描述*",
    "类别",
    "责任组织编码*",
    "责任人编号",
    "整改类型*",
    "整改时限*",
    "重要",
    "疑似违纪",
    "需问责",
]


@pytest.fixture
def ledger(world) -> Ledger:
    return make_ledger(world)


def load(tmp_path, kind, headers, rows, *, user=None):
    path = make_xlsx(tmp_path / f"{kind}.xlsx", headers, rows)
    return import_file(get_kind(kind), path, file_name=path.name, actor=user, user=user)


def test_the_columns_are_those_of_the_contract():
    assert [c.title for c in get_kind("supervision_batches").columns] == BATCH_HEADERS
    assert [c.title for c in get_kind("supervision_items").columns] == ITEM_HEADERS


def test_batches_and_items_import_by_the_issuing_body(ledger, tmp_path):
    result = load(
        tmp_path,
        "supervision_batches",
        BATCH_HEADERS,
        [
            [
                "XC-2026-02",
                "巡察",
                "公司党委第二巡察组",
                "ZB-B",
                D(2026, 12, 31) - datetime.timedelta(days=60),
            ]
        ],
        user=ledger.xuncha,
    )
    assert result.ok, result.errors
    batch = Batch.objects.get(code="XC-2026-02")
    assert batch.issuing_org == ledger.world.dw and batch.title == "公司党委第二巡察组巡察"
    result = load(
        tmp_path,
        "supervision_items",
        ITEM_HEADERS,
        [
            [
                "XC-2026-02",
                "1",
                "党费收缴不及时",
                "党费",
                "ZB-B",
                "M-B1",
                "限期整改",
                D(2027, 3, 1),
                "是",
                "否",
                "否",
            ],
            [
                "XC-2026-02",
                "2",
                "学习记录缺失",
                "",
                "ZB-B",
                None,
                "立行立改",
                D(2027, 1, 15),
                None,
                None,
                None,
            ],
        ],
        user=ledger.xuncha,
    )
    assert result.ok, result.errors
    assert result.created == 2
    first = Item.objects.get(batch=batch, number="1")
    assert (first.state, first.important, first.responsible_person.number) == (
        "待整改",
        True,
        "M-B1",
    )


def test_a_bad_file_imports_nothing_and_lists_every_error(ledger, tmp_path):
    result = load(
        tmp_path,
        "supervision_items",
        ITEM_HEADERS,
        [
            [
                "XC-2026-01",
                "9",
                "新问题",
                "",
                "ZB-A",
                None,
                "限期整改",
                D(2027, 3, 1),
                None,
                None,
                None,
            ],
            ["XC-2026-01", "10", "", "", "ZB-NOPE", None, "随便", "2027-02-30", None, None, None],
            ["NOPE", "1", "x", "", "ZB-A", None, "限期整改", D(2027, 3, 1), None, None, None],
            [
                "XC-2026-01",
                "9",
                "重复",
                "",
                "ZB-A",
                None,
                "限期整改",
                D(2027, 3, 1),
                None,
                None,
                None,
            ],
        ],
        user=ledger.xuncha,
    )
    assert not result.ok
    text = "\n".join(result.errors)
    for expected in (
        "第3行 问题描述",
        "第3行 责任组织编码",
        "第3行 整改类型",
        "第3行 整改时限",
        "第4行 批次编码",
        "第5行 问题编号",
    ):
        assert expected in text, text
    assert not Item.objects.filter(number__in=["9", "10"]).exists()


def test_another_body_cannot_import_into_a_batch_it_does_not_reach(ledger, tmp_path):
    result = load(
        tmp_path,
        "supervision_items",
        ITEM_HEADERS,
        [
            [
                "XC-2026-01",
                "9",
                "越权问题",
                "",
                "ZB-A",
                None,
                "限期整改",
                D(2027, 3, 1),
                None,
                None,
                None,
            ]
        ],
        user=ledger.jijian,
    )
    assert not result.ok and "第2行 批次编码" in result.errors[0]
    result = load(
        tmp_path,
        "supervision_batches",
        BATCH_HEADERS,
        [["XC-2026-09", "巡察", "越权", "ZB-A", D(2026, 10, 1)]],
        user=ledger.jijian,
    )
    assert not result.ok and "无权导入" in result.errors[0]
    assert not Batch.objects.filter(code="XC-2026-09").exists()
    # a branch manager is no body: it may not write the issuing body's items
    result = load(
        tmp_path,
        "supervision_items",
        ITEM_HEADERS,
        [
            [
                "XC-2026-01",
                "1",
                "改写",
                "",
                "ZB-A",
                None,
                "限期整改",
                D(2027, 3, 1),
                None,
                None,
                None,
            ]
        ],
        user=ledger.world.manager_a,
    )
    assert not result.ok
    assert Item.objects.get(pk=ledger.item_a.pk).description != "改写"


@pytest.mark.parametrize("kind", ["supervision_batches", "supervision_items"])
def test_export_then_import_round_trips(ledger, tmp_path, kind):
    out = tmp_path / f"{kind}.xlsx"
    code, stdout, stderr = run("export", kind, str(out))
    assert code == 0, stderr
    headers, rows = read_xlsx(out)
    assert [h.rstrip("*") for h in headers] == [
        h.rstrip("*") for h in (BATCH_HEADERS if kind == "supervision_batches" else ITEM_HEADERS)
    ]
    assert len(rows) == 2
    audits = AuditLog.objects.count()
    code, stdout, stderr = run("import", kind, str(out))
    assert code == 0, stderr
    assert "2" in stdout  # two unchanged rows
    assert AuditLog.objects.filter(action="update").count() == 0
    assert AuditLog.objects.count() == audits + 1  # the import's own row only


def test_cli_import_errors_exit_1_in_chinese(ledger, tmp_path):
    path = make_xlsx(
        tmp_path / "bad.xlsx", BATCH_HEADERS, [["XC-X", "巡逻", "x", "ZB-A", "1899-01-01"]]
    )
    code, stdout, stderr = run("import", "supervision_batches", str(path))
    assert code == 1
    assert "第2行 来源" in stderr and "Traceback" not in stderr
