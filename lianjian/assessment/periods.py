"""Assessment periods (考核期间) as written in imports, the CLI and the API — pure Python.

contracts.md §3: a period is ``2026`` (year), ``2026H1``/``2026H2`` (half), ``2026Q3``
(quarter) or ``2026-07`` (month). A scheme has one period kind and is run for periods of
that kind only, so that its targets mean the same thing in every run.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

YEAR, HALF, QUARTER, MONTH = "year", "half", "quarter", "month"
KIND_LABELS = {YEAR: "年度", HALF: "半年", QUARTER: "季度", MONTH: "月度"}

_PATTERNS = (
    (YEAR, re.compile(r"^(\d{4})$")),
    (HALF, re.compile(r"^(\d{4})H([12])$")),
    (QUARTER, re.compile(r"^(\d{4})Q([1-4])$")),
    (MONTH, re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")),
)


@dataclass(frozen=True)
class Period:
    """One period: its text (``2026Q3``), kind, first and last day (inclusive)."""

    text: str
    kind: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """The period as a Chinese reader writes it: 2026年、2026年上半年、2026年第3季度、2026年7月."""
        year = self.text[:4]
        if self.kind == YEAR:
            return f"{year}年"
        if self.kind == HALF:
            return f"{year}年{'上' if self.text.endswith('1') else '下'}半年"
        if self.kind == QUARTER:
            return f"{year}年第{self.text[-1]}季度"
        return f"{year}年{int(self.text[5:])}月"


def parse_period(text: str) -> Period:
    """Parse a period text; raise ``ValueError`` with a Chinese message when it is malformed."""
    value = (text or "").strip().upper()
    for kind, pattern in _PATTERNS:
        match = pattern.match(value)
        if not match:
            continue
        year = int(match.group(1))
        if not 1900 <= year <= 2999:
            break
        if kind == YEAR:
            first, last = 1, 12
        elif kind == HALF:
            first = 1 if match.group(2) == "1" else 7
            last = first + 5
        elif kind == QUARTER:
            first = (int(match.group(2)) - 1) * 3 + 1
            last = first + 2
        else:
            first = last = int(match.group(2))
        start = dt.date(year, first, 1)
        end = dt.date(year + (last == 12), last % 12 + 1, 1) - dt.timedelta(days=1)
        return Period(value, kind, start, end)
    raise ValueError(f"期间“{text}”格式不正确，应为 2026、2026H1、2026Q3 或 2026-07")


def period_problem(period: Period, window: Any) -> str:
    """Why ``period`` lies outside ``window`` — a :class:`lianjian.core.validation.DateWindow`,
    passed in so that this module stays free of Django — or "": a period for the record
    (KPI values, scores, runs) must have begun (``HISTORY``), a scheme may be written ahead
    (``PLANNED``); none ends before 1921-07-01."""
    problem = window.year_problem(period.start, period.end)
    return f"期间“{period.text}”{problem}" if problem else ""


def period_kind(text: str) -> str:
    """The kind of a period text (``year``/``half``/``quarter``/``month``); ``ValueError`` if malformed."""
    return parse_period(text).kind
