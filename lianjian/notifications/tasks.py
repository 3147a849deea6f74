"""The daily reminders as a background task (docs/tasks.md): ``lianjian remind --queue``
(from cron) enqueues it and the worker runs it; the counts are kept as the task's result.
Running it twice for a day creates no second reminder (``reminders.deliver`` skips what
was already sent)."""

from __future__ import annotations

import datetime

from django_tasks import task

from lianjian.notifications import reminders


@task()
def remind_task(day: str) -> dict[str, int]:
    """Turn the events due on ``day`` (ISO date) into notifications; the counts per kind."""
    return reminders.run(datetime.date.fromisoformat(day))
