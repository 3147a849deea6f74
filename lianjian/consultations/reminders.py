"""Reminder provider for the problem list (三色预警), registered as ``问题清单``.

``lianjian remind`` calls :func:`problem_reminders` daily; delivery is idempotent through
the unique (user, key) of a notification. For every problem being worked on (已分派/办理中)
with a deadline:

- yellow when the deadline is ``yellow_threshold()`` days away or less (the day itself
  included) — to the managers responsible for the owner organisations;
- red when the deadline has passed — to the same managers and to those of the alliance's
  lead organisation.

The key names the problem, the colour and the deadline (``problem:WT-2026-001:red:2026-11-15``),
so a problem reminds once per colour and deadline, and again when the deadline is moved.
A solved problem waiting for confirmation (待确认) sends the raising organisation's managers
one to-do to confirm or send it back.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lianjian.consultations import rules
from lianjian.consultations.models import Problem, yellow_threshold
from lianjian.consultations.selectors import problem_rows
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder
from lianjian.orgs.selectors import responsible_managers


def problem_reminders(today: datetime.date) -> Iterator[Reminder]:
    """Yellow, red and confirmation reminders of ``today`` (see the module docstring)."""
    days = yellow_threshold()
    horizon = today + datetime.timedelta(days=days)
    due = list(problem_rows(Problem.objects.filter(state__in=rules.OPEN_STATES, deadline__lte=horizon)).order_by("code"))
    waiting = list(Problem.objects.filter(state=rules.SOLVED).select_related("raised_by").order_by("code"))
    orgs = {o.pk: o for p in due for o in [link.org for link in p.owner_links.all()]}
    orgs.update({p.alliance.lead_id: p.alliance.lead for p in due if p.alliance_id})
    orgs.update({p.raised_by_id: p.raised_by for p in waiting})
    managers = responsible_managers(list(orgs.values()))
    for p in due:
        level = rules.colour(p.state, p.deadline, today, days)
        if level not in ("yellow", "red"):
            continue
        users = {u for link in p.owner_links.all() for u in managers.get(link.org_id, ())}
        if level == "red" and p.alliance_id:
            users.update(managers.get(p.alliance.lead_id, ()))
        if not users:
            continue
        left = (p.deadline - today).days
        if level == "red":
            title = f"问题“{p.title}”已逾期"
            body = f"{p.code}，办理期限 {p.deadline:%Y-%m-%d}，已逾期 {-left} 天，请尽快办理并报送进展。"
        else:
            title = f"问题“{p.title}”临近办理期限"
            body = f"{p.code}，办理期限 {p.deadline:%Y-%m-%d}，还有 {left} 天。"
        yield Reminder(
            key=f"problem:{p.code}:{level}:{p.deadline:%Y-%m-%d}", user_ids=tuple(sorted(users)), title=title, body=body,
            link=f"/consultations/p/{p.code}/", due=p.deadline,
            level=Notification.Level.RED if level == "red" else Notification.Level.YELLOW,
        )
    for p in waiting:
        users = managers.get(p.raised_by_id, ())
        if not users or p.solved_on is None:
            continue
        yield Reminder(
            key=f"problem:{p.code}:confirm:{p.solved_on:%Y-%m-%d}", user_ids=tuple(users),
            title=f"问题“{p.title}”已办结，请确认",
            body=f"{p.code}，责任单位已于 {p.solved_on:%Y-%m-%d} 办结。请核实后确认销号，或退回重新办理。",
            link=f"/consultations/p/{p.code}/", level=Notification.Level.GREEN,
        )
