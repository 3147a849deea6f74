"""Pure rules of 岗区队 (党员示范岗、党员责任区、党员突击队、党员服务队): the kinds, the
lifecycle, the review bands of a preset, the veto, coverage of 班组 by 责任区 and the figures
(ever named, active, withdrawn) as of a date.

No Django here (the "pure-engines" contract): the models, services, selectors, the Excel
kind and the API share these functions, and the tests run them without a database. Each
check returns a Chinese reason ("" when fine).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# --- kinds -------------------------------------------------------------------------------

POST = "示范岗"
AREA = "责任区"
TASK_FORCE = "突击队"
SERVICE_TEAM = "服务队"
KINDS = (POST, AREA, TASK_FORCE, SERVICE_TEAM)
KIND_LABELS = {
    POST: "党员示范岗",
    AREA: "党员责任区",
    TASK_FORCE: "党员突击队",
    SERVICE_TEAM: "党员服务队",
}
CODE_PREFIX = {POST: "SFG", AREA: "ZRQ", TASK_FORCE: "TJD", SERVICE_TEAM: "FWD"}

# Members of a carrier: 党员 are members of the organisation; 积极分子 and 团员 are flagged.
PARTY = "党员"
ACTIVIST = "积极分子"
LEAGUE = "团员"
MEMBER_KINDS = (PARTY, ACTIVIST, LEAGUE)

# --- lifecycle ---------------------------------------------------------------------------

DECLARED = "申报"
BRANCH_REVIEW = "支部审核"
COMMITTEE = "党委审批"
PUBLICITY = "公示"
NAMED = "已命名"
REVIEWING = "复核"
WARNED = "警示"
WITHDRAWN = "摘牌"
COMPLETED = "任务完成"
VOID = "已作废"
STATES = (DECLARED, BRANCH_REVIEW, COMMITTEE, PUBLICITY, NAMED, REVIEWING, WARNED, WITHDRAWN,
          COMPLETED, VOID)  # fmt: skip
# Holding a title: counted as active (在册).
ACTIVE_STATES = (NAMED, REVIEWING, WARNED)

# action → (states it may leave, state it enters). Who may take it is the model's SCOPE:
# the branch's managers declare, submit and review at branch level; a manager above the
# branch (the 党委) approves, opens the publicity and names; objections return it.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": ((DECLARED,), BRANCH_REVIEW),  # 提交支部审核
    "branch_pass": ((BRANCH_REVIEW,), COMMITTEE),  # 支部审核通过，报党委审批
    "branch_return": ((BRANCH_REVIEW,), DECLARED),  # 支部退回 (reason)
    "approve": ((COMMITTEE,), PUBLICITY),  # 党委审批通过，开始公示
    "reject": ((COMMITTEE,), DECLARED),  # 党委退回 (reason)
    "object": ((PUBLICITY,), DECLARED),  # 公示有异议，退回 (reason)
    "name": ((PUBLICITY,), NAMED),  # 公示期满，命名授牌
    "start_review": ((NAMED, WARNED), REVIEWING),  # 开始复核
    "complete": ((NAMED, REVIEWING, WARNED), COMPLETED),  # 突击队任务完成
    "void": ((DECLARED,), VOID),  # 作废申报 (reason)
}
ACTION_LABELS = {
    "submit": "提交支部审核",
    "branch_pass": "支部审核通过",
    "branch_return": "支部退回",
    "approve": "党委审批通过并公示",
    "reject": "党委退回",
    "object": "公示异议退回",
    "name": "命名授牌",
    "start_review": "开始复核",
    "complete": "任务完成",
    "void": "作废",
    "review": "复核评分",
    "veto": "一票否决",
}
# Actions that need a reason.
REASON_ACTIONS = ("branch_return", "reject", "object", "void")
# Actions of the committee above the branch (approve permission); the rest are the branch's.
COMMITTEE_ACTIONS = ("approve", "reject", "object", "name", "start_review", "complete")

PUBLICITY_WORKING_DAYS = 5


def transition_problem(kind: str, state: str, action: str) -> str:
    """Why ``action`` cannot be taken on a carrier of ``kind`` in ``state`` ("" if it can)."""
    if action not in TRANSITIONS:
        return f"未知操作：{action}"
    sources, _target = TRANSITIONS[action]
    if state not in sources:
        return f"当前状态为「{state}」，不能{ACTION_LABELS[action]}"
    if action == "complete" and kind != TASK_FORCE:
        return "只有党员突击队可以标记任务完成"
    return ""


def target_of(action: str) -> str:
    return TRANSITIONS[action][1]


def working_days_after(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days (Monday–Friday) after ``start``."""
    day = start
    left = days
    while left > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def publicity_problem(started: datetime.date | None, on: datetime.date,
                      days: int = PUBLICITY_WORKING_DAYS) -> str:  # fmt: skip
    """Why the title cannot be given on ``on`` after a publicity that began on ``started``."""
    if started is None:
        return "没有公示开始日期"
    ends = working_days_after(started, days)
    if on < ends:
        return f"公示期（{days} 个工作日）至 {ends.isoformat()} 届满，届满后方可命名"
    return ""


def kind_problems(kind: str, end_date: datetime.date | None,
                  established: datetime.date | None) -> dict[str, str]:  # fmt: skip
    """The field rules of a kind: a 突击队 has an end date; only a 突击队 has one; it ends
    on or after the establishment."""
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = f"类型应为 {'、'.join(KINDS)} 之一"
    elif kind == TASK_FORCE and end_date is None:
        errors["end_date"] = "党员突击队须填写任务结束日期"
    elif kind != TASK_FORCE and end_date is not None:
        errors["end_date"] = "只有党员突击队有任务结束日期"
    if end_date is not None and established is not None and end_date < established:
        errors["end_date"] = "结束日期不能早于成立日期"
    return errors


# --- reviews -----------------------------------------------------------------------------

EXCELLENT = "优秀"
PASS = "合格"
FAIR = "基本合格"
FAIL = "不达标"
BANDS = (EXCELLENT, PASS, FAIR, FAIL)

HALF_YEARLY = "半年"
YEARLY = "年度"


@dataclass(frozen=True)
class ReviewPreset:
    """A review preset: how often, which items (each scored 0–100) and the band thresholds.
    ≥ ``excellent`` 优秀, ≥ ``passing`` 合格, ≥ ``warning`` 基本合格 (警示; a second in a row
    withdraws), below ``warning`` 不达标 (摘牌)."""

    name: str
    frequency: str
    items: tuple[str, ...]
    excellent: float = 90.0
    passing: float = 80.0
    warning: float = 70.0


PRESETS: dict[str, ReviewPreset] = {
    p.name: p
    for p in (
        ReviewPreset(
            "半年复核", HALF_YEARLY, ("履职尽责", "承诺兑现", "关键任务成效", "群众满意度")
        ),
        ReviewPreset(
            "年度复核", YEARLY, ("履职尽责", "承诺兑现", "关键任务成效", "示范带动", "群众满意度")
        ),
    )
}
DEFAULT_PRESET = "年度复核"


def review_score(scores: Mapping[str, float]) -> float:
    """The review score: the mean of the item scores, to one decimal."""
    if not scores:
        return 0.0
    return round(sum(scores.values()) / len(scores), 1)


def score_problems(preset: ReviewPreset, scores: Mapping[str, float]) -> str:
    """Why item ``scores`` do not fit ``preset`` ("" if they do): every item, 0–100."""
    missing = [i for i in preset.items if i not in scores]
    if missing:
        return f"缺少评分项：{'、'.join(missing)}"
    extra = [i for i in scores if i not in preset.items]
    if extra:
        return f"「{preset.name}」没有评分项：{'、'.join(extra)}"
    for item, value in scores.items():
        if not 0 <= value <= 100:
            return f"「{item}」的得分应在 0 到 100 之间"
    return ""


def band(preset: ReviewPreset, score: float) -> str:
    if score >= preset.excellent:
        return EXCELLENT
    if score >= preset.passing:
        return PASS
    if score >= preset.warning:
        return FAIR
    return FAIL


def state_after_review(preset: ReviewPreset, score: float, state: str) -> str:
    """The state a review leaves: 优秀/合格 keep (or restore) the title, 基本合格 警示 — a
    second 警示 in a row 摘牌 — and 不达标 摘牌."""
    b = band(preset, score)
    if b in (EXCELLENT, PASS):
        return NAMED
    if b == FAIR:
        return WITHDRAWN if state == WARNED else WARNED
    return WITHDRAWN


REVIEW_STATES = (NAMED, REVIEWING, WARNED)

# --- veto --------------------------------------------------------------------------------

ACCIDENT = "责任事故"
DISCIPLINE = "违纪"
VETO_KINDS = (ACCIDENT, DISCIPLINE)


def veto_problem(state: str) -> str:
    """A veto event withdraws a title whatever the score: only a carrier holding one."""
    if state not in ACTIVE_STATES:
        return f"当前状态为「{state}」，没有可摘除的称号"
    return ""


def reapply_problem(withdrawn_on: datetime.date | None, on: datetime.date) -> str:
    """A withdrawn carrier may apply again from the next calendar year."""
    if withdrawn_on is None:
        return "只有已摘牌的岗区队可以重新申报"
    if on.year <= withdrawn_on.year:
        return f"{withdrawn_on.year} 年摘牌，{withdrawn_on.year + 1} 年起方可重新申报"
    return ""


# --- figures as of a date ----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One entry of a carrier's history: on ``day`` it entered ``state``."""

    carrier: int
    kind: str
    day: datetime.date
    state: str


def states_on(history: Iterable[Step], on: datetime.date) -> dict[int, tuple[str, str, bool]]:
    """Each carrier's (kind, state, ever named) on ``on`` from its history; later entries of
    the same day win (the history is given in the order it was written)."""
    out: dict[int, tuple[str, str, bool]] = {}
    for step in history:
        if step.day > on:
            continue
        _k, _s, named = out.get(step.carrier, (step.kind, step.state, False))
        out[step.carrier] = (step.kind, step.state, named or step.state == NAMED)
    return out


@dataclass(frozen=True)
class Figures:
    """Counts of one kind (or all): titles ever given, held now, withdrawn."""

    ever_named: int = 0
    active: int = 0
    withdrawn: int = 0
    completed: int = 0


def figures(history: Iterable[Step], on: datetime.date) -> dict[str, Figures]:
    """Figures per kind and ``"全部"`` on ``on``: ever named, active (已命名/复核/警示),
    withdrawn (摘牌 after being named) and completed (突击队 任务完成)."""
    counts: dict[str, list[int]] = {k: [0, 0, 0, 0] for k in (*KINDS, "全部")}
    for kind, state, named in states_on(history, on).values():
        for key in (kind, "全部"):
            c = counts[key]
            c[0] += named
            c[1] += state in ACTIVE_STATES
            c[2] += named and state == WITHDRAWN
            c[3] += state == COMPLETED
    return {k: Figures(*v) for k, v in counts.items()}


# --- coverage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """班组 of a branch and whether each has an active 责任区 with at least one 党员."""

    total: int
    covered: int
    gaps: tuple[str, ...]

    @property
    def percent(self) -> float:
        return round(100.0 * self.covered / self.total, 1) if self.total else 100.0


def coverage(groups: Sequence[str], areas: Iterable[tuple[Iterable[str], int]]) -> Coverage:
    """``groups``: the 班组 codes; ``areas``: each active 责任区 as (its 班组 codes, number of
    党员 in it). A 班组 is covered by an area that names it and holds at least one 党员."""
    covered: set[str] = set()
    for codes, party_members in areas:
        if party_members > 0:
            covered.update(codes)
    gaps = tuple(g for g in groups if g not in covered)
    return Coverage(len(groups), len(groups) - len(gaps), gaps)
