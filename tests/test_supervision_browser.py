"""A real-browser walk through the supervision ledger: the inspector (巡察办) opens the batch
and an item; the branch manager adds a measure on a phone (390 px) and advances it; the
inspector verifies it; the branch applies for 销号; the inspector returns it with a reason,
then accepts it. Screenshots of the main screens at 1366 px and 390 px go to
``test-artifacts/supervision-*.png`` (and ``$SHOTS`` when set).

Same fixtures as ``tests/test_browser.py`` (Playwright driving Debian's chromium).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lianjian.supervision.models import Item
from tests.browser_helpers import ARTIFACTS, BROWSER_MARKS
from tests.conftest import PASSWORD
from tests.supervision_helpers import make_ledger

pytestmark = BROWSER_MARKS


def shot(page, name: str) -> None:  # noqa: F811 - the fixture's page object
    path = ARTIFACTS / f"supervision-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("SHOTS"):
        Path(os.environ["SHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(os.environ["SHOTS"]) / path.name)


def login(page, base: str, username: str) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def test_the_loop_of_an_item_in_a_browser(world, live_server, page):  # noqa: F811
    ledger = make_ledger(world)
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    item = ledger.item_a

    # The inspector opens the ledger, the batch and the item.
    login(page, base, "xuncha")
    page.click("#sidebar-menu >> text=监督台账")
    page.wait_for_selector("[data-figure='total']")
    shot(page, "01-dashboard-1366")
    page.click("text=监督批次")
    page.click("text=2026年第一轮巡察")
    page.wait_for_selector("#report-due")
    shot(page, "02-batch-1366")
    page.click("[data-item='XC-2026-01/1'] a")
    page.wait_for_selector("#description")
    shot(page, "03-item-1366")

    # The branch manager, on a phone, finds the item among its cards and adds a measure.
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, base, "manager_a")
    page.goto(f"{base}/supervision/items/")
    page.wait_for_selector("[data-card='XC-2026-01/1']")
    assert page.locator("[data-card='XC-2026-01/2']").count() == 0  # another branch's item
    shot(page, "04-branch-items-390")
    page.click("[data-card='XC-2026-01/1']")
    page.fill("#id_text", "每月检查“三会一课”记录并通报")
    page.fill("#id_owner", "张三")
    page.fill("#id_deadline", "2027-01-31")
    page.click("#measure-form button[type=submit]")
    page.wait_for_selector("text=已新增整改措施")
    page.click("text=改为“推进中”")
    page.click("text=改为“已完成”")
    page.wait_for_selector("[data-measure] [data-state='已完成']")
    shot(page, "05-item-measure-390")

    # The inspector verifies the measure; the branch applies for 销号.
    page.set_viewport_size({"width": 1366, "height": 860})
    login(page, base, "xuncha")
    page.goto(f"{base}/supervision/items/{item.pk}/")
    page.click("text=改为“已核验”")
    page.wait_for_selector("[data-measure] [data-state='已核验']")
    login(page, base, "manager_a")
    page.goto(f"{base}/supervision/items/{item.pk}/")
    page.click("#act-apply button")
    page.wait_for_selector("text=已申请销号")

    # The inspector returns it with a reason, the branch applies again, the inspector accepts.
    login(page, base, "xuncha")
    page.goto(f"{base}/supervision/items/{item.pk}/")
    page.fill("#reason-return", "佐证材料不全，请补充会议记录扫描件")
    shot(page, "06-item-decide-1366")
    page.click("#act-return button")
    page.wait_for_selector("text=已退回")
    login(page, base, "manager_a")
    page.goto(f"{base}/supervision/items/{item.pk}/")
    page.click("#act-apply button")
    page.wait_for_selector("text=已申请销号")
    login(page, base, "xuncha")
    page.goto(f"{base}/supervision/items/{item.pk}/")
    page.click("#act-accept button")
    page.wait_for_selector("text=已同意销号")
    page.wait_for_selector("#history >> text=佐证材料不全")
    shot(page, "07-item-closed-1366")
    item.refresh_from_db()
    assert item.state == "已销号"
    assert Item.objects.get(pk=item.pk).closed_on is not None

    # The dashboard and the batch on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/supervision/")
    shot(page, "08-dashboard-390")
    page.goto(f"{base}/supervision/batches/XC-2026-01/")
    shot(page, "09-batch-390")
