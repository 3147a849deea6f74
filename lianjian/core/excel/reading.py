"""Reading an input workbook: the first sheet's rows through a fast expat reader, parsed
into a :class:`Sheet` of column values and row errors."""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.constants import SHARED_STRINGS

from lianjian.core.excel.columns import (
    ABSENT,
    INVALID,
    CellError,
    Column,
    ExcelFileError,
    cell_text,
    row_error,
)


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
