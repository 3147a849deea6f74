"""Writing workbooks: :class:`WorkbookWriter`, the one writer of every workbook the product
produces (exports, templates, the assessment ranking, the compliance table), and on top of
it the rows of a kind under its import headers and the input template.

The writer types every value itself, so that no data can change what a cell is:

- text is stored as text, always: a string that starts like a formula (``=``, ``+``, ``-``,
  ``@``, tab, CR) or reads as an error code (``#N/A``) never becomes a formula or an error
  cell, and carries Excel's quote prefix so that editing the cell keeps it text; characters
  XML cannot hold (C0 controls but tab, CR, LF) are removed;
- numbers (finite ``int``/``float``/``Decimal``) and booleans stay typed, a NaN or an
  infinity is written as its text; dates are date cells (``yyyy-mm-dd``), date-times
  datetime cells in local time; anything else is written as its text.

Workbooks are written in openpyxl's write-only mode, so memory stays flat whatever the
number of rows. Nothing outside ``lianjian.core.excel`` imports openpyxl or xlsxwriter (a test
checks).
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lianjian.core.excel.columns import DATE_FORMAT, Column

if TYPE_CHECKING:
    from lianjian.core.excel.kinds import ExcelKind

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# What makes a spreadsheet read a typed text as a formula (or an error code).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "#")
# Characters Excel does not allow in a sheet's title.
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


@dataclass(frozen=True)
class CellStyle:
    """How a cell looks: bold, a font colour and a fill (hex ``RRGGBB``), wrapped text, a
    vertical alignment (``top``, ``center``)."""

    bold: bool = False
    color: str | None = None
    fill: str | None = None
    wrap: bool = False
    vertical: str | None = None


@dataclass(frozen=True)
class Styled:
    """A value to be written with a :class:`CellStyle`."""

    value: Any
    style: CellStyle


BOLD = CellStyle(bold=True)


def sheet_title(title: str) -> str:
    """``title`` as Excel accepts it: without ``[]:*?/\\`` or controls, at most 31 characters."""
    return _TITLE_FORBIDDEN.sub("", title)[:31].strip("'") or "Sheet"


class SheetWriter:
    """One sheet of a :class:`WorkbookWriter`: rows are appended in order."""

    def __init__(self, writer: WorkbookWriter, sheet: Any) -> None:
        self._writer = writer
        self._sheet = sheet

    def append(self, values: Iterable[Any]) -> None:
        """One row; each value may be :class:`Styled`."""
        cell = self._writer.cell
        sheet = self._sheet
        self._sheet.append([cell(sheet, v) for v in values])

    def header(self, titles: Iterable[Any], style: CellStyle = BOLD) -> None:
        """A row of titles, each with ``style`` unless it is :class:`Styled` itself."""
        self.append(t if isinstance(t, Styled) else Styled(t, style) for t in titles)


class WorkbookWriter:
    """The one writer of workbooks (module docstring): ``sheet()`` adds a sheet, ``save()``
    writes the file."""

    def __init__(self) -> None:
        self._book = Workbook(write_only=True)
        self._fonts: dict[tuple[bool, str | None], Font] = {}
        self._fills: dict[str, PatternFill] = {}
        self._alignments: dict[tuple[bool, str | None], Alignment] = {}

    def sheet(
        self, title: str, *, widths: Sequence[float] = (), freeze: str | None = "A2"
    ) -> SheetWriter:
        """A new sheet; ``widths`` of the first columns, ``freeze`` the cell below and right
        of the frozen panes (None: none). Both must be set before the first row."""
        sheet = self._book.create_sheet(sheet_title(title))
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        if freeze:
            sheet.freeze_panes = freeze
        return SheetWriter(self, sheet)

    def save(self, dest: str | Path | IO[bytes]) -> None:
        self._book.save(dest)

    def cell(self, sheet: Any, value: Any) -> Any:
        """``value`` (or a :class:`Styled` one) ready for a write-only sheet, typed as the
        module docstring says, so that reading it back gives it unchanged."""
        style = None
        if isinstance(value, Styled):
            value, style = value.value, value.style
        typed = _typed(value)
        if style is None:
            if typed is None or isinstance(typed, bool):
                return typed
            if isinstance(typed, str) and not typed.startswith(FORMULA_PREFIXES):
                return typed  # openpyxl stores such a string as text; no cell object needed
        # A fresh cell for everything else: openpyxl's write-only sheet reuses one cell per
        # row, and a date's number format would otherwise leak into the numbers after it.
        cell = WriteOnlyCell(sheet, value=typed)
        if isinstance(typed, str):
            # openpyxl would make a formula of "=…" and an error cell of "#N/A".
            cell.data_type = "s"
            if typed.startswith(FORMULA_PREFIXES):
                cell.quotePrefix = True
        elif isinstance(typed, datetime.datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(typed, datetime.date):
            cell.number_format = DATE_FORMAT
        if style is not None:
            self._apply(cell, style)
        return cell

    def _apply(self, cell: Any, style: CellStyle) -> None:
        if style.bold or style.color:
            key = (style.bold, style.color)
            if key not in self._fonts:
                self._fonts[key] = Font(bold=style.bold, color=style.color)
            cell.font = self._fonts[key]
        if style.fill:
            if style.fill not in self._fills:
                self._fills[style.fill] = PatternFill("solid", fgColor=style.fill)
            cell.fill = self._fills[style.fill]
        if style.wrap or style.vertical:
            key2 = (style.wrap, style.vertical)
            if key2 not in self._alignments:
                self._alignments[key2] = Alignment(
                    wrap_text=style.wrap or None, vertical=style.vertical
                )
            cell.alignment = self._alignments[key2]


def _typed(value: Any) -> Any:
    """The value a cell holds: None for none, typed numbers, booleans and dates, text for
    everything else (cleaned of characters XML cannot hold)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | decimal.Decimal):
        return value if not isinstance(value, decimal.Decimal) or value.is_finite() else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", value if isinstance(value, str) else str(value))


def write_workbook(
    dest: str | Path | IO[bytes],
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "数据",
) -> int:
    """Write ``rows`` (stored values in column order) under the import headers; returns the row count."""
    writer = WorkbookWriter()
    sheet = writer.sheet(title, widths=[c.width for c in columns])
    sheet.header(c.title for c in columns)
    formats = [c.format for c in columns]
    count = 0
    for values in rows:
        # An empty text is an empty cell in an export, as in the file it re-imports from.
        sheet.append(
            None if (cell := fmt(v)) == "" else cell for fmt, v in zip(formats, values, strict=True)
        )
        count += 1
    writer.save(dest)
    return count


def write_template(dest: str | Path | IO[bytes], kind: ExcelKind) -> None:
    """An empty input workbook: the headers (required ones with ``*``, in red on a pink
    fill) and a sheet of notes."""
    writer = WorkbookWriter()
    sheet = writer.sheet(kind.label, widths=[c.width for c in kind.columns])
    required = CellStyle(bold=True, color="B42318", fill="FDE2E1")
    optional = CellStyle(bold=True, color="000000")
    sheet.header(Styled(c.title, required if c.required else optional) for c in kind.columns)
    notes = writer.sheet("填写说明", widths=[18, 10, 90], freeze=None)
    notes.header(["列名", "是否必填", "说明"])
    wrapped = CellStyle(wrap=True, vertical="top")
    for column in kind.columns:
        notes.append(
            [column.title, "必填" if column.required else "选填", Styled(column.note, wrapped)]
        )
    notes.append([])
    for line in kind.general_notes():
        notes.append(["", "", Styled(line, wrapped)])
    writer.save(dest)
