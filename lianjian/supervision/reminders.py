"""Deadline reminders of the supervision ledger (fusion.md §2), run by the daily
``lianjian remind``: an open item (not 已销号 / 已巩固, not voided) that turns yellow or red
by the preset of the kind ``supervision_item`` (临期 by default) reminds the managers of its
responsible organisation (yellow and red) and, when red, also its responsible leader's
account; once per colour and deadline (``deadlines.notify.colour_reminders``), with the
kind's escalation ladder when one is set.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lianjian.accounts.models import User
from lianjian.deadlines.engine import Colour, latest_due
from lianjian.deadlines.notify import DeadlineItem, colour_reminders
from lianjian.notifications.reminders import Reminder
from lianjian.orgs.selectors import responsible_managers
from lianjian.supervision.models import Item
from lianjian.supervision.selectors import DEADLINE_KIND, OPEN_STATES, item_colour, item_rule


def item_reminders(today: datetime.date) -> Iterator[Reminder]:
    """Yellow and red reminders of ``today`` (see the module docstring)."""
    rule = item_rule()
    horizon = latest_due(rule, today, Colour.YELLOW)
    if horizon is None:
        return
    items = list(
        Item.objects.filter(state__in=OPEN_STATES, voided=False, deadline__lte=horizon)
        .select_related("batch", "responsible_org")
        .order_by("batch__code", "number")
    )
    managers = responsible_managers(
        list({i.responsible_org_id: i.responsible_org for i in items}.values())
    )
    leaders = dict(
        User.objects.filter(
            member_id__in={i.responsible_leader_id for i in items if i.responsible_leader_id},
            is_active=True,
        ).values_list("member_id", "pk")
    )
    found: list[DeadlineItem] = []
    for item in items:
        colour = item_colour(item, today, rule)
        if colour is None or colour is Colour.GREEN:
            continue
        left = (item.deadline - today).days
        name = f"{item.batch.code} 问题{item.number}"
        if left < 0:
            title, body = (
                f"{name}已超过整改时限",
                f"整改时限 {item.deadline:%Y-%m-%d}，已逾期 {-left} 天，请尽快整改并申请销号。",
            )
        else:
            title, body = (
                f"{name}临近整改时限",
                f"整改时限 {item.deadline:%Y-%m-%d}，还有 {left} 天。",
            )
        leader = leaders.get(item.responsible_leader_id) if item.responsible_leader_id else None
        found.append(
            DeadlineItem(
                kind=DEADLINE_KIND,
                key=f"supervision:{item.pk}",
                title=title,
                link=f"/supervision/items/{item.pk}/",
                colour=colour,
                due=item.deadline,
                owner_ids=tuple(managers.get(item.responsible_org_id, ())),
                leader_ids=(leader,) if leader else (),
                body=body,
                version=f"{item.deadline:%Y-%m-%d}",
            )
        )
    yield from colour_reminders(found, today)
