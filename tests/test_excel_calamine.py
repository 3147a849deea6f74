"""Reading workbooks with python-calamine (issue #15 item 1): text cells stay text, dates
are dates, the values parse exactly as the expat reader's do, a crafted reference never
reaches calamine (whose dense grid would abort the process), and a bulk import stays
all-or-nothing with every bad row listed."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from lianjian.core.excel import get_kind, import_file
from lianjian.core.excel import xlsx as xlsx_module
from lianjian.core.excel.limits import ReadLimits
from lianjian.core.excel.reading import read_sheet
from lianjian.orgs.excel.members import MEMBER_COLUMNS
from lianjian.orgs.models import Member
from tests.excel_helpers import crafted_xlsx, inline_cell, make_xlsx, xml_row
from tests.test_excel_members import MEMBER_HEADERS, id_number


@pytest.fixture
def calamine_calls(monkeypatch):
    """The rows calamine gave per read (None: the expat reader read the file)."""
    calls: list[object] = []
    real = xlsx_module._calamine_rows

    def spy(handle, limits):
        rows = real(handle, limits)
        calls.append(rows)
        return rows

    monkeypatch.setattr(xlsx_module, "_calamine_rows", spy)
    return calls


def expat_only(monkeypatch):
    monkeypatch.setattr(xlsx_module, "_calamine_rows", lambda handle, limits: None)


def member_row(number: str, *, org: str = "ZB-A", id_no: str = "", phone: str = "") -> list:
    return [
        number,
        "王五",
        "男",
        datetime.date(1985, 6, 12),
        org,
        "正式党员",
        datetime.date(2010, 7, 1),
        datetime.date(2011, 7, 1),
        None,
        None,
        phone,
        id_no,
        None,
    ]


def test_text_cells_stay_text_and_dates_are_dates(db, tmp_path, calamine_calls):
    id_no = id_number("21050219850612003")
    path = make_xlsx(
        tmp_path / "m.xlsx",
        MEMBER_HEADERS,
        [
            member_row("007", id_no=id_no, phone="013912345678"),
            # Typed as numbers in Excel: read as the text the user typed, no ".0".
            [*member_row("M2")[:10], 13912345678, None, None],
            # Dates typed as text, and a date with a time of day.
            [
                "M3",
                "李四",
                "女",
                "1985-06-12",
                "ZB-A",
                "正式党员",
                datetime.datetime(2010, 7, 1, 9, 30),
                "2011-07-01",
            ],
        ],
    )
    sheet = read_sheet(path, MEMBER_COLUMNS)
    assert calamine_calls and calamine_calls[-1] is not None, "calamine did not read the file"
    by_number = {values[0]: values for _, values in sheet.rows}
    assert set(by_number) == {"007", "M2", "M3"}
    assert by_number["007"][11] == id_no  # 18 digits, not a float
    assert by_number["007"][10] == "013912345678"
    assert by_number["007"][3] == datetime.date(1985, 6, 12)
    assert by_number["M2"][10] == "13912345678"
    assert by_number["M3"][3] == datetime.date(1985, 6, 12)
    assert by_number["M3"][6] == datetime.date(2010, 7, 1)
    assert by_number["M3"][7] == datetime.date(2011, 7, 1)
    assert [n for n, _ in sheet.rows] == [2, 3, 4]


@pytest.mark.parametrize("inline", [False, True])
def test_calamine_and_the_expat_reader_parse_alike(db, tmp_path, monkeypatch, inline):
    rows = [
        member_row("A-1", id_no=id_number("21050219850612003"), phone="13912345678"),
        [" A-2 ", "  ", "男", 1985, "ZB-A", "党员", "昨天", 44000.5, 1.5, True, 139, 2.5, "是"],
        [None, None, None, None, None, None, None, None, None, None, None, None, "  "],
        ["A-3", "赵六", None, datetime.date(2300, 1, 1), "ZB-B", "预备党员", 45000],
    ]
    path = make_xlsx(tmp_path / "m.xlsx", MEMBER_HEADERS, rows, inline_strings=inline)
    fast = read_sheet(path, MEMBER_COLUMNS)
    expat_only(monkeypatch)
    slow = read_sheet(path, MEMBER_COLUMNS)
    assert fast.rows == slow.rows
    assert fast.errors.messages() == slow.errors.messages()
    assert fast.present == slow.present


def test_a_sheet_starting_below_and_right_of_a1_keeps_its_row_and_column_numbers(
    db, tmp_path, calamine_calls
):
    # Header in row 1 but the first column empty: the header check still sees column A.
    path = crafted_xlsx(
        tmp_path / "o.xlsx",
        xml_row(
            1,
            inline_cell("B1", "组织编码"),
            inline_cell("C1", "组织名称"),
            inline_cell("D1", "组织类型"),
        )
        + xml_row(
            3, inline_cell("B3", "ZB-N"), inline_cell("C3", "新支部"), inline_cell("D3", "党支部")
        ),
    )
    org_columns = get_kind("orgs").columns
    sheet = read_sheet(path, org_columns)
    assert calamine_calls[-1] is not None
    assert [n for n, _ in sheet.rows] == [3]
    assert sheet.rows[0][1][0] == "ZB-N"


@pytest.mark.parametrize(
    "cell",
    [
        inline_cell("XFD1048576", "x"),  # calamine would allocate 1 048 576 × 16 384 cells
        inline_cell("CW2", "x"),
        inline_cell("A500002", "x"),
        "<c r='A2' t=\"inlineStr\"><is><t>x</t></is></c>",
        '<c r="a2" t="inlineStr"><is><t>x</t></is></c>',
        '<c\nr="A2" t="inlineStr"><is><t>x</t></is></c>',
    ],
)
def test_a_reference_not_plainly_within_the_limits_never_reaches_calamine(
    db, tmp_path, monkeypatch, cell
):
    def refuse(*args, **kwargs):
        raise AssertionError("calamine was given the file")

    monkeypatch.setattr(xlsx_module.CalamineWorkbook, "from_filelike", refuse)
    path = crafted_xlsx(
        tmp_path / "o.xlsx",
        xml_row(1, inline_cell("A1", "组织编码"), inline_cell("B1", "组织名称")) + cell,
    )
    with open(path, "rb") as handle:
        assert xlsx_module._calamine_rows(handle, ReadLimits.default()) is None


def test_a_reference_cut_by_the_scan_chunk_is_seen_whole(db, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_module, "_SCAN_CHUNK", 97)  # cuts references everywhere
    good = "".join(xml_row(n, inline_cell(f"A{n}", f"ZB-{n}")) for n in range(2, 60))
    header = xml_row(1, inline_cell("A1", "组织编码"), inline_cell("B1", "组织名称"))
    path = crafted_xlsx(tmp_path / "good.xlsx", header + good)
    with open(path, "rb") as handle:
        assert xlsx_module._calamine_rows(handle, ReadLimits.default()) is not None
    for far in range(len(good) // 3, len(good) // 3 + 97, 7):
        cut = good.find("<row", far)
        bad = good[:cut] + xml_row(9, inline_cell("XFD9", "x")) + good[cut:]
        path = crafted_xlsx(tmp_path / "bad.xlsx", header + bad)
        with open(path, "rb") as handle:
            assert xlsx_module._calamine_rows(handle, ReadLimits.default()) is None


def test_a_part_unpacking_beyond_its_declared_size_never_reaches_calamine(db, tmp_path):
    path = crafted_xlsx(
        tmp_path / "o.xlsx", xml_row(1, inline_cell("A1", "组织编码"), inline_cell("B1", "名称"))
    )
    data = bytearray(Path(path).read_bytes())
    # Lower the declared size of the sheet part in its central directory entry.
    name = b"xl/worksheets/sheet1.xml"
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    size = int.from_bytes(data[at + 24 : at + 28], "little")
    data[at + 24 : at + 28] = (size - 10).to_bytes(4, "little")
    Path(path).write_bytes(bytes(data))
    with open(path, "rb") as handle:
        assert xlsx_module._calamine_rows(handle, ReadLimits.default()) is None


def test_a_bulk_import_is_all_or_nothing_and_lists_every_bad_row(world, tmp_path):
    before = Member.objects.count()
    rows = [member_row(f"N{i:05d}") for i in range(2_600)]  # more than one batch of 2,000
    rows[3][4] = "NO-SUCH-ORG"
    rows[2_500][5] = "群众"
    rows[2_599][0] = "M-A1"  # an existing member's number: an update, valid
    path = make_xlsx(tmp_path / "m.xlsx", MEMBER_HEADERS, rows)
    result = import_file(get_kind("members"), path, file_name="m.xlsx")
    assert len(result.errors) == 2, result.errors
    assert result.errors[0] == "第5行 所在组织编码：组织 NO-SUCH-ORG 不存在"
    assert result.errors[1].startswith("第2502行 党员类别")
    assert result.created == result.updated == 0
    assert Member.objects.count() == before
    assert not Member.objects.filter(number__startswith="N0").exists()
