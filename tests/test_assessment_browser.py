"""A real-browser walk through 双维度考核 on the demo company: the scheme editor, the ranking,
one total followed down to its source records (KPI batch, organisational-life compliance,
joint activities, evaluators), the star distribution and scatter, what moved between
versions, the trend, the downloads, and an evaluator scoring with htmx.

Screenshots go to ``test-artifacts/assessment-*.png``. Without a browser the test is
skipped loudly; under ``CI=true`` a missing browser fails (same fixture as test_browser).
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop; the live server's DB access is still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DEMO_PASSWORD = "Demo@2026"

# serialized_rollback: transactional tests flush tables, which would drop the rows seeded by
# data migrations (alliance types, compliance rules) for the tests that follow.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def page():
    if CHROMIUM is None:
        message = "!!! Debian chromium not found: the real-browser test is SKIPPED (apt-get install chromium) !!!"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(
            viewport={"width": 1366, "height": 860}, locale="zh-CN", accept_downloads=True
        )
        yield context.new_page()
        context.close()
        browser.close()


def shot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # a scrolled page puts the sticky sidebar mid-picture
    page.screenshot(path=str(ARTIFACTS / f"assessment-{name}.png"), full_page=True)


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_the_demo_assessment_reads_well_and_a_total_leads_to_its_records(
    live_server, page, settings, tmp_path
):
    from playwright.sync_api import expect

    from lianjian.assessment.models import AssessmentResult, AssessmentRun

    settings.DATA_DIR = tmp_path  # the Word report's file
    call_command("demo", stdout=io.StringIO())
    published = AssessmentRun.objects.get(scheme__code="2026-SWD", is_published=True)
    # the best-ranked branch with joint activities: its breakdown has every kind of evidence
    target = next(
        r
        for r in AssessmentResult.objects.filter(run=published)
        .select_related("org")
        .order_by("rank")
        if r.indicators["LJ1"]["evidence"]["activities"]
    )
    base = live_server.url
    login(page, base, "dangwei")

    # the scheme and its editor: rule parameters follow the chosen rule
    page.click(".sidebar-lj >> text=双维度考核")
    page.click("text=2026年度党支部双维度考核")
    page.wait_for_selector("[data-dimension=YW]")
    assert page.locator("#star-bands").inner_text().startswith("★★★★★ ≥ 95 分")
    page.click("[data-indicator=YW2] >> text=编辑")
    # the page's script hides the fields of other rules once it has run: wait for it, the
    # click returns as soon as the navigation starts
    page.wait_for_load_state("load")
    expect(page.locator("[data-field=target]")).to_be_visible()
    expect(page.locator("[data-field=per]")).to_be_hidden()
    assert page.locator("select[name=direction]").input_value() == "lower"
    page.select_option("select[name=rule]", "deduct")
    expect(page.locator("[data-field=per]")).to_be_visible()
    expect(page.locator("[data-field=target]")).to_be_hidden()
    shot(page, "01-scheme-editor")
    page.click("text=取消")

    # the ranking, then one total followed down to its records
    page.click("text=计算考核结果")
    page.click("[data-version='2'] >> text=第 2 版")
    page.wait_for_selector("#ranking")
    row = page.locator(f"tr[data-org='{target.org.code}']")
    total = row.locator("[data-total]").inner_text()
    assert total == f"{target.total:.2f}"
    assert page.locator(f"tr[data-org='{target.org.code}'] td").first.inner_text() == str(
        target.rank
    )
    assert page.locator("tr[data-org] >> text=否决").count() == 1
    shot(page, "02-ranking")
    row.locator("text=得分明细").click()
    page.wait_for_selector("#total")
    assert page.locator("#total").inner_text() == total
    dims = [float(t) for t in page.locator("[data-dimension-points]").all_inner_texts()]
    assert round(sum(dims), 2) == pytest.approx(float(total), abs=0.011)
    page.locator("[data-indicator=LJ1] details summary").click()
    shot(page, "03-breakdown")

    activity_link = page.locator("[data-indicator=LJ1] details a").first
    topic = activity_link.inner_text().split(" ", 1)[1]
    activity_link.click()
    page.wait_for_selector(f"h2:has-text('{topic[:8]}')")
    page.go_back()
    page.locator("[data-indicator=YW1] [data-evidence=kpi] a").click()
    page.wait_for_selector("#batch-facts")
    assert "Excel导入" in page.locator("#batch-facts").inner_text()
    assert page.locator(f"text={target.org.code}").count() >= 1
    shot(page, "04-kpi-batch")
    page.go_back()
    page.locator("[data-indicator=DJ1] [data-evidence=compliance_rate] a").click()
    page.wait_for_url(f"**/activities/compliance/o/{target.org.code}/?year=2026")
    assert target.org.name in page.content()
    page.go_back()
    assert (
        "党建工作部：" in page.locator("[data-indicator=DJ2] [data-evidence=manual]").inner_text()
    )

    # the company picture: distribution, scatter with the correlation stated plainly
    page.goto(f"{base}/assessment/r/{published.pk}/analysis/")
    page.wait_for_selector("#chart-stars canvas")
    page.wait_for_selector("#chart-scatter canvas")
    assert "这只是相关关系" in page.locator("#correlation").inner_text()
    assert page.locator("#star-counts [data-stars=veto]").inner_text() == "否决 1"
    page.wait_for_timeout(1200)  # let the charts finish their entry animation
    shot(page, "05-distribution-scatter")
    page.locator("#star-counts [data-stars=veto]").click()
    page.wait_for_url("**stars=veto**")
    expect(page.locator("tr[data-org]")).to_have_count(1)

    # what moved between version 1 and 2, and the downloads
    page.goto(f"{base}/assessment/r/{published.pk}/compare/")
    assert "营收完成率：78.4 → 96.8" in page.locator("tr[data-org='BX-ZB07']").inner_text()
    shot(page, "06-compare")
    with page.expect_download() as download:
        page.click("text=导出排名 Excel")
    assert download.value.suggested_filename == "2026-SWD-2026-第2版-考核排名.xlsx"
    # the Word report is written by a task (run at once by the tests' backend): its job
    # page then offers the file
    page.click("text=生成 Word 报告")
    page.wait_for_selector("[data-job-state='完成']")
    with page.expect_download() as download:
        page.click("[data-report-download]")
    assert download.value.suggested_filename.endswith("考核情况报告.docx")

    # the trend of the quarterly scheme
    page.goto(f"{base}/assessment/s/2026-SWD-Q/trend/")
    page.wait_for_selector("#chart-trend canvas")
    assert page.locator("#trend-table tbody tr").count() == 3
    page.wait_for_timeout(1200)
    shot(page, "07-trend")


def test_an_evaluator_scores_the_branches_left_with_htmx(live_server, page):
    from playwright.sync_api import expect

    from lianjian.assessment.models import ManualScore

    call_command("demo", stdout=io.StringIO())
    base = live_server.url
    login(page, base, "admin")
    page.goto(f"{base}/assessment/reviews/")
    button = page.locator("text=2026年：已评 38 / 41")
    button.click()
    page.wait_for_url("**/assessment/reviews/*/**")
    page.select_option("select[name=only]", "todo")
    page.click("button:has-text('查看')")
    page.wait_for_url("**only=todo**")
    rows = page.locator("tr[data-org]")
    expect(rows).to_have_count(3)  # waits for the filtered page instead of counting mid-load
    first = rows.first
    code = first.get_attribute("data-org")
    first.locator("input[name=score]").fill("21")
    first.locator("button[type=submit]").click()
    # above the maximum: the browser refuses before anything is sent (the server refuses too)
    assert first.locator("input[name=score]").evaluate("e => e.validity.rangeOverflow") is True
    assert not ManualScore.objects.filter(evaluator__username="admin", org__code=code).exists()
    page.locator(f"#review-{code} input[name=score]").fill("17.5")
    page.locator(f"#review-{code} input[name=comment]").fill("述职材料完整")
    page.locator(f"#review-{code} button[type=submit]").click()
    page.wait_for_selector(f"#review-{code} >> text=已保存")
    assert page.locator("#done").inner_text() == "39"
    shot(page, "08-review")
    score = ManualScore.objects.get(evaluator__username="admin", org__code=code, period="2026")
    assert (score.score, score.comment) == (17.5, "述职材料完整")


def test_a_phone_shows_the_result_header_and_the_review_rows_readably(live_server, page):
    """At 390 px the version header stacks above its buttons (it used to squeeze the title to
    one character a line and clip the 已发布 badge) and the 我的评议 rows scroll sideways
    instead of squeezing the organisation's name."""
    from lianjian.assessment.models import AssessmentRun

    call_command("demo", stdout=io.StringIO())
    published = AssessmentRun.objects.get(scheme__code="2026-SWD", is_published=True)
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, base, "admin")
    for path in (f"/assessment/r/{published.pk}/", f"/assessment/r/{published.pk}/analysis/"):
        page.goto(base + path)
        title = page.locator(".page-title").first.bounding_box()
        badge = page.locator(".page-title .badge").first.bounding_box()
        assert title["width"] > 300 and title["height"] < 80
        assert badge["x"] + badge["width"] <= 390
    shot(page, "09-phone-analysis")
    page.goto(f"{base}/assessment/reviews/")
    page.locator("text=2026年：已评 38 / 41").click()
    page.wait_for_selector("tr[data-org]")
    name_cell = page.locator("tr[data-org] td").first.bounding_box()
    score = page.locator("tr[data-org] input[name=score]").first.bounding_box()
    assert name_cell["width"] >= 120 and score["width"] >= 60
    shot(page, "10-phone-review")
