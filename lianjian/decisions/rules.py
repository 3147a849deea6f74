"""The rules of the 三重一大 decision register (supervision.md §2), without Django.

* Routing: an item is routed by its company's 事项清单 — the list lines of the item's
  category whose amount threshold the amount reaches (thresholds are inclusive: an item of
  exactly 1000万 hits a "≥ 1000万" line); the hit line with the highest threshold wins (the
  most specific), a line without a threshold hits every amount. The line says whether the
  item needs 前置研究 (党委会 prior study) and which body decides. Routing is derived, never
  chosen by hand: an item no line hits is not a 三重一大 matter and cannot be submitted.
* States: 草拟 → 待前置 → 待决策 → 已决策 → 执行中 → 待后评估 → 已评估 → 归档; an item whose
  line needs no prior study goes from 草拟 straight to 待决策. A prior study's outcome
  建议同意 sends it on to 待决策, 建议修改后复议 back to 草拟 (the re-study is a new study
  record), 建议不予提交 ends it (不予提交). A decision 通过 makes it 已决策, 否决 ends it
  (已否决), 暂缓 leaves it 待决策.
* Quorum: more than ``share`` of the committee present (default one half).
* Post-evaluation: due ``months`` (default 12) calendar months after the decision day (a
  day the month lacks falls back to its last day), coloured by the shared deadlines engine.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from lianjian.deadlines.engine import add_months

# Categories of 三重一大 matters and the bodies that decide.
CATEGORIES = ("重大决策", "重要人事任免", "重大项目安排", "大额度资金运作")
BODIES = ("股东会", "董事会", "经理层", "党委会")

# States of an item, in order, and the two ends off the main line.
DRAFT = "草拟"
PRIOR = "待前置"
PENDING = "待决策"
DECIDED = "已决策"
EXECUTING = "执行中"
TO_EVALUATE = "待后评估"
EVALUATED = "已评估"
ARCHIVED = "归档"
NOT_SUBMITTED = "不予提交"
REJECTED = "已否决"
STATES = (DRAFT, PRIOR, PENDING, DECIDED, EXECUTING, TO_EVALUATE, EVALUATED, ARCHIVED)
ENDS = (NOT_SUBMITTED, REJECTED)
ALL_STATES = (*STATES, *ENDS)

# Prior-study outcomes.
AGREE = "建议同意"
REVISE = "建议修改后复议"
DO_NOT_SUBMIT = "建议不予提交"
STUDY_OUTCOMES = (AGREE, REVISE, DO_NOT_SUBMIT)

# Decision results.
PASSED = "通过"
VETOED = "否决"
DEFERRED = "暂缓"
DECISION_RESULTS = (PASSED, VETOED, DEFERRED)

# Post-evaluation.
CONCLUSIONS = ("达到预期", "部分达到", "未达到")
CONTINUE = "继续"
ADJUST = "调整"
PAUSE = "暂缓"
STOP = "停止"
EVAL_ACTIONS = (CONTINUE, ADJUST, PAUSE, STOP)
DIMENSIONS = (
    ("objectives", "目标实现"),
    ("process", "过程规范"),
    ("benefits", "效益"),
    ("impact", "影响"),
    ("sustainability", "可持续性"),
)

# Materials of an item's checklist.
MATERIALS = (
    ("feasibility", "可研报告"),
    ("legal", "法律审核"),
    ("risk", "风险评估"),
    ("expert", "专家意见"),
    ("staff", "职工意见"),
)

POST_EVALUATION_MONTHS = 12
# States in which an item is waiting for, or may receive, its post-evaluation.
EVALUABLE = (DECIDED, EXECUTING, TO_EVALUATE)


class RuleError(ValueError):
    """A step the rules do not allow; the message is shown to the user as it is."""


@dataclass(frozen=True)
class Line:
    """One line of a 事项清单: matters of ``category`` from ``threshold`` (inclusive; None:
    any amount) need prior study when ``prior_study`` and are decided by ``body``."""

    id: int
    category: str
    threshold: Decimal | None
    prior_study: bool
    body: str


def route(lines: Iterable[Line], category: str, amount: Decimal | None) -> Line | None:
    """The line that routes an item of ``category`` and ``amount`` (None: no line hits).

    A line hits when it is of the category and has no threshold, or the amount reaches the
    threshold (``amount >= threshold``); an item without an amount hits only lines without
    a threshold. Of the hits, the highest threshold wins; ties go to the first line."""
    best: Line | None = None
    for line in lines:
        if line.category != category:
            continue
        if line.threshold is not None and (amount is None or amount < line.threshold):
            continue
        if best is None or _rank(line) > _rank(best):
            best = line
    return best


def _rank(line: Line) -> Decimal:
    return Decimal("-1") if line.threshold is None else line.threshold


def submit_state(line: Line | None) -> str:
    """Where a draft goes when submitted: 待前置 when its line needs prior study, else 待决策."""
    if line is None:
        raise RuleError("事项清单中没有与该事项类别和金额相符的条目，不属于三重一大事项，不能提交")
    return PRIOR if line.prior_study else PENDING


def after_study(outcome: str) -> str:
    """The state after a prior study with ``outcome``."""
    states = {AGREE: PENDING, REVISE: DRAFT, DO_NOT_SUBMIT: NOT_SUBMITTED}
    if outcome not in states:
        raise RuleError("前置研究结论应为：" + "、".join(STUDY_OUTCOMES))
    return states[outcome]


def after_decision(result: str) -> str:
    """The state after a decision with ``result``."""
    states = {PASSED: DECIDED, VETOED: REJECTED, DEFERRED: PENDING}
    if result not in states:
        raise RuleError("决策结果应为：" + "、".join(DECISION_RESULTS))
    return states[result]


# Which action may be taken in which state, and the state it leads to (None: decided by
# the outcome, see after_study / after_decision / submit_state).
ACTIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "submit": ((DRAFT,), None),
    "study": ((PRIOR,), None),
    "decide": ((PENDING,), None),
    "execute": ((DECIDED,), EXECUTING),
    "finish": ((EXECUTING,), TO_EVALUATE),
    "evaluate": (EVALUABLE, EVALUATED),
    "archive": ((EVALUATED,), ARCHIVED),
}
ACTION_LABELS = {
    "submit": "提交",
    "study": "前置研究",
    "decide": "决策",
    "execute": "开始执行",
    "finish": "执行完成",
    "evaluate": "后评估",
    "archive": "归档",
}


def check_action(action: str, state: str) -> None:
    """Raise :class:`RuleError` unless ``action`` may be taken in ``state``."""
    allowed, _ = ACTIONS[action]
    if state not in allowed:
        raise RuleError(f"事项处于“{state}”状态，不能{ACTION_LABELS[action]}")


def next_state(action: str, state: str) -> str:
    """The state after a fixed-target ``action`` taken in ``state``."""
    check_action(action, state)
    target = ACTIONS[action][1]
    if target is None:
        raise RuleError(f"“{ACTION_LABELS[action]}”的去向由结论决定")
    return target


def actions_in(state: str) -> list[str]:
    """The actions offered in ``state``, in the order of the process."""
    return [a for a, (allowed, _) in ACTIONS.items() if state in allowed]


def quorum_met(present: int, members: int, share: Fraction = Fraction(1, 2)) -> bool:
    """Whether ``present`` of ``members`` is a quorum: strictly more than ``share``."""
    if members <= 0 or present < 0 or present > members:
        return False
    return Fraction(present, members) > share


def study_problems(
    members: int, present: int, recusals: Sequence[str], opinions: Sequence[str]
) -> list[str]:
    """What is wrong with a prior study's attendance (empty: nothing)."""
    problems: list[str] = []
    if members <= 0:
        problems.append("应到人数应大于 0")
    if present < 0 or present > members:
        problems.append("实到人数应在 0 到应到人数之间")
    elif not quorum_met(present, members):
        problems.append(f"实到 {present} 人未超过应到 {members} 人的半数，不足法定人数")
    if len(recusals) > present > 0:
        problems.append("回避人数不能多于实到人数")
    return problems


def post_evaluation_due(
    decided_on: datetime.date, months: int = POST_EVALUATION_MONTHS
) -> datetime.date:
    """The day a decision's post-evaluation is due: ``months`` calendar months after it."""
    return add_months(decided_on, months)
