"""The Excel import/export engine: column specs, a fast sheet reader, a writer, a kind registry.

Every importable kind (``orgs``, ``members``, later ``activities`` …) is an
:class:`ExcelKind` registered with :func:`register` from an app's ``excel.py``; the registry
discovers those modules on first use, so ``core`` never imports a higher app.

Contract of an input file (docs/contracts.md §3): the first sheet, the first row holds the
headers in any order, a header may carry a trailing ``*``; an unknown or repeated header, a
missing required column or an empty sheet is an error. Lists in a cell are separated by
``、``, ``，``, ``,``, ``；`` (or ``;``). Dates are ``YYYY-MM-DD`` text or real Excel dates.
Every problem is reported as ``第N行 列名：原因`` with N the spreadsheet row (header = 1).
A column missing from the file is :data:`ABSENT` in every row, so a kind can leave that
field of an existing object unchanged; an empty cell of a present column means "empty".
"""

from __future__ import annotations

import abc
import datetime
import logging
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from django.db import IntegrityError, connection
from django.db.models import Model
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.constants import SHARED_STRINGS

from lianjian.core.conflicts import import_conflict_message, is_lost_race

logger = logging.getLogger(__name__)

LIST_SEPARATORS = re.compile(r"[、，,；;]")
DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
DATE_FORMAT = "yyyy-mm-dd"
YES, NO = "是", "否"
# Rows per database round trip: big enough to amortise a query, small enough to stay under
# SQLite's host-parameter limit and to keep memory flat.
BATCH_SIZE = 2000


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT: Any = _Marker("ABSENT")
"""The value of every cell of a column that the file does not have."""
INVALID: Any = _Marker("INVALID")
"""The value of a cell that failed to parse; its error is already recorded."""


class CellError(ValueError):
    """Raised by a column parser with the reason (Chinese) a cell is wrong."""


class ExcelFileError(Exception):
    """The file as a whole cannot be used (not an xlsx, empty, bad headers); ``messages`` say why."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = list(messages)


def row_error(row: int, column: str, reason: str) -> str:
    """The one error line format of every import: ``第N行 列名：原因``."""
    return f"第{row}行 {column}：{reason}"


# --- cell parsers -------------------------------------------------------------------------

def cell_text(value: Any) -> str:
    """Any cell value as the text a user typed: numbers without a spurious ``.0``, dates ISO."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def parse_text(max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = cell_text(value)
        if len(text) > max_length:
            raise CellError(f"长度不能超过 {max_length} 个字符")
        return text

    return parse


def parse_pattern(max_length: int, pattern: re.Pattern[str], reason: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = cell_text(value)
        if len(text) > max_length or not pattern.fullmatch(text):
            raise CellError(reason)
        return text

    return parse


def parse_choice(choices: Sequence[str]) -> Callable[[Any], str]:
    allowed = tuple(choices)
    reason = "应为" + "、".join(allowed) + "之一"

    def parse(value: Any) -> str:
        text = cell_text(value)
        if text not in allowed:
            raise CellError(reason)
        return text

    return parse


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value)
    if text == YES:
        return True
    if text == NO:
        return False
    raise CellError("应填“是”或“否”")


def parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        match = DATE_RE.fullmatch(value.strip())
        if match:
            try:
                return datetime.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise CellError("日期不存在") from None
    raise CellError("日期格式应为 YYYY-MM-DD")


def parse_float(low: float, high: float, name: str) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool):
            raise CellError("应为数字")
        try:
            number = float(value) if isinstance(value, int | float) else float(cell_text(value))
        except ValueError:
            raise CellError("应为数字") from None
        if not math.isfinite(number) or not low <= number <= high:
            raise CellError(f"{name}应在 {low:g} 到 {high:g} 之间")
        return number

    return parse


def parse_list(item_max_length: int = 100, choices: Sequence[str] | None = None) -> Callable[[Any], list[str]]:
    def parse(value: Any) -> list[str]:
        items: list[str] = []
        for part in LIST_SEPARATORS.split(cell_text(value)):
            item = part.strip()
            if not item or item in items:
                continue
            if len(item) > item_max_length:
                raise CellError(f"“{item[:10]}…”超过 {item_max_length} 个字符")
            if choices is not None and item not in choices:
                raise CellError(f"“{item}”不是可选值（可选：{'、'.join(choices)}）")
            items.append(item)
        return items

    return parse


# --- cell formatters for export -----------------------------------------------------------

def format_text(value: Any) -> Any:
    return value if value else None


def format_bool(value: Any) -> str:
    return YES if value else NO


def format_list(value: Any) -> str | None:
    return "、".join(str(v) for v in value) if value else None


def format_plain(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Column:
    """One column of a kind: its header, how a cell is read and written, and its help text.

    ``parse`` turns a non-empty cell into a Python value or raises :class:`CellError`;
    an empty cell becomes ``empty`` (or a "不能为空" error when ``required``). ``format``
    turns a stored value back into a cell, so that export → import round-trips.
    """

    header: str
    parse: Callable[[Any], Any]
    required: bool = False
    empty: Any = None
    format: Callable[[Any], Any] = format_text
    note: str = ""
    width: int = 14

    @property
    def title(self) -> str:
        return f"{self.header}*" if self.required else self.header


def text_column(header: str, max_length: int, *, required: bool = False, note: str = "", width: int = 14) -> Column:
    return Column(header, parse_text(max_length), required, "", format_text, note, width)


def choice_column(header: str, choices: Sequence[str], *, required: bool = False, note: str = "") -> Column:
    return Column(header, parse_choice(choices), required, "", format_text,
                  note or "可选：" + "、".join(choices))


def bool_column(header: str, *, note: str = "") -> Column:
    return Column(header, parse_bool, False, False, format_bool, note or "填“是”或“否”，空白视为“否”", 10)


def date_column(header: str, *, required: bool = False, note: str = "") -> Column:
    return Column(header, parse_date, required, None, format_plain,
                  note or "日期，格式 YYYY-MM-DD 或 Excel 日期", 12)


def float_column(header: str, low: float, high: float, *, note: str = "") -> Column:
    return Column(header, parse_float(low, high, header), False, None, format_plain, note, 10)


def list_column(header: str, *, choices: Sequence[str] | None = None, note: str = "", width: int = 20) -> Column:
    base = "多项用“、”“，”“,”或“；”分隔"
    return Column(header, parse_list(choices=choices), False, (), format_list,
                  f"{note}；{base}" if note else base, width)


# --- reading ------------------------------------------------------------------------------

@dataclass
class Sheet:
    """The parsed rows of an input file for one kind.

    ``rows`` holds ``(spreadsheet row number, values)`` with ``values`` in the order of the
    kind's columns: parsed values, :data:`ABSENT` for columns not in the file, :data:`INVALID`
    for cells whose error is in ``errors``. ``present`` says which headers the file has.
    """

    columns: tuple[Column, ...]
    present: frozenset[str]
    rows: list[tuple[int, tuple[Any, ...]]]
    errors: ErrorList


class ErrorList:
    """Row errors collected in any order, listed sorted by row and then by column order."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self._order = {c.header: i for i, c in enumerate(columns)}
        self._items: list[tuple[int, int, str]] = []

    def add(self, row: int, column: str, reason: str) -> None:
        self._items.append((row, self._order.get(column, len(self._order)), row_error(row, column, reason)))

    def discard_row(self, row: int) -> None:
        """Forget the errors just added for ``row`` (they are the last ones)."""
        while self._items and self._items[-1][0] == row:
            self._items.pop()

    def rows(self) -> set[int]:
        return {r for r, _, _ in self._items}

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def messages(self) -> list[str]:
        seen: set[str] = set()
        out = []
        for _, _, text in sorted(self._items, key=lambda item: (item[0], item[1])):
            if text not in seen:
                seen.add(text)
                out.append(text)
        return out


def _open_first_sheet(source: str | Path | IO[bytes]) -> Iterator[tuple[Any, ...]]:
    """Rows of the first worksheet as value tuples; file-level problems → :class:`ExcelFileError`."""
    handle: IO[bytes]
    close = False
    if isinstance(source, str | Path):
        try:
            handle = open(source, "rb")  # noqa: SIM115 - closed below, after streaming the rows
        except FileNotFoundError:
            raise ExcelFileError([f"文件不存在：{source}"]) from None
        except IsADirectoryError:
            raise ExcelFileError([f"不是文件：{source}"]) from None
        except OSError as exc:
            raise ExcelFileError([f"无法读取文件：{source}（{exc.strerror}）"]) from None
        close = True
    else:
        handle = source
    try:
        try:
            # A file object, not a name: openpyxl would refuse a name not ending in .xlsx.
            reader = _Reader(handle, read_only=True, data_only=True)
            reader.read()
            workbook = reader.wb
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError, EOFError):
            raise ExcelFileError(["文件不是有效的 Excel 工作簿（.xlsx）"]) from None
        except Exception:  # noqa: BLE001 - any parser failure of a corrupt file is bad input
            raise ExcelFileError(["文件已损坏，无法读取"]) from None
        if not workbook.worksheets:
            raise ExcelFileError(["工作簿中没有工作表"])
        sheet = workbook.worksheets[0]
        if not hasattr(sheet, "iter_rows"):
            raise ExcelFileError(["第一个工作表不是数据表"])
        try:
            if _FastSheet.supports(workbook, sheet):
                yield from _FastSheet(workbook, sheet).rows()
            else:
                # Writers do not always record the sheet's dimensions right; read every row.
                if hasattr(sheet, "reset_dimensions"):
                    sheet.reset_dimensions()
                yield from sheet.iter_rows(values_only=True)
        except ExcelFileError:
            raise
        except Exception:  # noqa: BLE001 - a malformed sheet part is bad input, not a crash
            raise ExcelFileError(["文件已损坏，无法读取"]) from None
        finally:
            workbook.close()
    finally:
        if close:
            handle.close()


def _shared_strings(source: IO[bytes]) -> list[str]:
    """The shared-string table, as openpyxl's ``read_string_table`` gives it, with expat:
    openpyxl builds objects per string, which dominates the reading of large sheets."""
    strings: list[str] = []
    parts: list[str] = []
    state = {"collect": False, "skip": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        name = name[name.find(":") + 1:]
        if name == "t":
            state["collect"] = not state["skip"]
        elif name == "rPh":
            state["skip"] += 1
        elif name == "si":
            parts.clear()

    def end(name: str) -> None:
        name = name[name.find(":") + 1:]
        if name == "t":
            state["collect"] = False
        elif name == "rPh":
            state["skip"] -= 1
        elif name == "si":
            strings.append("".join(parts).replace("x005F_", ""))

    def chars(data: str) -> None:
        if state["collect"]:
            parts.append(data)

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.ParseFile(source)
    return strings


class _Reader(ExcelReader):
    """openpyxl's workbook reader with a faster shared-string table."""

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = _shared_strings(source)


class _FastSheet:
    """Cell values of a read-only openpyxl worksheet, parsed with expat callbacks.

    openpyxl builds an element and runs descriptor code per cell, which makes reading
    400,000 rows take longer than validating and writing them. This reader reuses what
    openpyxl already loaded (shared strings, which styles are dates, the date epoch, the
    sheet's XML stream) and yields the same values as ``iter_rows(values_only=True)``:
    numbers as int/float, date-styled numbers as datetimes, booleans, strings (inline
    and rich text joined), formulas' cached results. Missing rows come out as ``()``.
    """

    def __init__(self, workbook: Any, sheet: Any) -> None:
        self.shared: list[Any] = sheet._shared_strings
        self.date_styles = {str(i) for i in workbook._date_formats}
        self.epoch = workbook.epoch
        self.sheet = sheet

    @staticmethod
    def supports(workbook: Any, sheet: Any) -> bool:
        return all(hasattr(o, a) for o, a in (
            (sheet, "_shared_strings"), (sheet, "_get_source"), (workbook, "_date_formats"), (workbook, "epoch")))

    def _value(self, text: str, kind: str | None, style: str | None) -> Any:
        if kind == "s":
            return self.shared[int(text)]
        if kind is None or kind == "n":
            number: int | float = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
            if (style or "0") in self.date_styles:
                return from_excel(number, self.epoch)
            return number
        if kind == "b":
            return text == "1"
        if kind == "d":
            return datetime.datetime.fromisoformat(text)
        return text  # inlineStr, str (a formula's text), e (an error code)

    def rows(self) -> Iterator[tuple[Any, ...]]:
        done: list[tuple[Any, ...]] = []
        row: list[Any] = []
        text: list[str] = []
        cell: list[Any] = [0, None, None]  # column index, type, style
        flags = {"collect": False, "skip": 0, "next_row": 1}
        columns: dict[str, int] = {}

        def start(name: str, attrs: dict[str, str]) -> None:
            name = name[name.find(":") + 1:]
            if name == "c":
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    index = columns.get(letters)
                    if index is None:
                        index = 0
                        for ch in letters:
                            index = index * 26 + ord(ch) - 64
                        index -= 1
                        columns[letters] = index
                else:
                    index = len(row)
                cell[0], cell[1], cell[2] = index, attrs.get("t"), attrs.get("s")
                text.clear()
            elif name in ("v", "t"):
                flags["collect"] = not flags["skip"]
            elif name == "rPh":
                flags["skip"] += 1  # phonetic guides hold a <t> that is not the cell's text
            elif name == "row":
                ref = attrs.get("r")
                number = int(ref) if ref else flags["next_row"]
                while flags["next_row"] < number:
                    done.append(())
                    flags["next_row"] += 1
                flags["next_row"] = number + 1
                row.clear()

        def end(name: str) -> None:
            name = name[name.find(":") + 1:]
            if name in ("v", "t"):
                flags["collect"] = False
            elif name == "c":
                if text:
                    value = self._value("".join(text), cell[1], cell[2])
                    index = cell[0]
                    if index >= len(row):
                        row.extend([None] * (index - len(row) + 1))
                    row[index] = value
            elif name == "rPh":
                flags["skip"] -= 1
            elif name == "row":
                done.append(tuple(row))

        def chars(data: str) -> None:
            if flags["collect"]:
                text.append(data)

        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        with self.sheet._get_source() as source:
            while True:
                data = source.read(1 << 16)
                parser.Parse(data, not data)
                yield from done
                done.clear()
                if not data:
                    break


def _header_name(value: Any) -> str:
    text = cell_text(value) if value is not None else ""
    return text.rstrip("*＊").strip()


def read_sheet(source: str | Path | IO[bytes], columns: Sequence[Column]) -> Sheet:
    """Read and parse the first sheet of ``source`` for a kind with ``columns``.

    Header problems and unreadable files raise :class:`ExcelFileError` (nothing else can be
    checked then); cell problems are collected in ``Sheet.errors``. Blank rows are skipped.
    """
    by_header = {c.header: c for c in columns}
    rows_iter = _open_first_sheet(source)
    header_row: tuple[Any, ...] | None = None
    header_number = 0
    for number, row in enumerate(rows_iter, start=1):
        if any(v is not None and cell_text(v) != "" for v in row):
            header_row, header_number = row, number
            break
    if header_row is None:
        raise ExcelFileError(["第一个工作表为空：第一行应为表头"])
    if header_number != 1:
        raise ExcelFileError([f"第1行应为表头，但表格从第{header_number}行才开始"])

    problems: list[str] = []
    positions: dict[str, int] = {}  # header → cell index in the sheet
    unnamed: list[int] = []
    for index, raw in enumerate(header_row):
        name = _header_name(raw)
        if not name:
            unnamed.append(index)
            continue
        if name not in by_header:
            problems.append(row_error(1, name, "未知的列名"))
        elif name in positions:
            problems.append(row_error(1, name, "列名重复"))
        else:
            positions[name] = index
    for column in columns:
        if column.required and column.header not in positions:
            problems.append(row_error(1, column.header, "缺少必填列"))
    if problems:
        raise ExcelFileError(problems)

    errors = ErrorList(columns)
    plan = [(positions.get(c.header), c) for c in columns]
    absent_row = tuple(ABSENT for _ in columns)
    rows: list[tuple[int, tuple[Any, ...]]] = []
    unnamed_reported = False
    for number, row in enumerate(rows_iter, start=2):
        if not any(row):
            continue
        width = len(row)
        filled = 0
        if unnamed and not unnamed_reported:
            for index in unnamed:
                if index < width and row[index] is not None and cell_text(row[index]) != "":
                    errors.add(number, f"{get_column_letter(index + 1)}列", "该列有数据但没有表头")
                    unnamed_reported = True
                    break
        values = list(absent_row)
        for i, (index, column) in enumerate(plan):
            if index is None:
                continue
            raw = row[index] if index < width else None
            if raw is None or raw == "" or (raw.__class__ is str and not raw.strip()):
                if column.required:
                    errors.add(number, column.header, "不能为空")
                    values[i] = INVALID
                else:
                    values[i] = column.empty
                continue
            filled += 1
            try:
                values[i] = column.parse(raw)
            except CellError as exc:
                errors.add(number, column.header, str(exc))
                values[i] = INVALID
        if not filled and not any(cell_text(v) for v in row if v is not None):
            # Only spaces: a blank row after all; forget the "不能为空" errors it produced.
            errors.discard_row(number)
            continue
        rows.append((number, tuple(values)))
    if not rows and not errors:
        raise ExcelFileError(["表格中没有数据行（第一行之后全部为空）"])
    return Sheet(tuple(columns), frozenset(positions), rows, errors)


# --- writing ------------------------------------------------------------------------------

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


# --- kinds and the registry ---------------------------------------------------------------

@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a refused file, would do)."""

    kind: str
    file_name: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return f"新建 {self.created} 条，更新 {self.updated} 条，未变 {self.unchanged} 条"


class ExcelKind(abc.ABC):
    """An importable/exportable kind. Subclasses set ``name``, ``label``, ``columns`` and
    implement :meth:`apply` and :meth:`export_rows`.

    ``apply`` validates every row of a parsed sheet and, only when no row has an error and
    ``dry_run`` is false, writes all of them in one transaction. ``user`` limits what may be
    written (None = the system, everything); ``actor`` is recorded in the audit log.
    """

    name: str = ""
    label: str = ""
    columns: tuple[Column, ...] = ()

    def general_notes(self) -> list[str]:
        return [
            "第一行为表头，列的顺序不限；带 * 的列为必填列，表头中的 * 可写可不写。",
            "从第二行起每行一条记录；空白行会被忽略。",
            "所有行先全部检查：只要有一处错误，整个文件都不会导入，并列出全部错误（第N行 列名：原因）。",
            "编码已存在的行会更新原有记录；文件中没有的列保持原值不变。重复导入同一文件不会产生变化。",
        ]

    def import_audit(self, *, actor: Any, result: ImportResult, file_name: str) -> dict[str, Any]:
        """Arguments of the one audit row every applied import writes, whatever it changed
        (for ``audit_row`` or ``audit_record``)."""
        return {
            "actor": actor, "action": "import", "target": "import", "target_id": self.name,
            "target_repr": f"{self.label}导入：{file_name}",
            "after": {"kind": self.name, "file": file_name, "created": result.created,
                      "updated": result.updated, "unchanged": result.unchanged},
            "note": f"导入{self.label}（{self.name}），文件 {file_name}：{result.summary()}",
        }

    def column(self, header: str) -> Column:
        for column in self.columns:
            if column.header == header:
                return column
        raise KeyError(header)

    @abc.abstractmethod
    def apply(self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str) -> ImportResult:
        """Validate every row, then write all of them or nothing."""

    @abc.abstractmethod
    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        """Stored values in column order for everything ``user`` may see (None = all),
        limited to the subtree of ``org_code``; an unknown or invisible code raises
        :class:`ExcelFileError`."""


_REGISTRY: dict[str, ExcelKind] = {}
_discovered = False


def register(kind: ExcelKind) -> ExcelKind:
    """Make ``kind`` available to the CLI and the screens under ``kind.name``."""
    _REGISTRY[kind.name] = kind
    return kind


def _discover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("excel")
        _discovered = True


def get_kind(name: str) -> ExcelKind | None:
    _discover()
    return _REGISTRY.get(name)


def all_kinds() -> list[ExcelKind]:
    _discover()
    return list(_REGISTRY.values())


def import_file(kind: ExcelKind, source: str | Path | IO[bytes], *, file_name: str, actor: Any = None,
                user: Any = None, dry_run: bool = False) -> ImportResult:
    """Read ``source`` and import it as ``kind``; bad files come back as a result with errors.

    The one entry of every import (screens, CLI): a write refused by the database because
    another import or request wrote the same key at the same moment (``IntegrityError``;
    each kind writes in one transaction, so nothing of the file was kept) comes back as a
    listed error too (:func:`lianjian.core.conflicts.import_conflict_message`).
    """
    try:
        sheet = read_sheet(source, kind.columns)
    except ExcelFileError as exc:
        return ImportResult(kind=kind.name, file_name=file_name, dry_run=dry_run, errors=exc.messages)
    try:
        return kind.apply(sheet, actor=actor, user=user, dry_run=dry_run, file_name=file_name)
    except IntegrityError as exc:
        if not is_lost_race(exc):
            raise
        logger.warning("Import of %s (%s) refused by the database: %s", kind.name, file_name, exc)
        return ImportResult(kind=kind.name, file_name=file_name, dry_run=dry_run, errors=[import_conflict_message(exc)])


def export_file(kind: ExcelKind, dest: str | Path | IO[bytes], *, user: Any = None, org_code: str | None = None) -> int:
    """Write what ``user`` may see of ``kind`` to ``dest``; returns the number of data rows."""
    return write_workbook(dest, kind.columns, kind.export_rows(user=user, org_code=org_code), title=kind.label)


def chunks(items: Sequence[Any], size: int = BATCH_SIZE) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- bulk writes --------------------------------------------------------------------------
# Imports write hundreds of thousands of rows. Django's bulk_create/bulk_update compile every
# value of every object through the ORM (and bulk_update builds CASE expressions), which
# costs several times the database's own work; these two helpers adapt each column once
# and hand plain tuples to the driver's executemany. They bypass model save() and signals,
# so callers pass complete, already validated rows (including timestamps).

def _adapters(model: type[Model], names: Sequence[str]) -> tuple[list[str], list[Callable[[Any], Any] | None]]:
    ops = connection.ops
    columns: list[str] = []
    adapters: list[Callable[[Any], Any] | None] = []
    for name in names:
        model_field = model._meta.get_field(name)
        columns.append(ops.quote_name(model_field.column))  # type: ignore[union-attr]
        internal = model_field.get_internal_type()
        if internal == "DateTimeField":
            adapters.append(ops.adapt_datetimefield_value)
        elif internal == "DateField":
            adapters.append(ops.adapt_datefield_value)
        elif internal == "JSONField":
            adapters.append(lambda v, f=model_field: f.get_db_prep_save(v, connection))  # type: ignore[misc]
        else:
            adapters.append(None)
    return columns, adapters


def _adapt(rows: Iterable[Sequence[Any]], adapters: list[Callable[[Any], Any] | None]) -> list[tuple[Any, ...]]:
    return [tuple(v if a is None or v is None else a(v) for a, v in zip(adapters, row, strict=True)) for row in rows]


def insert_rows(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT ``rows`` (values in the order of field ``names``) into ``model``'s table."""
    if not rows:
        return
    columns, adapters = _adapters(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        # COPY is several times faster than one INSERT per row on PostgreSQL.
        # The raw driver cursor bypasses Django's error translation; wrapping it makes a
        # refused row (a unique key written concurrently) a django.db.IntegrityError like
        # any other write's, which the edges translate (lianjian.core.conflicts).
        with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for chunk in chunks(rows):
                for values in _adapt(chunk, adapters):
                    copy.write_row(values)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for chunk in chunks(rows):
            cursor.executemany(sql, _adapt(chunk, adapters))


def update_rows(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE ``model`` rows by primary key: each row holds the new values of ``names``, then the pk."""
    if not rows:
        return
    columns, adapters = _adapters(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)  # type: ignore[union-attr]
    sql = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} WHERE {pk} = %s"
    adapters.append(None)
    with connection.cursor() as cursor:
        for chunk in chunks(rows):
            cursor.executemany(sql, _adapt(chunk, adapters))


def refresh_statistics(*models: type[Model], written: int) -> None:
    """After a large import, let the planner know the tables' new sizes: PostgreSQL's
    autovacuum may not have got to them (it may plan the next export as if the tables were
    empty), and SQLite never gathers statistics by itself (docs/benchmarks.md)."""
    if connection.vendor not in ("postgresql", "sqlite") or written < 10_000 or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


AUDIT_COLUMNS = ("at", "actor", "actor_name", "action", "target_type", "target_id", "target_repr", "before", "after", "note")


def insert_audit(rows: Sequence[dict[str, Any]], at: datetime.datetime) -> None:
    """Write audit rows built with :func:`lianjian.core.audit.audit_row`, all stamped ``at``."""
    from lianjian.core.models import AuditLog

    actor_ids = {id(r["actor"]): (r["actor"].pk if r["actor"] is not None else None) for r in rows}
    insert_rows(AuditLog, AUDIT_COLUMNS, [
        (at, actor_ids[id(r["actor"])], r["actor_name"], r["action"], r["target_type"], r["target_id"],
         r["target_repr"], r["before"], r["after"], r["note"]) for r in rows
    ])
