"""Bounded reading of input workbooks (issue #16 item 5): crafted files are refused with a
clear message before the reader allocates for what they claim, on every path (the import
engine, ``lianjian import``, the upload screen), and the screens take fewer rows than the
command line."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from lianjian.core.excel import get_kind, import_file
from lianjian.core.excel.xlsx import _FastSheet
from lianjian.orgs.models import Organisation
from tests.excel_helpers import crafted_xlsx, inline_cell, make_xlsx, run, xml_row

IMPORT_URL = reverse("orgs:import_start")
HEADER = xml_row(
    1, inline_cell("A1", "组织编码"), inline_cell("B1", "组织名称"), inline_cell("C1", "组织类型")
)
ROWS_MESSAGE = "第{row}行超出行数上限：每个文件最多 500000 行数据（第2行至第500001行）"


def org_row(number: int) -> str:
    return xml_row(
        number,
        inline_cell(f"A{number}", f"ZB-N{number}"),
        inline_cell(f"B{number}", "新支部"),
        inline_cell(f"C{number}", "党支部"),
    )


@pytest.fixture(params=["fast", "openpyxl"])
def reader(request, monkeypatch):
    """Both sheet readers: the expat one and openpyxl's own (used should openpyxl change)."""
    if request.param == "openpyxl":
        monkeypatch.setattr(_FastSheet, "supports", staticmethod(lambda workbook, sheet: False))
    return request.param


@pytest.fixture(autouse=True)
def data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def traced_import(path: Path, kind: str = "orgs") -> tuple[list[str], int]:
    """The errors of importing ``path`` as the system and the peak of Python memory it took."""
    excel_kind = get_kind(kind)
    tracemalloc.start()
    try:
        result = import_file(excel_kind, path, file_name=path.name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result.errors, peak


def codes() -> list[str]:
    return list(Organisation.objects.order_by("code").values_list("code", flat=True))


# --- rows and columns far out -------------------------------------------------------------


@pytest.mark.parametrize(
    ("jump", "expected"),
    [
        (600_000, {"fast": 600_000, "openpyxl": 600_000}),
        # The probe's file: five rows, the last one numbered 30,000,000. openpyxl's reader pads
        # the jump lazily and is stopped at the last row Excel allows.
        (30_000_000, {"fast": 30_000_000, "openpyxl": 1_048_577}),
    ],
)
def test_a_row_far_below_the_limit_is_refused_before_anything_is_allocated(
    world, tmp_path, reader, jump, expected
):
    rows = (
        HEADER
        + org_row(2)
        + org_row(3)
        + org_row(4)
        + xml_row(jump, inline_cell(f"A{jump}", "ZB-FAR"))
    )
    path = crafted_xlsx(tmp_path / "rows.xlsx", rows)
    assert path.stat().st_size < 5_000
    before = codes()

    errors, peak = traced_import(path)

    assert errors == [ROWS_MESSAGE.format(row=expected[reader])]
    assert peak < 2_000_000
    assert codes() == before


@pytest.mark.parametrize("ref", ["XFD3", "CW3"])
def test_a_value_beyond_the_column_limit_is_refused_before_the_row_is_widened(
    world, tmp_path, reader, ref
):
    rows = HEADER + org_row(2) + xml_row(3, inline_cell(ref, "x"))
    path = crafted_xlsx(tmp_path / "columns.xlsx", rows)
    before = codes()

    errors, peak = traced_import(path)

    assert errors == [f"第3行 {ref[:-1]}列：超出列数上限，每行最多 100 列"]
    assert peak < 2_000_000
    assert codes() == before


@pytest.mark.parametrize(("letters", "shown"), [("ZZZZZ", "ZZZZZ"), ("A" * 100_000, "AAAAAAAA…")])
def test_a_reference_beyond_the_last_excel_column_is_refused_without_being_walked(
    world, tmp_path, letters, shown
):
    # The probe's cell ZZZZZ2 (openpyxl's own parser refuses it as a corrupt reference).
    rows = HEADER + org_row(2) + xml_row(3, inline_cell(f"{letters}3", "x"))
    path = crafted_xlsx(tmp_path / "columns.xlsx", rows)

    errors, peak = traced_import(path)

    assert errors == [f"第3行 {shown}列：超出列数上限，每行最多 100 列"]
    assert peak < 2_000_000


def test_blank_cells_and_blank_rows_beyond_the_limits_are_ignored(world, tmp_path):
    # Writers leave styled empty cells far out; they hold no value and cost nothing.
    rows = (
        HEADER
        + org_row(2)
        + xml_row(3, '<c r="ZZ3" s="1"/>', inline_cell("XFD3", " "))
        + xml_row(900_000, '<c r="A900000" s="1"/>')
    )
    path = crafted_xlsx(tmp_path / "blank.xlsx", rows)

    errors, peak = traced_import(path)

    assert errors == []
    assert peak < 2_000_000  # the rows skipped up to 900,000 cost nothing
    assert Organisation.objects.filter(code="ZB-N2").exists()


def test_the_column_limit_is_a_setting(world, tmp_path, settings):
    settings.IMPORT_MAX_COLUMNS = 3
    path = crafted_xlsx(
        tmp_path / "d.xlsx",
        HEADER + xml_row(2, inline_cell("A2", "ZB-Q"), inline_cell("D2", "说明")),
    )

    errors, _ = traced_import(path)

    assert errors == ["第2行 D列：超出列数上限，每行最多 3 列"]


@pytest.mark.parametrize("where", ["inline", "shared"])
def test_a_cell_longer_than_excel_allows_is_refused_as_it_is_read(world, tmp_path, reader, where):
    long_text = "长" * 40_000
    if where == "inline":
        path = crafted_xlsx(
            tmp_path / "long.xlsx", HEADER + xml_row(2, inline_cell("A2", long_text))
        )
        expected = "第2行有单元格内容超过 32767 个字符（Excel 单元格的上限）"
    else:
        path = crafted_xlsx(
            tmp_path / "long.xlsx",
            HEADER + xml_row(2, '<c r="A2" t="s"><v>0</v></c>'),
            strings=[long_text],
        )
        expected = "文件中有单元格内容超过 32767 个字符（Excel 单元格的上限）"

    errors, _ = traced_import(path)

    assert errors == [expected]


# --- the package: size, parts, compression -------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_opened(world, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 4096
    path = make_xlsx(
        tmp_path / "big.xlsx",
        ["组织编码", "组织名称", "组织类型"],
        [[f"ZB-{i}", f"支部{i}", "党支部"] for i in range(2000)],
    )
    size = path.stat().st_size
    assert size > 4096

    errors, _ = traced_import(path)

    assert errors == [f"文件过大（{size / 1024:.1f} KB），超过 4 KB 的上限".replace(".0 KB", " KB")]
    assert not Organisation.objects.filter(code="ZB-0").exists()


def test_a_part_that_unpacks_beyond_its_allowance_is_refused_before_it_is_read(world, tmp_path):
    # 17 MB of styles compress to a few KB; openpyxl would parse all of them into objects.
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><!--' + " " * (17 * 1024 * 1024) + "--></styleSheet>"
    )
    path = crafted_xlsx(
        tmp_path / "styles.xlsx", HEADER + org_row(2), extra={"xl/styles.xml": styles}
    )
    assert path.stat().st_size < 100_000

    errors, peak = traced_import(path)

    assert errors == ["文件内容过大：解压后超过 16 MB，无法读取"]
    assert peak < 2_000_000


def test_the_shared_strings_and_the_sheet_unpack_within_the_file_limit(world, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    strings = crafted_xlsx(
        tmp_path / "strings.xlsx",
        HEADER + xml_row(2, '<c r="A2" t="s"><v>0</v></c>'),
        strings=["ZB-S"] + ["x" * 1000] * 1100,
    )
    rows = HEADER + "".join(xml_row(n, inline_cell(f"A{n}", "")) for n in range(2, 200_000))
    sheet = crafted_xlsx(tmp_path / "sheet.xlsx", rows)
    assert strings.stat().st_size < 1024 * 1024 and sheet.stat().st_size < 1024 * 1024

    assert traced_import(strings)[0] == ["文件内容过大：解压后超过 1 MB，无法读取"]
    assert traced_import(sheet)[0] == ["文件内容过大：解压后超过 10 MB，无法读取"]


def test_a_part_compressed_otherwise_than_excel_does_is_refused(world, tmp_path):
    # bzip2 and lzma unpack without a bound per step; Excel only stores or deflates.
    path = crafted_xlsx(tmp_path / "bz.xlsx", HEADER + org_row(2), compression=zipfile.ZIP_BZIP2)

    assert traced_import(path)[0] == [
        "文件不是有效的 Excel 工作簿（.xlsx）：使用了不支持的压缩方式"
    ]


def test_an_archive_with_too_many_parts_is_refused_before_its_directory_is_read(world, tmp_path):
    path = crafted_xlsx(
        tmp_path / "parts.xlsx",
        HEADER + org_row(2),
        extra={f"junk/{i}.xml": "" for i in range(10_001)},
    )

    errors, peak = traced_import(path)

    assert errors == ["文件不是有效的 Excel 工作簿（.xlsx）：包含的部件过多（超过 10000 个）"]
    assert peak < 2_000_000


def test_the_zip64_form_of_the_directory_is_read_as_zipfile_reads_it(world, tmp_path, monkeypatch):
    def zip64(name: str, parts: int) -> Path:
        # zipfile writes the zip64 end records past this many entries; lowered, a small file has them.
        with monkeypatch.context() as patch:
            patch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 5)
            path = crafted_xlsx(
                tmp_path / name,
                HEADER + org_row(2),
                extra={f"junk/{i}.xml": "" for i in range(parts)},
            )
        assert b"PK\x06\x06" in path.read_bytes()[-200:]
        return path

    assert traced_import(zip64("many.xlsx", 10_001))[0] == [
        "文件不是有效的 Excel 工作簿（.xlsx）：包含的部件过多（超过 10000 个）"
    ]
    assert (
        traced_import(zip64("few.xlsx", 20))[0] == []
    )  # a zip64 file within the bound reads as any


# --- every path: the command line and the screen --------------------------------------------


def test_the_command_line_refuses_a_crafted_file_with_the_message_and_no_traceback(world, tmp_path):
    path = crafted_xlsx(
        tmp_path / "rows.xlsx", HEADER + org_row(2) + xml_row(600_000, inline_cell("A600000", "x"))
    )
    before = codes()

    code, out, err = run("import", "orgs", str(path))

    assert (code, out) == (1, "")
    assert err.splitlines() == [ROWS_MESSAGE.format(row=600_000), "共 1 处错误，未导入任何数据。"]
    assert codes() == before


def test_the_row_limit_is_a_setting_on_the_command_line(world, tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 3
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型"],
        [[f"ZB-{i}", f"支部{i}", "党支部"] for i in range(4)],
    )

    code, _, err = run("import", "orgs", str(path))

    assert code == 1
    assert err.splitlines()[0] == "第5行超出行数上限：每个文件最多 3 行数据（第2行至第4行）"
    assert not Organisation.objects.filter(code="ZB-0").exists()


def upload(client, path: Path, kind: str = "orgs"):
    with path.open("rb") as handle:
        return client.post(IMPORT_URL, {"kind": kind, "file": handle})


def test_the_screen_takes_fewer_rows_and_points_to_the_command_line(
    client, world, tmp_path, settings, data_dir
):
    settings.IMPORT_SCREEN_MAX_ROWS = 3
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        [[f"ZB-{i}", f"支部{i}", "党支部", "DW"] for i in range(4)],
    )
    client.force_login(world.admin)
    before = codes()

    response = upload(client, path)

    assert response.status_code == 400
    assert response.context["result"].errors == [
        "第5行超出行数上限：每个文件最多 3 行数据（第2行至第4行）；"
        "更大的文件请由系统管理员在服务器上用命令 lianjian import 导入（见 docs/excel.md）"
    ]
    assert codes() == before
    assert list((data_dir / "imports").iterdir()) == []
    # The same file is within the command line's limit.
    assert run("import", "orgs", str(path))[0] == 0
    assert Organisation.objects.filter(code="ZB-3", parent=world.dw).exists()


def test_the_screen_shows_its_limits(client, world, settings):
    settings.IMPORT_SCREEN_MAX_ROWS = 1234
    client.force_login(world.manager_a)

    html = client.get(IMPORT_URL).content.decode()

    assert (
        "网页上传的文件最大 100 MB、最多 1234 行数据；更大的文件请由系统管理员用命令 <code>lianjian import</code> 导入。"
        in html
    )


def test_the_screen_stops_receiving_a_file_over_the_limit(
    client, world, tmp_path, settings, data_dir
):
    settings.IMPORT_MAX_BYTES = 40 * 1024
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"\0" * 500_000)
    client.force_login(world.admin)
    before = codes()

    response = upload(client, path)

    assert response.status_code == 400
    assert response.context["problem"] == "文件过大，超过 40 KB 的上限"
    assert response.wsgi_request.FILES.get("file") is None
    assert not (data_dir / "imports").exists() or list((data_dir / "imports").iterdir()) == []
    assert codes() == before
