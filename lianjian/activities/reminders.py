"""Reminder provider for organisational life (三色预警), registered as ``组织生活``.

``lianjian remind`` calls :func:`compliance_reminders` daily; ``notifications.reminders.deliver``
makes it idempotent through the unique (user, key) of a notification. For every internal
organisation and rule: a yellow reminder when an open period has ten days or fewer left
and is not yet met, a red one when a period ended unmet within the last ``RED_WINDOW``
days (older gaps stay on the compliance pages, not in the inbox). Recipients are the
managers responsible for the organisation (its own, else the nearest level above).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lianjian.activities.selectors import compliance_rows
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder
from lianjian.orgs.models import Organisation
from lianjian.orgs.selectors import responsible_managers

RED_WINDOW = 31


def compliance_reminders(today: datetime.date) -> Iterator[Reminder]:
    """Yellow and red reminders of ``today`` (see the module docstring)."""
    years = {today.year, (today - datetime.timedelta(days=RED_WINDOW)).year}
    rows = []
    for year in sorted(years):
        rows += [r for r in compliance_rows(year=year, today=today, orgs=Organisation.objects.all())
                 if r.level == "yellow" or (r.level == "red" and -r.days_left <= RED_WINDOW)]
    if not rows:
        return
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in={r.org_id for r in rows}).only("id", "code", "name", "path")}
    managers = responsible_managers(list(orgs.values()))
    for r in rows:
        users = managers.get(r.org_id, ())
        if not users:
            continue
        org = orgs[r.org_id]
        last = today + datetime.timedelta(days=r.days_left)
        if r.level == "red":
            title = f"{org.name}{r.period}未按规定开展{r.rule}"
            body = f"应开展 {r.required} 次，已开展 {r.held} 次，期间已于 {last:%Y-%m-%d} 结束。"
        else:
            title = f"{org.name}{r.period}尚未开展{r.rule}"
            body = f"距期间结束（{last:%Y-%m-%d}）还有 {r.days_left} 天，应开展 {r.required} 次，已开展 {r.held} 次。"
        yield Reminder(
            key=f"compliance:{org.code}:{r.rule}:{r.period}:{r.level}", user_ids=users, title=title, body=body,
            link=f"/activities/compliance/o/{org.code}/?year={last.year}", due=last,
            level=Notification.Level.RED if r.level == "red" else Notification.Level.YELLOW,
        )
