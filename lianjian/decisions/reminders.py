"""Post-evaluations in the daily ``lianjian remind``: a decided item whose post-evaluation
turns yellow (临期) or red (overdue) reminds the board office of its organisation, once per
colour, through :func:`lianjian.deadlines.notify.colour_reminders` (kind ``post_evaluation``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lianjian.accounts.models import User
from lianjian.deadlines.engine import Colour
from lianjian.deadlines.notify import DeadlineItem, colour_reminders
from lianjian.decisions.selectors import KIND, evaluation_colour, open_evaluations
from lianjian.notifications.reminders import Reminder


def board_offices(paths: set[str]) -> dict[str, tuple[int, ...]]:
    """The active board-office accounts whose organisation is at or above each path."""
    accounts = list(
        User.objects.filter(role=User.Role.BOARD, is_active=True, org__isnull=False).values_list(
            "pk", "org__path"
        )
    )
    return {path: tuple(pk for pk, above in accounts if path.startswith(above)) for path in paths}


def post_evaluation_reminders(today: datetime.date) -> Iterator[Reminder]:
    """The yellow and red post-evaluations of the items waiting for one."""
    items = list(open_evaluations().select_related("organisation"))
    coloured = [(i, evaluation_colour(i, today)) for i in items]
    warned = [(i, c) for i, c in coloured if c in (Colour.YELLOW, Colour.RED)]
    if not warned:
        return
    offices = board_offices({i.organisation.path for i, _ in warned})
    out = []
    for item, colour in warned:
        due = item.post_evaluation_due
        assert due is not None  # open_evaluations() has a due date
        out.append(
            DeadlineItem(
                kind=KIND,
                key=f"decision:{item.number}",
                title=f"三重一大事项“{item.title}”后评估{'临期' if colour is Colour.YELLOW else '逾期'}",
                body=f"事项 {item.number} 于 {item.decided_on:%Y-%m-%d} 决策，后评估应于 {due:%Y-%m-%d} 前完成。",
                link=f"/decisions/i/{item.number}/",
                colour=colour,
                due=due,
                owner_ids=offices.get(item.organisation.path, ()),
                leader_ids=(),
                version=f"{due:%Y-%m-%d}",
            )
        )
    yield from colour_reminders(out, today)
