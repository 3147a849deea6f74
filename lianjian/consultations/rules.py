"""Pure rules of the problem list (问题清单): states, transitions, the 三色 colour, the median.

No Django here: the services, selectors, reminders and tests share these functions, and the
property tests run them without a database.

States, in order: 待研究 (raised, waiting for the alliance to study it) → 已分派 (studied,
owners and a deadline set) → 办理中 (the owners report progress) → 待确认 (solved, waiting
for the raising organisation) → 已销号 (confirmed, closed). 待确认 can go back to 办理中
(重新办理, with a reason). A problem in 已分派 or 办理中 can be re-assigned (new owners or
a new deadline) without changing its state.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from lianjian.deadlines import engine
from lianjian.deadlines.engine import PresetRule

PENDING = "待研究"
ASSIGNED = "已分派"
IN_PROGRESS = "办理中"
SOLVED = "待确认"
CLOSED = "已销号"
STATES = (PENDING, ASSIGNED, IN_PROGRESS, SOLVED, CLOSED)

# Being worked on: they have owners and a deadline, so they escalate.
OPEN_STATES = (ASSIGNED, IN_PROGRESS)
# Not solved yet (the "open" figure of an alliance).
UNSOLVED_STATES = (PENDING, ASSIGNED, IN_PROGRESS)
SOLVED_STATES = (SOLVED, CLOSED)

# The kind of item of problems in the deadline colours (lianjian.deadlines: its preset
# colours them, 临期 by default).
DEADLINE_KIND = "problem"

ACTIONS: dict[str, tuple[str, ...]] = {
    "assign": (PENDING, ASSIGNED, IN_PROGRESS),
    "progress": (ASSIGNED, IN_PROGRESS),
    "solve": (ASSIGNED, IN_PROGRESS),
    "confirm": (SOLVED,),
    "reopen": (SOLVED,),
    "edit": (PENDING,),
}
ACTION_LABELS = {
    "assign": "分派",
    "progress": "报送进展",
    "solve": "办结",
    "confirm": "确认销号",
    "reopen": "退回重新办理",
    "edit": "修改",
}


class IllegalTransition(ValueError):
    """The action is not allowed in the problem's state; ``str()`` is the Chinese reason."""


def dissolved_raiser_problem(name: str) -> str:
    """A dissolved organisation raises no problem (the service and the import alike)."""
    return f"组织“{name}”已撤销，不能提出问题"


def dissolved_owners_problem(names: list[str]) -> str:
    """Dissolved organisations are not made owners of a problem; "" when ``names`` is empty."""
    return f"已撤销的组织不能作为责任组织：{'、'.join(names)}" if names else ""


def allowed(action: str, state: str) -> bool:
    return state in ACTIONS[action]


def refusal(action: str, state: str) -> str:
    """Why ``action`` cannot happen in ``state``, in the words a user reads."""
    states = "、".join(ACTIONS[action])
    return f"问题当前为“{state}”，不能{ACTION_LABELS[action]}（只有{states}的问题可以{ACTION_LABELS[action]}）"


def next_state(action: str, state: str) -> str:
    """The state after ``action`` from ``state``; raises :class:`IllegalTransition`."""
    if not allowed(action, state):
        raise IllegalTransition(refusal(action, state))
    if action == "assign":
        return ASSIGNED if state == PENDING else state
    if action == "progress":
        return IN_PROGRESS
    if action == "solve":
        return SOLVED
    if action == "confirm":
        return CLOSED
    if action == "reopen":
        return IN_PROGRESS
    return state


def colour(
    state: str, deadline: datetime.date | None, today: datetime.date, rule: PresetRule
) -> str:
    """The 三色 of a problem under ``rule`` (the preset of the kind ``problem``, 临期 unless
    the 党建工作部 chose another: red overdue, yellow within 7 days — the deadline day
    included —, green otherwise); ``""`` when it is not being worked on (待研究, 待确认,
    已销号) or has no deadline."""
    if state not in OPEN_STATES or deadline is None:
        return ""
    return engine.colour(rule, today=today, due=deadline).value


def median_days(pairs: Iterable[tuple[datetime.date, datetime.date]]) -> float | None:
    """The median of (solved − raised) in days over ``pairs`` of (raised, solved) dates;
    None when there is none. An even count takes the mean of the two middle values."""
    days = sorted((solved - raised).days for raised, solved in pairs)
    if not days:
        return None
    mid = len(days) // 2
    if len(days) % 2:
        return float(days[mid])
    return (days[mid - 1] + days[mid]) / 2
