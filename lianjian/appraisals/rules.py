"""The rules of 民主评议党员 (points.md §民主评议党员). Pure Python, no Django.

* Grades: 优秀 / 合格 / 基本合格 / 不合格 (:data:`GRADES`), decided by the branch for each
  **正式党员**; 预备党员 take part (self-assessment, rating the others) but get no grade.
* The quota: at most ⌊正式党员 / 3⌋ 优秀 (:func:`excellent_quota`; 31 正式 + 3 预备 → 10).
  :func:`quota_problem` says, in Chinese and naming the limit, why one more 优秀 is refused.
* The tally (:func:`tally`): counts of each grade per member rated, from (votee, grade)
  pairs only — who voted what never enters it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

EXCELLENT = "优秀"
QUALIFIED = "合格"
BASIC = "基本合格"
UNQUALIFIED = "不合格"
GRADES: tuple[str, ...] = (EXCELLENT, QUALIFIED, BASIC, UNQUALIFIED)
# The share of 正式党员 that may be graded 优秀 (at most one in three, rounded down).
EXCELLENT_SHARE_DENOMINATOR = 3


def excellent_quota(full_members: int) -> int:
    """The most 优秀 a branch of ``full_members`` 正式党员 may decide: ⌊n / 3⌋."""
    return max(full_members, 0) // EXCELLENT_SHARE_DENOMINATOR


def quota_problem(full_members: int, excellent_already: int, grade: str) -> str:
    """Why giving one more member ``grade`` breaks the quota, or "". ``excellent_already``
    counts the 优秀 decided for the *other* members (a member whose grade is being changed
    is not counted twice)."""
    if grade != EXCELLENT:
        return ""
    quota = excellent_quota(full_members)
    if excellent_already + 1 <= quota:
        return ""
    return (
        f"优秀名额已满：本支部正式党员 {full_members} 名，优秀不得超过 ⌊{full_members}÷3⌋ = {quota} 名，"
        f"已评定 {excellent_already} 名"
    )


def grade_problem(grade: str, *, is_full: bool) -> str:
    """Why ``grade`` cannot be given to a participant, or "": only 正式党员 are graded,
    with one of :data:`GRADES`."""
    if not is_full:
        return "预备党员参加评议，但不评定等次"
    if grade not in GRADES:
        return f"等次应为{'、'.join(GRADES)}之一"
    return ""


def vote_problem(voter: int, votee: int, grade: str, *, votee_is_full: bool, already: bool) -> str:
    """Why a rating by participant ``voter`` of ``votee`` is refused, or "": nobody rates
    themself, only 正式党员 are rated (预备党员 get no grade), each pair once."""
    if voter == votee:
        return "不能评价本人"
    if not votee_is_full:
        return "预备党员不评定等次，无需评价"
    if grade not in GRADES:
        return f"等次应为{'、'.join(GRADES)}之一"
    if already:
        return "已评价过该党员，每人只能评价一次"
    return ""


@dataclass
class Tally:
    """The counts of each grade given to one member, and their total."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GRADES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_list(self) -> list[int]:
        """The counts in the order of :data:`GRADES`."""
        return [self.counts[g] for g in GRADES]


def tally(votes: Iterable[tuple[int, str]], votees: Iterable[int]) -> dict[int, Tally]:
    """Per votee, the counts of each grade from ``(votee, grade)`` pairs. Every member of
    ``votees`` has a row (zeros when nobody rated them); pairs of others are ignored."""
    out: dict[int, Tally] = {v: Tally() for v in votees}
    for votee, grade in votes:
        row = out.get(votee)
        if row is not None and grade in row.counts:
            row.counts[grade] += 1
    return out
