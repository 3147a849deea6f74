"""Reading an input workbook: the first sheet's rows through a fast expat reader, parsed
into a :class:`Sheet` of column values and row errors."""

from __future__ import annotations

import datetime
import struct
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from django.conf import settings
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
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


# --- bounds -------------------------------------------------------------------------------
# Excel's own limits of a cell and of a sheet; more can only come from a crafted file.
MAX_CELL_CHARS = 32_767
EXCEL_MAX_ROWS = 1_048_576
# openpyxl parses the small parts of a workbook (content types, workbook, styles, theme,
# relationships) into objects: each may unpack to at most this much.
MAX_SMALL_PART_BYTES = 16 * 1024 * 1024
# A worksheet unpacks to about ten times its compressed size; the first sheet, which is
# streamed (its memory is bounded by rows and columns), may unpack to this many times the
# file's size limit, which bounds the time spent on it.
SHEET_UNPACK_FACTOR = 10
# The zip's central directory is read into memory whole; an xlsx has a few dozen parts.
MAX_DIRECTORY_BYTES = 1024 * 1024
MAX_PARTS = 10_000
_MB = 1024 * 1024


def _size(size: int) -> str:
    """``size`` bytes for a message: ``100 MB``, ``1.5 MB``, ``64 KB``."""
    unit, scale = ("MB", _MB) if size >= _MB else ("KB", 1024)
    return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"


@dataclass(frozen=True)
class ReadLimits:
    """How much of a workbook the reader accepts (docs/excel.md, 导入上限).

    ``max_bytes``: the file's size; ``max_rows``: the rows below the header (a value in a
    row numbered beyond ``max_rows + 1`` refuses the file); ``max_columns``: a value in a
    column beyond it refuses the file. Cells hold at most :data:`MAX_CELL_CHARS` characters,
    the shared-string table unpacks to at most ``max_bytes`` and the first sheet to
    ``SHEET_UNPACK_FACTOR × max_bytes``. Every bound is checked before anything is allocated
    for what it bounds, so a small crafted file cannot make the reader use much memory.
    ``rows_hint`` ends the too-many-rows message (the screens point to the command line).
    """

    max_bytes: int
    max_rows: int
    max_columns: int
    rows_hint: str = ""

    @classmethod
    def default(cls) -> ReadLimits:
        """The limits of the command line (and of any caller that does not say otherwise)."""
        return cls(settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS)

    @classmethod
    def screen(cls) -> ReadLimits:
        """The limits of an upload through the screens: fewer rows, so that the preview and
        the import finish within a web request; larger files go through ``lianjian import``."""
        return cls(settings.IMPORT_MAX_BYTES, min(settings.IMPORT_SCREEN_MAX_ROWS, settings.IMPORT_MAX_ROWS),
                   settings.IMPORT_MAX_COLUMNS,
                   "更大的文件请由系统管理员在服务器上用命令 lianjian import 导入（见 docs/excel.md）")

    @property
    def max_bytes_text(self) -> str:
        return _size(self.max_bytes)

    def file_too_large(self, size: int | None) -> str:
        """The message for a file of ``size`` bytes (None: not known) over ``max_bytes``."""
        if size is None:
            return f"文件过大，超过 {_size(self.max_bytes)} 的上限"
        return f"文件过大（{_size(size)}），超过 {_size(self.max_bytes)} 的上限"

    def too_many_rows(self, row: int) -> str:
        text = f"第{row}行超出行数上限：每个文件最多 {self.max_rows} 行数据（第2行至第{self.max_rows + 1}行）"
        return f"{text}；{self.rows_hint}" if self.rows_hint else text

    def too_many_columns(self, row: int, column: str) -> str:
        """``column``: the letters of the cell's reference (or its position)."""
        return f"第{row}行 {column}列：超出列数上限，每行最多 {self.max_columns} 列"

    @staticmethod
    def cell_too_long(row: int | None) -> str:
        where = f"第{row}行有" if row is not None else "文件中有"
        return f"{where}单元格内容超过 {MAX_CELL_CHARS} 个字符（Excel 单元格的上限）"


def _letters(index: int) -> str:
    """The column letters of the 0-based ``index`` (its position beyond Excel's last column)."""
    return get_column_letter(index + 1) if index < 16_384 else f"第{index + 1}"


def _blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


def _file_size(handle: IO[bytes]) -> int:
    position = handle.tell()
    size = handle.seek(0, 2)
    handle.seek(position)
    return size


def _check_directory(handle: IO[bytes], size: int) -> None:
    """Refuse an archive whose central directory is large before ``zipfile`` reads it into
    memory (one object per entry). Reads the end-of-directory record (and its zip64 form,
    which ``zipfile`` would prefer); a file without one is left to ``zipfile`` to refuse."""
    tail_size = min(size, 22 + 0xFFFF)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    handle.seek(0)
    # Where zipfile looks: the last 22 bytes (no comment), else the last signature.
    at = len(tail) - 22 if tail[-22:-18] == b"PK\x05\x06" else tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return
    entries, directory = struct.unpack("<HI", tail[at + 10:at + 16])
    locator = at - 20
    if locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
        # zip64: the locator gives the offset of the zip64 end record, which holds the counts.
        (offset,) = struct.unpack("<Q", tail[locator + 8:locator + 16])
        if offset + 56 > size:
            raise ExcelFileError(["文件不是有效的 Excel 工作簿（.xlsx）"])
        handle.seek(offset)
        record = handle.read(56)
        handle.seek(0)
        if record[:4] != b"PK\x06\x06":
            raise ExcelFileError(["文件不是有效的 Excel 工作簿（.xlsx）"])
        entries, directory = struct.unpack("<QQ", record[32:48])
    if entries > MAX_PARTS or directory > MAX_DIRECTORY_BYTES:
        raise ExcelFileError([f"文件不是有效的 Excel 工作簿（.xlsx）：包含的部件过多（超过 {MAX_PARTS} 个）"])


class _BoundedArchive(zipfile.ZipFile):
    """The workbook's zip archive, which opens a part only when it is stored or deflated
    (other methods could unpack without bound in one step) and its declared unpacked size
    is within ``allowance``. ``zipfile`` never returns more than a part's declared size, so
    the allowance bounds what any reader of the part — openpyxl's or ours — gets."""

    allowance = MAX_SMALL_PART_BYTES

    def open(self, name: Any, mode: str = "r", pwd: bytes | None = None, *,  # type: ignore[override]
             force_zip64: bool = False) -> IO[bytes]:
        if mode == "r":
            info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ExcelFileError(["文件不是有效的 Excel 工作簿（.xlsx）：使用了不支持的压缩方式"])
            if info.file_size > self.allowance:
                raise ExcelFileError([f"文件内容过大：解压后超过 {_size(self.allowance)}，无法读取"])
        return super().open(name, mode, pwd, force_zip64=force_zip64)


def _open_first_sheet(source: str | Path | IO[bytes], limits: ReadLimits) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``(row number, values)`` of the rows of the first worksheet that hold a value, within
    ``limits``; file-level problems → :class:`ExcelFileError`."""
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
        size = _file_size(handle)
        if size > limits.max_bytes:
            raise ExcelFileError([limits.file_too_large(size)])
        try:
            _check_directory(handle, size)
            reader = _Reader(_BoundedArchive(handle), max_strings_bytes=limits.max_bytes)
            reader.read()
            workbook = reader.wb
        except ExcelFileError:
            raise
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError, EOFError):
            raise ExcelFileError(["文件不是有效的 Excel 工作簿（.xlsx）"]) from None
        except Exception:  # noqa: BLE001 - any parser failure of a corrupt file is bad input
            raise ExcelFileError(["文件已损坏，无法读取"]) from None
        # openpyxl has read every small part; what is left to read is the first sheet.
        reader.archive.allowance = SHEET_UNPACK_FACTOR * limits.max_bytes
        if not workbook.worksheets:
            raise ExcelFileError(["工作簿中没有工作表"])
        sheet = workbook.worksheets[0]
        if not hasattr(sheet, "iter_rows"):
            raise ExcelFileError(["第一个工作表不是数据表"])
        try:
            if _FastSheet.supports(workbook, sheet):
                yield from _FastSheet(workbook, sheet, limits).rows()
            else:
                yield from _openpyxl_rows(sheet, limits)
        except ExcelFileError:
            raise
        except Exception:  # noqa: BLE001 - a malformed sheet part is bad input, not a crash
            raise ExcelFileError(["文件已损坏，无法读取"]) from None
        finally:
            workbook.close()
    finally:
        if close:
            handle.close()


def _openpyxl_rows(sheet: Any, limits: ReadLimits) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows through openpyxl's own reader, should its internals that :class:`_FastSheet`
    uses change. openpyxl yields a skipped row as an empty one lazily (counted here, never
    stored) and widens a row only to its last cell, which its parser bounds to column ZZZ,
    so the row and column limits are checked before anything grows; it holds the cells of
    one row at a time, bounded by the sheet part's unpacked size."""
    last_row, width = limits.max_rows + 1, limits.max_columns
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        for index in range(width, len(values)):
            if not _blank(values[index]):
                raise ExcelFileError([limits.too_many_columns(number, _letters(index))])
        if any(isinstance(v, str) and len(v) > MAX_CELL_CHARS for v in values):
            raise ExcelFileError([limits.cell_too_long(number)])
        if number > last_row:
            # A blank row beyond the limit is harmless, but the padding openpyxl yields up
            # to a far row number must not run on past the last row Excel itself allows.
            if not all(_blank(v) for v in values) or number > EXCEL_MAX_ROWS:
                raise ExcelFileError([limits.too_many_rows(number)])
            continue
        if any(v is not None for v in values):
            yield number, tuple(values[:width])


def _shared_strings(source: IO[bytes]) -> list[str]:
    """The shared-string table, as openpyxl's ``read_string_table`` gives it, with expat:
    openpyxl builds objects per string, which dominates the reading of large sheets.
    A string longer than :data:`MAX_CELL_CHARS` refuses the file before it is kept."""
    strings: list[str] = []
    parts: list[str] = []
    state = {"collect": False, "skip": 0, "size": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        name = name[name.find(":") + 1:]
        if name == "t":
            state["collect"] = not state["skip"]
        elif name == "rPh":
            state["skip"] += 1
        elif name == "si":
            parts.clear()
            state["size"] = 0

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
            state["size"] += len(data)
            if state["size"] > MAX_CELL_CHARS:
                raise ExcelFileError([ReadLimits.cell_too_long(None)])
            parts.append(data)

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.ParseFile(source)
    return strings


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only worksheet that does not read its part to learn its size."""

    def _get_size(self) -> None:
        pass


class _Reader(ExcelReader):
    """openpyxl's workbook reader on a :class:`_BoundedArchive`, with a faster shared-string
    table that may unpack to at most ``max_strings_bytes``. Read-only, values only."""

    def __init__(self, archive: _BoundedArchive, *, max_strings_bytes: int) -> None:
        # openpyxl's own __init__ opens the archive itself; this one is opened with bounds.
        self.archive = archive
        self.valid_files = archive.namelist()
        self.read_only = True
        self.keep_vba = False
        self.data_only = True
        self.keep_links = False
        self.rich_text = False
        self.shared_strings = []
        self.max_strings_bytes = max_strings_bytes

    def read_worksheets(self) -> None:
        """Only the first worksheet, unsized: openpyxl's own method parses every sheet's
        relationships and charts, and scans a sheet without a ``<dimension>`` to its end to
        size it; the reader needs neither (it streams the first sheet's rows, within the
        limits, and ignores the rest of the workbook)."""
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                worksheet = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                worksheet.sheet_state = sheet.state
                self.wb._sheets.append(worksheet)
                return

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            small, self.archive.allowance = self.archive.allowance, self.max_strings_bytes
            try:
                source = self.archive.open(part.PartName[1:])
            finally:
                self.archive.allowance = small
            with source:
                self.shared_strings = _shared_strings(source)


class _FastSheet:
    """Cell values of a read-only openpyxl worksheet, parsed with expat callbacks.

    openpyxl builds an element and runs descriptor code per cell, which makes reading
    400,000 rows take longer than validating and writing them. This reader reuses what
    openpyxl already loaded (shared strings, which styles are dates, the date epoch, the
    sheet's XML stream) and yields the same values as ``iter_rows(values_only=True)``:
    numbers as int/float, date-styled numbers as datetimes, booleans, strings (inline
    and rich text joined), formulas' cached results — as ``(row number, values)`` for the
    rows that hold a value, so that a jump in the row numbers costs nothing.

    The limits are checked as the XML streams, before a row or cell is allocated: a column
    reference is bounded before the row is widened to it, a cell's text is counted as it
    arrives, and a value in a row or column beyond the limits refuses the file.
    """

    def __init__(self, workbook: Any, sheet: Any, limits: ReadLimits) -> None:
        self.shared: list[Any] = sheet._shared_strings
        self.date_styles = {str(i) for i in workbook._date_formats}
        self.epoch = workbook.epoch
        self.sheet = sheet
        self.limits = limits

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

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        limits = self.limits
        width, last_row = limits.max_columns, limits.max_rows + 1
        done: list[tuple[int, tuple[Any, ...]]] = []
        row: list[Any] = []
        text: list[str] = []
        cell: list[Any] = [0, None, None, 0, ""]  # column index, type, style, characters so far, letters
        flags = {"collect": False, "skip": 0, "next_row": 1, "row": 1}
        columns: dict[str, int] = {}

        def column_index(letters: str) -> int:
            # A cell reference has at most three capital letters (XFD); anything else is
            # outside every limit and must not be cached or walked character by character.
            if not 0 < len(letters) <= 3 or not letters.isascii() or not letters.isupper():
                return width
            index = 0
            for ch in letters:
                index = index * 26 + ord(ch) - 64
            return index - 1

        def start(name: str, attrs: dict[str, str]) -> None:
            name = name[name.find(":") + 1:]
            if name == "c":
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    index = columns.get(letters)
                    if index is None:
                        index = column_index(letters)
                        if index < width:
                            columns[letters] = index
                else:
                    letters, index = "", len(row)
                cell[0], cell[1], cell[2], cell[3], cell[4] = index, attrs.get("t"), attrs.get("s"), 0, letters
                text.clear()
            elif name in ("v", "t"):
                flags["collect"] = not flags["skip"]
            elif name == "rPh":
                flags["skip"] += 1  # phonetic guides hold a <t> that is not the cell's text
            elif name == "row":
                ref = attrs.get("r")
                number = int(ref) if ref else flags["next_row"]
                flags["row"], flags["next_row"] = number, number + 1
                row.clear()

        def end(name: str) -> None:
            name = name[name.find(":") + 1:]
            if name in ("v", "t"):
                flags["collect"] = False
            elif name == "c":
                if text:
                    value = self._value("".join(text), cell[1], cell[2])
                    index = cell[0]
                    if index >= width:
                        if not _blank(value):
                            label = cell[4][:8] + ("…" if len(cell[4]) > 8 else "") if cell[4] else _letters(index)
                            raise ExcelFileError([limits.too_many_columns(flags["row"], label)])
                        return
                    if index >= len(row):
                        row.extend([None] * (index - len(row) + 1))
                    row[index] = value
            elif name == "rPh":
                flags["skip"] -= 1
            elif name == "row":
                if not row:
                    return
                if flags["row"] > last_row:
                    if not all(_blank(v) for v in row):
                        raise ExcelFileError([limits.too_many_rows(flags["row"])])
                    return
                done.append((flags["row"], tuple(row)))

        def chars(data: str) -> None:
            if flags["collect"]:
                cell[3] += len(data)
                if cell[3] > MAX_CELL_CHARS:
                    raise ExcelFileError([limits.cell_too_long(flags["row"])])
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


def read_sheet(source: str | Path | IO[bytes], columns: Sequence[Column], *, limits: ReadLimits | None = None) -> Sheet:
    """Read and parse the first sheet of ``source`` for a kind with ``columns``, within
    ``limits`` (default :meth:`ReadLimits.default`).

    Header problems, unreadable files and files beyond the limits raise
    :class:`ExcelFileError` (nothing else can be checked then); cell problems are collected
    in ``Sheet.errors``. Blank rows are skipped.
    """
    rows_iter = _open_first_sheet(source, limits or ReadLimits.default())
    try:
        return _parse(rows_iter, columns)
    finally:
        rows_iter.close()  # release the file now, also when a limit stopped the reading


def _parse(rows_iter: Iterator[tuple[int, tuple[Any, ...]]], columns: Sequence[Column]) -> Sheet:
    by_header = {c.header: c for c in columns}
    header_row: tuple[Any, ...] | None = None
    header_number = 0
    for number, row in rows_iter:
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
    for number, row in rows_iter:
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
