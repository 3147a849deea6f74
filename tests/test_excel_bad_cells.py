"""A row with a bad cell never reaches code that assumes it valid (issue #16 item 7).

Every kind gets a valid row with every column of the file, then the same row with one
column at a time empty, invalid, over-long or of another type (a date, a number, a
boolean), and rows with every column so: each file is
imported through the command line (as the system) and through the upload screen (as a
manager), and each answers with listed errors — one naming the column whenever its parser
refuses the cell — or imports, but never crashes (no 500, no traceback)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from lianjian.assessment.services import scheme_import
from lianjian.core.excel import CellError, get_kind
from tests.alliance_helpers import make_alliances
from tests.assessment_engine_helpers import example
from tests.excel_helpers import make_xlsx, run

D = datetime.date
VALID: dict[str, list[Any]] = {
    "tasks": [
        "QD-NEW",
        2026,
        "T-NEW",
        None,
        "配网自动化改造",
        "技改项目",
        "党建+技改",
        "ZB-A",
        "M-A1",
        D(2026, 1, 1),
        D(2026, 12, 31),
        "手动",
        1,
        "否",
        "km",
        None,
        None,
        None,
        "进度滞后",
    ],
    "orgs": [
        "ZB-NEW",
        "新支部",
        "党支部",
        "DW",
        "否",
        "本溪供电公司",
        "营销服务",
        "本溪市",
        41.3,
        123.7,
        "客户服务",
        "技术攻关",
        D(2020, 1, 1),
        None,
        D(2024, 1, 1),
        D(2026, 12, 31),
        None,
        "临时",
    ],
    "members": [
        "M-NEW",
        "王新",
        "男",
        D(1990, 3, 7),
        "ZB-A",
        "正式党员",
        D(2015, 7, 1),
        D(2016, 7, 1),
        "组织委员",
        "营销员",
        "13912345678",
        "110101199003071233",
        "否",
    ],
    "alliances": [
        "LJ-NEW",
        "新联建",
        "结对共建",
        "党建+安全生产",
        "ZB-A",
        "ZB-A、ZB-B",
        "张三",
        D(2024, 1, 1),
    ],
    "activities": [
        "HD-NEW",
        "ZB-A",
        "主题党日",
        "2025-06-01 09:00",
        "学习党章",
        "会议室",
        10,
        8,
        None,
        None,
        2025,
    ],
    "problems": [
        "WT-NEW",
        "通道清障",
        "ZB-A",
        "营销服务",
        "一般",
        None,
        "描述",
        None,
        None,
        None,
        "待研究",
        D(2025, 1, 1),
        None,
        None,
    ],
    "resources": [
        "R-NEW",
        "活动室",
        "党员活动室",
        "ZB-A",
        "联建单位",
        "活动阵地",
        20,
        "本溪市",
        41.3,
        123.7,
        "周一至周五 08:30-17:30",
        "投影仪",
        None,
        "张三",
        "13812345678",
        "说明",
    ],
    "kpis": ["ZB-A", "2025", "YW1", 95],
}
BAD = {
    "empty": None,
    "invalid": "无效!值 ?",
    "over-long": "长" * 6000,
    "a date": D(1899, 12, 31),
    "a negative number": -1.5,
    "a huge number": 1e300,
    "a boolean": True,
}
SCREEN_VARIANTS = ("empty", "invalid", "over-long")
IMPORT_URL = reverse("orgs:import_start")


@pytest.fixture
def setup(world, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    make_alliances(world)
    scheme_import(example(), actor=None)
    return world


def refused_by_parser(column: Any, value: Any) -> bool:
    if value is None:
        return column.required
    try:
        column.parse(value)
    except CellError:
        return True
    return False


def variants(kind_name: str) -> list[tuple[str, list[Any], list[str]]]:
    """(label, row, headers whose cell the parser refuses) for every bad cell and bad row."""
    kind = get_kind(kind_name)
    base = VALID[kind_name]
    assert len(base) == len(kind.columns)
    out = []
    for i, column in enumerate(kind.columns):
        for label, value in BAD.items():
            row = list(base)
            row[i] = value
            out.append(
                (
                    f"{column.header} {label}",
                    row,
                    [column.header] if refused_by_parser(column, value) else [],
                )
            )
    for label, value in BAD.items():
        if value is None:
            continue  # a row of empty cells is a blank row, skipped like any other
        refused = [c.header for c in kind.columns if refused_by_parser(c, value)]
        out.append((f"every column {label}", [value] * len(base), refused))
    return out


def check(label: str, errors: list[str], refused: list[str]) -> None:
    for header in refused:
        assert any(e.startswith(f"第2行 {header}：") for e in errors), (label, header, errors)
    assert all(e.startswith("第") for e in errors), (label, errors)


@pytest.mark.parametrize("kind_name", list(VALID))
def test_every_bad_cell_is_listed_and_nothing_crashes(setup, client, tmp_path, kind_name):
    kind = get_kind(kind_name)
    headers = [c.header for c in kind.columns]
    path = make_xlsx(tmp_path / "valid.xlsx", headers, [VALID[kind_name]])
    assert run("import", kind_name, str(path), "--dry-run")[0] == 0, "the valid row must import"
    client.force_login(setup.company)

    for n, (label, row, refused) in enumerate(variants(kind_name)):
        path = make_xlsx(tmp_path / f"bad{n}.xlsx", headers, [row])
        code, out, err = run("import", kind_name, str(path), "--dry-run")
        assert code in (0, 1), (label, code, err)
        assert "Traceback" not in err
        check(label, err.splitlines()[:-1] if code == 1 else [], refused)
        if refused:
            assert code == 1, (label, out)

        if not label.endswith(SCREEN_VARIANTS):
            continue  # the cell types are the parsers' business; the screen adds the manager's scope
        with path.open("rb") as handle:
            response = client.post(IMPORT_URL, {"kind": kind_name, "file": handle})
        assert response.status_code in (200, 400), (label, response.status_code)
        check(label, response.context["result"].errors, refused)


def test_a_member_without_a_valid_name_is_listed_not_a_crash(setup, tmp_path):
    # The probe's case: empty or over-long 姓名 ended in KeyError: 'initials'.
    headers = [c.header for c in get_kind("members").columns]
    for value, reason in ((None, "不能为空"), ("长" * 51, "长度不能超过 50 个字符")):
        row = list(VALID["members"])
        row[1] = value
        path: Path = make_xlsx(tmp_path / "m.xlsx", headers, [row])

        code, out, err = run("import", "members", str(path))

        assert (code, out) == (1, "")
        assert err.splitlines() == [f"第2行 姓名：{reason}", "共 1 处错误，未导入任何数据。"]
