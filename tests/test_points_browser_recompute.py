"""The scheme page's 重新计算自动积分 in a real browser: the click (after the confirmation)
queues the recompute, the job page polls (htmx) while it waits, then shows the entries
written and withdrawn without a reload; 1366 and 390 px shots
(test-artifacts/points-recompute-*.png)."""

from __future__ import annotations

import datetime

import pytest
from django_tasks import default_task_backend

from lianjian.points import tasks
from lianjian.points.models import PointsEntry, RecomputeJob
from tests.browser_helpers import BROWSER_MARKS, logged_in_page, shot
from tests.points_helpers import YEAR, held_meeting, make_scheme

pytestmark = BROWSER_MARKS


@pytest.mark.parametrize("width", [1366, 390])
def test_the_recompute_job_page_polls_then_shows_the_counts(
    live_server, browser, world, settings, width
):
    from playwright.sync_api import expect

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    make_scheme()
    held_meeting(world.zb_a, datetime.date(YEAR, 2, 10), present=[world.m_a1])
    assert not PointsEntry.objects.exists()  # the activity's own task only queued: a repair
    page = logged_in_page(browser, "company", live_server.url)
    page.set_viewport_size({"width": width, "height": 860})
    page.goto(f"{live_server.url}/points/s/2026-JF/")
    page.once("dialog", lambda d: d.accept())  # 按现有的活动、任务和问题记录重新计算…？
    page.click("button:has-text('重新计算自动积分')")
    page.wait_for_selector("[data-job-state='排队']")
    expect(page.locator("[data-job-status]")).to_contain_text("后台正在重新计算")
    assert not PointsEntry.objects.exists()  # nothing recomputed in the request
    shot(page, f"points-recompute-queued-{width}")

    job = RecomputeJob.objects.get()
    assert tasks.recompute_task.call(job.pk) == "完成"  # the worker
    page.wait_for_selector("[data-job-state='完成']", timeout=10_000)  # the poll redirects
    expect(page.locator("[data-job-result]")).to_have_text(
        "已重新计算：新增自动积分 1 条，撤回 0 条"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"points-recompute-done-{width}")
    page.click("text=返回积分办法")
    page.wait_for_url(f"{live_server.url}/points/s/2026-JF/")
