"""A real-browser walk through the lead and recommendation writes: the inspector (巡察办)
hands over a lead at 1366 px; 纪委 records its result on a phone (390 px); the recipient
branch replies to an 审计建议 on a phone. Screenshots go to
``test-artifacts/supervision-records-*.png`` (and ``$SHOTS`` when set)."""

from __future__ import annotations

from lianjian.supervision.models import Lead, Recommendation
from tests.browser_helpers import BROWSER_MARKS
from tests.supervision_helpers import make_ledger
from tests.test_supervision_browser import login, shot

pytestmark = BROWSER_MARKS


def test_a_lead_and_a_reply_in_a_browser(world, live_server, page):  # noqa: F811
    ledger = make_ledger(world, recommendation=True)
    base = live_server.url
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, base, "xuncha")
    page.goto(f"{base}/supervision/leads/")
    page.click("text=移交线索")
    page.select_option("#id_from_body", "巡察")
    page.select_option("#id_to_body", "纪委")
    page.evaluate(
        "code => { const el = document.querySelector('[name=org]'); el.value = code; }",
        world.dw.code,
    )
    page.fill("#id_case", "党费收缴疑似挪用")
    page.fill("#id_transferred_on", "2026-11-02")
    shot(page, "records-01-lead-form-1366")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#case")
    lead = Lead.objects.get(case="党费收缴疑似挪用")

    page.set_viewport_size({"width": 390, "height": 800})
    login(page, base, "jijian")
    page.goto(f"{base}/supervision/leads/{lead.pk}/")
    page.fill("#id_result", "已立案审查")
    page.fill("#id_feedback_on", "2026-11-20")
    shot(page, "records-02-lead-settle-390")
    page.click("form[action$='/settle/'] button[type=submit]")
    page.wait_for_selector("#case")
    lead.refresh_from_db()
    assert lead.result == "已立案审查"

    rec = Recommendation.objects.get()
    login(page, base, "manager_b")
    page.goto(f"{base}/supervision/recommendations/{rec.pk}/")
    page.fill("#id_reply", "已建立物资出入库台账")
    page.fill("#id_replied_on", "2026-11-25")
    shot(page, "records-03-reply-390")
    page.click("form[action$='/reply/'] button[type=submit]")
    page.wait_for_selector("#reply")
    rec.refresh_from_db()
    assert rec.reply == "已建立物资出入库台账"
    assert ledger.lead.pk != lead.pk
