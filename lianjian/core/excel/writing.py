"""Writing workbooks: the rows of a kind under its import headers, and an input template."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lianjian.core.excel.columns import DATE_FORMAT, Column

if TYPE_CHECKING:
    from lianjian.core.excel.kinds import ExcelKind


_NEEDS_TEXT_CELL = ("=", "#")


def _cell(sheet: Any, value: Any) -> Any:
    """A value ready for a write-only sheet, typed so that reading it back gives it unchanged."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(_NEEDS_TEXT_CELL):
            # Text that looks like a formula or an error code must stay text.
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime.date | int | float):
        # A fresh cell each time: openpyxl's write-only sheet reuses one cell per row and a
        # date's number format would otherwise leak into the numbers that follow it.
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, datetime.date):
            cell.number_format = DATE_FORMAT
        return cell
    return str(value)


def write_workbook(dest: str | Path | IO[bytes], columns: Sequence[Column], rows: Iterable[Sequence[Any]],
                   *, title: str = "数据") -> int:
    """Write ``rows`` (stored values in column order) under the import headers; returns the row count.

    Uses openpyxl's write-only mode, so memory stays flat whatever the number of rows.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [c.format for c in columns]
    count = 0
    for values in rows:
        sheet.append([_cell(sheet, fmt(v)) for fmt, v in zip(formats, values, strict=True)])
        count += 1
    workbook.save(dest)
    return count


def write_template(dest: str | Path | IO[bytes], kind: ExcelKind) -> None:
    """An empty input workbook: the headers (required ones with ``*``) and a sheet of notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.label[:31]
    required_fill = PatternFill("solid", fgColor="FDE2E1")
    for i, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=i, value=column.title)
        cell.font = Font(bold=True, color="B42318" if column.required else "000000")
        if column.required:
            cell.fill = required_fill
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        notes.append([column.title, "必填" if column.required else "选填", column.note])
    notes.append([])
    for line in kind.general_notes():
        notes.append(["", "", line])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    workbook.save(dest)
