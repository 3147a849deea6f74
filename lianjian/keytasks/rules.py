"""Pure rules of key-task lists (党建+关键任务清单): states, transitions, dates, weights,
percentages, KPI settings, report periods and who may own a task.

No Django here: the models' ``clean()``, the services, the Excel kinds and the API share
these functions, and the tests run them without a database. Each function returns a Chinese
reason ("" when the value is fine) or a dict field → reason.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from typing import Any

# --- lists -----------------------------------------------------------------------------

LIST_DRAFT = "草拟"
LIST_ISSUED = "已下达"
LIST_RUNNING = "执行中"
LIST_CLOSED = "已关闭"
LIST_STATES = (LIST_DRAFT, LIST_ISSUED, LIST_RUNNING, LIST_CLOSED)

# action → (states it may leave, state it enters)
LIST_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "issue": ((LIST_DRAFT,), LIST_ISSUED),
    "start": ((LIST_ISSUED,), LIST_RUNNING),
    "close": ((LIST_ISSUED, LIST_RUNNING), LIST_CLOSED),
}
LIST_ACTION_LABELS = {"issue": "下达", "start": "开始执行", "close": "关闭"}
# A change to a list in these states is a new version that records what changed.
VERSIONED_LIST_STATES = (LIST_ISSUED, LIST_RUNNING)

# --- tasks -----------------------------------------------------------------------------

DRAFT = "草拟"
ISSUED = "已下达"
CLAIMED = "已认领"
IN_PROGRESS = "推进中"
ACCEPTANCE = "申请验收"
ACCEPTED = "已验收"
ARCHIVED = "归档"
RETURNED = "退回"
SUSPENDED = "暂缓"
CANCELLED = "撤销"
STATES = (
    DRAFT,
    ISSUED,
    CLAIMED,
    IN_PROGRESS,
    ACCEPTANCE,
    ACCEPTED,
    ARCHIVED,
    RETURNED,
    SUSPENDED,
    CANCELLED,
)
# Being worked on: progress is reported and the task colours.
ACTIVE_STATES = (ISSUED, CLAIMED, IN_PROGRESS, ACCEPTANCE, RETURNED)
DONE_STATES = (ACCEPTED, ARCHIVED)
# States in which the owner may report progress.
REPORTING_STATES = (CLAIMED, IN_PROGRESS, RETURNED)

# action → (states it may leave, state it enters). Who may take it is the model's SCOPE.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "issue": ((DRAFT, RETURNED), ISSUED),  # 下达 (again, after a 退回)
    "claim": ((ISSUED,), CLAIMED),  # 认领 by the owner organisation
    "start": ((CLAIMED, RETURNED, SUSPENDED), IN_PROGRESS),  # 开始推进 / 恢复
    "request_acceptance": ((IN_PROGRESS,), ACCEPTANCE),  # 申请验收
    "accept": ((ACCEPTANCE,), ACCEPTED),  # 验收通过
    "archive": ((ACCEPTED,), ARCHIVED),  # 归档
    "return": ((ISSUED, CLAIMED, ACCEPTANCE), RETURNED),  # 退回 (reason)
    "suspend": ((ISSUED, CLAIMED, IN_PROGRESS), SUSPENDED),  # 暂缓 (reason)
    "cancel": ((DRAFT, ISSUED, CLAIMED, IN_PROGRESS, ACCEPTANCE, RETURNED, SUSPENDED), CANCELLED),
}
ACTION_LABELS = {
    "issue": "下达",
    "claim": "认领",
    "start": "开始推进",
    "request_acceptance": "申请验收",
    "accept": "验收",
    "archive": "归档",
    "return": "退回",
    "suspend": "暂缓",
    "cancel": "撤销",
}
# Actions that need a reason.
REASON_ACTIONS = ("return", "suspend", "cancel")
# Who takes each action (the scope action of KeyTask.SCOPE that decides it): the issuing
# organisation ("change") or the owner organisation ("work"); acceptance is "confirm".
ACTION_SCOPE = {
    "issue": "change",
    "claim": "work",
    "start": "work",
    "request_acceptance": "work",
    "accept": "confirm",
    "archive": "change",
    "return": "change",
    "suspend": "change",
    "cancel": "change",
}


class IllegalTransition(ValueError):
    """The action is not allowed in the current state; ``str()`` is the Chinese reason."""


def transition(
    table: Mapping[str, tuple[tuple[str, ...], str]],
    labels: Mapping[str, str],
    action: str,
    state: str,
    *,
    what: str = "任务",
) -> str:
    """The state after ``action`` from ``state``; raises :class:`IllegalTransition`."""
    if action not in table:
        raise IllegalTransition(f"未知操作：{action}")
    sources, target = table[action]
    if state not in sources:
        allowed = "、".join(sources)
        raise IllegalTransition(
            f"{what}当前为“{state}”，不能{labels[action]}（只有{allowed}的{what}可以{labels[action]}）"
        )
    return target


def task_next_state(action: str, state: str) -> str:
    return transition(TRANSITIONS, ACTION_LABELS, action, state)


def list_next_state(action: str, state: str) -> str:
    return transition(LIST_TRANSITIONS, LIST_ACTION_LABELS, action, state, what="清单")


def task_actions(state: str) -> list[str]:
    """The actions the state allows, in the table's order (for screens)."""
    return [a for a, (sources, _) in TRANSITIONS.items() if state in sources]


def reason_problem(action: str, reason: str) -> str:
    if action in REASON_ACTIONS and not (reason or "").strip():
        return f"{ACTION_LABELS[action]}须填写原因"
    return ""


# --- progress modes, KPI ----------------------------------------------------------------

MANUAL = "手动"
MILESTONES = "里程碑"
CHILDREN = "子任务"
KPI = "指标"
MODES = (MANUAL, MILESTONES, CHILDREN, KPI)

HIGHER = "越高越好"
LOWER = "越低越好"
DIRECTIONS = (HIGHER, LOWER)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def percent_problem(value: Any, label: str = "进度") -> str:
    if value is None:
        return ""
    if not _finite(value) or not 0 <= value <= 100:
        return f"{label}应在 0 到 100 之间"
    return ""


def weight_problem(value: Any, label: str = "权重") -> str:
    if value is None:
        return ""
    if not _finite(value) or value < 0:
        return f"{label}不能为负数"
    if value > 1_000_000_000:
        return f"{label}过大"
    return ""


def kpi_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """A task in mode 指标 has a baseline and a target that differ, in the direction it
    declares (越高越好: target above baseline; 越低越好: below)."""
    errors: dict[str, str] = {}
    if values.get("progress_mode") != KPI:
        return errors
    baseline, target = values.get("kpi_baseline"), values.get("kpi_target")
    direction = values.get("kpi_direction")
    for name, value in (("kpi_baseline", baseline), ("kpi_target", target)):
        if value is not None and not _finite(value):
            errors[name] = "应为有限的数字"
    if baseline is None:
        errors["kpi_baseline"] = "按指标计算进度的任务须填写基准值"
    if target is None:
        errors["kpi_target"] = "按指标计算进度的任务须填写目标值"
    if direction not in DIRECTIONS:
        errors["kpi_direction"] = "按指标计算进度的任务须选择指标方向（越高越好/越低越好）"
    if (
        isinstance(baseline, int | float)
        and isinstance(target, int | float)
        and _finite(baseline)
        and _finite(target)
        and "kpi_direction" not in errors
    ):
        if target == baseline:
            errors["kpi_target"] = "目标值不能等于基准值"
        elif direction == HIGHER and target < baseline:
            errors["kpi_target"] = "指标方向为越高越好，目标值应大于基准值"
        elif direction == LOWER and target > baseline:
            errors["kpi_target"] = "指标方向为越低越好，目标值应小于基准值"
    return errors


# --- dates ------------------------------------------------------------------------------

# How far a task's dates may lie outside its list's year (a 技改项目 may start in the
# December before and be accepted in the spring after).
YEAR_SLACK = 1


def task_date_errors(
    start: Any, end: Any, year: int | None, *, start_field: str = "planned_start"
) -> dict[str, str]:
    """Planned start ≤ planned end, both within the list's year ± :data:`YEAR_SLACK`."""
    errors: dict[str, str] = {}
    dates = {start_field: start, "planned_end": end}
    if year is not None:
        first, last = year - YEAR_SLACK, year + YEAR_SLACK
        for name, day in dates.items():
            if isinstance(day, datetime.date) and not first <= day.year <= last:
                label = "计划开始" if name == start_field else "计划完成"
                errors[name] = f"{label}应在 {first} 至 {last} 年之间（清单年度 {year}）"
    if (
        isinstance(start, datetime.date)
        and isinstance(end, datetime.date)
        and end < start
        and "planned_end" not in errors
    ):
        errors["planned_end"] = "计划完成日期不能早于计划开始日期"
    return errors


def list_year_problem(year: Any, this_year: int) -> str:
    if not isinstance(year, int) or isinstance(year, bool):
        return "年度应为四位数字"
    if not 2000 <= year <= this_year + 5:
        return f"年度应在 2000 至 {this_year + 5} 之间"
    return ""


def milestone_date_errors(
    planned: Any, done: Any, accepted: Any, today: datetime.date
) -> dict[str, str]:
    """A milestone is accepted after it is done; neither lies in the future."""
    errors: dict[str, str] = {}
    if isinstance(done, datetime.date) and done > today:
        errors["done_on"] = "完成日期不能晚于今天"
    if isinstance(accepted, datetime.date):
        if accepted > today:
            errors["accepted_on"] = "验收日期不能晚于今天"
        elif done is None:
            errors["accepted_on"] = "尚未完成的节点不能验收"
        elif isinstance(done, datetime.date) and accepted < done:
            errors["accepted_on"] = "验收日期不能早于完成日期"
    return errors


# --- report periods ---------------------------------------------------------------------

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|Q([1-4]))$")


def parse_period(text: str) -> tuple[datetime.date, datetime.date] | None:
    """(first day, last day) of a report period — ``2026-11`` (月报) or ``2026Q4`` (季报);
    None when ``text`` is neither."""
    m = _PERIOD.match((text or "").strip())
    if not m:
        return None
    year = int(m.group(1))
    if m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return None
        first = datetime.date(year, month, 1)
        last_month = month
    else:
        quarter = int(m.group(3))
        first = datetime.date(year, 3 * quarter - 2, 1)
        last_month = 3 * quarter
    nxt = datetime.date(year + (last_month == 12), last_month % 12 + 1, 1)
    return first, nxt - datetime.timedelta(days=1)


def period_problem(text: str, year: int | None, today: datetime.date) -> str:
    """A report period is a month (``2026-11``) or a quarter (``2026Q4``) of the list's
    year ± :data:`YEAR_SLACK` that has begun."""
    span = parse_period(text)
    if span is None:
        return "期间应为月份（如 2026-11）或季度（如 2026Q4）"
    first, _ = span
    if year is not None and not year - YEAR_SLACK <= first.year <= year + YEAR_SLACK:
        return f"期间应在清单年度 {year} 前后一年内"
    if first > today:
        return "不能报送尚未开始的期间"
    return ""


MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_problem(text: str) -> str:
    m = MONTH.match(text or "")
    if not m or not 2000 <= int(m.group(1)) <= 2199:
        return "月份应为 YYYY-MM（如 2026-11）"
    return ""


def month_ended(month: str, today: datetime.date) -> bool:
    """Whether the month ``YYYY-MM`` is over on ``today`` (a package's claims are then fixed)."""
    m = MONTH.match(month or "")
    if not m:
        return False
    return (today.year, today.month) > (int(m.group(1)), int(m.group(2)))


CAPACITY_MAX = 500


def capacity_problem(capacity: int | None) -> str:
    """How many members may claim one package item: 1 to :data:`CAPACITY_MAX`."""
    if capacity is None or not 1 <= capacity <= CAPACITY_MAX:
        return f"可认领人数应在 1 到 {CAPACITY_MAX} 之间"
    return ""


# --- owners -----------------------------------------------------------------------------

PARTY_CATEGORIES = ("正式党员", "预备党员")


def owner_problem(category: str | None, *, left: bool, name: str = "") -> str:
    """Only a 党员 (正式 or 预备) who is still with the organisation owns a key task; a 群众
    may only take part."""
    who = f"“{name}”" if name else "责任人"
    if category not in PARTY_CATEGORIES:
        return f"{who}不是党员，不能担任责任人（群众只能作为参与人）"
    if left:
        return f"{who}已离开组织，不能担任责任人"
    return ""


def reporter_is_confirmer_problem(submitted_by: int | None, confirmer: int | None) -> str:
    """Whoever reported a value never confirms it."""
    if submitted_by is not None and submitted_by == confirmer:
        return "不能确认自己报送的进度"
    return ""
