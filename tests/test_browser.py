"""One real-browser walk: Playwright drives Debian's chromium through login and the main pages.

Screenshots go to ``test-artifacts/`` for a person to look at. Without a browser the test
is skipped loudly; under ``CI=true`` a missing browser fails.
"""

from __future__ import annotations

import os

import pytest

from tests.browser_helpers import BROWSER_MARKS, shot
from tests.conftest import PASSWORD
from tests.picker_helpers import choose

pytestmark = BROWSER_MARKS


@pytest.fixture
def browser_context_pages(page):
    """Three pages with separate sessions (three people on three phones)."""
    browser = page.context.browser
    contexts = [
        browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        for _ in range(3)
    ]
    yield [c.new_page() for c in contexts]
    for c in contexts:
        c.close()


def test_a_manager_logs_in_and_walks_the_main_pages(world, live_server, page):
    base = live_server.url
    page.goto(f"{base}/")
    assert "登录" in page.title()
    shot(page, "01-login")

    page.fill("#id_username", "company")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert (
        page.locator(".alert-danger").inner_text().strip()
        == "用户名或密码错误（连续输错 5 次，账户将锁定 15 分钟）"
    )

    page.fill("#id_username", "company")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("[data-figure=members]").inner_text() == "3"
    page.wait_for_selector("#member-chart canvas")
    page.wait_for_timeout(1500)  # let the chart finish its entry animation
    shot(page, "02-home")

    page.click("text=党组织")
    page.wait_for_selector("#org-tree")
    page.click("details[data-code=DW] > summary")
    page.wait_for_selector("[data-code=ZB-A]")
    assert page.locator("[data-code=WB-GOV]").count() == 1
    assert page.locator("[data-code=ZB-X]").count() == 0
    shot(page, "03-tree")

    page.fill("input[name=q]", "营销")
    page.wait_for_selector("table >> text=营销服务党支部")
    shot(page, "04-org-search")

    page.click("table >> text=营销服务党支部")
    page.wait_for_selector("h2:has-text('营销服务党支部')")
    assert "正式党员 1 名，不足 3 名" in page.content()
    shot(page, "05-org-detail")

    page.goto(f"{base}/orgs/members/")
    page.fill("input[name=q]", "zs")
    page.wait_for_function(
        "() => document.querySelectorAll('#member-results tbody tr').length === 1"
    )  # a function: a bare expression would be eval'd, which the CSP refuses
    assert page.locator("#member-results tbody tr").inner_text().startswith("张三")
    shot(page, "06-members")

    page.click("#member-results >> text=张三")
    page.wait_for_selector("[data-private=phone]")
    assert page.locator("[data-private=phone]").inner_text() == "13812345678"
    shot(page, "07-member-detail")

    page.goto(f"{base}/orgs/o/ZB-X/")
    assert "页面或对象不存在" in page.content()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/orgs/members/")
    shot(page, "08-members-phone")


def test_a_member_sees_only_their_branch(world, live_server, page):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "member_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("[data-figure=members]").inner_text() == "2"
    page.goto(f"{base}/orgs/members/")
    rows = page.locator("#member-results tbody tr")
    assert rows.count() == 2
    assert "139****0001" in page.content()
    shot(page, "09-member-view")


def test_a_manager_walks_the_alliance_pages_the_network_picture_and_the_inbox(
    world, live_server, page
):
    from django.core.management import call_command

    from tests.alliance_helpers import make_alliances

    make_alliances(world)
    call_command("remind", "--date", "2026-11-21", stdout=open(os.devnull, "w"))  # noqa: SIM115
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "company")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.click("text=联建共建")
    page.wait_for_selector("#alliance-results >> text=营销政企联建")
    assert page.locator("#alliance-results >> text=外公司").count() == 0
    shot(page, "10-alliances")

    page.click("#alliance-results >> text=营销政企联建")
    page.wait_for_selector("#member-scatter canvas")
    assert page.locator("tr[data-org=WB-GOV]").count() == 1
    page.wait_for_timeout(800)
    shot(page, "11-alliance-detail")

    page.goto(f"{base}/alliances/network/")
    page.wait_for_selector("#network-graph canvas")
    page.wait_for_timeout(1500)
    shot(page, "12-network")

    page.goto(f"{base}/inbox/")
    shot(page, "13-inbox")

    page.goto(f"{base}/grouping/")
    shot(page, "14-grouping-form")


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_qr_check_in_then_submit_and_review(world, live_server, browser_context_pages):
    import datetime

    from django.utils import timezone

    from lianjian.activities import services as activity_services
    from lianjian.activities.models import Activity, Attendance

    start = timezone.make_aware(datetime.datetime(2026, 11, 20, 9, 0))
    activity = activity_services.activity_record(
        actor=world.manager_a,
        type="主题党日",
        host=world.zb_a,
        start=start,
        topic="学习贯彻全会精神",
    )
    activity_services.attendance_fill(actor=world.manager_a, activity=activity)
    link = f"{live_server.url}/activities/checkin/{activity_services.checkin_token(activity)}/"
    member_page, manager_page, company_page = browser_context_pages

    # the member scans the QR code: the link asks for login first, then checks in
    member_page.goto(link)
    member_page.fill("#id_username", "member_a")
    member_page.fill("#id_password", PASSWORD)
    member_page.click("button[type=submit]")
    member_page.click("button:has-text('确认签到')")
    member_page.wait_for_selector("text=签到成功")
    shot(member_page, "15-checkin")
    assert Attendance.objects.get(activity=activity, member=world.m_a1).status == "出席"

    # the branch submits the record, the parent organisation's manager approves it
    _login(manager_page, live_server.url, "manager_a")
    manager_page.goto(f"{live_server.url}/activities/a/{activity.code}/")
    manager_page.click("button:has-text('提交审核')")
    manager_page.wait_for_selector("text=已提交")
    _login(company_page, live_server.url, "company")
    company_page.goto(f"{live_server.url}/activities/a/{activity.code}/")
    company_page.click("button:has-text('审核通过')")
    company_page.wait_for_selector("text=已通过")
    shot(company_page, "16-approved")
    assert Activity.objects.get(pk=activity.pk).status == "已通过"


def test_on_a_phone_a_list_is_cards_labelled_by_column_and_a_desktop_keeps_the_table(
    world, live_server, page
):
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 860})
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "manager_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/orgs/members/")
    table = page.locator("#member-results table")
    heads = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    first = table.locator("tbody tr").first
    cells = first.locator("td")
    labels = [cells.nth(i).get_attribute("data-label") for i in range(cells.count())]
    assert labels == heads and labels[0]
    # Each cell shows its column's heading before the value, the heading row is hidden, and
    # the row is no wider than the phone's screen (a card, not a squeezed or scrolled table).
    before = cells.first.evaluate("td => getComputedStyle(td, '::before').content")
    assert before == f'"{heads[0]}"'
    assert table.locator("thead").evaluate("t => getComputedStyle(t).display") == "none"
    assert first.evaluate("tr => tr.getBoundingClientRect().right") <= 390
    shot(page, "10-member-list-phone")
    page.set_viewport_size({"width": 1366, "height": 860})
    assert table.locator("thead").evaluate("t => getComputedStyle(t).display") != "none"
    assert cells.first.evaluate("td => getComputedStyle(td, '::before').content") in (
        "none",
        "normal",
    )


def test_the_export_follows_the_filters_chosen_after_the_page_was_drawn(world, live_server, page):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "manager_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/orgs/members/")
    # The category is chosen through htmx: the page (and its export link) is not redrawn.
    with page.expect_response(lambda r: "/orgs/members/" in r.url and "category=" in r.url):
        page.select_option("#member-filter select[name=category]", "预备党员")
    with page.expect_download() as download:
        page.click("a[data-with-form='#member-filter']")
    assert "category=%E9%A2%84%E5%A4%87%E5%85%9A%E5%91%98" in download.value.url


def test_a_list_filter_picks_its_organisation_by_name_and_the_list_follows(
    world, live_server, page
):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/orgs/members/")
    assert page.locator("#member-results tbody tr").count() > 1
    with page.expect_response(lambda r: "/orgs/members/" in r.url and "under=ZB-B" in r.url):
        choose(page, "id_pick_under", "ZB-B", "ZB-B", within="#member-filter")
    page.wait_for_function(
        "() => document.querySelectorAll('#member-results tbody tr').length === 1"
    )
    assert "M-B1" in page.locator("#member-results").inner_text()
    shot(page, "11-member-list-picked-org")
