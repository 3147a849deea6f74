"""The one home of the rules every date, number and text obeys, whatever edge it comes in by.

Screens (forms, through the services' model validation), the API (its parser, its shared
text type and the services), Excel imports (the column parsers and the kinds), the CLI and
the JSON scheme files all call these functions; none restates them. docs/security.md §3
lists where each edge applies them.

**Dates.** Every date or date-time a person can enter lies in one :class:`DateWindow`,
declared once per model field in the model's ``DATE_WINDOWS`` (field name → window) and
checked by :func:`date_errors`, which each model's row validator calls:

* :data:`HISTORY` — something that happened: not before the Party was founded
  (1921-07-01), not after today;
* :data:`BIRTH` — a birth date: not before 1900-01-01, not after today;
* :data:`PLANNED` — a date that may lie ahead (a deadline, an agreement's end, a booking):
  not before 1921-07-01, at most ``LIANJIAN_PLANNING_YEARS`` (default 10) years after today;
* :data:`ANYTIME` — the absolute outer bound, 1900-01-01 … 2199-12-31, which every window
  lies inside. Any value inside it can be shifted by a few years or converted between
  time zones without leaving what Python and the databases can represent, so the
  arithmetic of reads (reminders, renewals, time-zone conversion) never overflows.

A date-time is judged by its Beijing calendar date, after its own calendar date has been
checked against the outer bound (so the conversion itself cannot overflow).

**Text.** :func:`text_problem`: no C0 or C1 control character, no DEL, no lone surrogate
and no U+FFFE/U+FFFF in any text; tab and line breaks only in text that may hold several
lines (a model ``TextField``, a form ``Textarea``). These characters cannot be stored by
PostgreSQL (NUL) or written to a workbook or a Word report, and no person types them.

**Numbers.** Integers fit in 64 bits (:data:`INT64_MIN` … :data:`INT64_MAX`) and floats
are finite (:func:`json_problem`); a field with a narrower range says so itself
(:func:`parse_int` with its bounds).

The module imports nothing of Django when it is loaded (only inside the functions that
need settings or the time zone), so that pure modules — the assessment engine and its
scheme file — can apply the same text rule.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PARTY_FOUNDED = datetime.date(1921, 7, 1)
EARLIEST_BIRTH = datetime.date(1900, 1, 1)
OUTER_MIN = datetime.date(1900, 1, 1)
OUTER_MAX = datetime.date(2199, 12, 31)
DEFAULT_PLANNING_YEARS = 10

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


# --- dates ------------------------------------------------------------------------------


def today() -> datetime.date:
    """Today in Beijing, the calendar every window is measured in."""
    from django.utils import timezone

    return timezone.localdate()


def planning_years() -> int:
    """How many years ahead a planned date may lie (setting ``LIANJIAN_PLANNING_YEARS``)."""
    from django.conf import settings

    return int(getattr(settings, "LIANJIAN_PLANNING_YEARS", DEFAULT_PLANNING_YEARS))


def add_years(day: datetime.date, years: int) -> datetime.date:
    """``day`` moved by whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def local_date(value: datetime.date | datetime.datetime) -> datetime.date | None:
    """The Beijing calendar date of ``value``; None when ``value`` lies outside the outer
    bound, where converting it between time zones could overflow."""
    if isinstance(value, datetime.datetime):
        if not OUTER_MIN <= value.date() <= OUTER_MAX:
            return None
        from django.utils import timezone

        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not OUTER_MIN <= value <= OUTER_MAX:
        return None
    return value


@dataclass(frozen=True)
class DateWindow:
    """The dates a field may hold: from ``earliest`` to ``latest`` — ``"today"``,
    ``"planned"`` (today + the planning years) or ``"outer"`` (:data:`OUTER_MAX`)."""

    name: str
    earliest: datetime.date
    earliest_note: str
    latest: str

    def bounds(self, on: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
        """(first, last) allowed date, measured from ``on`` (default today)."""
        if self.latest == "outer":
            return self.earliest, OUTER_MAX  # no need to ask the clock (imports call this per cell)
        on = on or today()
        if self.latest == "today":
            return self.earliest, on
        if self.latest == "planned":
            return self.earliest, add_years(on, planning_years())
        return self.earliest, OUTER_MAX

    def problem(
        self, value: datetime.date | datetime.datetime, *, on: datetime.date | None = None
    ) -> str:
        """Why ``value`` is outside the window (a phrase to put after the field's name), or ""."""
        day = local_date(value)
        if day is None:
            return f"超出有效范围（{OUTER_MIN:%Y-%m-%d} 至 {OUTER_MAX:%Y-%m-%d}）"
        first, last = self.bounds(on)
        if day < first:
            return f"不能早于 {first:%Y-%m-%d}{self.earliest_note}"
        if day > last:
            if self.latest == "today":
                return "不能晚于今天"
            if self.latest == "planned":
                return f"不能晚于 {last:%Y-%m-%d}（最多提前 {planning_years()} 年）"
            return f"不能晚于 {last:%Y-%m-%d}"
        return ""

    def year_problem(
        self, first_day: datetime.date, last_day: datetime.date, *, on: datetime.date | None = None
    ) -> str:
        """Why a period running from ``first_day`` to ``last_day`` is outside the window, or
        "": it must end on or after the earliest day and begin on or before the latest."""
        first, last = self.bounds(on)
        if last_day < first:
            return f"不能早于 {first:%Y-%m-%d}{self.earliest_note}"
        if first_day > last:
            if self.latest == "today":
                return "尚未开始"
            if self.latest == "planned":
                return f"不能晚于 {last:%Y-%m-%d}（最多提前 {planning_years()} 年）"
            return f"不能晚于 {last:%Y-%m-%d}"
        return ""


HISTORY = DateWindow("history", PARTY_FOUNDED, "（中国共产党成立之日）", "today")
BIRTH = DateWindow("birth", EARLIEST_BIRTH, "", "today")
PLANNED = DateWindow("planned", PARTY_FOUNDED, "（中国共产党成立之日）", "planned")
ANYTIME = DateWindow("anytime", OUTER_MIN, "", "outer")


def field_label(model: Any, name: str) -> str:
    """The Chinese name of a model field (its verbose name)."""
    return str(model._meta.get_field(name).verbose_name)


def date_errors(
    model: Any,
    values: Mapping[str, Any],
    *,
    windows: Mapping[str, DateWindow] | None = None,
    on: datetime.date | None = None,
) -> dict[str, str]:
    """field → message for every value of ``values`` outside its field's window.

    The windows are ``model.DATE_WINDOWS`` unless ``windows`` overrides some of them (a
    record whose date becomes historical once it is held); values that are not dates
    (None, or an import's marker for an unreadable cell) are skipped.
    """
    merged = {**getattr(model, "DATE_WINDOWS", {}), **(windows or {})}
    errors: dict[str, str] = {}
    for name, window in merged.items():
        value = values.get(name)
        if not isinstance(value, datetime.date):
            continue
        problem = window.problem(value, on=on)
        if problem:
            errors[name] = f"{field_label(model, name)}{problem}"
    return errors


def is_date(value: Any) -> bool:
    """Whether ``value`` is a usable date (inside the outer bound) for cross-field rules."""
    return isinstance(value, datetime.date) and local_date(value) is not None


def raise_errors(errors: Mapping[str, str | list[str]]) -> None:
    """Raise the collected field errors as one ``ValidationError`` (nothing when empty)."""
    from django.core.exceptions import ValidationError

    if errors:
        raise ValidationError(dict(errors))


def instance_values(instance: Any) -> dict[str, Any]:
    """The concrete field values of a model instance, by field name and by ``attname``
    (``org`` and ``org_id``), for the row validators. Generated columns are left out: the
    database derives them, nobody enters them (and an unsaved instance has none yet)."""
    out: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.generated:
            continue
        value = getattr(instance, field.attname)
        out[field.attname] = value
        if not getattr(field, "is_relation", False):
            out[field.name] = value
    return out


def check_date(
    value: datetime.date | datetime.datetime, label: str, window: DateWindow = ANYTIME
) -> datetime.date | datetime.datetime:
    """``value`` if it is inside ``window``, else ``ValueError`` with the labelled reason;
    for dates that belong to no model field (the CLI's ``--date``, a query filter)."""
    problem = window.problem(value)
    if problem:
        raise ValueError(f"{label}{problem}")
    return value


# --- text -------------------------------------------------------------------------------

# C0 controls but tab, LF and CR; DEL; C1 controls; lone surrogates; U+FFFE and U+FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# What ends or splits a line: allowed only where a text may hold several lines.
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")
_NAMES = {"\t": "制表符", "\n": "换行符", "\r": "回车符", "\u2028": "换行符", "\u2029": "换行符"}


def text_problem(value: str, *, multiline: bool = False) -> str:
    """Why ``value`` may not be stored as text (a phrase to put after the field's name), or "".

    Multi-line text (``TextField``, ``Textarea``) may hold tabs and line breaks; single-line
    text may not. No text may hold any other control character.
    """
    match = _FORBIDDEN.search(value)
    if match:
        return f"不能包含控制字符（U+{ord(match.group()):04X}）"
    if not multiline:
        match = _LINE_BREAKS.search(value)
        if match:
            return f"不能包含{_NAMES[match.group()]}（只能填写一行）"
    return ""


def check_text(value: str, label: str, *, multiline: bool = False) -> str:
    """``value`` unchanged if :func:`text_problem` finds nothing, else ``ValueError`` with
    the labelled reason."""
    problem = text_problem(value, multiline=multiline)
    if problem:
        raise ValueError(f"{label}{problem}")
    return value


# --- numbers ----------------------------------------------------------------------------

_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")
_INT_RE = re.compile(r"[+-]?[0-9]+", re.ASCII)


def parse_int(text: str, *, low: int, high: int, label: str = "") -> int:
    """An integer typed as text (ASCII or full-width digits) within ``low`` … ``high``;
    ``ValueError`` with a Chinese reason otherwise (``²`` or ``٣`` are not digits here)."""
    raw = (text or "").strip().translate(_FULL_WIDTH_DIGITS)
    if not _INT_RE.fullmatch(raw) or len(raw) > 40:
        raise ValueError(f"{label}应为整数")
    number = int(raw)
    if not low <= number <= high:
        raise ValueError(f"{label}应在 {low} 到 {high} 之间")
    return number


def parse_number(text: str, *, low: float, high: float, label: str = "") -> float:
    """A finite decimal number typed as text within ``low`` … ``high``; ``ValueError``
    with a Chinese reason otherwise (``NaN``, ``inf`` and ``1e999`` are refused)."""
    raw = (text or "").strip().translate(_FULL_WIDTH_DIGITS).replace(",", "")
    if len(raw) > 40:
        raise ValueError(f"{label}应为数字")
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(f"{label}应为数字") from None
    if not math.isfinite(number):
        raise ValueError(f"{label}应为有限的数字")
    if not low <= number <= high:
        raise ValueError(f"{label}应在 {low:g} 到 {high:g} 之间")
    return number


# --- structured documents (API bodies, JSON files) ------------------------------------------


def json_problem(value: Any, path: Iterable[str] = ()) -> tuple[str, str] | None:
    """The first value of a parsed JSON document that breaks a rule, as (path, reason):
    text with a control character (tab and line breaks are left to the field's own type),
    an integer beyond 64 bits, a float that is not finite. Keys are checked like texts."""
    here = list(path)
    if isinstance(value, str):
        problem = text_problem(value, multiline=True)
        return (".".join(here), problem) if problem else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            return ".".join(here), "整数超出范围（应在 64 位整数以内）"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (".".join(here), "应为有限的数字")
    if isinstance(value, Mapping):
        for key, item in value.items():
            problem = text_problem(str(key), multiline=False)
            if problem:
                return ".".join([*here, "（字段名）"]), problem
            found = json_problem(item, [*here, str(key)])
            if found:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = json_problem(item, [*here, str(index)])
            if found:
                return found
    return None
