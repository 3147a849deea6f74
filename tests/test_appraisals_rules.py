"""The pure rules of 民主评议党员 (lianjian.appraisals.rules)."""

from __future__ import annotations

import pytest

from lianjian.appraisals import rules


@pytest.mark.parametrize(
    ("full", "quota"), [(0, 0), (2, 0), (3, 1), (5, 1), (6, 2), (30, 10), (31, 10), (33, 11)]
)
def test_the_quota_of_excellent_is_a_third_of_full_members_rounded_down(full, quota):
    assert rules.excellent_quota(full) == quota


def test_31_full_members_allow_10_excellent_and_refuse_the_11th_naming_the_limit():
    # 31 正式 + 3 预备: only the 正式 count.
    assert rules.quota_problem(31, 9, "优秀") == ""
    problem = rules.quota_problem(31, 10, "优秀")
    assert "优秀名额已满" in problem and "31" in problem and "10 名" in problem
    assert rules.quota_problem(31, 10, "合格") == ""


def test_probationary_members_get_no_grade():
    assert rules.grade_problem("合格", is_full=False) == "预备党员参加评议，但不评定等次"
    assert rules.grade_problem("合格", is_full=True) == ""
    assert "之一" in rules.grade_problem("良好", is_full=True)


def test_a_vote_is_refused_for_oneself_a_probationary_member_a_bad_grade_and_twice():
    assert rules.vote_problem(1, 1, "优秀", votee_is_full=True, already=False) == "不能评价本人"
    assert "预备党员" in rules.vote_problem(1, 2, "优秀", votee_is_full=False, already=False)
    assert "之一" in rules.vote_problem(1, 2, "好", votee_is_full=True, already=False)
    assert "只能评价一次" in rules.vote_problem(1, 2, "合格", votee_is_full=True, already=True)
    assert rules.vote_problem(1, 2, "合格", votee_is_full=True, already=False) == ""


def test_the_tally_counts_grades_per_member_and_lists_everyone():
    result = rules.tally(
        [(1, "优秀"), (1, "优秀"), (1, "合格"), (9, "优秀"), (2, "不合格")], [1, 2, 3]
    )
    assert result[1].as_list() == [2, 1, 0, 0] and result[1].total == 3
    assert result[2].as_list() == [0, 0, 0, 1]
    assert result[3].total == 0
    assert 9 not in result
