"""The pure rules of the 三重一大 register (supervision.md §2): routing by the 事项清单 with
inclusive thresholds, the state machine, quorum, the post-evaluation due date and colour."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from lianjian.deadlines.engine import Colour, Kind, PresetRule, colour
from lianjian.decisions import rules
from lianjian.decisions.rules import Line

LINES = [
    Line(1, "大额度资金运作", Decimal("100"), False, "经理层"),
    Line(2, "大额度资金运作", Decimal("1000"), True, "董事会"),
    Line(3, "重要人事任免", None, True, "党委会"),
]


@pytest.mark.parametrize(
    ("amount", "line"),
    [
        (Decimal("99.99"), None),
        (Decimal("100"), 1),  # the threshold itself hits (inclusive)
        (Decimal("999.99"), 1),
        (Decimal("1000"), 2),  # exactly 1000万: the ≥ 1000万 line
        (Decimal("1000.01"), 2),
        (None, None),  # no amount: only lines without a threshold
    ],
)
def test_routing_by_threshold_is_inclusive_and_the_highest_hit_wins(amount, line):
    hit = rules.route(LINES, "大额度资金运作", amount)
    assert (hit.id if hit else None) == line


def test_a_line_without_threshold_hits_any_amount_and_only_its_category():
    assert rules.route(LINES, "重要人事任免", None).id == 3
    assert rules.route(LINES, "重要人事任免", Decimal("5")).id == 3
    assert rules.route(LINES, "重大项目安排", Decimal("5000")) is None


def test_submission_goes_to_prior_study_only_when_the_line_says_so():
    assert rules.submit_state(LINES[1]) == rules.PRIOR
    assert rules.submit_state(LINES[0]) == rules.PENDING
    with pytest.raises(rules.RuleError, match="不属于三重一大事项"):
        rules.submit_state(None)


def test_study_outcomes_move_the_item():
    assert rules.after_study("建议同意") == rules.PENDING
    assert rules.after_study("建议修改后复议") == rules.DRAFT
    assert rules.after_study("建议不予提交") == rules.NOT_SUBMITTED
    assert rules.NOT_SUBMITTED not in rules.STATES and rules.actions_in(rules.NOT_SUBMITTED) == []
    with pytest.raises(rules.RuleError):
        rules.after_study("同意")


def test_decision_results_move_the_item():
    assert rules.after_decision("通过") == rules.DECIDED
    assert rules.after_decision("否决") == rules.REJECTED
    assert rules.after_decision("暂缓") == rules.PENDING


def test_the_state_machine_refuses_steps_out_of_order():
    assert rules.next_state("execute", rules.DECIDED) == rules.EXECUTING
    assert rules.next_state("finish", rules.EXECUTING) == rules.TO_EVALUATE
    assert rules.next_state("evaluate", rules.TO_EVALUATE) == rules.EVALUATED
    assert rules.next_state("archive", rules.EVALUATED) == rules.ARCHIVED
    with pytest.raises(rules.RuleError, match="不能开始执行"):
        rules.next_state("execute", rules.DRAFT)
    with pytest.raises(rules.RuleError, match="不能前置研究"):
        rules.check_action("study", rules.PENDING)
    assert rules.actions_in(rules.DRAFT) == ["submit"]


@pytest.mark.parametrize(
    ("present", "members", "ok"),
    [(4, 7, True), (3, 7, False), (3, 6, False), (4, 6, True), (0, 0, False)],
)
def test_quorum_is_more_than_half(present, members, ok):
    assert rules.quorum_met(present, members) is ok


def test_study_problems_name_the_missing_quorum():
    assert rules.study_problems(7, 3, [], []) == ["实到 3 人未超过应到 7 人的半数，不足法定人数"]
    assert rules.study_problems(7, 8, [], []) == ["实到人数应在 0 到应到人数之间"]
    assert rules.study_problems(7, 5, [], []) == []


@pytest.mark.parametrize(
    ("decided", "due"),
    [
        (datetime.date(2025, 3, 10), datetime.date(2026, 3, 10)),
        (datetime.date(2024, 2, 29), datetime.date(2025, 2, 28)),  # day fallback
        (datetime.date(2025, 1, 31), datetime.date(2026, 1, 31)),
    ],
)
def test_post_evaluation_is_due_twelve_calendar_months_after_the_decision(decided, due):
    assert rules.post_evaluation_due(decided) == due


def test_an_overdue_post_evaluation_is_red_under_the_due_preset():
    rule = PresetRule(Kind.DAYS_LEFT, 7, -1)  # the seeded 临期 preset
    due = rules.post_evaluation_due(datetime.date(2025, 10, 1))
    assert colour(rule, today=due - datetime.timedelta(days=8), due=due) is Colour.GREEN
    assert colour(rule, today=due - datetime.timedelta(days=7), due=due) is Colour.YELLOW
    assert colour(rule, today=due, due=due) is Colour.YELLOW
    assert colour(rule, today=due + datetime.timedelta(days=1), due=due) is Colour.RED
