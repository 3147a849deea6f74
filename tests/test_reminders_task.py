"""The daily reminders as a background task: ``lianjian remind --queue`` hands the day to the
worker, the task keeps the counts as its result, and a second run reminds nobody twice."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import default_task_backend

from lianjian.notifications.models import Notification
from lianjian.notifications.tasks import remind_task
from lianjian.sharing.models import BookingStatus
from tests.test_flow_booking_expiry import past_request, sw  # noqa: F401 - the fixture


@pytest.mark.django_db
def test_remind_queue_hands_the_day_to_the_worker_and_a_rerun_reminds_nobody_twice(
    world,
    sw,  # noqa: F811 - the fixture imported above
    settings,
):
    old = past_request(sw, world)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    out = io.StringIO()
    call_command("remind", "--queue", stdout=out)
    today = timezone.localdate().isoformat()
    [queued] = default_task_backend.results
    assert (queued.task.name, list(queued.args)) == ("remind_task", [today])
    assert "已交给后台任务进程" in out.getvalue()
    assert not Notification.objects.filter(key=f"booking:{old.pk}:已过期").exists()

    counts = remind_task.call(today)  # the worker
    assert counts["资源预约"] == 1
    old.refresh_from_db()
    assert old.status == BookingStatus.EXPIRED
    assert Notification.objects.filter(key=f"booking:{old.pk}:已过期").count() == 1
    assert sum(remind_task.call(today).values()) == 0  # a retry
    assert Notification.objects.filter(key=f"booking:{old.pk}:已过期").count() == 1
