"""The pure rules of 岗区队 (lianjian.carriers.rules): transitions, publicity, review bands,
veto, re-application, figures as of a date and coverage of 班组."""

from __future__ import annotations

import datetime

import pytest

from lianjian.carriers import rules

D = datetime.date


def test_the_lifecycle_allows_only_its_transitions():
    assert rules.transition_problem(rules.POST, rules.DECLARED, "submit") == ""
    assert "不能" in rules.transition_problem(rules.POST, rules.DECLARED, "name")
    assert rules.transition_problem(rules.POST, rules.PUBLICITY, "object") == ""
    assert rules.target_of("object") == rules.DECLARED  # objections return it
    assert "突击队" in rules.transition_problem(rules.POST, rules.NAMED, "complete")
    assert rules.transition_problem(rules.TASK_FORCE, rules.NAMED, "complete") == ""
    assert rules.transition_problem(rules.POST, rules.NAMED, "nonsense").startswith("未知操作")


def test_naming_waits_five_working_days_of_publicity():
    friday = D(2026, 11, 6)
    assert rules.working_days_after(friday, 5) == D(2026, 11, 13)
    assert "届满" in rules.publicity_problem(friday, D(2026, 11, 12))
    assert rules.publicity_problem(friday, D(2026, 11, 13)) == ""
    assert rules.publicity_problem(None, D(2026, 11, 13))


@pytest.mark.parametrize(
    ("score", "state", "band", "after"),
    [
        (95, rules.NAMED, rules.EXCELLENT, rules.NAMED),
        (90, rules.NAMED, rules.EXCELLENT, rules.NAMED),
        (85, rules.WARNED, rules.PASS, rules.NAMED),
        (75, rules.NAMED, rules.FAIR, rules.WARNED),
        (75, rules.WARNED, rules.FAIR, rules.WITHDRAWN),
        (69.9, rules.NAMED, rules.FAIL, rules.WITHDRAWN),
    ],
)
def test_review_bands_decide_the_state(score, state, band, after):
    preset = rules.PRESETS["年度复核"]
    assert rules.band(preset, score) == band
    assert rules.state_after_review(preset, score, state) == after


def test_scores_must_fit_the_preset():
    preset = rules.PRESETS["半年复核"]
    full = dict.fromkeys(preset.items, 80.0)
    assert rules.score_problems(preset, full) == ""
    assert "缺少" in rules.score_problems(preset, {"履职尽责": 80.0})
    assert "没有评分项" in rules.score_problems(preset, {**full, "示范带动": 1.0})
    assert "0 到 100" in rules.score_problems(preset, {**full, "履职尽责": 101.0})
    assert rules.review_score({"a": 90.0, "b": 85.0}) == 87.5


def test_veto_and_reapplication():
    assert rules.veto_problem(rules.NAMED) == ""
    assert rules.veto_problem(rules.WARNED) == ""
    assert rules.veto_problem(rules.DECLARED)
    assert "2027" in rules.reapply_problem(D(2026, 7, 1), D(2026, 12, 1))
    assert rules.reapply_problem(D(2026, 7, 1), D(2027, 1, 4)) == ""
    assert rules.reapply_problem(None, D(2027, 1, 4))


def test_kind_fields():
    assert "end_date" in rules.kind_problems(rules.TASK_FORCE, None, None)
    assert "end_date" in rules.kind_problems(rules.POST, D(2026, 1, 1), None)
    assert "end_date" in rules.kind_problems(rules.TASK_FORCE, D(2026, 1, 1), D(2026, 2, 1))
    assert rules.kind_problems(rules.TASK_FORCE, D(2026, 3, 1), D(2026, 2, 1)) == {}


def test_figures_as_of_a_date_distinguish_ever_named_active_and_withdrawn():
    s = rules.Step
    history = [
        s(1, rules.POST, D(2025, 1, 1), rules.DECLARED),
        s(1, rules.POST, D(2025, 2, 1), rules.NAMED),
        s(1, rules.POST, D(2026, 7, 1), rules.WITHDRAWN),
        s(2, rules.POST, D(2025, 2, 1), rules.NAMED),
        s(3, rules.AREA, D(2025, 2, 1), rules.PUBLICITY),
        s(4, rules.TASK_FORCE, D(2025, 2, 1), rules.NAMED),
        s(4, rules.TASK_FORCE, D(2025, 9, 1), rules.COMPLETED),
    ]
    before = rules.figures(history, D(2026, 6, 30))
    assert before[rules.POST] == rules.Figures(ever_named=2, active=2, withdrawn=0)
    after = rules.figures(history, D(2026, 7, 1))
    assert after[rules.POST] == rules.Figures(ever_named=2, active=1, withdrawn=1)
    assert after["全部"] == rules.Figures(ever_named=3, active=1, withdrawn=1, completed=1)
    assert rules.figures(history, D(2024, 12, 31))["全部"] == rules.Figures()


def test_coverage_lists_the_gaps():
    cov = rules.coverage(["A", "B", "C"], [(["A"], 1), (["B"], 0)])
    assert (cov.total, cov.covered, cov.gaps) == (3, 1, ("B", "C"))
    assert cov.percent == 33.3
    assert rules.coverage([], []).percent == 100.0
