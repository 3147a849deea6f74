"""The deadline colour (三色预警) of every item of the product, in one place (fusion.md §2).

No Django here: the presets are data (``DeadlinePreset`` rows, read into :class:`PresetRule`
by ``deadlines.services.rule_for``); this module only applies them.

Three kinds of preset, their thresholds ``yellow`` and ``red`` being whole numbers:

- ``lag`` (进度滞后), lag = 序时进度 − progress in points: green when lag < ``yellow``,
  yellow when ``yellow`` ≤ lag ≤ ``red``, red when lag > ``red`` (seeded 10 / 30);
- ``days_left`` (临期), days left until the deadline (the deadline day itself 0 days left,
  one day overdue −1): yellow when days left ≤ ``yellow``, red when days left ≤ ``red``
  (seeded 7 / −1: more than 7 days left green, 7 or fewer yellow, overdue red);
- ``days_late`` (逾期天数), days late on the deadline (of the day an item was finished,
  or of today while it is not): yellow when late ≥ ``yellow``, red when late ≥ ``red``
  (seeded 1 / 15: on time green, 1–14 days late yellow, 15 or more red).

A start that slipped colours too, whatever the preset: an item not started by the end of
its planned start month is yellow, three months after its planned start red. The worst
colour wins.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Colour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def label(self) -> str:
        return COLOUR_LABELS[self]

    @property
    def rank(self) -> int:
        return _RANK[self]


COLOUR_LABELS = {Colour.GREEN: "正常", Colour.YELLOW: "预警", Colour.RED: "逾期"}
_RANK = {Colour.GREEN: 0, Colour.YELLOW: 1, Colour.RED: 2}


def worst(*colours: Colour) -> Colour:
    """The worst of ``colours`` (red over yellow over green); green when there is none."""
    return max(colours, key=lambda c: _RANK[c], default=Colour.GREEN)


class Kind(StrEnum):
    LAG = "lag"
    DAYS_LEFT = "days_left"
    DAYS_LATE = "days_late"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {Kind.LAG: "进度滞后", Kind.DAYS_LEFT: "临期", Kind.DAYS_LATE: "逾期天数"}

# The seeded thresholds per kind (yellow, red).
DEFAULTS: dict[Kind, tuple[int, int]] = {
    Kind.LAG: (10, 30),
    Kind.DAYS_LEFT: (7, -1),
    Kind.DAYS_LATE: (1, 15),
}

# The bounds of a threshold (points of progress, days).
LIMITS: dict[Kind, tuple[int, int]] = {
    Kind.LAG: (0, 100),
    Kind.DAYS_LEFT: (-366, 366),
    Kind.DAYS_LATE: (1, 366),
}


@dataclass(frozen=True)
class PresetRule:
    """A preset's kind and thresholds (see the module docstring)."""

    kind: Kind
    yellow: int
    red: int

    @classmethod
    def default(cls, kind: Kind | str) -> PresetRule:
        k = Kind(kind)
        yellow, red = DEFAULTS[k]
        return cls(k, yellow, red)


def problem(kind: Kind | str, yellow: int, red: int) -> str:
    """Why these thresholds make no preset, in the words a user reads; "" when they do."""
    try:
        k = Kind(kind)
    except ValueError:
        return f"预警方式“{kind}”不存在"
    low, high = LIMITS[k]
    unit = "个百分点" if k is Kind.LAG else "天"
    for name, value in (("黄色阈值", yellow), ("红色阈值", red)):
        if not low <= value <= high:
            return f"{name}应在 {low}–{high} {unit}之间"
    if k is Kind.DAYS_LEFT and red > yellow:
        return "临期：红色阈值（剩余天数）不能大于黄色阈值"
    if k is not Kind.DAYS_LEFT and red < yellow:
        return f"{k.label}：红色阈值不能小于黄色阈值"
    return ""


def describe(rule: PresetRule) -> str:
    """The thresholds in one Chinese line (the settings screen, the docs)."""
    if rule.kind is Kind.LAG:
        return (
            f"滞后 < {rule.yellow} 个百分点为绿，{rule.yellow}–{rule.red} 为黄，"
            f"> {rule.red} 为红（滞后 = 序时进度 − 实际进度）"
        )
    if rule.kind is Kind.DAYS_LEFT:
        red = "逾期即红" if rule.red == -1 else _days_left_text(rule.red) + "为红"
        return f"剩余 > {rule.yellow} 天为绿，{_days_left_text(rule.yellow)}为黄，{red}"
    yellow = f"逾期 {rule.yellow}–{rule.red - 1} 天为黄，" if rule.red > rule.yellow else ""
    return f"按期为绿，{yellow}逾期 {rule.red} 天及以上为红"


def _days_left_text(days: int) -> str:
    if days >= 0:
        return f"剩余 ≤ {days} 天"
    return f"逾期 ≥ {-days} 天"


def expected_progress(start: datetime.date, end: datetime.date, today: datetime.date) -> float:
    """序时进度 in percent: the days elapsed since ``start`` over the days planned until
    ``end``, clipped to 0–100 (0 before the start, 100 from the end on)."""
    planned = (end - start).days
    if planned <= 0:
        return 100.0 if today >= end else 0.0
    elapsed = (today - start).days
    return min(100.0, max(0.0, elapsed * 100.0 / planned))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus calendar months; a day that does not exist falls back to the month's last."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def start_colour(
    planned_start: datetime.date | None, started: datetime.date | None, today: datetime.date
) -> Colour:
    """The not-started rule: yellow when not started by the end of the planned start month,
    red from three months after the planned start; green once started (or without a plan)."""
    if planned_start is None or (started is not None and started <= today):
        return Colour.GREEN
    if today >= add_months(planned_start, 3):
        return Colour.RED
    if today > month_end(planned_start):
        return Colour.YELLOW
    return Colour.GREEN


def lag_colour(rule: PresetRule, lag: float) -> Colour:
    if lag > rule.red:
        return Colour.RED
    if lag >= rule.yellow:
        return Colour.YELLOW
    return Colour.GREEN


def days_left_colour(rule: PresetRule, days_left: int) -> Colour:
    if days_left <= rule.red:
        return Colour.RED
    if days_left <= rule.yellow:
        return Colour.YELLOW
    return Colour.GREEN


def days_late_colour(rule: PresetRule, late: int) -> Colour:
    if late >= rule.red:
        return Colour.RED
    if late >= rule.yellow:
        return Colour.YELLOW
    return Colour.GREEN


def colour(
    rule: PresetRule,
    *,
    today: datetime.date,
    due: datetime.date | None = None,
    done_on: datetime.date | None = None,
    progress: float | None = None,
    expected: float | None = None,
    planned_start: datetime.date | None = None,
    started: datetime.date | None = None,
) -> Colour:
    """The colour of one item under ``rule`` on ``today``.

    A finished item (``done_on``) is judged on ``done_on`` against ``due`` under a
    ``days_late`` preset and is green under the others. An open item: ``lag`` needs
    ``expected`` (序时进度; no colour from it without) and counts a missing ``progress`` as 0;
    ``days_left`` and ``days_late`` need ``due`` (green without). The not-started rule
    (:func:`start_colour`) applies to open items; the worst colour wins.
    """
    if done_on is not None:
        if rule.kind is Kind.DAYS_LATE and due is not None:
            return days_late_colour(rule, (done_on - due).days)
        return Colour.GREEN
    found = Colour.GREEN
    if rule.kind is Kind.LAG:
        if expected is not None:
            found = lag_colour(rule, expected - (progress or 0.0))
    elif due is not None:
        if rule.kind is Kind.DAYS_LEFT:
            found = days_left_colour(rule, (due - today).days)
        else:
            found = days_late_colour(rule, (today - due).days)
    return worst(found, start_colour(planned_start, started, today))


def colour_since(rule: PresetRule, due: datetime.date, wanted: Colour) -> datetime.date | None:
    """The first day an open item due on ``due`` is ``wanted`` or worse under a day-based
    ``rule`` (``None`` for ``lag`` or green): today ≥ this day ⇔ colour ≥ ``wanted``. The
    list filters turn it into a date range in SQL."""
    if wanted is Colour.GREEN or rule.kind is Kind.LAG:
        return None
    threshold = rule.yellow if wanted is Colour.YELLOW else rule.red
    if rule.kind is Kind.DAYS_LEFT:
        return due - datetime.timedelta(days=threshold)
    return due + datetime.timedelta(days=threshold)


def latest_due(rule: PresetRule, today: datetime.date, wanted: Colour) -> datetime.date | None:
    """The latest deadline an open item may have to be ``wanted`` or worse on ``today`` under
    a day-based ``rule``: colour ≥ ``wanted`` ⇔ due ≤ this day (the inverse of
    :func:`colour_since`). ``None`` for ``lag`` or green: no deadline decides it."""
    if wanted is Colour.GREEN or rule.kind is Kind.LAG:
        return None
    threshold = rule.yellow if wanted is Colour.YELLOW else rule.red
    if rule.kind is Kind.DAYS_LEFT:
        return today + datetime.timedelta(days=threshold)
    return today - datetime.timedelta(days=threshold)


# --- escalation ladders -------------------------------------------------------------------


@dataclass(frozen=True)
class StepRecord:
    """One issued step of a ladder for one item: its position (0 first), when it was issued
    and when it was acted on (None while not)."""

    position: int
    issued_on: datetime.date
    acted_on: datetime.date | None = None


def next_step(
    days: Sequence[int], records: Sequence[StepRecord], *, colour: Colour, today: datetime.date
) -> int | None:
    """The position of the ladder step to issue ``today``, or None.

    ``days[i]`` is how many days step ``i`` leaves to act on it. The first step is issued
    when the item is red; each next one when the previous one was not acted on within its
    days (issued ``days`` or more days ago); nothing more once a step was acted on, once the
    item is no longer red, or after the last step.
    """
    if not days or colour is not Colour.RED:
        return None
    if not records:
        return 0
    last = max(records, key=lambda r: r.position)
    if last.acted_on is not None or last.position + 1 >= len(days):
        return None
    if (today - last.issued_on).days >= days[last.position]:
        return last.position + 1
    return None
