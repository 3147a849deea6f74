"""A real-browser walk through the 三重一大 register by the board office: create an item
with the list picker, see it routed by the 事项清单, submit it, record the prior study and
the decision, start its execution with a linked key task (its colour shown); the register,
the list and the item at 1366 px and on a phone (390 px). Screenshots go to
``test-artifacts/decisions-*.png`` (and ``/tmp/shots/decisions`` when it exists)."""

from __future__ import annotations

from pathlib import Path

from lianjian.decisions.models import DecisionItem
from tests.browser_helpers import ARTIFACTS, BROWSER_MARKS
from tests.conftest import PASSWORD
from tests.decisions_helpers import make_register
from tests.keytask_helpers import make_tasks
from tests.picker_helpers import choose

pytestmark = BROWSER_MARKS
SHOTS = Path("/tmp/shots/decisions")


def shot(page, name: str) -> None:  # noqa: F811 - the fixture's page object
    page.screenshot(path=str(ARTIFACTS / f"decisions-{name}.png"), full_page=True)
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page, base: str, username: str) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def test_the_board_office_walks_an_item_to_execution(world, live_server, page):  # noqa: F811
    make_register(world)
    tasks = make_tasks(world)
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, base, "juece_t")
    page.click("#sidebar-menu >> text=三重一大")
    page.wait_for_selector("#decision-results [data-number='JC-T-2']")
    shot(page, "01-register-1366")

    page.click("text=新建事项")
    choose(page, "id_matter_list", "清单", "QD-DW")
    page.fill("#id_number", "JC-B-1")
    page.fill("#id_title", "城区配网智能化改造")
    page.select_option("#id_category", "大额度资金运作")
    page.fill("#id_amount", "1000")
    page.fill("#id_department", "发展策划部")
    page.fill("#id_sponsor", "张副总经理")
    page.fill("#id_feasibility", "https://example.com/ky.pdf")
    page.click("#decisions-form button[type=submit]")
    page.wait_for_selector("#routing >> text=大额资金调度")
    assert "须经党委会前置研究" in page.inner_text("#routing")
    shot(page, "02-draft-routed")

    page.click("#action-submit")
    page.wait_for_selector("[data-state='待前置']")
    page.click("#action-study")
    page.fill("#id_meeting", "2026年第9次党委会")
    page.fill("#id_meeting_date", "2026-11-02")
    page.fill("#id_members", "7")
    page.fill("#id_present", "6")
    page.fill("#id_opinions", "王建国：同意\n陈立：关注投资回报")
    page.select_option("#id_outcome", "建议同意")
    page.click("#decisions-form button[type=submit]")
    page.wait_for_selector("[data-state='待决策']")
    assert "王建国：同意" in page.inner_text("#studies")

    page.click("#action-decide")
    page.fill("#id_meeting", "2026年第4次董事会")
    page.fill("#id_meeting_date", "2026-11-10")
    page.fill("#id_resolution", "同意实施")
    page.select_option("#id_result", "通过")
    page.click("#decisions-form button[type=submit]")
    page.wait_for_selector("[data-state='已决策']")

    page.click("#action-execute")
    choose(page, "id_owner_org", "营销", "ZB-A")
    page.fill("#id_owner_name", "张三")
    page.fill("#id_started_on", "2026-11-20")
    choose(page, "id_key_tasks", "营销片区", tasks.a.code)
    page.click("#decisions-form button[type=submit]")
    page.wait_for_selector(f"#execution [data-task='{tasks.a.code}']")
    assert page.locator(f"#execution [data-task='{tasks.a.code}'] [data-colour]").count() == 1
    shot(page, "03-item-executing-1366")
    item = DecisionItem.objects.get(number="JC-B-1")
    assert item.state == "执行中" and item.post_evaluation_due.isoformat() == "2027-11-10"

    page.goto(f"{base}/decisions/register/")
    shot(page, "04-statistics-1366")
    page.goto(f"{base}/decisions/lists/QD-DW/")
    shot(page, "05-matter-list-1366")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/decisions/")
    shot(page, "06-register-390")
    page.goto(f"{base}/decisions/i/JC-B-1/")
    shot(page, "07-item-390")
    page.goto(f"{base}/decisions/register/")
    shot(page, "08-statistics-390")
