"""The pure deadline-colour engine (fusion.md §2): every preset at every boundary, the
not-started rule, finished items, 序时进度, the worst colour, escalation steps."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianjian.deadlines import engine
from lianjian.deadlines.engine import Colour, Kind, PresetRule

D = datetime.date
TODAY = D(2026, 11, 21)
G, Y, R = Colour.GREEN, Colour.YELLOW, Colour.RED
LAG = PresetRule.default("lag")
DUE = PresetRule.default("days_left")
LATE = PresetRule.default("days_late")


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def test_the_seeded_defaults_are_those_of_fusion_md():
    assert PresetRule(Kind.LAG, 10, 30) == LAG
    assert PresetRule(Kind.DAYS_LEFT, 7, -1) == DUE
    assert PresetRule(Kind.DAYS_LATE, 1, 15) == LATE


def test_colours_are_strings_with_chinese_labels():
    assert [c.value for c in Colour] == ["green", "yellow", "red"]
    assert [c.label for c in Colour] == ["正常", "预警", "逾期"]
    assert R == "red"


@pytest.mark.parametrize(
    ("colours", "expected"),
    [((), G), ((G,), G), ((G, Y), Y), ((Y, G), Y), ((Y, R, G), R), ((R, R), R), ((G, G), G)],
)
def test_worst_colour_wins(colours, expected):
    assert engine.worst(*colours) is expected


@pytest.mark.parametrize(
    ("progress", "expected", "colour"),
    [
        (50.0, 50.0, G),  # lag 0
        (40.01, 50.0, G),  # lag 9.99
        (40.0, 50.0, Y),  # lag 10
        (20.0, 50.0, Y),  # lag 30
        (19.99, 50.0, R),  # lag 30.01
        (0.0, 100.0, R),
        (90.0, 50.0, G),  # ahead of schedule
        (None, 9.99, G),  # missing progress counts 0
        (None, 10.0, Y),
        (None, 31.0, R),
    ],
)
def test_lag_boundaries(progress, expected, colour):
    assert engine.colour(LAG, today=TODAY, progress=progress, expected=expected) is colour


def test_lag_of_exact_fractions():
    assert engine.lag_colour(LAG, 9.99) is G
    assert engine.lag_colour(LAG, 10) is Y
    assert engine.lag_colour(LAG, 30) is Y
    assert engine.lag_colour(LAG, 30.01) is R


def test_lag_without_a_schedule_is_green():
    assert engine.colour(LAG, today=TODAY, progress=0.0) is G


@pytest.mark.parametrize(
    ("left", "colour"), [(30, G), (8, G), (7, Y), (1, Y), (0, Y), (-1, R), (-40, R)]
)
def test_days_left_boundaries(left, colour):
    assert engine.colour(DUE, today=TODAY, due=TODAY + days(left)) is colour


@pytest.mark.parametrize(("late", "colour"), [(-5, G), (0, G), (1, Y), (14, Y), (15, R), (100, R)])
def test_days_late_boundaries_while_open(late, colour):
    assert engine.colour(LATE, today=TODAY, due=TODAY - days(late)) is colour


@pytest.mark.parametrize(("late", "colour"), [(-3, G), (0, G), (1, Y), (14, Y), (15, R)])
def test_a_finished_item_is_judged_on_its_finishing_day(late, colour):
    due = D(2026, 3, 1)
    done = due + days(late)
    # today long after: only the day it was finished counts
    assert engine.colour(LATE, today=TODAY, due=due, done_on=done) is colour


@pytest.mark.parametrize("rule", [LAG, DUE])
def test_a_finished_item_is_green_under_other_presets(rule):
    assert (
        engine.colour(
            rule,
            today=TODAY,
            due=TODAY - days(90),
            done_on=TODAY - days(1),
            progress=0.0,
            expected=100.0,
            planned_start=TODAY - days(200),
        )
        is G
    )


@pytest.mark.parametrize("rule", [DUE, LATE])
def test_no_deadline_no_colour_from_days(rule):
    assert engine.colour(rule, today=TODAY) is G


def test_thresholds_are_data():
    strict = PresetRule(Kind.DAYS_LEFT, 14, 3)
    assert engine.colour(strict, today=TODAY, due=TODAY + days(15)) is G
    assert engine.colour(strict, today=TODAY, due=TODAY + days(14)) is Y
    assert engine.colour(strict, today=TODAY, due=TODAY + days(4)) is Y
    assert engine.colour(strict, today=TODAY, due=TODAY + days(3)) is R
    lenient = PresetRule(Kind.LAG, 20, 50)
    assert engine.colour(lenient, today=TODAY, progress=0, expected=19.99) is G
    assert engine.colour(lenient, today=TODAY, progress=0, expected=50) is Y
    assert engine.colour(lenient, today=TODAY, progress=0, expected=50.5) is R
    late = PresetRule(Kind.DAYS_LATE, 3, 5)
    assert [engine.days_late_colour(late, n) for n in (2, 3, 4, 5)] == [G, Y, Y, R]


# --- not started ------------------------------------------------------------------------

START = D(2026, 3, 10)


@pytest.mark.parametrize(
    ("today", "colour"),
    [
        (D(2026, 3, 1), G),  # before the planned start
        (D(2026, 3, 31), G),  # the last day of the planned start month
        (D(2026, 4, 1), Y),  # not started by the end of the month
        (D(2026, 6, 9), Y),  # a day short of three months
        (D(2026, 6, 10), R),  # three months after the planned start
        (D(2027, 1, 1), R),
    ],
)
def test_not_started(today, colour):
    assert engine.start_colour(START, None, today) is colour
    # whatever the preset, the worst wins
    assert engine.colour(DUE, today=today, due=D(2027, 12, 31), planned_start=START) is colour
    assert engine.colour(LAG, today=today, progress=0, expected=0, planned_start=START) is colour


def test_started_items_are_not_coloured_by_the_start():
    assert engine.start_colour(START, D(2026, 5, 1), D(2026, 7, 1)) is G
    # a start recorded in the future is not a start yet
    assert engine.start_colour(START, D(2026, 8, 1), D(2026, 7, 1)) is R
    assert engine.start_colour(None, None, TODAY) is G


def test_the_worse_of_the_preset_and_the_start_wins():
    today = D(2026, 4, 5)  # not started: yellow
    assert engine.colour(DUE, today=today, due=D(2026, 4, 4), planned_start=START) is R
    assert engine.colour(DUE, today=today, due=D(2026, 4, 10), planned_start=START) is Y
    assert engine.colour(DUE, today=today, due=D(2026, 5, 10), planned_start=START) is Y
    assert (
        engine.colour(
            DUE, today=today, due=D(2026, 5, 10), planned_start=START, started=D(2026, 3, 12)
        )
        is G
    )


def test_three_months_from_a_day_missing_in_the_target_month():
    assert engine.add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert engine.add_months(D(2027, 11, 30), 3) == D(2028, 2, 29)
    assert engine.add_months(D(2026, 12, 31), 2) == D(2027, 2, 28)
    assert engine.start_colour(D(2026, 11, 30), None, D(2027, 2, 27)) is Y
    assert engine.start_colour(D(2026, 11, 30), None, D(2027, 2, 28)) is R


# --- 序时进度 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2025, 12, 1), 0.0),
        (D(2026, 1, 1), 0.0),
        (D(2026, 1, 11), 10.0),
        (D(2026, 2, 20), 50.0),
        (D(2026, 4, 11), 100.0),
        (D(2027, 1, 1), 100.0),
    ],
)
def test_expected_progress(today, expected):
    assert engine.expected_progress(D(2026, 1, 1), D(2026, 4, 11), today) == pytest.approx(expected)


def test_expected_progress_of_an_empty_plan():
    day = D(2026, 5, 5)
    assert engine.expected_progress(day, day, day - days(1)) == 0.0
    assert engine.expected_progress(day, day, day) == 100.0


@given(
    st.dates(D(2020, 1, 1), D(2030, 1, 1)),
    st.integers(0, 2000),
    st.dates(D(2019, 1, 1), D(2031, 1, 1)),
)
def test_expected_progress_is_clipped_and_grows(start, planned, today):
    end = start + days(planned)
    value = engine.expected_progress(start, end, today)
    assert 0.0 <= value <= 100.0
    assert engine.expected_progress(start, end, today + days(1)) >= value


@given(st.integers(-400, 400), st.integers(-30, 30), st.integers(-30, 30))
def test_days_left_colour_never_improves_as_days_pass(left, a, b):
    rule = PresetRule(Kind.DAYS_LEFT, max(a, b), min(a, b))
    assert engine.days_left_colour(rule, left - 1).rank >= engine.days_left_colour(rule, left).rank


@given(
    st.integers(-60, 60), st.sampled_from([Colour.YELLOW, Colour.RED]), st.sampled_from([DUE, LATE])
)
def test_colour_since_is_the_first_day_of_the_colour(offset, wanted, rule):
    due = TODAY
    first = engine.colour_since(rule, due, wanted)
    assert first is not None
    today = first + days(offset)
    assert (engine.colour(rule, today=today, due=due).rank >= wanted.rank) == (offset >= 0)


@given(
    st.integers(-60, 60),
    st.sampled_from([Colour.YELLOW, Colour.RED]),
    st.sampled_from(
        [DUE, LATE, PresetRule(Kind.DAYS_LEFT, 30, 7), PresetRule(Kind.DAYS_LATE, 3, 3)]
    ),
)
def test_latest_due_bounds_the_deadlines_of_a_colour(offset, wanted, rule):
    bound = engine.latest_due(rule, TODAY, wanted)
    assert bound is not None
    due = bound + days(offset)
    assert (engine.colour(rule, today=TODAY, due=due).rank >= wanted.rank) == (offset <= 0)


def test_colour_since_of_green_or_lag_is_none():
    assert engine.latest_due(DUE, TODAY, G) is None
    assert engine.latest_due(LAG, TODAY, Y) is None
    assert engine.colour_since(DUE, TODAY, G) is None
    assert engine.colour_since(LAG, TODAY, R) is None


# --- validating thresholds ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "yellow", "red", "message"),
    [
        ("lag", 10, 30, ""),
        ("lag", 30, 30, ""),
        ("lag", 31, 30, "进度滞后：红色阈值不能小于黄色阈值"),
        ("lag", -1, 30, "黄色阈值应在 0–100 个百分点之间"),
        ("lag", 10, 101, "红色阈值应在 0–100 个百分点之间"),
        ("days_left", 7, -1, ""),
        ("days_left", 7, 7, ""),
        ("days_left", 7, 8, "临期：红色阈值（剩余天数）不能大于黄色阈值"),
        ("days_late", 1, 15, ""),
        ("days_late", 0, 15, "黄色阈值应在 1–366 天之间"),
        ("days_late", 15, 14, "逾期天数：红色阈值不能小于黄色阈值"),
        ("weeks", 1, 2, "预警方式“weeks”不存在"),
    ],
)
def test_problem_with_thresholds(kind, yellow, red, message):
    assert engine.problem(kind, yellow, red) == message


def test_describe():
    assert engine.describe(LAG).startswith("滞后 < 10 个百分点为绿，10–30 为黄，> 30 为红")
    assert engine.describe(DUE) == "剩余 > 7 天为绿，剩余 ≤ 7 天为黄，逾期即红"
    assert engine.describe(PresetRule(Kind.DAYS_LEFT, 30, 7)) == (
        "剩余 > 30 天为绿，剩余 ≤ 30 天为黄，剩余 ≤ 7 天为红"
    )
    assert engine.describe(LATE) == "按期为绿，逾期 1–14 天为黄，逾期 15 天及以上为红"
    assert engine.describe(PresetRule(Kind.DAYS_LATE, 5, 5)) == "按期为绿，逾期 5 天及以上为红"


# --- escalation ---------------------------------------------------------------------------

LADDER = (3, 5, 7)  # 提醒 → 督办通知 → 约谈
S = engine.StepRecord


def test_the_first_step_is_issued_when_red():
    assert engine.next_step(LADDER, [], colour=R, today=TODAY) == 0
    assert engine.next_step(LADDER, [], colour=Y, today=TODAY) is None
    assert engine.next_step((), [], colour=R, today=TODAY) is None


def test_the_next_step_only_when_the_previous_was_not_acted_on_within_its_days():
    issued = TODAY - days(3)
    assert engine.next_step(LADDER, [S(0, TODAY - days(2))], colour=R, today=TODAY) is None
    assert engine.next_step(LADDER, [S(0, issued)], colour=R, today=TODAY) == 1
    assert engine.next_step(LADDER, [S(0, issued, TODAY - days(1))], colour=R, today=TODAY) is None
    two = [S(0, TODAY - days(20)), S(1, TODAY - days(5))]
    assert engine.next_step(LADDER, two, colour=R, today=TODAY) == 2
    assert engine.next_step(LADDER, two, colour=R, today=TODAY - days(1)) is None
    three = [*two, S(2, TODAY - days(30))]
    assert engine.next_step(LADDER, three, colour=R, today=TODAY) is None


def test_no_next_step_when_no_longer_red():
    assert engine.next_step(LADDER, [S(0, TODAY - days(30))], colour=Y, today=TODAY) is None
    assert engine.next_step(LADDER, [S(0, TODAY - days(30))], colour=G, today=TODAY) is None
