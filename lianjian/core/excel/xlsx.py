"""The rows of an input workbook's first sheet, within
:class:`~lianjian.core.excel.limits.ReadLimits`: python-calamine (a Rust reader) for every
workbook that a streamed scan shows to be within the limits, else a fast expat reader of
the sheet XML (openpyxl only for the workbook's structure), which also words every refusal."""

from __future__ import annotations

import datetime
import re
import struct
import zipfile
import zlib
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, Any, cast
from xml.parsers import expat

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHARED_STRINGS
from python_calamine import CalamineWorkbook, SheetTypeEnum

from lianjian.core.excel.columns import (
    ExcelFileError,
)
from lianjian.core.excel.limits import (
    EXCEL_MAX_ROWS,
    MAX_CELL_CHARS,
    MAX_SMALL_PART_BYTES,
    SHEET_UNPACK_FACTOR,
    BoundedArchive,
    ReadLimits,
    check_directory,
    file_size,
)


def _letters(index: int) -> str:
    """The column letters of the 0-based ``index`` (its position beyond Excel's last column)."""
    return get_column_letter(index + 1) if index < 16_384 else f"第{index + 1}"


def _blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


def open_first_sheet(
    source: str | Path | IO[bytes], limits: ReadLimits
) -> Generator[tuple[int, tuple[Any, ...]]]:
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
        size = file_size(handle)
        if size > limits.max_bytes:
            raise ExcelFileError([limits.file_too_large(size)])
        check_directory(handle, size)
        fast = _calamine_rows(handle, limits)
        if fast is not None:
            yield from fast
            return
        handle.seek(0)
        try:
            reader = _Reader(BoundedArchive(handle), max_strings_bytes=limits.max_bytes)
            reader.read()
            workbook = reader.wb
        except ExcelFileError:
            raise
        except (
            zipfile.BadZipFile,
            InvalidFileException,
            KeyError,
            ValueError,
            TypeError,
            OSError,
            EOFError,
        ):
            raise ExcelFileError(["文件不是有效的 Excel 工作簿（.xlsx）"]) from None
        except Exception:  # noqa: BLE001 - any parser failure of a corrupt file is bad input
            raise ExcelFileError(["文件已损坏，无法读取"]) from None
        # openpyxl has read every small part; what is left to read is the first sheet.
        cast(BoundedArchive, reader.archive).allowance = SHEET_UNPACK_FACTOR * limits.max_bytes
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
        name = name[name.find(":") + 1 :]
        if name == "t":
            state["collect"] = not state["skip"]
        elif name == "rPh":
            state["skip"] += 1
        elif name == "si":
            parts.clear()
            state["size"] = 0

    def end(name: str) -> None:
        name = name[name.find(":") + 1 :]
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
    """openpyxl's workbook reader on a :class:`BoundedArchive`, with a faster shared-string
    table that may unpack to at most ``max_strings_bytes``. Read-only, values only."""

    def __init__(self, archive: BoundedArchive, *, max_strings_bytes: int) -> None:
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
                worksheet.sheet_state = sheet.state or "visible"
                cast(Any, self.wb)._sheets.append(
                    worksheet
                )  # openpyxl keeps no public way to add a read sheet
                return

    def read_strings(self) -> None:
        part = cast(Any, self.package).find(SHARED_STRINGS)  # openpyxl's manifest is untyped
        if part is not None:
            archive = cast(BoundedArchive, self.archive)
            small, archive.allowance = archive.allowance, self.max_strings_bytes
            try:
                source = archive.open(part.PartName[1:])
            finally:
                archive.allowance = small
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
        return all(
            hasattr(o, a)
            for o, a in (
                (sheet, "_shared_strings"),
                (sheet, "_get_source"),
                (workbook, "_date_formats"),
                (workbook, "epoch"),
            )
        )

    def _value(self, text: str, kind: str | None, style: str | None) -> Any:
        if kind == "s":
            return self.shared[int(text)]
        if kind is None or kind == "n":
            number: int | float = (
                float(text) if ("." in text or "E" in text or "e" in text) else int(text)
            )
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
        cell: list[Any] = [
            0,
            None,
            None,
            0,
            "",
        ]  # column index, type, style, characters so far, letters
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
            name = name[name.find(":") + 1 :]
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
                cell[0], cell[1], cell[2], cell[3], cell[4] = (
                    index,
                    attrs.get("t"),
                    attrs.get("s"),
                    0,
                    letters,
                )
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
            name = name[name.find(":") + 1 :]
            if name in ("v", "t"):
                flags["collect"] = False
            elif name == "c":
                if text:
                    value = self._value("".join(text), cell[1], cell[2])
                    index = cell[0]
                    if index >= width:
                        if not _blank(value):
                            label = (
                                cell[4][:8] + ("…" if len(cell[4]) > 8 else "")
                                if cell[4]
                                else _letters(index)
                            )
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


# --- python-calamine ----------------------------------------------------------------------
# calamine reads a sheet into a dense grid spanning its first to its last cell, in memory it
# allocates before Python sees a value: one crafted cell at XFD1048576 aborts the process.
# So calamine only gets a workbook whose parts a streamed scan has shown to be plain (stored
# or deflated, unpacking to exactly their declared size within their allowance) and whose
# cell and row references all lie within the limits; anything else (rare, and every refusal)
# goes to the expat reader above, which words the problem. The scan costs one inflation of
# each part, a fraction of calamine's own time.

_SCAN_CHUNK = 1 << 20
_SCAN_OVERLAP = 64  # longer than any reference a pattern below has to see whole


def _greater(limit: str, low: str, high: str, rest: str) -> str:
    """A regex alternation of the strings of ``len(limit)`` characters of the class
    ``low``–``high`` that sort after ``limit`` (same length: lexical order is numeric order)."""
    alternatives = []
    for i, ch in enumerate(limit):
        if ch != high:
            tail = f"{rest}{{{len(limit) - i - 1}}}"
            alternatives.append(f"{re.escape(limit[:i])}[{chr(ord(ch) + 1)}-{high}]{tail}")
    return "|".join(alternatives) or "(?!)"


def _beyond_pattern(limits: ReadLimits) -> re.Pattern[bytes]:
    """A reference attribute (`` r="…"``) that is not plainly within the limits: beyond the
    last row or column, or in any other form (lower case, entities, leading zeros, other
    quoting or spacing). The pattern starts with a literal, which keeps the scan fast; the
    other characters that may precede an attribute are looked for apart (:data:`_OTHER_SPACE`)."""
    last_row = str(limits.max_rows + 1)
    last_column = _letters(limits.max_columns - 1)
    rows = _greater(last_row, "0", "9", r"\d")
    columns = _greater(last_column, "A", "Z", "[A-Z]")
    plain = rf"[A-Z]{{0,{len(last_column)}}}\d{{0,{len(last_row)}}}\""
    return re.compile(
        rf' r(?:="(?:(?!{plain})|[A-Z]*(?:{rows})"|(?:{columns})\d*")|\s*=\s*\'|\s+=|=\s)'.encode()
    )


# An attribute preceded by a tab or a line break: legal XML that no spreadsheet program
# writes; such a file is read by the expat reader.
_OTHER_SPACE = (b"\tr", b"\nr", b"\rr")


def _inflate(handle: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The unpacked bytes of a stored or deflated part, read from its local header on:
    raises ValueError if it unpacks to more or less than its declared size."""
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise ValueError("local header")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    left_in, left_out = info.compress_size, info.file_size
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    pending = b""
    while left_in or pending:
        if not pending:
            pending = handle.read(min(left_in, _SCAN_CHUNK))
            if not pending:
                raise ValueError("truncated")
            left_in -= len(pending)
        if inflater is None:
            data, pending = pending, b""
        else:
            data = inflater.decompress(pending, min(left_out + 1, _SCAN_CHUNK))
            pending = inflater.unconsumed_tail
        left_out -= len(data)
        if left_out < 0:
            raise ValueError("beyond its declared size")
        yield data
        if inflater is not None and inflater.eof:
            if pending or left_in or inflater.unused_data:
                raise ValueError("trailing data")
            break
    if left_out or (inflater is not None and not inflater.eof):
        raise ValueError("short")


def _plain_within_limits(handle: IO[bytes], limits: ReadLimits) -> bool:
    """Whether calamine may read the workbook in ``handle`` (see above)."""
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError):
        return False
    beyond = _beyond_pattern(limits)
    for info in infos:
        name = info.filename.lower()
        sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
        allowance = (
            SHEET_UNPACK_FACTOR * limits.max_bytes
            if sheet
            else limits.max_bytes
            if name == "xl/sharedstrings.xml"
            else MAX_SMALL_PART_BYTES
        )
        if (
            info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or info.file_size > allowance
            or info.flag_bits & 0x1  # encrypted
        ):
            return False
        try:
            carry = b""
            for data in _inflate(handle, info):
                if sheet:
                    # A reference cut by the chunk's end is seen whole in the next window.
                    window = carry + data
                    found = beyond.search(window)
                    if (found and found.start() < len(window) - _SCAN_OVERLAP) or any(
                        s in window for s in _OTHER_SPACE
                    ):
                        return False
                    carry = window[-_SCAN_OVERLAP:]
            if carry and beyond.search(carry):
                return False
        except (ValueError, OSError, zlib.error):
            return False
    handle.seek(0)
    return True


def _longest_text(grid: list[list[Any]]) -> int:
    """The length of the longest text cell of ``grid``: column by column when the grid is
    dense (calamine's is: every row as wide), a pass in C for a column of text only."""
    if len({len(row) for row in grid}) > 1:
        return max((len(v) for row in grid for v in row if v.__class__ is str), default=0)
    longest = 0
    for column in zip(*grid, strict=True):
        if set(map(type, column)) == {str}:
            longest = max(longest, max(map(len, column)))
        else:
            longest = max([longest, *(len(v) for v in column if v.__class__ is str)])
    return longest


def _calamine_rows(
    handle: IO[bytes], limits: ReadLimits
) -> list[tuple[int, tuple[Any, ...]]] | None:
    """The first worksheet's rows that hold a value, as ``(row number, values)`` read by
    python-calamine, or None when the expat reader must read the file (see above). Values
    are as the expat reader gives them, except that every number is a float (text cells
    stay text: a leading-zero code or an 18-digit ID number is never a number) and a
    date-styled cell is a ``date`` when it has no time of day."""
    if not _plain_within_limits(handle, limits):
        return None
    try:
        workbook = CalamineWorkbook.from_filelike(handle)
        try:
            metadata = workbook.sheets_metadata
            if not metadata or metadata[0].typ != SheetTypeEnum.WorkSheet:
                return None
            sheet = workbook.get_sheet_by_index(0)
            grid = sheet.to_python(skip_empty_area=True)
            first_row, first_column = sheet.start or (0, 0)
        finally:
            workbook.close()
    except Exception:  # noqa: BLE001 - the expat reader words what is wrong with the file
        return None
    handle.seek(0)
    width = limits.max_columns
    pad = [""] * first_column
    rows = []
    if grid and len(pad) + max(map(len, grid)) > width:
        return None  # the scan should have seen it; the expat reader words it
    if _longest_text(grid) > MAX_CELL_CHARS:
        return None  # the expat reader words it
    for offset, cells in enumerate(grid, start=first_row + 1):
        if any(cells):
            rows.append((offset, tuple(pad + cells) if pad else tuple(cells)))
    return rows
