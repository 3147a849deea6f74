"""A real-browser walk through 事务共商: a branch raises a problem, the alliance's lead assigns
it, the owner reports progress and solves it, the raiser confirms; meetings and statistics.

Same fixtures as ``tests/test_browser.py`` (Playwright driving Debian's chromium);
screenshots go to ``test-artifacts/consult-*.png``.
"""

from __future__ import annotations

import os

import pytest

from lianjian.consultations.models import JointMeeting, Problem
from tests.browser_helpers import ARTIFACTS
from tests.conftest import PASSWORD
from tests.consultation_helpers import days, make_consultations
from tests.picker_helpers import choose

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def shot(page, name: str) -> None:  # noqa: F811 - the fixture's page object
    page.screenshot(path=str(ARTIFACTS / f"consult-{name}.png"), full_page=True)


def login(page, base: str, username: str) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_problem_goes_from_raising_to_closing_in_the_browser(world, live_server, page):  # noqa: F811
    make_consultations(world)
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    # ZB-B's manager raises a problem to the alliance LJ-A.
    login(page, base, "manager_b")
    page.click("text=事务共商")
    page.wait_for_selector("#problem-results >> text=客户用电报装提速")
    assert page.locator("[data-figure=raised]").inner_text() == "4"
    shot(page, "01-list")
    page.click("text=提出问题")
    choose(page, "id_alliance", "营销", "LJ-A")
    choose(page, "id_raised_by", "ywjx", "ZB-B")
    page.fill("#id_title", "配网改造工程征地协调")
    page.select_option("#id_category", "生产经营难点")
    page.select_option("#id_urgency", "较急")
    page.fill("#id_description", "14 基杆塔涉及征地，青苗补偿标准有争议。")
    shot(page, "02-raise-form")
    page.click("button:has-text('提交')")
    page.wait_for_selector("[data-state=待研究]")
    problem = Problem.objects.get(title="配网改造工程征地协调")
    assert page.locator("#action-assign").count() == 0  # ZB-B does not lead LJ-A

    # The lead's manager assigns it at the planned meeting.
    login(page, base, "manager_a")
    page.goto(f"{base}/consultations/p/{problem.code}/")
    choose(page, "id_owners", "本溪县", "WB-GOV", within="#action-assign")
    choose(page, "id_owners", "ZB-A", "ZB-A", within="#action-assign")
    assert page.locator("#action-assign #id_owners").input_value() == "WB-GOV、ZB-A"
    page.fill("#action-assign #id_responsible", "周联络")
    page.fill("#action-assign #id_deadline", days(5).isoformat())
    page.select_option("#action-assign #id_meeting", "LX-A")
    page.click("#action-assign button[type=submit]")
    page.wait_for_selector("[data-state=已分派]")
    assert page.locator("[data-colour=yellow]").count() == 1
    page.fill("#action-progress #id_text", "已与县政府召开协调会，明确补偿标准。")
    page.click("#action-progress button[type=submit]")
    page.wait_for_selector("[data-state=办理中]")
    page.fill("#action-solve #id_resolution", "完成 14 基杆塔征地和青苗补偿。")
    page.click("#action-solve button[type=submit]")
    page.wait_for_selector("[data-state=待确认]")
    shot(page, "03-solved")

    # The raiser confirms.
    login(page, base, "manager_b")
    page.goto(f"{base}/consultations/p/{problem.code}/")
    page.click("#action-confirm button[type=submit]")
    page.wait_for_selector("[data-state=已销号]")
    assert [e.inner_text().split()[0] for e in page.locator("#timeline h4").all()] == [
        "提出",
        "分派",
        "进展",
        "办结",
        "销号",
    ]
    shot(page, "04-closed")
    assert Problem.objects.get(pk=problem.pk).state == "已销号"

    # The meeting now lists the problem on its agenda; the statistics count it.
    page.goto(f"{base}/consultations/meetings/LX-A/")
    assert page.locator(f"#agenda >> text={problem.code}").count() == 1
    shot(page, "05-meeting")
    page.goto(f"{base}/consultations/stats/?alliance=LJ-A")
    page.wait_for_selector("#chart-month canvas")
    page.wait_for_timeout(1200)
    assert page.locator("[data-figure=solved]").inner_text().startswith("2")
    shot(page, "06-stats")


def test_planning_a_meeting_and_the_alliance_card(world, live_server, page):  # noqa: F811
    make_consultations(world)
    base = live_server.url
    login(page, base, "manager_a")
    page.goto(f"{base}/alliances/LJ-A/")
    page.wait_for_selector("#alliance-consultations")
    assert page.locator("#alliance-consultations [data-figure=raised]").inner_text() == "3"
    shot(page, "07-alliance-card")
    page.click("#alliance-consultations >> text=登记会议")
    assert "WB-GOV｜周联络｜机关党委副书记" in page.locator("#id_attendees").input_value()
    page.fill("#id_agenda", "通报上季度联建工作\nWT-W｜研究客户用电报装提速")
    page.fill("#id_start", "2026-12-15T14:30")
    shot(page, "08-meeting-form")
    page.click("button:has-text('保存')")
    page.wait_for_selector("#agenda >> text=WT-W")
    meeting = JointMeeting.objects.exclude(code__in=["LX-A", "LX-X"]).get()
    assert list(meeting.agenda.values_list("problem__code", flat=True)) == [None, "WT-W"]
    shot(page, "09-meeting-detail")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/consultations/")
    shot(page, "10-list-phone")
