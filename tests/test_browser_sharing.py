"""One real-browser walk through resource sharing: a branch books another unit's activity
room, the owner approves it from the inbox, the calendar shows it; a need is matched; the
utilisation charts render. Screenshots go to ``test-artifacts/sharing-*.png``.

The fixtures of ``tests/browser_helpers.py``: skipped loudly without Debian's chromium,
failing under ``CI=true``.
"""

from __future__ import annotations

from tests.browser_helpers import ARTIFACTS, BROWSER_MARKS, logged_in_page
from tests.sharing_helpers import future_monday, make_sharing

pytestmark = BROWSER_MARKS


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"sharing-{name}.png"), full_page=True)


def test_a_branch_books_a_partners_room_the_owner_approves_and_a_need_is_matched(
    world, live_server, browser, settings, tmp_path
):
    from lianjian.sharing.models import Booking, Match

    settings.MEDIA_ROOT = tmp_path
    make_sharing(world)
    base = live_server.url
    day = future_monday()

    # 运维检修党支部 (ZB-B) finds the room 营销服务党支部 shares with its alliance.
    requester = logged_in_page(browser, "manager_b", base)
    requester.click("text=资源共享")
    requester.wait_for_selector("#resource-results >> text=营销服务党员活动室")
    assert requester.locator("#resource-results >> text=便携投影仪").count() == 0  # 仅本组织
    shot(requester, "01-list")
    requester.click("#resource-results >> text=营销服务党员活动室")
    requester.wait_for_selector("#calendar")
    assert requester.locator("[data-private=phone]").inner_text() == "138****5678"

    # Outside the opening hours first: refused with the reason, nothing booked.
    requester.fill("#id_start", f"{day}T18:00")
    requester.fill("#id_end", f"{day}T19:00")
    requester.fill("#id_purpose", "联合党课")
    requester.click("button:has-text('提交预约申请')")
    requester.wait_for_selector("text=所选时段不在开放时间内")
    assert not Booking.objects.exists()
    requester.fill("#id_start", f"{day}T14:00")
    requester.fill("#id_end", f"{day}T16:00")
    requester.fill("#id_expected_people", "18")
    requester.click("button:has-text('提交预约申请')")
    requester.wait_for_selector("text=预约申请已提交")
    shot(requester, "02-requested")
    booking = Booking.objects.get()
    assert (booking.status, booking.org.code) == ("待审批", "ZB-B")

    # The owner's manager finds the 待办 in the inbox and approves.
    owner = logged_in_page(browser, "manager_a", base)
    owner.goto(f"{base}/inbox/")
    owner.wait_for_selector("text=待审批：运维检修党支部预约“营销服务党员活动室”")
    shot(owner, "03-inbox")
    owner.goto(f"{base}/sharing/bookings/?tab=approve")
    owner.click("#booking-results tbody a")
    owner.click("button:has-text('批准')")
    owner.wait_for_selector("text=已批准，已通知申请人")
    shot(owner, "04-approved")
    assert Booking.objects.get().status == "已批准"

    # The requester's calendar shows the approved slot.
    requester.goto(f"{base}/sharing/r/R-A/?month={day:%Y-%m}")
    requester.wait_for_selector(".lj-slot.approved >> text=14:00–16:00")
    shot(requester, "05-calendar")

    # A need of ZB-A: suggestions ranked by shared tags, one is matched.
    owner.goto(f"{base}/sharing/needs/XQ-A/")
    owner.wait_for_selector("text=推荐资源")
    first = owner.locator(".list-group-item").filter(has_text="运维检修党建阵地")
    first.locator("button:has-text('对接')").click()
    owner.wait_for_selector("text=已记录对接：运维检修党建阵地")
    shot(owner, "06-need-matched")
    assert Match.objects.get().resource.code == "R-B"

    # Utilisation: the approved booking counts as used by another unit.
    company = logged_in_page(browser, "company", base)
    company.goto(f"{base}/sharing/usage/?year={day.year}")
    company.wait_for_selector("#chart-month canvas")
    assert company.locator("#share").inner_text() == "100%"
    company.wait_for_timeout(1200)
    shot(company, "07-usage")

    # Cancelling asks for confirmation first.
    requester.goto(f"{base}/sharing/bookings/{booking.pk}/")
    requester.click("text=取消预约")
    requester.wait_for_selector("text=确认取消预约")
    shot(requester, "08-cancel-confirm")
    requester.click("button:has-text('确认取消预约')")
    requester.wait_for_selector("text=预约已取消，该时段已释放")
    assert Booking.objects.get().status == "已取消"
    for p in (requester, owner, company):
        p.context.close()
