"""The rules of 揭榜挂帅 (fusion.md §4), without Django: the state machines of a call, a bid
and a project, who may bid on a call, the bid deadline and the award-level weights.

Everything here takes plain values (paths, states, dates) so that the services, the screens
and the tests ask the same questions and get the same Chinese answers.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# --- calls (发榜) ------------------------------------------------------------------------
CALL_DRAFT = "草拟"
CALL_OPEN = "发布"
CALL_CLOSED = "截止"
CALL_REVIEWED = "已评审"
CALL_STATES = (CALL_DRAFT, CALL_OPEN, CALL_CLOSED, CALL_REVIEWED)

# action → (states it may leave, state it enters)
CALL_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "publish": ((CALL_DRAFT,), CALL_OPEN),
    "close": ((CALL_OPEN,), CALL_CLOSED),
}
CALL_ACTION_LABELS = {"publish": "发布", "close": "截止"}

# --- bids (揭榜) -------------------------------------------------------------------------
BID_SUBMITTED = "已提交"
BID_SHORTLISTED = "入围"
BID_DEFENCE = "答辩"
BID_WON = "中榜"
BID_LOST = "未中"
BID_WITHDRAWN = "已撤回"
BID_STATES = (BID_SUBMITTED, BID_SHORTLISTED, BID_DEFENCE, BID_WON, BID_LOST, BID_WITHDRAWN)
BID_OPEN_STATES = (BID_SUBMITTED, BID_SHORTLISTED, BID_DEFENCE)

BID_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "shortlist": ((BID_SUBMITTED,), BID_SHORTLISTED),  # 入围
    "defence": ((BID_SHORTLISTED,), BID_DEFENCE),  # 答辩
    "award": ((BID_DEFENCE,), BID_WON),  # 中榜
    "reject": (BID_OPEN_STATES, BID_LOST),  # 未中
    "withdraw": ((BID_SUBMITTED,), BID_WITHDRAWN),  # 撤回 by the bidder
}
BID_ACTION_LABELS = {
    "shortlist": "入围",
    "defence": "进入答辩",
    "award": "确定中榜",
    "reject": "未中",
    "withdraw": "撤回",
}
# The actions of the issuing side (评审); "withdraw" is the bidder's own.
REVIEW_ACTIONS = ("shortlist", "defence", "award", "reject")

# --- projects (立项 → … → 推广应用) ------------------------------------------------------
STAGE_START = "立项"
STAGE_SUPERVISION = "季度督导"
STAGE_MIDTERM = "中期评估"
STAGE_FINAL = "结项评价"
STAGE_PROMOTION = "推广应用"
STAGES = (STAGE_START, STAGE_SUPERVISION, STAGE_MIDTERM, STAGE_FINAL, STAGE_PROMOTION)
GRADES = ("优秀", "良好", "合格", "不合格")
# A project graded 不合格 is not promoted (推广应用 needs a passing grade).
PASSING_GRADES = ("优秀", "良好", "合格")

KIND_CHALLENGE = "揭榜挂帅"
KIND_TOPIC = "课题"
KINDS = (KIND_CHALLENGE, KIND_TOPIC)

# --- awards ------------------------------------------------------------------------------
LEVELS = ("公司", "地市", "省公司", "省部", "国家")
# Weights of the assessment source ``project_awards`` (one award counts its level's weight).
LEVEL_WEIGHTS: Mapping[str, float] = {
    "公司": 1.0,
    "地市": 2.0,
    "省公司": 3.0,
    "省部": 5.0,
    "国家": 8.0,
}
HIGH_LEVELS = ("省部", "国家")  # "省部及以上" on the dashboard


class IllegalTransition(ValueError):
    """The action is not allowed from the current state (the message says why, in Chinese)."""


def next_state(
    transitions: Mapping[str, tuple[tuple[str, ...], str]],
    labels: Mapping[str, str],
    action: str,
    state: str,
) -> str:
    """The state ``action`` leads to from ``state``; IllegalTransition when it may not."""
    if action not in transitions:
        raise IllegalTransition(f"未知操作：{action}")
    sources, target = transitions[action]
    if state not in sources:
        raise IllegalTransition(f"当前状态为“{state}”，不能{labels[action]}")
    return target


def call_next_state(action: str, state: str) -> str:
    return next_state(CALL_TRANSITIONS, CALL_ACTION_LABELS, action, state)


def bid_next_state(action: str, state: str) -> str:
    return next_state(BID_TRANSITIONS, BID_ACTION_LABELS, action, state)


def shown_call_state(state: str, deadline: datetime.date | None, today: datetime.date) -> str:
    """The state a call shows: a published call whose deadline has passed is 截止 even
    before anyone closed it (the deadline, not a click, ends the bidding)."""
    if state == CALL_OPEN and deadline is not None and deadline < today:
        return CALL_CLOSED
    return state


def deadline_problem(
    deadline: datetime.date | None, today: datetime.date, *, publishing: bool
) -> str:
    """Why ``deadline`` cannot be a call's bid deadline ("" when it can): it is required,
    and a call is published only with a deadline not in the past."""
    if deadline is None:
        return "请填写揭榜截止日期"
    if publishing and deadline < today:
        return "揭榜截止日期已过，不能发布；请先修改截止日期"
    return ""


def bidding_problem(state: str, deadline: datetime.date | None, today: datetime.date) -> str:
    """Why a bid cannot be submitted now ("" when it can): the call is published and its
    deadline (inclusive) has not passed."""
    if state != CALL_OPEN:
        return f"榜单当前为“{shown_call_state(state, deadline, today)}”，不接受揭榜"
    if deadline is not None and deadline < today:
        return f"揭榜已于 {deadline:%Y-%m-%d} 截止"
    return ""


def review_problem(state: str, deadline: datetime.date | None, today: datetime.date) -> str:
    """Why the issuing side cannot review bids now ("" when it can): only after bidding has
    ended (截止, by the deadline or by closing) and before the call is 已评审."""
    shown = shown_call_state(state, deadline, today)
    if shown != CALL_CLOSED:
        return f"榜单当前为“{shown}”，截止后才能评审"
    return ""


def under(path: str, ancestor: str) -> bool:
    """Whether the organisation at ``path`` is ``ancestor`` or lies below it."""
    return bool(path) and bool(ancestor) and path.startswith(ancestor)


@dataclass(frozen=True)
class Eligibility:
    """Who may bid on one call. ``issuer`` is the issuing organisation's path; ``orgs`` the
    paths of the organisations listed as eligible (exactly those: a branch sees the calls
    that name it, so listing is what opens a call); ``alliances`` maps each
    eligible 联建网's code to the paths of its current member organisations."""

    issuer: str
    orgs: tuple[str, ...] = ()
    alliances: Mapping[str, tuple[str, ...]] | None = None

    def problem(self, bidder: str, internal: bool, alliance: str | None = None) -> str:
        """Why the organisation at ``bidder`` (``internal``: not a partner unit) may not bid,
        for ``alliance`` when it bids as a member of that 联建网 ("" when it may).

        A bidder is always an internal organisation strictly below the issuer: the project
        becomes a key task of the issuer's list, owned by the bidder."""
        if not internal:
            return "共建单位不能揭榜，请由联建网中的本系统组织揭榜"
        if not under(bidder, self.issuer) or bidder == self.issuer:
            return "只有发榜组织下属的组织可以揭榜"
        if alliance:
            members = (self.alliances or {}).get(alliance)
            if members is None:
                return "该联建网不在本榜的揭榜范围内"
            if bidder not in members:
                return "揭榜组织不是该联建网的成员"
            return ""
        if bidder in self.orgs:
            return ""
        return "本组织不在本榜的揭榜范围内"

    def open_to(self, bidder: str, internal: bool, alliances: Iterable[str] = ()) -> bool:
        """Whether the organisation may bid directly or through one of ``alliances``."""
        if not self.problem(bidder, internal):
            return True
        return any(not self.problem(bidder, internal, a) for a in alliances)


def stage_next(stage: str) -> str | None:
    """The stage after ``stage`` (None after the last)."""
    i = STAGES.index(stage)
    return STAGES[i + 1] if i + 1 < len(STAGES) else None


def advance_problem(stage: str, grade: str, new_grade: str) -> str:
    """Why the project cannot move on from ``stage`` ("" when it can). Entering 结项评价
    needs the evaluation grade; 推广应用 needs a passing grade."""
    nxt = stage_next(stage)
    if nxt is None:
        return "项目已处于最后阶段“推广应用”"
    if nxt == STAGE_FINAL and new_grade not in GRADES:
        return "结项评价须选择评价等级（优秀/良好/合格/不合格）"
    if nxt == STAGE_PROMOTION and grade not in PASSING_GRADES:
        return "结项评价为“不合格”的项目不能推广应用"
    return ""


def best_level(levels: Iterable[str]) -> str | None:
    """The highest of ``levels`` (None when there are none)."""
    found = [lv for lv in levels if lv in LEVELS]
    return max(found, key=LEVELS.index) if found else None


def level_counts(best_levels: Iterable[str | None]) -> dict[str, int]:
    """The dashboard's figures from each project's best award level: the number of projects
    per level, ``省部及以上`` and ``total`` (projects with any award)."""
    counts = dict.fromkeys(LEVELS, 0)
    for level in best_levels:
        if level in counts:
            counts[level] += 1
    out = dict(counts)
    out["省部及以上"] = sum(counts[lv] for lv in HIGH_LEVELS)
    out["total"] = sum(counts.values())
    return out


def award_score(levels: Iterable[str]) -> float:
    """The value of ``project_awards``: the sum of the level weights of the awards."""
    return float(sum(LEVEL_WEIGHTS.get(lv, 0.0) for lv in levels))
