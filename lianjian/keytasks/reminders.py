"""Key tasks in the daily ``lianjian remind``: a task that turns yellow reminds its owner, a
red one its owner and its sponsor leader (包保), once per colour (fusion.md §2), through the
one mechanism of the product (:func:`lianjian.deadlines.notify.colour_reminders`).

The owner is the owner member's account, or — when the member has none — the managers
responsible for the owner organisation; the leader is the sponsor's account. The colour is
the one every screen shows (:func:`lianjian.keytasks.selectors.task_statuses`, the task's
preset); only tasks being worked on (already issued, not accepted) remind.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from lianjian.accounts.models import User
from lianjian.deadlines.engine import Colour
from lianjian.deadlines.models import DeadlineKind
from lianjian.deadlines.notify import DeadlineItem, colour_reminders
from lianjian.keytasks import rules
from lianjian.keytasks.models import KeyTask
from lianjian.keytasks.selectors import task_statuses
from lianjian.notifications.reminders import Reminder
from lianjian.orgs.selectors import responsible_managers

KIND = DeadlineKind.Code.KEY_TASK


def task_reminders(today: datetime.date) -> Iterator[Reminder]:
    """The yellow and red key tasks of the issued lists, by whole lists (a fixed number of
    queries)."""
    tasks = list(
        KeyTask.objects.filter(task_list__state__in=rules.VERSIONED_LIST_STATES).select_related(
            "owner_org", "task_list"
        )
    )
    by_list: dict[int, list[KeyTask]] = defaultdict(list)
    for t in tasks:
        by_list[t.task_list_id].append(t)
    status = {}
    for members in by_list.values():
        status.update(task_statuses(members, today))
    warned = [
        t
        for t in tasks
        if t.state in rules.ACTIVE_STATES and status[t.pk].colour in (Colour.YELLOW, Colour.RED)
    ]
    if not warned:
        return
    member_ids = {t.owner_id for t in warned} | {t.sponsor_id for t in warned}
    accounts: dict[int, int] = dict(
        User.objects.filter(member_id__in=[m for m in member_ids if m], is_active=True).values_list(
            "member_id", "pk"
        )
    )
    managers = responsible_managers(
        list({t.owner_org_id: t.owner_org for t in warned if t.owner_id not in accounts}.values())
    )
    items = []
    for t in warned:
        s = status[t.pk]
        colour = Colour(s.colour)
        owner = accounts.get(t.owner_id) if t.owner_id is not None else None
        owners = (owner,) if owner is not None else managers.get(t.owner_org_id, ())
        sponsor = accounts.get(t.sponsor_id) if t.sponsor_id is not None else None
        lag = "" if s.expected is None else f"序时进度 {s.expected:g}%，"
        items.append(
            DeadlineItem(
                kind=KIND,
                key=f"key_task:{t.code}",
                title=f"关键任务“{t.name}”{'进度滞后' if colour is Colour.YELLOW else '严重滞后'}",
                body=f"{t.task_list.name}：{lag}实际进度 {(s.progress or 0):g}%，计划 {t.planned_end:%Y-%m-%d} 完成。",
                link=f"/keytasks/t/{t.code}/",
                colour=colour,
                due=t.planned_end,
                owner_ids=owners,
                leader_ids=(sponsor,) if sponsor is not None else (),
                version=f"{t.planned_end:%Y-%m-%d}",
            )
        )
    yield from colour_reminders(items, today)
