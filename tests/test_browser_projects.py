"""A real-browser walk through 揭榜挂帅 on the demo company: dangwei (the 党建工作部
manager) publishes a call open to zhibu's branch, zhibu bids, sees only its own bid, dangwei
closes the call, shortlists, holds the defence and awards; the project is a key task, and
zhibu reports its progress through the key-task report. Screens at 1366 and 390 px;
screenshots in ``test-artifacts/projects-*.png`` (and /tmp/shots/projects when it exists).
"""

from __future__ import annotations

import datetime
import io
import shutil
from pathlib import Path

from django.core.management import call_command

from lianjian.core.validation import today
from lianjian.keytasks.models import ProgressReport
from lianjian.projects.models import Bid, Call, Project
from tests.browser_helpers import ARTIFACTS, BROWSER_MARKS
from tests.picker_helpers import choose
from tests.test_browser_csp import DEMO_PASSWORD

pytestmark = BROWSER_MARKS
SHOTS = Path("/tmp/shots/projects")


def shot(page, name: str) -> None:  # noqa: F811 - the fixture's page object
    path = ARTIFACTS / f"projects-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / path.name)


def login(page, base: str, username: str) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_dangwei_publishes_zhibu_bids_dangwei_awards_and_the_project_reports(live_server, page):  # noqa: F811
    call_command("demo", stdout=io.StringIO())
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    day = today()

    # dangwei: the board, then a new call open to BX-ZB19 (营销服务中心党支部).
    login(page, base, "dangwei")
    page.click("#sidebar-menu >> text=揭榜挂帅")
    assert page.locator("[data-figure=high]").inner_text() == "11"
    assert page.locator("[data-figure=national]").inner_text() == "1"
    assert page.locator("[data-figure=topics]").inner_text() == "8"
    shot(page, "01-board")
    page.goto(f"{base}/projects/calls/new/")
    page.fill("#id_title", "低压台区智能电表故障诊断攻关")
    page.fill("#id_theme", "党建+营销服务")
    page.fill("#id_problem", "智能电表故障工单多、定位慢")
    page.fill("#id_budget", "30")
    page.fill("#id_deadline", (day + datetime.timedelta(days=14)).isoformat())
    choose(page, "id_eligible_orgs", "营销服务中心", "BX-ZB19")
    shot(page, "02-call-form")
    page.click("button:has-text('建立榜单')")
    page.wait_for_selector("button:has-text('发布')")
    page.click("button:has-text('发布')")
    page.wait_for_selector("text=揭榜中")
    call = Call.objects.get(title="低压台区智能电表故障诊断攻关")
    assert call.state == "发布"

    # zhibu (BX-ZB19) on a phone: the call is open to it; it bids.
    login(page, base, "zhibu")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/projects/calls/")
    row = page.locator(f"[data-call='{call.code}']")
    assert row.count() == 1
    assert row.evaluate("el => el.getBoundingClientRect().right") <= 390
    shot(page, "03-calls-390")
    row.locator("a").click()
    page.click("#bid-button")
    from lianjian.accounts.models import User

    lead = User.objects.get(username="zhibu").member
    choose(page, "id_lead", lead.name, lead.number)
    page.fill("#id_plan", "党员突击队三个月完成故障诊断模型并在营销服务中心试点")
    page.fill("#id_budget_asked", "25")
    page.fill("#id_planned_end", (day + datetime.timedelta(days=200)).isoformat())
    shot(page, "04-bid-form-390")
    page.click("button:has-text('提交揭榜')")
    page.wait_for_selector("text=已揭榜")
    bid = Bid.objects.get(call=call)
    shot(page, "05-bid-390")
    # another branch's bid on the demo's open call is not zhibu's to see
    other = Bid.objects.filter(call__code="BX-JB-2026-OPEN").first()
    assert page.goto(f"{base}/projects/bids/{other.code}/").status == 404

    # dangwei reviews: close, shortlist, defence, award.
    login(page, base, "dangwei")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(f"{base}/projects/calls/{call.code}/")
    page.click("button:has-text('截止揭榜')")
    page.wait_for_selector("text=已截止")
    page.goto(f"{base}/projects/bids/{bid.code}/")
    page.click("button:has-text('入围')")
    page.wait_for_selector("#defence-on")
    page.fill("#defence-on", day.isoformat())
    page.click("button:has-text('进入答辩')")
    page.wait_for_selector("button:has-text('确定中榜并立项')")
    shot(page, "06-review")
    page.click("button:has-text('确定中榜并立项')")
    page.wait_for_url(f"{base}/projects/p/**")
    project = Project.objects.get(bid=bid)
    assert project.task.state == "已认领" and project.task.owner_id == lead.pk
    shot(page, "07-project")

    # zhibu reports progress through the key task, on a phone.
    login(page, base, "zhibu")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/projects/p/{project.code}/")
    shot(page, "08-project-390")
    page.click("a:has-text('报送进度（关键任务）')")
    page.wait_for_selector("#action-report")
    page.fill("#action-report #id_period", f"{day:%Y-%m}")
    page.fill("#action-report #id_percent", "10")
    page.fill("#action-report #id_text", "完成故障样本收集")
    page.click("#action-report button[type=submit]")
    page.wait_for_selector("#reports [data-state=已提交]")
    assert ProgressReport.objects.get(task=project.task).percent == 10

    # the board on a phone
    page.goto(f"{base}/projects/")
    card = page.locator(f"[data-project='{project.code}']")
    assert card.evaluate("el => el.getBoundingClientRect().right") <= 390
    shot(page, "09-board-390")
