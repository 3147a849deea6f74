"""A real-browser walk through 民主评议党员: a member on a phone (390 px) opens the open
appraisal from 我的, writes their self-assessment and rates the others with the four buttons;
the branch manager (1366 px) ends the rating, reads the tally, is refused a second 优秀 in a
branch of four 正式党员 (quota 1) with the message, decides within the quota, records the
meeting and publishes; the member sees their grade and feedback.

Screenshots go to ``test-artifacts/appraisals-*.png``.
"""

from __future__ import annotations

from lianjian.appraisals import services
from lianjian.appraisals.models import Decision, SelfAssessment, Vote
from tests.appraisal_setup import appraisal, part
from tests.browser_helpers import ARTIFACTS, BROWSER_MARKS
from tests.conftest import PASSWORD

pytestmark = BROWSER_MARKS


def shot(page, name: str) -> None:  # noqa: F811 - the fixture's page object
    page.screenshot(path=str(ARTIFACTS / f"appraisals-{name}.png"), full_page=True)


def session(browser, base: str, username: str, width: int):  # noqa: F811
    page = browser.new_context(viewport={"width": width, "height": 860}, locale="zh-CN").new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_member_rates_on_a_phone_the_manager_decides_within_the_quota(
    world, live_server, browser
):  # noqa: F811
    a = appraisal(world)
    base = live_server.url

    # The member, on a phone: 我的 → the appraisal → self-assessment and ratings.
    phone = session(browser, base, "member_a", 390)
    phone.goto(f"{base}/my/")
    phone.wait_for_selector("#my-appraisal")
    shot(phone, "01-mine-390")
    phone.click("#my-appraisal >> text=去评议")
    phone.wait_for_selector("#self-form")
    _no_sideways_scroll(phone)
    shot(phone, "02-respond-390")
    phone.fill("#id_text", "本年度带头完成电费回收任务，积极参加组织生活。")
    phone.click("#self-form button[type=submit]")
    phone.wait_for_selector("text=个人自评已保存")
    for number, grade in (("M-A3", "优秀"), ("M-A4", "合格"), ("M-A5", "合格")):
        phone.click(f".vote-card[data-member='{number}'] button[value='{grade}']")
        phone.wait_for_selector(f".vote-card[data-member='{number}'] [data-given='{grade}']")
    _no_sideways_scroll(phone)
    shot(phone, "03-rated-390")
    assert SelfAssessment.objects.get(participant=part(a, "M-A1")).text.startswith("本年度")
    assert Vote.objects.filter(voter=part(a, "M-A1")).count() == 3

    # Others rate too (their own accounts are not needed for the tally).
    services.vote_cast(actor=world.committee_a, appraisal=a, votee=part(a, "M-A1"), grade="优秀")

    # The branch manager: end the rating, read the tally, decide within the quota.
    desk = session(browser, base, "manager_a", 1366)
    desk.goto(f"{base}/appraisals/")
    desk.click(f"#appraisal-results >> text={a.title}")
    desk.click("#steps >> text=结束测评")
    desk.wait_for_selector("text=测评已结束")
    row = "#tally tr[data-member='{}']"
    desk.select_option(f"{row.format('M-A1')} select", "优秀")
    desk.fill(f"{row.format('M-A1')} textarea", "带头作用明显，望继续保持。")
    desk.click(f"{row.format('M-A1')} button[type=submit]")
    desk.wait_for_selector("text=已保存评定结果")
    desk.select_option(f"{row.format('M-A3')} select", "优秀")
    desk.click(f"{row.format('M-A3')} button[type=submit]")
    desk.wait_for_selector("text=优秀名额已满")
    shot(desk, "04-quota-refused-1366")
    assert not Decision.objects.filter(participant=part(a, "M-A3")).exists()
    for number in ("M-A3", "M-A4", "M-A5"):
        desk.select_option(f"{row.format(number)} select", "合格")
        desk.click(f"{row.format(number)} button[type=submit]")
        desk.wait_for_selector("text=已保存评定结果")
    desk.fill("#id_start", "2026-11-20T14:30")
    desk.fill("#id_venue", "党员活动室")
    desk.click("#meeting-form button[type=submit]")
    desk.wait_for_selector("text=评议会议已记录")
    desk.click("#steps >> text=发布结果")
    desk.wait_for_selector("text=评议结果已发布")
    shot(desk, "05-published-1366")

    # The member sees their result.
    phone.goto(f"{base}/appraisals/{a.code}/")
    phone.wait_for_selector("#my-result")
    assert "优秀" in phone.inner_text("#my-result")
    assert "带头作用明显" in phone.inner_text("#my-result")
    _no_sideways_scroll(phone)
    shot(phone, "06-result-390")
    phone.goto(f"{base}/my/")
    shot(phone, "07-mine-result-390")
    phone.context.close()
    desk.context.close()
