"""Opening hours (开放时间 / 可约时间) as people type them, and the check a booking needs.

Pure Python, no Django. A text holds segments separated by ``；``, ``;`` or a new line;
each segment names days and then one or more time ranges::

    周一至周五 08:30-17:30；周六 09:00-12:00 14:00-17:00

Days: ``每天``/``每日``, ``周一``…``周日`` (``周天``, ``星期一`` … too), a run with
``至``/``到``/``-``/``~``/``～`` (``周一至周五``), a list with ``、``/``，``/``,``.
Times: ``H:MM`` or ``HH:MM`` (full-width ``：`` too), ``24:00`` only as an end; ranges
with ``-``/``~``/``～``/``至``/``到``. Empty text means "no restriction".

:func:`parse_hours` gives a :data:`Schedule` (weekday 0 = Monday → sorted, merged
minute ranges; a day not named is closed); :func:`format_hours` writes the one canonical
text for it, so ``parse_hours(format_hours(s)) == s`` and stored texts compare equal.
"""

from __future__ import annotations

import datetime
import re

WEEKDAY_NAMES = "一二三四五六日"
Range = tuple[int, int]
Schedule = dict[int, tuple[Range, ...]]

_SEGMENT_SPLIT = re.compile(r"[；;\n]+")
_DAY = r"(?:周|星期)([一二三四五六日天])"
_DAYS_RE = re.compile(
    rf"^\s*(每天|每日|{_DAY}(?:\s*[至到\-~～]\s*{_DAY})?(?:\s*[、，,]\s*{_DAY}(?:\s*[至到\-~～]\s*{_DAY})?)*)"
)
_DAY_ITEM = re.compile(rf"{_DAY}(?:\s*[至到\-~～]\s*{_DAY})?")
_TIME = r"(\d{1,2})[:：](\d{2})"
_RANGE_RE = re.compile(rf"{_TIME}\s*(?:-|~|～|至|到|—|–)\s*{_TIME}")


class HoursError(ValueError):
    """The text cannot be read; the message (Chinese) says where."""


def _weekday(char: str) -> int:
    return 6 if char in "日天" else WEEKDAY_NAMES.index(char)


def _days(token: str) -> list[int]:
    token = token.strip()
    if token in ("每天", "每日"):
        return list(range(7))
    days: list[int] = []
    for match in _DAY_ITEM.finditer(token):
        first = _weekday(match.group(1))
        last = _weekday(match.group(2)) if match.group(2) else first
        if last < first:
            raise HoursError(f"“{match.group(0)}”的起止顺序不对（应从周一到周日）")
        days.extend(range(first, last + 1))
    return days


def _minutes(hour: str, minute: str, *, end: bool, segment: str) -> int:
    h, m = int(hour), int(minute)
    if m > 59 or h > 24 or (h == 24 and (m or not end)):
        raise HoursError(f"“{segment}”中的时间 {hour}:{minute} 不存在")
    return h * 60 + m


def _merge(ranges: list[Range]) -> tuple[Range, ...]:
    out: list[Range] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def parse_hours(text: str | None) -> Schedule | None:
    """The schedule a text describes; None for an empty text (no restriction).

    Raises :class:`HoursError` with a Chinese reason for anything it cannot read.
    """
    if text is None or not text.strip():
        return None
    found: dict[int, list[Range]] = {}
    for raw in _SEGMENT_SPLIT.split(text):
        segment = raw.strip()
        if not segment:
            continue
        days_match = _DAYS_RE.match(segment)
        if not days_match:
            raise HoursError(f"“{segment}”应以星期开头，如“周一至周五 08:30-17:30”")
        days = _days(days_match.group(1))
        rest = segment[days_match.end() :]
        ranges: list[Range] = []
        position = 0
        for match in _RANGE_RE.finditer(rest):
            if rest[position : match.start()].strip(" \t、，,"):
                break
            start = _minutes(match.group(1), match.group(2), end=False, segment=segment)
            end = _minutes(match.group(3), match.group(4), end=True, segment=segment)
            if end <= start:
                raise HoursError(f"“{segment}”中的结束时间应晚于开始时间")
            ranges.append((start, end))
            position = match.end()
        if not ranges or rest[position:].strip(" \t、，,"):
            raise HoursError(f"“{segment}”的时间段应写成 08:30-17:30 的形式")
        for day in days:
            found.setdefault(day, []).extend(ranges)
    if not found:
        return None
    return {day: _merge(ranges) for day, ranges in sorted(found.items())}


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_hours(schedule: Schedule | None) -> str:
    """The canonical text of a schedule: runs of weekdays with equal hours grouped
    (``周一至周五 08:30-17:30；周六 09:00-12:00``), ``每天`` when all seven are equal."""
    if not schedule:
        return ""
    ranges_text = {
        day: " ".join(f"{_clock(a)}-{_clock(b)}" for a, b in schedule[day]) for day in schedule
    }
    if len(schedule) == 7 and len(set(ranges_text.values())) == 1:
        return f"每天 {ranges_text[0]}"
    parts: list[str] = []
    days = sorted(schedule)
    i = 0
    while i < len(days):
        j = i
        while (
            j + 1 < len(days)
            and days[j + 1] == days[j] + 1
            and ranges_text[days[j + 1]] == ranges_text[days[i]]
        ):
            j += 1
        first, last = days[i], days[j]
        label = (
            f"周{WEEKDAY_NAMES[first]}"
            if first == last
            else f"周{WEEKDAY_NAMES[first]}至周{WEEKDAY_NAMES[last]}"
        )
        parts.append(f"{label} {ranges_text[first]}")
        i = j + 1
    return "；".join(parts)


def normalise_hours(text: str | None) -> str:
    """The canonical form of a typed text ("" when empty); raises :class:`HoursError`."""
    return format_hours(parse_hours(text))


def fits(schedule: Schedule | None, start: datetime.datetime, end: datetime.datetime) -> bool:
    """Whether the local, naive-or-aware interval [start, end) lies inside one opening
    range of one day. No schedule: always true. An end at the next midnight counts as 24:00."""
    if schedule is None:
        return True
    if end <= start:
        return False
    day = start.date()
    if end.date() == day:
        end_minutes = end.hour * 60 + end.minute + (1 if end.second or end.microsecond else 0)
    elif end.date() == day + datetime.timedelta(days=1) and end.time() == datetime.time(0):
        end_minutes = 24 * 60
    else:
        return False
    start_minutes = start.hour * 60 + start.minute
    return any(
        a <= start_minutes and end_minutes <= b for a, b in schedule.get(start.weekday(), ())
    )


def describe_day(schedule: Schedule | None, day: datetime.date) -> str:
    """The opening ranges of one date as text ("全天" without a schedule, "不开放" when closed)."""
    if schedule is None:
        return "全天"
    ranges = schedule.get(day.weekday(), ())
    return " ".join(f"{_clock(a)}-{_clock(b)}" for a, b in ranges) if ranges else "不开放"
