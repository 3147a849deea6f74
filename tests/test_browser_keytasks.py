"""A real-browser walk through 党建+关键任务: the company (dangwei) adds a task to its issued
list with pickers, the branch manager claims it, the owner member reports progress on a
phone (390 px), the company confirms it and everyone sees the colour turn from red to green;
the tree, the timeline and the roll-up at 1366 px; then the demo's 2026 list walked by
dangwei, a branch manager and an owner member.

Same fixtures as ``tests/test_browser.py`` (Playwright driving Debian's chromium);
screenshots go to ``test-artifacts/keytasks-*.png``.
"""

from __future__ import annotations

import datetime
import io

from django.core.management import call_command

from lianjian.core.validation import today
from lianjian.keytasks.models import KeyTask, ProgressReport
from tests.browser_helpers import ARTIFACTS, BROWSER_MARKS
from tests.conftest import PASSWORD
from tests.keytask_helpers import make_tasks
from tests.picker_helpers import choose
from tests.test_browser_csp import DEMO_PASSWORD

pytestmark = BROWSER_MARKS


def shot(page, name: str) -> None:  # noqa: F811 - the fixture's page object
    page.screenshot(path=str(ARTIFACTS / f"keytasks-{name}.png"), full_page=True)


def login(page, base: str, username: str, password: str = PASSWORD) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_task_is_added_claimed_reported_and_turns_green(world, live_server, page):  # noqa: F811
    make_tasks(world)
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    day = today()
    # Planned so that 序时进度 is about 90 % today: without progress the task is red.
    start, end = day - datetime.timedelta(days=180), day + datetime.timedelta(days=20)

    # The company's manager (党委) adds a task to the issued list.
    login(page, base, "company")
    page.click("#sidebar-menu >> text=关键任务")
    page.wait_for_selector("#tasklist-results >> text=QD-T")
    shot(page, "01-lists")
    page.click(f"#tasklist-results >> text={day.year}年党建+关键任务清单")
    page.wait_for_selector("#task-tree [data-code='QD-T-1-A']")
    page.click("text=添加任务")
    page.fill("#id_code", "QD-T-2")
    page.fill("#id_name", "110kV 变电站综合自动化改造")
    page.fill("#id_theme", "党建+安全生产")
    choose(page, "id_owner_org", "营销", "ZB-A")
    choose(page, "id_owner", "张", "M-A1")
    choose(page, "id_sponsor", "王", "M-B1")
    page.fill("#id_planned_start", start.isoformat())
    page.fill("#id_planned_end", end.isoformat())
    shot(page, "02-task-form")
    page.click("button:has-text('添加')")
    page.wait_for_selector("[data-state=已下达]")
    task = KeyTask.objects.get(code="QD-T-2")
    assert (task.owner.number, task.sponsor.number, task.state) == ("M-A1", "M-B1", "已下达")
    assert page.locator("#task-colour [data-colour=red]").count() == 1

    # The branch manager of ZB-A claims it.
    login(page, base, "manager_a")
    page.goto(f"{base}/keytasks/t/QD-T-2/")
    page.click("#action-claim button[type=submit]")
    page.wait_for_selector("[data-state=已认领]")

    # The owner member reports progress on a phone.
    login(page, base, "member_a")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/keytasks/mine/")
    card = page.locator("#mine [data-code='QD-T-2']")
    assert card.get_attribute("data-colour") == "red"
    assert card.evaluate("el => el.getBoundingClientRect().right") <= 390
    shot(page, "03-my-tasks-390")
    card.click()
    page.wait_for_selector("#action-report")
    page.fill("#action-report #id_period", f"{day:%Y-%m}")
    page.fill("#action-report #id_percent", "95")
    page.fill("#action-report #id_text", "完成设备安装调试，进入验收准备。")
    shot(page, "04-report-390")
    page.click("#action-report button[type=submit]")
    page.wait_for_selector("#reports [data-state=已提交]")
    assert page.locator("[data-state=推进中]").count() >= 1
    assert page.locator("#task-colour [data-colour=red]").count() == 1  # not confirmed yet

    # The company confirms the report: progress 95 % against about 90 % — green.
    login(page, base, "company")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(f"{base}/keytasks/t/QD-T-2/")
    page.click("#reports button:has-text('确认')")
    page.wait_for_selector("#reports [data-state=已确认]")
    assert page.locator("#task-colour [data-colour=green]").count() == 1
    assert page.locator("[data-figure=progress]").inner_text() == "95%"
    shot(page, "05-task-confirmed")
    assert ProgressReport.objects.get(task__code="QD-T-2").state == "已确认"

    # The tree, the timeline and the roll-up.
    page.goto(f"{base}/keytasks/l/QD-T/")
    row = page.locator("#task-tree tr[data-code='QD-T-2']")
    assert row.get_attribute("data-colour") == "green"
    shot(page, "06-tree")
    page.select_option("#tree-filter select[name=colour]", "red")
    page.wait_for_function("() => !document.querySelector(\"#task-tree tr[data-code='QD-T-2']\")")
    page.goto(f"{base}/keytasks/l/QD-T/timeline/")
    assert page.locator("#timeline tr[data-code='QD-T-2'] rect[data-fill]").count() == 1
    assert page.locator("#timeline [data-today]").count() == 4
    shot(page, "07-timeline")
    page.goto(f"{base}/keytasks/rollup/?list=QD-T")
    page.wait_for_selector("#chart-orgs canvas")
    page.wait_for_timeout(800)
    shot(page, "08-rollup")

    # The same tree on a phone: cards, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/keytasks/l/QD-T/")
    first = page.locator("#task-tree tbody tr").first
    assert first.evaluate("tr => tr.getBoundingClientRect().right") <= 390
    shot(page, "09-tree-390")


def test_the_demo_list_walked_by_dangwei_a_branch_manager_and_an_owner_member(live_server, page):  # noqa: F811
    """The demo's 2026 list: the committee (dangwei) sees the whole tree in every colour and
    the roll-ups; a branch manager (zhibu, BX-ZB19) sees its own task and confirms nothing of
    its own; the owner member (dangyuan) finds the 电费回收 task on a phone."""
    call_command("demo", stdout=io.StringIO())
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, base, "dangwei", DEMO_PASSWORD)
    page.goto(f"{base}/keytasks/l/BX-GJRW-2026/")
    colours = set(
        page.eval_on_selector_all(
            "#task-tree tr[data-colour]", "rows => rows.map(r => r.getAttribute('data-colour'))"
        )
    )
    assert {"red", "yellow", "green"} <= colours
    shot(page, "demo-01-dangwei-tree")
    page.goto(f"{base}/keytasks/l/BX-GJRW-2026/timeline/")
    shot(page, "demo-02-dangwei-timeline")
    page.goto(f"{base}/keytasks/rollup/?list=BX-GJRW-2026")
    page.wait_for_selector("#chart-orgs canvas")
    page.wait_for_timeout(800)
    shot(page, "demo-03-dangwei-rollup")
    # The 电费回收 task waits for the company to confirm its November report.
    page.goto(f"{base}/keytasks/t/GJ-02-05/")
    assert page.locator("#reports tr[data-state=已提交] button:has-text('确认')").count() == 1
    shot(page, "demo-04-dangwei-task")

    login(page, base, "zhibu", DEMO_PASSWORD)
    page.goto(f"{base}/keytasks/l/BX-GJRW-2026/")
    codes = page.eval_on_selector_all(
        "#task-tree tr[data-code]", "rows => rows.map(r => r.getAttribute('data-code'))"
    )
    assert "GJ-02-05" in codes and "GJ-02" not in codes
    page.goto(f"{base}/keytasks/t/GJ-02-05/")
    assert page.locator("#reports button:has-text('确认')").count() == 0  # never its own values
    shot(page, "demo-05-zhibu-task")

    login(page, base, "dangyuan", DEMO_PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/keytasks/mine/")
    card = page.locator("#mine [data-code='GJ-02-05']")
    assert card.count() == 1
    assert card.evaluate("el => el.getBoundingClientRect().right") <= 390
    shot(page, "demo-06-dangyuan-mine-390")
    card.click()
    page.wait_for_selector("#reports")
    shot(page, "demo-07-dangyuan-task-390")
