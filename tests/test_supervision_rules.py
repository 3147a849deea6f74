"""The pure rules of the supervision ledger (supervision.md §1): report due dates, the item
state machine, the closing gate, measures, lead time limits and the loss bands."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from lianjian.deadlines.engine import Colour
from lianjian.supervision import rules

D = datetime.date


@pytest.mark.parametrize(
    ("source", "feedback", "due"),
    [
        (rules.XUNCHA, D(2026, 3, 10), D(2026, 5, 10)),
        (rules.XUNSHI, D(2026, 12, 31), D(2027, 2, 28)),  # no 02-31: the last day of February
        (rules.XUNCHA, D(2027, 12, 31), D(2028, 2, 29)),  # leap year
        (rules.XUNCHA, D(2026, 8, 31), D(2026, 10, 31)),
        (rules.XUNCHA, D(2026, 7, 31), D(2026, 9, 30)),
        (rules.INTERNAL_AUDIT, D(2026, 1, 31), D(2026, 2, 28)),
        (rules.INTERNAL_AUDIT, D(2026, 3, 15), D(2026, 4, 15)),
        (rules.STATE_AUDIT, D(2026, 3, 15), D(2026, 5, 15)),
    ],
)
def test_report_due_by_calendar_months_with_day_fallback(source, feedback, due):
    assert rules.report_due(source, feedback) == due


def test_internal_audit_reports_monthly_five_days_after_each_month_end_until_closed():
    feedback = D(2026, 3, 15)  # first report 04-15
    dues = rules.reports_due(rules.INTERNAL_AUDIT, feedback, D(2026, 8, 1))
    assert dues == [D(2026, 4, 15), D(2026, 5, 5), D(2026, 6, 5), D(2026, 7, 5)]
    # every item closed in May: the report on May (due 06-05) is the last one
    closed = rules.reports_due(
        rules.INTERNAL_AUDIT, feedback, D(2026, 8, 1), all_closed_on=D(2026, 5, 20)
    )
    assert closed == [D(2026, 4, 15), D(2026, 5, 5), D(2026, 6, 5)]
    # other sources have one report only
    assert rules.reports_due(rules.XUNCHA, feedback, D(2027, 1, 1)) == [D(2026, 5, 15)]


def test_next_report_due_is_the_earliest_not_met():
    dues = [D(2026, 4, 15), D(2026, 5, 5), D(2026, 6, 5)]
    assert rules.next_report_due(dues, []) == D(2026, 4, 15)
    assert rules.next_report_due(dues, [D(2026, 4, 14)]) == D(2026, 5, 5)
    assert rules.next_report_due(dues, [D(2026, 4, 1)] * 3) is None


def test_item_state_machine():
    s = rules.PENDING
    assert rules.next_state(s, rules.APPLY) is None  # nothing to apply for before rectifying
    s = rules.next_state(s, rules.START)
    assert s == rules.IN_PROGRESS
    s = rules.next_state(s, rules.APPLY)
    assert s == rules.APPLIED
    assert rules.next_state(s, rules.RETURN) == rules.IN_PROGRESS
    s = rules.next_state(s, rules.ACCEPT)
    assert s == rules.CLOSED
    assert rules.next_state(s, rules.CONFIRM) == rules.CONSOLIDATED
    reopened = rules.next_state(s, rules.REOPEN)
    assert reopened == rules.REOPENED
    assert rules.next_state(reopened, rules.RESUME) == rules.IN_PROGRESS
    assert rules.next_state(rules.CONSOLIDATED, rules.REOPEN) is None
    assert rules.actions_from(rules.APPLIED) == [rules.ACCEPT, rules.RETURN]
    assert rules.look_back_due(D(2026, 8, 31)) == D(2027, 2, 28)


def test_closing_gate_needs_measures_all_verified():
    assert rules.closing_problem([]) == "没有整改措施的问题不能销号"
    assert "1 项" in rules.closing_problem([rules.VERIFIED, rules.COMPLETED])
    assert rules.closing_problem([rules.VERIFIED, rules.VERIFIED]) == ""


def test_measure_steps_go_forward_one_at_a_time():
    assert rules.measure_step_allowed(rules.NOT_STARTED, rules.ADVANCING)
    assert rules.measure_step_allowed(rules.COMPLETED, rules.VERIFIED)
    assert rules.measure_step_allowed(rules.COMPLETED, rules.ADVANCING)
    assert not rules.measure_step_allowed(rules.NOT_STARTED, rules.VERIFIED)
    assert not rules.measure_step_allowed(rules.VERIFIED, rules.ADVANCING)
    assert not rules.measure_step_allowed(rules.ADVANCING, "随便")


def test_overdue_and_on_time():
    deadline = D(2026, 6, 30)
    assert not rules.is_overdue(rules.IN_PROGRESS, deadline, D(2026, 6, 30), None)
    assert rules.is_overdue(rules.IN_PROGRESS, deadline, D(2026, 7, 1), None)
    assert not rules.is_overdue(rules.CLOSED, deadline, D(2026, 9, 1), D(2026, 6, 30))
    assert rules.is_overdue(rules.CLOSED, deadline, D(2026, 9, 1), D(2026, 7, 1))
    assert rules.closed_on_time(deadline, D(2026, 6, 30))
    assert not rules.closed_on_time(deadline, D(2026, 7, 1))
    assert not rules.closed_on_time(deadline, None)


@pytest.mark.parametrize(
    ("today", "colour"),
    [
        (D(2026, 7, 30), Colour.GREEN),
        (D(2026, 7, 31), Colour.YELLOW),  # 6 calendar months after 01-31 is 07-31
        (D(2027, 1, 30), Colour.YELLOW),
        (D(2027, 1, 31), Colour.RED),
    ],
)
def test_lead_time_limit_yellow_after_six_months_red_after_twelve(today, colour):
    assert rules.lead_colour(D(2026, 1, 31), today) is colour


def test_settled_lead_is_judged_on_its_settling_day():
    assert rules.lead_colour(D(2026, 1, 1), D(2028, 1, 1), settled=D(2026, 3, 1)) is Colour.GREEN


@pytest.mark.parametrize(
    ("amount", "band"),
    [
        (0, rules.GENERAL),
        (4_999_999, rules.GENERAL),
        (5_000_000, rules.LARGER),
        (49_999_999, rules.LARGER),
        (50_000_000, rules.MAJOR),
        (Decimal("4999999.99"), rules.GENERAL),
    ],
)
def test_loss_bands_of_order_46(amount, band):
    assert rules.loss_band(amount) == band


def test_negative_loss_is_refused():
    with pytest.raises(ValueError, match="不能为负"):
        rules.loss_band(-1)


def test_org_handling_due_within_one_month():
    assert rules.org_handling_due(D(2026, 1, 31)) == D(2026, 2, 28)
