"""The pure rules of the problem list: transitions, the 三色 colour at its boundaries, the median."""

from __future__ import annotations

import datetime
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianjian.consultations import rules
from lianjian.deadlines.engine import Kind, PresetRule

D = datetime.date
TODAY = D(2026, 11, 21)
DUE = PresetRule.default("days_left")  # the seeded 临期 preset of problems

# action → {state: next state}; a state not listed refuses the action.
EXPECTED = {
    "assign": {"待研究": "已分派", "已分派": "已分派", "办理中": "办理中"},
    "progress": {"已分派": "办理中", "办理中": "办理中"},
    "solve": {"已分派": "待确认", "办理中": "待确认"},
    "confirm": {"待确认": "已销号"},
    "reopen": {"待确认": "办理中"},
    "edit": {"待研究": "待研究"},
}


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("state", rules.STATES)
def test_every_action_in_every_state_is_allowed_or_refused_with_a_reason(action, state):
    if state in EXPECTED[action]:
        assert rules.allowed(action, state)
        assert rules.next_state(action, state) == EXPECTED[action][state]
    else:
        assert not rules.allowed(action, state)
        with pytest.raises(rules.IllegalTransition) as exc:
            rules.next_state(action, state)
        assert str(exc.value).startswith(f"问题当前为“{state}”，不能{rules.ACTION_LABELS[action]}")


def test_a_closed_problem_allows_nothing():
    assert [a for a in rules.ACTIONS if rules.allowed(a, "已销号")] == []


@pytest.mark.parametrize(
    "deadline,expected",
    [
        (D(2026, 11, 20), "red"),  # yesterday: overdue
        (D(2026, 11, 21), "yellow"),  # due today
        (D(2026, 11, 28), "yellow"),  # seven days left
        (D(2026, 11, 29), "green"),  # eight days left
        (D(2025, 1, 1), "red"),
    ],
)
def test_colour_boundaries_for_a_problem_being_worked_on(deadline, expected):
    assert rules.colour("办理中", deadline, TODAY, DUE) == expected
    assert rules.colour("已分派", deadline, TODAY, DUE) == expected


@pytest.mark.parametrize("state", ["待研究", "待确认", "已销号"])
def test_problems_not_being_worked_on_have_no_colour(state):
    assert rules.colour(state, D(2026, 1, 1), TODAY, DUE) == ""


def test_no_deadline_no_colour_and_the_thresholds_are_the_presets():
    assert rules.colour("办理中", None, TODAY, DUE) == ""
    assert (
        rules.colour("办理中", D(2026, 12, 1), TODAY, PresetRule(Kind.DAYS_LEFT, 10, -1))
        == "yellow"
    )
    assert (
        rules.colour("办理中", D(2026, 12, 1), TODAY, PresetRule(Kind.DAYS_LEFT, 9, -1)) == "green"
    )
    assert (
        rules.colour("办理中", D(2026, 11, 19), TODAY, PresetRule(Kind.DAYS_LATE, 1, 15))
        == "yellow"
    )
    assert rules.colour("办理中", D(2026, 11, 6), TODAY, PresetRule(Kind.DAYS_LATE, 1, 15)) == "red"


def test_median_days_odd_even_and_empty():
    assert rules.median_days([]) is None
    assert rules.median_days([(D(2026, 1, 1), D(2026, 1, 11))]) == 10.0
    assert (
        rules.median_days(
            [
                (D(2026, 1, 1), D(2026, 1, 11)),
                (D(2026, 1, 1), D(2026, 1, 4)),
                (D(2026, 3, 1), D(2026, 3, 31)),
            ]
        )
        == 10.0
    )
    assert (
        rules.median_days([(D(2026, 1, 1), D(2026, 1, 2)), (D(2026, 1, 1), D(2026, 1, 5))]) == 2.5
    )


@given(
    st.lists(
        st.tuples(
            st.dates(min_value=D(2000, 1, 1), max_value=D(2030, 1, 1)),
            st.integers(min_value=0, max_value=2000),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_median_days_agrees_with_the_statistics_module(items):
    pairs = [(raised, raised + datetime.timedelta(days=n)) for raised, n in items]
    assert rules.median_days(pairs) == statistics.median(n for _, n in items)


@given(
    st.sampled_from(rules.STATES),
    st.integers(min_value=-400, max_value=400),
    st.integers(min_value=0, max_value=30),
)
def test_colour_is_red_exactly_when_overdue_and_being_worked_on(state, offset, yellow_days):
    rule = PresetRule(Kind.DAYS_LEFT, yellow_days, -1)
    colour = rules.colour(state, TODAY + datetime.timedelta(days=offset), TODAY, rule)
    assert (colour == "red") == (state in rules.OPEN_STATES and offset < 0)
    assert (colour == "yellow") == (state in rules.OPEN_STATES and 0 <= offset <= yellow_days)
