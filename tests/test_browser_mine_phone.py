"""我的 and 我的积分 on a phone (390 px) with a full year: meetings, a claim that took
effect, branch entries, key tasks, to-dos. Neither page is wider than the screen (nothing
squeezed into a horizontal scroll), and the screenshots test-artifacts/mine-phone-*.png are
for a person to look at."""

from __future__ import annotations

import datetime

from lianjian.notifications.models import Notification
from lianjian.points import services
from tests.browser_helpers import BROWSER_MARKS, shot
from tests.conftest import PASSWORD
from tests.keytask_helpers import make_tasks
from tests.points_helpers import YEAR, held_meeting, make_scheme

pytestmark = BROWSER_MARKS
D = datetime.date


def _full_year(world) -> None:
    scheme = make_scheme()
    for i in range(8):
        held_meeting(
            world.zb_a, D(YEAR, 1 + i, 10), present=[world.m_a1],
            type="主题党日" if i % 2 else "党小组会",
        )  # fmt: skip
    held_meeting(world.zb_a, D(YEAR, 9, 10), present=[], absent=[world.m_a1])
    services.recompute(actor=None, scheme=scheme)
    claim = services.file_claim(
        actor=world.member_a, member=world.m_a1, rule=scheme.rules.get(code="B2"),
        happened_on=D(YEAR, 4, 1), text="获公司优秀共产党员表彰，证书编号 2026-0417",
        evidence="https://example.org/honours/2026/0417",
    )  # fmt: skip
    for action in ("group", "committee", "publish"):
        claim = services.claim_step(actor=world.manager_a, claim=claim, action=action)
    services.claim_step(
        actor=world.manager_a, claim=claim, action="effective", today=D(YEAR + 1, 1, 1)
    )
    services.add_manual_entry(
        actor=world.manager_a, member=world.m_a1, rule=scheme.rules.get(code="C1"),
        happened_on=D(YEAR, 10, 20), reason="无故缺席支部党员大会（支委会认定，会议记录第 12 号）",
    )  # fmt: skip
    make_tasks(world)
    for i in range(7):
        Notification.objects.create(
            user=world.member_a, kind=Notification.Kind.TASK, key=f"phone-{i}",
            title=f"请在截止日前完成第 {i + 1} 项学习任务并提交心得体会",
            due=D(YEAR, 12, 10 + i),
        )  # fmt: skip


def test_my_pages_fit_a_phone(world, live_server, browser):
    _full_year(world)
    base = live_server.url
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    ).new_page()
    phone.goto(f"{base}/accounts/login/")
    phone.fill("#id_username", "member_a")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{base}/")
    for path, name, ready in (
        (f"/my/?year={YEAR}", "mine", "#my-points"),
        (f"/points/mine/?year={YEAR}", "points", "#my-entries"),
    ):
        phone.goto(base + path)
        phone.wait_for_selector(ready)
        shot(phone, f"mine-phone-{name}-390")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px screen"
    assert "个人申报：获公司优秀共产党员表彰" in phone.inner_text("#my-entries")
