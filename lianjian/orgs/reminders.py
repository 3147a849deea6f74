"""Reminder provider for committee terms (换届): 90 days before the end, and once overdue."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder
from lianjian.orgs.models import Organisation
from lianjian.orgs.rules import DEFAULT_RULES
from lianjian.orgs.selectors import responsible_managers


def term_reminders(today: datetime.date) -> Iterator[Reminder]:
    """Internal active organisations whose term ends within the warning window or has ended."""
    horizon = today + datetime.timedelta(days=DEFAULT_RULES["term_warning_days"])
    orgs = list(
        Organisation.objects.internal()
        .active()
        .filter(term_end__isnull=False, term_end__lte=horizon)
        .only("id", "code", "name", "path", "term_end")
    )
    managers = responsible_managers(orgs)
    for org in orgs:
        users = managers[org.pk]
        if not users:
            continue
        days = (org.term_end - today).days
        if days < 0:
            yield Reminder(
                key=f"org:{org.code}:term:{org.term_end:%Y%m%d}:overdue",
                user_ids=users,
                title=f"{org.name}任期已届满，请尽快换届",
                level=Notification.Level.RED,
                body=f"本届任期于 {org.term_end:%Y-%m-%d} 届满。",
                link=f"/orgs/o/{org.code}/",
                due=org.term_end,
            )
        else:
            yield Reminder(
                key=f"org:{org.code}:term:{org.term_end:%Y%m%d}:due",
                user_ids=users,
                title=f"{org.name}任期将于 {org.term_end:%Y-%m-%d} 届满",
                level=Notification.Level.YELLOW,
                body=f"还有 {days} 天，请按程序做好换届准备。",
                link=f"/orgs/o/{org.code}/",
                due=org.term_end,
            )
