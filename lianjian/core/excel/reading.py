"""Reading an input workbook: the first sheet's rows through a fast expat reader, parsed
into a :class:`Sheet` of column values and row errors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import IO, Any

from openpyxl.utils import get_column_letter

from lianjian.core.excel.columns import (
    ABSENT,
    INVALID,
    Column,
    ExcelFileError,
    cell_text,
    parse_each,
    row_error,
)
from lianjian.core.excel.limits import ReadLimits
from lianjian.core.excel.xlsx import open_first_sheet


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
        self._items.append(
            (row, self._order.get(column, len(self._order)), row_error(row, column, reason))
        )

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


def _header_name(value: Any) -> str:
    text = cell_text(value) if value is not None else ""
    return text.rstrip("*＊").strip()


def _report_unnamed(
    data: list[tuple[int, tuple[Any, ...]]], unnamed: list[int], errors: ErrorList
) -> None:
    """The first cell with a value under a column without a header (one error per file)."""
    for number, row in data:
        width = len(row)
        for unnamed_index in unnamed:
            if (
                unnamed_index < width
                and row[unnamed_index] is not None
                and cell_text(row[unnamed_index]) != ""
            ):
                errors.add(
                    number, f"{get_column_letter(unnamed_index + 1)}列", "该列有数据但没有表头"
                )
                return


def _parse_column(
    column: Column, raws: Sequence[Any], filled: list[bool], numbers: list[int], errors: ErrorList
) -> list[Any]:
    """The values of one column's cells (``raws``, of the rows ``numbers``; ``filled`` says
    which are not blank): a blank cell is ``column.empty`` (or "不能为空" when required), the
    others go through the parser's column path (or the parser cell by cell, for a plain
    function)."""
    many = getattr(column.parse, "many", None)
    if not all(filled):
        present = [i for i, flag in enumerate(filled) if flag]
        blank = [i for i, flag in enumerate(filled) if not flag]
        parsed, reasons = (many or partial(parse_each, column.parse))([raws[i] for i in present])
        out: list[Any] = [INVALID if column.required else column.empty] * len(raws)
        for i, value in zip(present, parsed, strict=True):
            out[i] = value
        if column.required:
            for i in blank:
                errors.add(numbers[i], column.header, "不能为空")
        for position, reason in reasons.items():
            errors.add(numbers[present[position]], column.header, reason)
        return out
    parsed, reasons = (many or partial(parse_each, column.parse))(raws)
    for position, reason in reasons.items():
        errors.add(numbers[position], column.header, reason)
    return parsed


def read_sheet(
    source: str | Path | IO[bytes], columns: Sequence[Column], *, limits: ReadLimits | None = None
) -> Sheet:
    """Read and parse the first sheet of ``source`` for a kind with ``columns``, within
    ``limits`` (default :meth:`ReadLimits.default`).

    Header problems, unreadable files and files beyond the limits raise
    :class:`ExcelFileError` (nothing else can be checked then); cell problems are collected
    in ``Sheet.errors``. Blank rows are skipped.
    """
    rows_iter = open_first_sheet(source, limits or ReadLimits.default())
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
    for cell_index, raw in enumerate(header_row):
        name = _header_name(raw)
        if not name:
            unnamed.append(cell_index)
            continue
        if name not in by_header:
            problems.append(row_error(1, name, "未知的列名"))
        elif name in positions:
            problems.append(row_error(1, name, "列名重复"))
        else:
            positions[name] = cell_index
    for column in columns:
        if column.required and column.header not in positions:
            problems.append(row_error(1, column.header, "缺少必填列"))
    if problems:
        raise ExcelFileError(problems)

    errors = ErrorList(columns)
    data = [(number, row) for number, row in rows_iter if any(row)]
    if unnamed:
        _report_unnamed(data, unnamed, errors)
    # Column at a time: each column's cells go through its parser's column path
    # (columns.Parser.many), which applies the cell rule once per distinct value or once to
    # the whole column; a million cells cost a few passes in C instead of a call each.
    widths = {len(row) for _, row in data}
    # A dense grid (calamine's: every row as wide) is turned into columns in one pass in C.
    transposed = list(zip(*(row for _, row in data), strict=True)) if len(widths) == 1 else None
    cells: list[Sequence[Any] | None] = []
    filled: list[list[bool]] = []
    for column in columns:
        index = positions.get(column.header)
        if index is None:
            cells.append(None)
            continue
        raws: Sequence[Any]
        if transposed is not None and index < len(transposed):
            raws = transposed[index]
        else:
            raws = [row[index] if index < len(row) else None for _, row in data]
        cells.append(raws)
        if set(map(type, raws)) == {str}:
            filled.append(list(map(bool, map(str.strip, raws))))
        else:
            filled.append(
                [not (raw is None or (raw.__class__ is str and not raw.strip())) for raw in raws]
            )
    # A row whose cells hold only spaces is a blank row after all.
    any_filled = (
        [any(flags) for flags in zip(*filled, strict=True)] if filled else [False] * len(data)
    )
    keep = [
        i
        for i, (has_value, (_, row)) in enumerate(zip(any_filled, data, strict=True))
        if has_value or any(cell_text(v) for v in row if v is not None)
    ]
    if len(keep) < len(data):
        data = [data[i] for i in keep]
        cells = [None if raws is None else [raws[i] for i in keep] for raws in cells]
        filled = [[flags[i] for i in keep] for flags in filled]
    numbers = [number for number, _ in data]
    values: list[Any] = []
    present = iter(filled)
    for column, column_cells in zip(columns, cells, strict=True):
        if column_cells is None:
            values.append(repeat(ABSENT, len(numbers)))
            continue
        values.append(_parse_column(column, column_cells, next(present), numbers, errors))
    rows = list(zip(numbers, zip(*values, strict=True), strict=True))
    if not rows and not errors:
        raise ExcelFileError(["表格中没有数据行（第一行之后全部为空）"])
    return Sheet(tuple(columns), frozenset(positions), rows, errors)
