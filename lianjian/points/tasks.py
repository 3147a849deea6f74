"""Background work of 党员积分 (docs/tasks.md).

:func:`activity_points_task` brings one activity's automatic entries in line once its
record has entered or left the statuses that count; it is enqueued after the activity's
transaction commits (:func:`lianjian.points.apps.PointsConfig.ready` listens to
``activities.signals.counted_changed``). A retry writes nothing twice (the recompute is
idempotent).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks import task

from lianjian.points import services


@task()
def activity_points_task(activity_id: int) -> dict[str, int]:
    """The entries written and withdrawn for the activity ``activity_id``."""
    written, withdrawn = services.recompute_activity(activity_id)
    return {"written": written, "withdrawn": withdrawn}


def on_counted_changed(sender: Any, activity_id: int, **kwargs: Any) -> None:
    """Receiver of ``counted_changed``: the activity's points once its change commits —
    never inside the activity's transaction (the task must read the committed record, and
    a failure to enqueue must not undo the review step: ``robust`` logs it; a recompute of the
    scheme — the screen's button or ``lianjian points recompute`` — repairs what was missed)."""
    transaction.on_commit(lambda: activity_points_task.enqueue(activity_id), robust=True)
