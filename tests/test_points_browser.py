"""A real-browser walk through 党员积分: a member on a phone (390 px) opens 我的积分 from
我的, files a claim; the branch manager (1366 px) moves it through 党小组初核, 支委会审定,
公示 to 生效; the member sees it counted. Screenshots: test-artifacts/points-*.png and
/tmp/shots/points/."""

from __future__ import annotations

import datetime
from pathlib import Path

from lianjian.core.validation import today
from lianjian.points import services
from lianjian.points.models import ClaimState, PointsClaim
from tests.browser_helpers import ARTIFACTS, BROWSER_MARKS
from tests.conftest import PASSWORD
from tests.points_helpers import held_meeting, make_scheme

pytestmark = BROWSER_MARKS
SHOTS = Path("/tmp/shots/points")


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"points-{name}.png"), full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_member_claims_and_the_branch_makes_it_count(world, live_server, browser):
    day = today()
    scheme = make_scheme(year=day.year, code="JF-W", publicity_days=0)
    held_meeting(world.zb_a, day - datetime.timedelta(days=3), present=[world.m_a1])
    services.recompute(actor=None, scheme=scheme)
    base = live_server.url

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    ).new_page()
    login(phone, base, "member_a")
    phone.goto(f"{base}/my/")
    phone.wait_for_selector("#my-points")
    shot(phone, "01-mine-390")
    phone.click("#my-points >> text=查看明细")
    phone.wait_for_selector("#my-entries")
    assert "参加三会一课" in phone.inner_text("#my-entries")
    before = phone.inner_text("[data-figure=year]")
    shot(phone, "02-my-points-390")
    phone.click("text=申报积分")
    phone.select_option("#id_rule", label="B2 获得表彰（+5 分）")
    phone.fill("#id_happened_on", (day - datetime.timedelta(days=1)).isoformat())
    phone.fill("#id_text", "获公司优秀共产党员表彰")
    phone.fill("#id_evidence", "https://example.org/honours")
    shot(phone, "03-claim-form-390")
    phone.click("button:has-text('提交申报')")
    phone.wait_for_selector("#my-claims >> text=已申报")
    claim = PointsClaim.objects.get(member=world.m_a1)

    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    desk.on("dialog", lambda dialog: dialog.accept())
    login(desk, base, "manager_a")
    desk.click("#sidebar-menu >> text=党员积分")
    desk.click("text=积分申报")
    row = f"[data-claim='{claim.pk}']"
    shot(desk, "04-queue-1366")
    for label, state in (
        ("党小组初核通过", ClaimState.GROUP),
        ("支委会审定通过", ClaimState.COMMITTEE),
        ("开始公示", ClaimState.PUBLIC),
    ):
        desk.click(f"{row} >> button:has-text('{label}')")
        desk.wait_for_selector(f"{row} [data-state]:has-text('{state}')")
    # 生效 takes it out of the queue (审核中); the manager finds it among the effective ones.
    desk.click(f"{row} >> button:has-text('公示期满生效')")
    desk.wait_for_selector("text=已公示期满生效")
    assert desk.locator(row).count() == 0
    desk.select_option("select[name=state]", "生效")
    desk.click("button:has-text('查询')")
    desk.wait_for_selector(f"{row} [data-state]:has-text('生效')")
    shot(desk, "05-effective-1366")
    desk.goto(f"{base}/points/s/JF-W/")
    shot(desk, "06-scheme-1366")
    desk.click("tr:has-text('M-A2') >> text=录入与类别")
    desk.select_option("#id_rule", label="C1 无故缺席组织生活（-2 分）")
    desk.fill("#id_happened_on", (day - datetime.timedelta(days=2)).isoformat())
    desk.fill("#id_reason", "无故缺席支部党员大会（支委会认定）")
    desk.click("button:has-text('录入')")
    desk.wait_for_selector("text=已录入")
    shot(desk, "08-member-1366")
    desk.goto(f"{base}/points/ledger/")
    shot(desk, "09-ledger-1366")

    phone.goto(f"{base}/points/mine/")
    phone.wait_for_selector("#my-claims >> text=生效")
    after = phone.inner_text("[data-figure=year]")
    assert float(after) == float(before) + 5
    assert "获公司优秀共产党员表彰" in phone.inner_text("#my-entries")
    shot(phone, "07-counted-390")
