"""The organisational-life compliance engine (三会一课 against the rules). Pure Python.

It takes plain data — organisations, rules, and counts of held activities per
(organisation, activity type, month) — and returns one :class:`Row` per internal
organisation × applicable rule × period of the year (docs/contracts.md §4):

* a rule applies to an organisation of its ``org_kind`` whose full members **as of the
  period's first day** are at least ``min_full_members`` (when set) — decided from the
  membership history (:func:`full_members_by_month`), so that a closed period never changes
  when members move later — for each period the organisation existed through: founded on
  or before the first day (or unknown) and not dissolved before the last day;
* partner organisations (外部单位) never get rows;
* ``held`` counts the valid activities of the rule's type listed for the organisation whose
  local (Asia/Shanghai) date falls in the period — a joint activity counts for every
  organisation listed; an invalid one (a 支委会 without a quorum) is reported in
  ``invalid`` and does not count; a year's row counts the activities held **for** that
  year (所属年度: an annual meeting held in January–March may be for the previous year),
  shorter periods count by date;
* ``status`` is ``ok`` when held ≥ required, else ``missing`` when the period is over
  (its last day is before ``today``), else ``open``;
* ``level`` is the 三色 warning of a period with held < required, by the preset of the
  kind ``org_life`` (``lianjian.deadlines``; seeded ``DEADLINE_RULE``: ``red`` for missing,
  ``yellow`` for an open period with at most 10 days left after today), else ``""`` —
  except that a year's row of an annual duty (:data:`YEARLY_TYPES`) that is missing while
  it may still be held for that year (January–March of the next year) is ``yellow``, not
  ``red``: it turns red on 1 April, when it can no longer be made good.

No Django here: the callers (``selectors``) load the data and the CLI prints the rows.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from lianjian.deadlines import engine
from lianjian.deadlines.engine import Colour, Kind, PresetRule

# The kind of item of organisational life in the deadline colours (lianjian.deadlines) and
# the thresholds of its seeded preset 组织生活临期 (the default of evaluate()).
DEADLINE_KIND = "org_life"
DEADLINE_RULE = PresetRule(Kind.DAYS_LEFT, 10, -1)
MONTH, QUARTER, HALF, YEAR = "月度", "季度", "半年", "年度"
# The annual duties: each meeting is held *for* a year (所属年度), which may be the
# previous one when it is held in January–March ("2025年度组织生活会" in February 2026).
YEARLY_TYPES = ("组织生活会", "民主评议党员")
PREVIOUS_YEAR_MONTHS = 3
STATUS_LABELS = {"ok": "已完成", "missing": "未完成", "open": "进行中"}
LEVEL_LABELS = {"red": "逾期未开展", "yellow": "临期预警", "": ""}


@dataclass(frozen=True)
class OrgInfo:
    """An organisation as the engine sees it."""

    id: int
    code: str
    kind: str
    is_partner: bool = False
    founded: datetime.date | None = None
    dissolved: datetime.date | None = None
    full_members: int = 0
    name: str = ""
    full_by_month: tuple[int, ...] | None = None
    """Full members as of the first day of each month of the year (index 0 = 1 January);
    None = ``full_members`` for every month."""

    def full_on(self, month: int) -> int:
        """Full members as of the first day of ``month`` (1–12)."""
        return self.full_members if self.full_by_month is None else self.full_by_month[month - 1]


@dataclass(frozen=True)
class RuleInfo:
    """A rule: ``org_kind`` organisations hold ``required`` × ``activity_type`` per ``frequency``."""

    activity_type: str
    org_kind: str
    frequency: str
    required: int = 1
    min_full_members: int | None = None


@dataclass(frozen=True)
class Period:
    """A period of a year: its label (``2026``, ``2026H1``, ``2026Q3``, ``2026-07``) and days."""

    label: str
    first: datetime.date
    last: datetime.date
    months: tuple[int, ...]


class Row(NamedTuple):
    """One organisation × rule × period (a tuple: a year of 37,000 organisations makes
    more than a million of them)."""

    org: str
    rule: str
    period: str
    required: int
    held: int
    status: str
    invalid: int = 0
    level: str = ""
    days_left: int = 0
    org_id: int = 0
    frequency: str = ""

    def as_contract(self) -> dict[str, object]:
        """The row as contracts §4 prints it, with exactly these keys."""
        return {
            "org": self.org,
            "rule": self.rule,
            "period": self.period,
            "required": self.required,
            "held": self.held,
            "status": self.status,
        }


def _month_last(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def periods(year: int, frequency: str) -> list[Period]:
    """The periods of ``year`` for a frequency, in order."""
    if frequency == MONTH:
        return [
            Period(f"{year}-{m:02d}", datetime.date(year, m, 1), _month_last(year, m), (m,))
            for m in range(1, 13)
        ]
    if frequency == QUARTER:
        return [
            Period(
                f"{year}Q{q}",
                datetime.date(year, 3 * q - 2, 1),
                _month_last(year, 3 * q),
                (3 * q - 2, 3 * q - 1, 3 * q),
            )
            for q in range(1, 5)
        ]
    if frequency == HALF:
        return [
            Period(
                f"{year}H{h}",
                datetime.date(year, 6 * h - 5, 1),
                _month_last(year, 6 * h),
                tuple(range(6 * h - 5, 6 * h + 1)),
            )
            for h in (1, 2)
        ]
    if frequency == YEAR:
        return [
            Period(
                str(year),
                datetime.date(year, 1, 1),
                datetime.date(year, 12, 31),
                tuple(range(1, 13)),
            )
        ]
    raise ValueError(f"unknown frequency {frequency!r}")


def existed_through(org: OrgInfo, period: Period) -> bool:
    """Whether ``org`` existed for the whole period (contracts §4)."""
    if org.founded is not None and org.founded > period.first:
        return False
    return org.dissolved is None or org.dissolved >= period.last


def rule_applies(rule: RuleInfo, org: OrgInfo, period: Period | None = None) -> bool:
    """Whether ``rule`` binds ``org`` — in ``period`` when given: its member condition is
    judged on the full members as of the period's first day. Without a period: whether it
    binds in any month (``full_by_month``), or on ``full_members`` when that is unknown."""
    if org.is_partner or org.kind != rule.org_kind:
        return False
    if rule.min_full_members is None:
        return True
    if period is not None:
        full = org.full_on(period.months[0])
    else:
        full = org.full_members if org.full_by_month is None else max(org.full_by_month)
    return full >= rule.min_full_members


Monthly = tuple[Sequence[int], Sequence[int]]
"""Valid and invalid activities of one organisation and type, by month (index 0 = January)."""


class Held(NamedTuple):
    """Activities of one organisation and type in a year: valid and invalid by month of
    their date, and — when known — valid and invalid held *for* the year (所属年度)."""

    valid: Sequence[int]
    invalid: Sequence[int]
    year_valid: int | None = None
    year_invalid: int | None = None


HeldCounts = Mapping[tuple[int, str], Monthly | Held]
"""(org id, activity type) → :data:`Monthly` (or :class:`Held`) counts of the year."""


def held_in(entry: Monthly | Held, period: Period) -> tuple[int, int]:
    """(valid, invalid) activities of ``entry`` that count for ``period``: a whole year
    counts those held for it (所属年度) when known; other periods count by date."""
    if len(period.months) == 12 and isinstance(entry, Held) and entry.year_valid is not None:
        return entry.year_valid, entry.year_invalid or 0
    lo, hi = period.months[0] - 1, period.months[-1]
    return sum(entry[0][lo:hi]), sum(entry[1][lo:hi])


# --- membership as of a day -----------------------------------------------------------------

PROBATION_YEARS = 1


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def is_full_on(
    day: datetime.date,
    *,
    full_now: bool,
    joined: datetime.date | None,
    confirmed: datetime.date | None,
    left: datetime.date | None,
) -> bool:
    """Whether a member was a full member (正式党员) on ``day``: full now, confirmed (转正)
    on or before it — a full member without a recorded 转正日期 from one year after joining
    (the probation) — and not yet left (a member leaving on ``day`` is gone)."""
    if not full_now or (left is not None and left <= day):
        return False
    if confirmed is not None:
        return confirmed <= day
    return joined is not None and _add_years(joined, PROBATION_YEARS) <= day


class MemberHistory(NamedTuple):
    """A member whose organisation changed after the first day considered: their
    organisation today, their dates, and their transfers as (date, from org, to org)."""

    org_id: int
    full_now: bool
    joined: datetime.date | None
    confirmed: datetime.date | None
    left: datetime.date | None
    transfers: Sequence[tuple[datetime.date, int, int]]


def org_on(history: MemberHistory, day: datetime.date) -> int:
    """The organisation a member belonged to on ``day`` (:func:`org_on_day`)."""
    return org_on_day(history.org_id, history.transfers, day)


def org_on_day(
    org_id: int, transfers: Sequence[tuple[datetime.date, int, int]], day: datetime.date
) -> int:
    """The organisation a member of ``org_id`` today, moved by ``transfers`` (date, from
    org, to org), belonged to on ``day``: the one they left by their first transfer after
    ``day`` (a transfer dated ``day`` has taken effect), else today's. The points ledger's
    SQL path (points/fast.py) states the same rule; its tests compare the two."""
    for date, from_org, _ in sorted(transfers):
        if date > day:
            return from_org
    return org_id


def month_firsts(year: int) -> list[datetime.date]:
    return [datetime.date(year, m, 1) for m in range(1, 13)]


def full_members_by_month(
    year: int,
    settled: Mapping[int, Sequence[int]],
    moved: Iterable[MemberHistory],
    group_parent: Mapping[int, int],
) -> dict[int, tuple[int, ...]]:
    """Full members per organisation as of the first day of each month of ``year``.

    ``settled`` holds, per organisation, the counts of the members who did not move after
    1 January (already judged by :func:`is_full_on` — the database counts them); ``moved``
    the others, placed with :func:`org_on`. A 党小组's members count for its branch too
    (``group_parent``: group id → branch id)."""
    own: dict[int, list[int]] = {org_id: list(counts) for org_id, counts in settled.items()}
    days = month_firsts(year)
    for member in moved:
        for i, day in enumerate(days):
            if is_full_on(
                day,
                full_now=member.full_now,
                joined=member.joined,
                confirmed=member.confirmed,
                left=member.left,
            ):
                own.setdefault(org_on(member, day), [0] * 12)[i] += 1
    out = {org_id: list(counts) for org_id, counts in own.items()}
    for group_id, parent_id in group_parent.items():
        counts = own.get(group_id)
        if counts:
            target = out.setdefault(parent_id, [0] * 12)
            for i, n in enumerate(counts):
                target[i] += n
    return {org_id: tuple(counts) for org_id, counts in out.items()}


def by_month(
    counts: Mapping[tuple[int, str, int], tuple[int, int]],
) -> dict[tuple[int, str], Monthly]:
    """``{(org, type, month 1–12): (valid, invalid)}`` as :data:`HeldCounts`."""
    out: dict[tuple[int, str], tuple[list[int], list[int]]] = {}
    for (org_id, activity_type, month), (valid, invalid) in counts.items():
        valid_by_month, invalid_by_month = out.setdefault(
            (org_id, activity_type), ([0] * 12, [0] * 12)
        )
        valid_by_month[month - 1] += valid
        invalid_by_month[month - 1] += invalid
    return dict(out)


_NONE: Monthly = ((0,) * 12, (0,) * 12)


def _still_makeable(rule: RuleInfo, period: Period, today: datetime.date) -> bool:
    """Whether a missing year's row of an annual duty may still be made good: its meeting
    may be held for that year until the end of March of the next one (所属年度)."""
    if rule.frequency != YEAR or rule.activity_type not in YEARLY_TYPES:
        return False
    return today <= _month_last(period.last.year + 1, PREVIOUS_YEAR_MONTHS)


def shortfall(
    last: datetime.date, *, today: datetime.date, deadline_rule: PresetRule, makeable: bool
) -> tuple[str, str]:
    """(status, level) of a row whose period ends on ``last`` and whose held < required:
    ``missing`` once the period is over, else ``open``; the level by ``deadline_rule``, except
    that a red row that may still be made good (``makeable``: a year's annual duty until the
    end of March of the next year) is yellow. The only place a shortfall is coloured."""
    colour = engine.colour(deadline_rule, today=today, due=last)
    level = "" if colour is Colour.GREEN else colour.value
    if level == "red" and makeable:
        level = "yellow"
    return ("missing" if last < today else "open"), level


def evaluate(
    *,
    year: int,
    today: datetime.date,
    orgs: Iterable[OrgInfo],
    rules: Sequence[RuleInfo],
    held: HeldCounts,
    deadline_rule: PresetRule = DEADLINE_RULE,
) -> list[Row]:
    """Rows for every organisation (in the given order) × rule (in order) × period; a period
    not met is coloured by ``deadline_rule`` on its last day."""
    plans = []
    for rule in rules:
        spans = []
        for p in periods(year, rule.frequency):
            days_left = (p.last - today).days
            status, level = shortfall(
                p.last,
                today=today,
                deadline_rule=deadline_rule,
                makeable=_still_makeable(rule, p, today),
            )
            spans.append((p, p.months[0] - 1, p.months[-1], days_left, status, level))
        plans.append((rule, spans))
    out: list[Row] = []
    append = out.append
    get = held.get
    for org in orgs:
        for rule, spans in plans:
            if org.is_partner or org.kind != rule.org_kind:
                continue
            entry = get((org.id, rule.activity_type), _NONE)
            required = rule.required
            conditional = rule.min_full_members is not None
            for period, _lo, _hi, days_left, short_status, short_level in spans:
                if not existed_through(org, period) or (
                    conditional and not rule_applies(rule, org, period)
                ):
                    continue
                valid, invalid = held_in(entry, period)
                if valid >= required:
                    status, level = "ok", ""
                else:
                    status, level = short_status, short_level
                append(
                    Row(
                        org.code,
                        rule.activity_type,
                        period.label,
                        required,
                        valid,
                        status,
                        invalid,
                        level,
                        days_left,
                        org.id,
                        rule.frequency,
                    )
                )
    return out


def summarise(rows: Iterable[Row]) -> dict[str, int]:
    """Counts of rows by status and level: ok, missing, open, yellow, total."""
    out = {"ok": 0, "missing": 0, "open": 0, "yellow": 0, "total": 0}
    for row in rows:
        out[row.status] += 1
        out["total"] += 1
        if row.level == "yellow":
            out["yellow"] += 1
    return out


# --- the stored tally of an organisation's year ---------------------------------------------
# What the matrix needs of a whole scope without evaluating it: per organisation and year, the
# number of rows of each period (the columns in use) and the rows held < required by the month
# their period ends — the only thing their status and colour depend on besides today (a year's
# row of an annual duty apart: it may be made good until March, ``sy``). Held counts do not
# change with the passing of days (a counted record is never dated in the future), so a tally
# stays right until a write changes the organisation's activities, members or the rules.

PERIOD_KEYS: tuple[str, ...] = (
    *(f"m{m:02d}" for m in range(1, 13)),
    *(f"q{q}" for q in range(1, 5)),
    "h1",
    "h2",
    "y",
)
SHORT_KEYS: tuple[str, ...] = (*(f"s{m:02d}" for m in range(1, 13)), "sy")
TALLY_KEYS: tuple[str, ...] = ("total", *PERIOD_KEYS, *SHORT_KEYS)


def period_key(label: str) -> str:
    """The tally column of a period label: ``2026-07`` → ``m07``, ``2026Q3`` → ``q3``,
    ``2026H1`` → ``h1``, ``2026`` → ``y``."""
    if "-" in label:
        return "m" + label.rsplit("-", 1)[1]
    if "Q" in label:
        return "q" + label.rsplit("Q", 1)[1]
    if "H" in label:
        return "h" + label.rsplit("H", 1)[1]
    return "y"


_LAST_MONTH = {
    **{f"m{m:02d}": m for m in range(1, 13)},
    **{f"q{q}": 3 * q for q in range(1, 5)},
    "h1": 6,
    "h2": 12,
    "y": 12,
}


def short_key(row: Row) -> str:
    """The tally column of a row held < required: ``sy`` for a year's row of an annual duty,
    else ``sMM`` by the month its period ends."""
    if row.frequency == YEAR and row.rule in YEARLY_TYPES:
        return "sy"
    return f"s{_LAST_MONTH[period_key(row.period)]:02d}"


def tally(rows: Iterable[Row]) -> dict[int, dict[str, int]]:
    """Per organisation id: its rows (``total``), by period (:data:`PERIOD_KEYS`) and those
    held < required by when their period ends (:data:`SHORT_KEYS`)."""
    out: dict[int, dict[str, int]] = {}
    for row in rows:
        counts = out.get(row.org_id)
        if counts is None:
            counts = out[row.org_id] = dict.fromkeys(TALLY_KEYS, 0)
        counts["total"] += 1
        counts[period_key(row.period)] += 1
        if row.status != "ok":
            counts[short_key(row)] += 1
    return out


def shortfall_classes(
    year: int, today: datetime.date, deadline_rule: PresetRule = DEADLINE_RULE
) -> dict[str, tuple[str, str]]:
    """(status, level) that :func:`evaluate` gives, on ``today``, to a row of ``year`` of each
    :data:`SHORT_KEYS` column (:func:`shortfall`, the same rule)."""
    out = {
        f"s{m:02d}": shortfall(
            _month_last(year, m), today=today, deadline_rule=deadline_rule, makeable=False
        )
        for m in range(1, 13)
    }
    out["sy"] = shortfall(
        datetime.date(year, 12, 31),
        today=today,
        deadline_rule=deadline_rule,
        makeable=today <= _month_last(year + 1, PREVIOUS_YEAR_MONTHS),
    )
    return out


def problem_keys(classes: Mapping[str, tuple[str, str]]) -> list[str]:
    """The :data:`SHORT_KEYS` whose rows make an organisation a problem one (missing, or
    yellow): the filter ``only=problem``."""
    return [k for k, (status, level) in classes.items() if status == "missing" or level == "yellow"]


def summarise_tally(
    sums: Mapping[str, int], classes: Mapping[str, tuple[str, str]]
) -> dict[str, int]:
    """:func:`summarise` of a scope's rows from the sums of their tallies."""
    out = {"ok": 0, "missing": 0, "open": 0, "yellow": 0, "total": sums.get("total") or 0}
    short = 0
    for key, (status, level) in classes.items():
        n = sums.get(key) or 0
        short += n
        out[status] += n
        if level == "yellow":
            out["yellow"] += n
    out["ok"] = out["total"] - short
    return out
