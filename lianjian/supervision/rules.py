"""The rules of the supervision ledger (监督台账, supervision.md §1), without Django.

- Report due dates (:func:`report_due`, :func:`monthly_reports_due`): by calendar months, a
  day that does not exist in the target month falling back to its last day (12-31 + 2
  months → the last day of February). 巡视/巡察 and the other sources: feedback + 2 months
  (the 巡视条例 rule); internal audit: feedback + 1 month, then a monthly report due 5 days
  after each month end until every item is closed.
- The item state machine (:data:`TRANSITIONS`, :func:`next_state`): 待整改 → 整改中 →
  申请销号 → 已销号 → (回头看) 已巩固 | 重新整改; 申请销号 may be returned (退回) to 整改中;
  重新整改 goes back to 整改中 and marks the item 二次整改.
- The closing gate (:func:`closing_problem`): no 销号 while any measure is not 已核验, and
  an item without measures cannot be closed.
- Measure states (:data:`MEASURE_STEPS`): 未开始 → 推进中 → 已完成 → 已核验.
- Lead time limits (:func:`lead_colour`): yellow after 6 months, red after 12.
- Loss bands of 国资委令第46号 (:func:`loss_band`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from lianjian.deadlines.engine import Colour, add_months, month_end

# --- sources and report due dates ------------------------------------------------------

XUNSHI = "巡视"
XUNCHA = "巡察"
DISCIPLINE_CHECK = "纪检监督检查"
PETITION = "信访"
STATE_AUDIT = "国家审计"
INTERNAL_AUDIT = "内部审计"
ECONOMIC_AUDIT = "经济责任审计"
SPECIAL_CHECK = "专项检查"
SELF_CHECK = "自查"

SOURCES = (
    XUNSHI,
    XUNCHA,
    DISCIPLINE_CHECK,
    PETITION,
    STATE_AUDIT,
    INTERNAL_AUDIT,
    ECONOMIC_AUDIT,
    SPECIAL_CHECK,
    SELF_CHECK,
)

# The body whose users issue and manage a batch of each source (supervision.md §3). 专项检查
# and 自查 have no body of their own: the managers of the inspected organisation run them.
INSPECTION_BODY = "inspection"
DISCIPLINE_BODY = "discipline"
AUDIT_BODY = "audit"
OWN_BODY = "own"
BODY_OF_SOURCE = {
    XUNSHI: INSPECTION_BODY,
    XUNCHA: INSPECTION_BODY,
    DISCIPLINE_CHECK: DISCIPLINE_BODY,
    PETITION: DISCIPLINE_BODY,
    STATE_AUDIT: AUDIT_BODY,
    INTERNAL_AUDIT: AUDIT_BODY,
    ECONOMIC_AUDIT: AUDIT_BODY,
    SPECIAL_CHECK: OWN_BODY,
    SELF_CHECK: OWN_BODY,
}

REPORT_MONTHS = 2
INTERNAL_AUDIT_MONTHS = 1
MONTHLY_REPORT_DAYS = 5


def report_due(source: str, feedback: datetime.date) -> datetime.date:
    """The first rectification report's due date of a batch of ``source`` fed back on
    ``feedback``: + 1 calendar month for an internal audit, + 2 for every other source."""
    months = INTERNAL_AUDIT_MONTHS if source == INTERNAL_AUDIT else REPORT_MONTHS
    return add_months(feedback, months)


def monthly_reports_due(
    feedback: datetime.date, until: datetime.date, *, all_closed_on: datetime.date | None = None
) -> list[datetime.date]:
    """The monthly reports an internal audit owes after its first report: one due 5 days
    after the end of each month from the month of the first report on, up to ``until``
    (inclusive), and none for the months after the month every item was closed in."""
    first = report_due(INTERNAL_AUDIT, feedback)
    out: list[datetime.date] = []
    month = month_end(first)
    last_month = month_end(all_closed_on) if all_closed_on is not None else None
    while True:
        due = month + datetime.timedelta(days=MONTHLY_REPORT_DAYS)
        if due > until or (last_month is not None and month > last_month):
            return out
        out.append(due)
        month = month_end(month + datetime.timedelta(days=1))


def reports_due(
    source: str,
    feedback: datetime.date,
    until: datetime.date,
    *,
    all_closed_on: datetime.date | None = None,
) -> list[datetime.date]:
    """Every report due date of a batch up to ``until``: the first report and, for an
    internal audit, the monthly ones (the first report always listed, even when later)."""
    first = report_due(source, feedback)
    if source != INTERNAL_AUDIT:
        return [first]
    return [first, *monthly_reports_due(feedback, until, all_closed_on=all_closed_on)]


def next_report_due(
    due_dates: Iterable[datetime.date], submitted: Iterable[datetime.date]
) -> datetime.date | None:
    """The earliest due date not met by a report: each report submitted meets the earliest
    due date still open (in order); None when every due date is met."""
    open_dates = sorted(due_dates)
    for _ in sorted(submitted):
        if not open_dates:
            break
        open_dates.pop(0)
    return open_dates[0] if open_dates else None


# --- item states ----------------------------------------------------------------------

PENDING = "待整改"
IN_PROGRESS = "整改中"
APPLIED = "申请销号"
CLOSED = "已销号"
CONSOLIDATED = "已巩固"
REOPENED = "重新整改"

STATES = (PENDING, IN_PROGRESS, APPLIED, CLOSED, CONSOLIDATED, REOPENED)
# States in which the rectification is done (the item no longer colours).
DONE_STATES = frozenset({CLOSED, CONSOLIDATED})

# Actions on an item.
START = "start"  # 开始整改 (the first measure added, or by hand)
APPLY = "apply"  # 申请销号 — the responsible unit
ACCEPT = "accept"  # 同意销号 — the issuing body
RETURN = "return"  # 退回 with a reason — the issuing body
CONFIRM = "confirm"  # 回头看 confirms — the issuing body
REOPEN = "reopen"  # 回头看 reopens — the issuing body
RESUME = "resume"  # 重新整改 → 整改中 (a measure added again)

ACTION_LABELS = {
    START: "开始整改",
    APPLY: "申请销号",
    ACCEPT: "同意销号",
    RETURN: "退回",
    CONFIRM: "回头看：巩固",
    REOPEN: "回头看：重新整改",
    RESUME: "恢复整改",
}

TRANSITIONS: dict[tuple[str, str], str] = {
    (PENDING, START): IN_PROGRESS,
    (IN_PROGRESS, APPLY): APPLIED,
    (APPLIED, ACCEPT): CLOSED,
    (APPLIED, RETURN): IN_PROGRESS,
    (CLOSED, CONFIRM): CONSOLIDATED,
    (CLOSED, REOPEN): REOPENED,
    (REOPENED, RESUME): IN_PROGRESS,
    (REOPENED, APPLY): APPLIED,
}

# Actions of the responsible unit; the others are the issuing body's.
UNIT_ACTIONS = frozenset({START, APPLY, RESUME})
BODY_ACTIONS = frozenset({ACCEPT, RETURN, CONFIRM, REOPEN})
# Actions that need a written reason.
REASON_ACTIONS = frozenset({RETURN, REOPEN})

# 回头看 is due this many months after the first closing.
LOOK_BACK_MONTHS = 6


def next_state(state: str, action: str) -> str | None:
    """The state ``action`` leads to from ``state``; None when it is not allowed."""
    return TRANSITIONS.get((state, action))


def actions_from(state: str) -> list[str]:
    """The actions allowed from ``state``, in the order of :data:`ACTION_LABELS`."""
    return [a for a in ACTION_LABELS if (state, a) in TRANSITIONS]


def look_back_due(first_closed: datetime.date) -> datetime.date:
    """When the 回头看 of an item closed on ``first_closed`` is due."""
    return add_months(first_closed, LOOK_BACK_MONTHS)


# --- measures and the closing gate ------------------------------------------------------

NOT_STARTED = "未开始"
ADVANCING = "推进中"
COMPLETED = "已完成"
VERIFIED = "已核验"
MEASURE_STEPS = (NOT_STARTED, ADVANCING, COMPLETED, VERIFIED)


def measure_step_allowed(current: str, new: str) -> bool:
    """A measure moves forward one step at a time (a verifier may also send an 已完成
    measure back to 推进中 when the evidence does not hold)."""
    if current not in MEASURE_STEPS or new not in MEASURE_STEPS:
        return False
    i, j = MEASURE_STEPS.index(current), MEASURE_STEPS.index(new)
    return j == i + 1 or (current == COMPLETED and new == ADVANCING)


def closing_problem(measure_states: Iterable[str]) -> str:
    """Why an item with measures in ``measure_states`` cannot be closed (销号), in the words
    a user reads; "" when it can."""
    states = list(measure_states)
    if not states:
        return "没有整改措施的问题不能销号"
    open_count = sum(1 for s in states if s != VERIFIED)
    if open_count:
        return f"还有 {open_count} 项整改措施未核验，不能销号"
    return ""


def is_overdue(
    state: str,
    deadline: datetime.date | None,
    today: datetime.date,
    closed_on: datetime.date | None,
) -> bool:
    """The 逾期 flag: the deadline passed before the item was closed (or is past today while
    it is open)."""
    if deadline is None:
        return False
    if state in DONE_STATES and closed_on is not None:
        return closed_on > deadline
    return today > deadline


def closed_on_time(deadline: datetime.date | None, closed_on: datetime.date | None) -> bool:
    """Whether an item was closed by its deadline (the 整改按期完成率 counts these)."""
    return closed_on is not None and (deadline is None or closed_on <= deadline)


# --- leads -------------------------------------------------------------------------------

LEAD_YELLOW_MONTHS = 6
LEAD_RED_MONTHS = 12


def lead_colour(
    transferred: datetime.date, today: datetime.date, settled: datetime.date | None = None
) -> Colour:
    """A lead's time-limit colour: settle within 6 months (green), yellow after 6, red after
    12 (the day 6 or 12 calendar months after the transfer is the first late one); a
    settled lead is judged on its settling day."""
    day = settled if settled is not None else today
    if day >= add_months(transferred, LEAD_RED_MONTHS):
        return Colour.RED
    if day >= add_months(transferred, LEAD_YELLOW_MONTHS):
        return Colour.YELLOW
    return Colour.GREEN


# --- accountability -------------------------------------------------------------------------

GENERAL = "一般"
LARGER = "较大"
MAJOR = "重大"
LARGER_FROM = Decimal(5_000_000)
MAJOR_FROM = Decimal(50_000_000)
ORG_HANDLING_MONTHS = 1


def loss_band(amount: Decimal | int) -> str:
    """The band of a loss in 元 under 国资委令第46号: below 5,000,000 一般; 5,000,000
    (inclusive) to 50,000,000 较大; 50,000,000 and above 重大."""
    value = Decimal(amount)
    if value < 0:
        raise ValueError("损失金额不能为负")
    if value >= MAJOR_FROM:
        return MAJOR
    if value >= LARGER_FROM:
        return LARGER
    return GENERAL


def decision_accountability_problem(
    *, on_decision: bool, band: str, business_track: bool, party_track: bool
) -> str:
    """Why an accountability record breaks the dual rule, or "": a 较大 or 重大 loss on a
    decision asks for both tracks, 经营 and 党内 (supervision.md §1)."""
    if on_decision and band in (LARGER, MAJOR) and not (business_track and party_track):
        return f"决策造成{band}损失，须同时进行经营问责和党内问责"
    return ""


def org_handling_due(decided: datetime.date) -> datetime.date:
    """When the 组织处理 of a 党内 accountability decided on ``decided`` is due (1 month)."""
    return add_months(decided, ORG_HANDLING_MONTHS)
