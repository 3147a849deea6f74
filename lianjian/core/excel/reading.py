"""Reading an input workbook: the first sheet's rows through a fast expat reader, parsed
into a :class:`Sheet` of column values and row errors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl.utils import get_column_letter

from lianjian.core.excel.columns import (
    ABSENT,
    INVALID,
    CellError,
    Column,
    ExcelFileError,
    cell_text,
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
            for unnamed_index in unnamed:
                if (
                    unnamed_index < width
                    and row[unnamed_index] is not None
                    and cell_text(row[unnamed_index]) != ""
                ):
                    errors.add(
                        number, f"{get_column_letter(unnamed_index + 1)}列", "该列有数据但没有表头"
                    )
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
