"""Column specs of the Excel engine: the markers and errors of a parsed cell, the cell
parsers (text → value, or :class:`CellError` with the Chinese reason), the formatters that
turn a stored value back into a cell, and :class:`Column` with its constructors."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lianjian.core.validation import ANYTIME, text_problem

LIST_SEPARATORS = re.compile(r"[、，,；;]")
DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
DATE_FORMAT = "yyyy-mm-dd"
YES, NO = "是", "否"


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
# A parser reads one cell. Imports read whole columns (tens of thousands of cells), so each
# parser also has a column path, ``parse.many(values)`` (:class:`Parser`): the same rule,
# applied once per distinct value or once to the column as a whole, and cell by cell (the
# one-cell path, for its exact message) only where the column holds a bad cell.

ColumnResult = tuple[list[Any], dict[int, str]]
"""A column's parsed values (``INVALID`` where a cell failed) and position → reason."""


class Parser:
    """A cell parser with a column path: ``parser(value)`` parses one cell (or raises
    :class:`CellError`); ``parser.many(values)`` parses a column's non-blank cells and
    returns :data:`ColumnResult`, exactly what calling it on each cell would give.

    ``many`` is the column function given, else each distinct value is parsed once when
    ``distinct`` (the parser is a pure function of the value), else every cell."""

    __slots__ = ("_many", "distinct", "one")

    def __init__(
        self,
        one: Callable[[Any], Any],
        many: Callable[[Sequence[Any]], ColumnResult] | None = None,
        *,
        distinct: bool = False,
    ) -> None:
        self.one = one
        self._many = many
        self.distinct = distinct

    def __call__(self, value: Any) -> Any:
        return self.one(value)

    def many(self, values: Sequence[Any]) -> ColumnResult:
        if self._many is not None:
            return self._many(values)
        if self.distinct:
            return parse_distinct(self.one, values)
        return parse_each(self.one, values)


def parse_each(parse: Callable[[Any], Any], values: Sequence[Any]) -> ColumnResult:
    """The column path of any parser: ``parse`` on every cell."""
    out: list[Any] = []
    errors: dict[int, str] = {}
    for position, value in enumerate(values):
        try:
            out.append(parse(value))
        except CellError as exc:
            errors[position] = str(exc)
            out.append(INVALID)
    return out, errors


def parse_distinct(parse: Callable[[Any], Any], values: Sequence[Any]) -> ColumnResult:
    """The column path of a parser that is a pure function of the cell (dates, choices,
    flags, numbers): ``parse`` once per distinct value; a column repeats its values."""
    try:
        distinct = dict.fromkeys(values)
    except TypeError:  # an unhashable cell value: cell by cell
        return parse_each(parse, values)
    reasons: dict[Any, str] = {}
    for value in distinct:
        try:
            distinct[value] = parse(value)
        except CellError as exc:
            distinct[value] = INVALID
            reasons[value] = str(exc)
    # 1 and 1.0 and True are equal keys: only a column of one type may share results.
    if len({value.__class__ for value in distinct}) > 1 and any(
        isinstance(value, int | float) for value in distinct
    ):
        return parse_each(parse, values)
    out = list(map(distinct.__getitem__, values))
    if not reasons:
        return out, {}
    return out, {i: reasons[v] for i, v in enumerate(values) if v in reasons}


def _texts(values: Sequence[Any]) -> list[str]:
    """:func:`cell_text` of every cell of a column (text cells only: ``str.strip``)."""
    if set(map(type, values)) <= {str}:
        return [value.strip() for value in values]
    return list(map(cell_text, values))


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


def parse_text(max_length: int, *, multiline: bool = False) -> Parser:
    """A text cell of at most ``max_length`` characters that obeys the text rule
    (:func:`lianjian.core.validation.text_problem`: no control characters; tab and line
    breaks only where the field holds several lines)."""

    def parse(value: Any) -> str:
        text = cell_text(value)
        if len(text) > max_length:
            raise CellError(f"长度不能超过 {max_length} 个字符")
        problem = text_problem(text, multiline=multiline)
        if problem:
            raise CellError(problem)
        return text

    def many(values: Sequence[Any]) -> ColumnResult:
        texts = _texts(values)
        # The text rule finds a forbidden character in the column's text joined together
        # exactly when it finds one in some cell (joining adds no character).
        if max(map(len, texts), default=0) <= max_length and not text_problem(
            "".join(texts), multiline=multiline
        ):
            return texts, {}
        return parse_each(parse, values)

    return Parser(parse, many)


def parse_pattern(max_length: int, pattern: re.Pattern[str], reason: str) -> Parser:
    def parse(value: Any) -> str:
        text = cell_text(value)
        if len(text) > max_length or not pattern.fullmatch(text):
            raise CellError(reason)
        return text

    def many(values: Sequence[Any]) -> ColumnResult:
        texts = _texts(values)
        if max(map(len, texts), default=0) <= max_length and all(map(pattern.fullmatch, texts)):
            return texts, {}
        return parse_each(parse, values)

    return Parser(parse, many)


def parse_choice(choices: Sequence[str]) -> Parser:
    allowed = tuple(choices)
    reason = "应为" + "、".join(allowed) + "之一"

    def parse(value: Any) -> str:
        text = cell_text(value)
        if text not in allowed:
            raise CellError(reason)
        return text

    return Parser(parse, distinct=True)


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value)
    if text == YES:
        return True
    if text == NO:
        return False
    raise CellError("应填“是”或“否”")


parse_bool = Parser(_parse_bool, distinct=True)


def _parse_date(value: Any) -> datetime.date:
    """A date cell (``YYYY-MM-DD`` text or an Excel date) inside the absolute outer bound
    (:data:`lianjian.core.validation.ANYTIME`); the window of the field itself is the
    kind's check, through the model's row validator."""
    day: datetime.date | None = None
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, str):
        match = DATE_RE.fullmatch(value.strip())
        if match:
            try:
                day = datetime.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise CellError("日期不存在") from None
    if day is None:
        raise CellError("日期格式应为 YYYY-MM-DD")
    problem = ANYTIME.problem(day)
    if problem:
        raise CellError(problem)
    return day


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _parse_dates(values: Sequence[Any]) -> ColumnResult:
    """The column path of :func:`parse_date`: a column of Excel dates, or of
    ``YYYY-MM-DD`` texts that all name a real day, is converted in one pass and taken as it
    is when its first and last day lie inside the outer bound; any other column, cell by
    distinct cell."""
    kinds = set(map(type, values))
    days: list[datetime.date] | None = None
    if kinds == {datetime.date}:
        days = list(values)
    elif kinds == {str}:
        texts = list(map(str.strip, values))
        if all(map(_ISO_DAY.fullmatch, texts)):
            try:
                days = list(map(datetime.date.fromisoformat, texts))
            except ValueError:  # a day that does not exist: worded cell by cell
                days = None
    if days:
        first, last = ANYTIME.bounds()
        if first <= min(days) and max(days) <= last:
            return days, {}
    return parse_distinct(_parse_date, values)


parse_date = Parser(_parse_date, _parse_dates)


def parse_float(low: float, high: float, name: str) -> Parser:
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

    return Parser(parse, distinct=True)


def parse_list(
    item_max_length: int = 100, choices: Sequence[str] | None = None
) -> Callable[[Any], list[str]]:
    def parse(value: Any) -> list[str]:
        items: list[str] = []
        for part in LIST_SEPARATORS.split(cell_text(value)):
            item = part.strip()
            if not item or item in items:
                continue
            if len(item) > item_max_length:
                raise CellError(f"“{item[:10]}…”超过 {item_max_length} 个字符")
            problem = text_problem(item)
            if problem:
                raise CellError(f"第 {len(items) + 1} 项{problem}")
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
    a :class:`Parser` also parses a whole column (``parse.many``), which the reader uses
    (a plain function is called cell by cell); an empty cell becomes ``empty`` (or a
    "不能为空" error when ``required``). ``format``
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


def text_column(
    header: str,
    max_length: int,
    *,
    required: bool = False,
    note: str = "",
    width: int = 14,
    multiline: bool = False,
) -> Column:
    return Column(
        header, parse_text(max_length, multiline=multiline), required, "", format_text, note, width
    )


def choice_column(
    header: str, choices: Sequence[str], *, required: bool = False, note: str = ""
) -> Column:
    return Column(
        header,
        parse_choice(choices),
        required,
        "",
        format_text,
        note or "可选：" + "、".join(choices),
    )


def bool_column(header: str, *, note: str = "") -> Column:
    return Column(
        header, parse_bool, False, False, format_bool, note or "填“是”或“否”，空白视为“否”", 10
    )


def date_column(header: str, *, required: bool = False, note: str = "") -> Column:
    return Column(
        header,
        parse_date,
        required,
        None,
        format_plain,
        note or "日期，格式 YYYY-MM-DD 或 Excel 日期",
        12,
    )


def float_column(header: str, low: float, high: float, *, note: str = "") -> Column:
    return Column(header, parse_float(low, high, header), False, None, format_plain, note, 10)


def list_column(
    header: str, *, choices: Sequence[str] | None = None, note: str = "", width: int = 20
) -> Column:
    base = "多项用“、”“，”“,”或“；”分隔"
    return Column(
        header,
        parse_list(choices=choices),
        False,
        (),
        format_list,
        f"{note}；{base}" if note else base,
        width,
    )
