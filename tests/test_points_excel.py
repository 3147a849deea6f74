"""The Excel kind ``points``: a branch's manual entries and claims, all or nothing with
every bad row listed, scope (a manager imports for the members they manage), and the
round trip (an exported file imports unchanged; a changed row of the ledger is refused)."""

from __future__ import annotations

import datetime

import pytest

from lianjian.core.excel import get_kind
from lianjian.core.excel.kinds import export_file, import_file
from lianjian.points.models import ClaimState, EntrySource, PointsClaim, PointsEntry
from tests.excel_helpers import make_xlsx, read_xlsx
from tests.points_helpers import YEAR, make_scheme

D = datetime.date
pytestmark = pytest.mark.django_db
HEADERS = ["积分办法编码", "人员编号", "规则编码", "方式", "发生日期", "分值", "说明", "佐证链接"]


def kind():
    k = get_kind("points")
    assert k is not None
    return k


def test_an_import_writes_entries_and_claims_and_round_trips(world, tmp_path):
    make_scheme()
    path = make_xlsx(
        tmp_path / "in.xlsx",
        HEADERS,
        [
            ["2026-JF", "M-A1", "C1", "录入", D(YEAR, 3, 2), None, "无故缺席党小组会", None],
            ["2026-JF", "M-A2", "C1", "录入", D(YEAR, 3, 2), -1, "迟到早退（支委会认定）", None],
            [
                "2026-JF",
                "M-A2",
                "B2",
                "申报",
                D(YEAR, 4, 2),
                None,
                "获表彰",
                "https://example.org/x",
            ],
        ],
    )
    result = import_file(
        kind(), path, file_name="in.xlsx", actor=world.manager_a, user=world.manager_a
    )
    assert result.errors == [] and result.created == 3
    assert sorted(PointsEntry.objects.values_list("points", flat=True)) == [-2, -1]
    assert PointsEntry.objects.filter(source=EntrySource.MANUAL).count() == 2
    assert PointsClaim.objects.get().state == ClaimState.FILED
    out = tmp_path / "out.xlsx"
    assert export_file(kind(), out, user=world.manager_a) == 3
    headers, rows = read_xlsx(out)
    again = import_file(
        kind(), out, file_name="out.xlsx", actor=world.manager_a, user=world.manager_a
    )
    assert again.errors == [] and (again.created, again.unchanged) == (0, 3)
    changed = [list(r) for r in rows]
    changed[0][headers.index("说明*")] = "改过的说明"
    edited = make_xlsx(tmp_path / "edit.xlsx", headers, changed)
    refused = import_file(
        kind(), edited, file_name="edit.xlsx", actor=world.manager_a, user=world.manager_a
    )
    assert refused.errors == ["第2行 记录号：台账记录和申报不能修改；更正请新增一行（记录号留空）"]
    assert PointsEntry.objects.count() == 2


def test_every_bad_row_is_listed_and_nothing_is_written(world, tmp_path):
    make_scheme()
    path = make_xlsx(
        tmp_path / "bad.xlsx",
        HEADERS,
        [
            ["2026-JF", "M-A1", "C1", "录入", D(YEAR, 3, 2), None, "正确的一行", None],
            ["NOPE", "M-A1", "C1", "录入", D(YEAR, 3, 2), None, "x", None],
            ["2026-JF", "M-B1", "C1", "录入", D(YEAR, 3, 2), None, "别的支部", None],
            ["2026-JF", "M-A1", "Z9", "录入", D(YEAR, 3, 2), None, "x", None],
            ["2026-JF", "M-A1", "C1", "录入", D(YEAR - 1, 3, 2), None, "去年", None],
            ["2026-JF", "M-A1", "C1", "录入", D(YEAR, 3, 2), 3, "同号", None],
            ["2026-JF", "M-A1", "B2", "申报", D(YEAR, 3, 2), 5, "申报不填分值", None],
            ["2026-JF", "M-A1", "A1", "申报", D(YEAR, 3, 2), None, "自动规则", None],
        ],
    )
    result = import_file(
        kind(), path, file_name="bad.xlsx", actor=world.manager_a, user=world.manager_a
    )
    assert result.created == 0
    assert result.errors == [
        "第3行 积分办法编码：积分办法 NOPE 不存在",
        "第4行 人员编号：党员 M-B1 不存在或不在本人管理范围内",
        "第5行 规则编码：积分办法 2026-JF 没有规则 Z9",
        "第6行 发生日期：发生日期应在 2026 年内",
        "第7行 分值：分值应与规则同号",
        "第8行 分值：申报按规则分值计分，不能填写分值",
        "第9行 规则编码：规则 A1 不接受个人申报",
    ]
    assert not PointsEntry.objects.exists() and not PointsClaim.objects.exists()


def test_a_member_may_not_import(world, tmp_path):
    make_scheme()
    path = make_xlsx(
        tmp_path / "m.xlsx",
        HEADERS,
        [["2026-JF", "M-A1", "B2", "申报", D(YEAR, 3, 2), None, "x", None]],
    )
    result = import_file(
        kind(), path, file_name="m.xlsx", actor=world.member_a, user=world.member_a
    )
    assert result.errors == ["当前账户无权导入数据"]
