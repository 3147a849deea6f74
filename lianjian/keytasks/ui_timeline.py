"""Geometry of the Gantt-like timeline of a key-task list (pure: no Django).

The screen draws each task as an SVG bar whose ``x`` and ``width`` are percentages of the
window (attributes, not styles, so the strict Content-Security-Policy needs no exception).
The window runs from the first day of the month of the earliest planned start to the last
day of the month of the latest planned end, so month ticks fall on whole months.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """The dates the timeline shows, both included."""

    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def at(self, day: datetime.date) -> float:
        """The position of the start of ``day`` in percent of the window, clamped to 0–100."""
        offset = (day - self.start).days
        return round(min(max(offset / self.days * 100, 0.0), 100.0), 3)

    def span(self, first: datetime.date, last: datetime.date) -> tuple[float, float]:
        """``(x, width)`` in percent of the bar from ``first`` to ``last`` (both included)."""
        x = self.at(first)
        end = self.at(last + datetime.timedelta(days=1))
        return x, round(max(end - x, 0.0), 3)


@dataclass(frozen=True)
class Tick:
    label: str
    x: float


@dataclass(frozen=True)
class Bar:
    """One task's bar: the planned span, the part done (``fill`` percent of the window, drawn
    from ``x``) and its colour class."""

    x: float
    width: float
    fill: float


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def window(spans: Iterable[tuple[datetime.date, datetime.date]], today: datetime.date) -> Window:
    """The whole months covering every ``(start, end)`` span; the month of ``today`` when
    there is none."""
    starts, ends = [], []
    for first, last in spans:
        starts.append(min(first, last))
        ends.append(max(first, last))
    first = _month_start(min(starts) if starts else today)
    last = _next_month(max(ends) if ends else today) - datetime.timedelta(days=1)
    return Window(first, last)


def ticks(win: Window) -> list[Tick]:
    """One tick per month of the window, labelled ``M月`` (``YYYY年M月`` for January and the
    first month, so a window across a year boundary says which year)."""
    out: list[Tick] = []
    month = win.start
    while month <= win.end:
        label = (
            f"{month.year}年{month.month}月" if not out or month.month == 1 else f"{month.month}月"
        )
        out.append(Tick(label, win.at(month)))
        month = _next_month(month)
    return out


def bar(win: Window, start: datetime.date, end: datetime.date, progress: float | None) -> Bar:
    """The bar of a task planned from ``start`` to ``end`` with ``progress`` percent done."""
    first, last = min(start, end), max(start, end)
    x, width = win.span(first, last)
    done = min(max(progress or 0.0, 0.0), 100.0)
    return Bar(x, width, round(width * done / 100, 3))
