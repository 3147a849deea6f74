"""The Word report's job page in a real browser: the click queues the report, the page polls
(htmx) while it waits, then offers the download without a reload; 1366 and 390 px shots."""

from __future__ import annotations

import pytest
from django_tasks import default_task_backend

from lianjian.core import jobs
from lianjian.core.models import ReportJob
from tests.assessment_screens_helpers import make_assessed
from tests.browser_helpers import BROWSER_MARKS, logged_in_page, shot

pytestmark = BROWSER_MARKS


@pytest.mark.parametrize("width", [1366, 390])
def test_the_report_job_page_polls_then_offers_the_file(
    live_server, browser, world, settings, tmp_path, width
):
    from playwright.sync_api import expect

    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    assessed = make_assessed(world)
    page = logged_in_page(browser, "company", live_server.url)
    page.set_viewport_size({"width": width, "height": 860})
    page.goto(f"{live_server.url}/assessment/r/{assessed.run2.pk}/")
    page.click("text=生成 Word 报告")
    page.wait_for_selector("[data-job-state='排队']")
    expect(page.locator("[data-job-status]")).to_contain_text("后台正在生成报告")
    shot(page, f"report-job-queued-{width}")

    job = ReportJob.objects.get()
    assert jobs.write_report_task.call(job.pk) == "完成"  # the worker
    page.wait_for_selector("[data-job-state='完成']", timeout=10_000)  # the poll redirects
    link = page.locator("[data-report-download]")
    expect(link).to_contain_text("考核情况报告.docx")
    shot(page, f"report-job-done-{width}")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith("考核情况报告.docx")
