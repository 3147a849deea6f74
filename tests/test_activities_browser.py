"""A real browser on the screens of issue #18 §3–4: the 所属年度 field follows the activity
type (static JS under the CSP), and voiding asks for a confirmation, then shows 已作废."""

from __future__ import annotations

import datetime

import pytest

from lianjian.activities import services
from lianjian.activities.models import Activity
from lianjian.activities.selectors import TZ
from tests.browser_helpers import shot
from tests.conftest import PASSWORD
from tests.picker_helpers import choose

# As tests/test_browser.py: the flush after a live-server test would drop the seeded rules.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _login(page, base: str, username: str) -> None:  # noqa: F811
    page.goto(f"{base}/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_the_year_field_shows_for_annual_types_and_voiding_asks_first(world, live_server, page):  # noqa: F811
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(page, base, "manager_a")
    page.goto(f"{base}/activities/new/")
    year = page.locator("#id_for_year")
    page.select_option("#id_type", "主题党日")
    from playwright.sync_api import expect

    expect(year).to_be_hidden()
    page.select_option("#id_type", "组织生活会")
    expect(year).to_be_visible()
    shot(page, "activities-form-for-year")

    services.activity_record(
        actor=None,
        code="HD-V",
        type="主题党日",
        host=world.zb_a,
        start=datetime.datetime(2026, 3, 5, 9, tzinfo=TZ),
        topic="误录的主题党日",
    )
    page.goto(f"{base}/activities/a/HD-V/")
    page.fill("#id_void_reason", "重复登记")
    page.once("dialog", lambda d: d.dismiss())
    page.click("button:has-text('作废')")
    page.wait_for_timeout(300)
    assert Activity.objects.get(code="HD-V").status == "草稿"
    page.once("dialog", lambda d: d.accept())
    page.click("button:has-text('作废')")
    page.wait_for_selector("text=作废原因：重复登记")
    assert Activity.objects.get(code="HD-V").status == "已作废"
    shot(page, "activities-voided")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "activities-voided-phone")
    assert not [e for e in errors if "Content Security Policy" in e]


def test_the_compliance_matrix_filters_through_one_filter_and_exports_what_it_shows(
    world,
    live_server,
    page,  # noqa: F811
):
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(page, base, "admin")
    page.goto(f"{base}/activities/compliance/?year=2026")
    assert "全部可见组织" in page.locator("h2.page-title").inner_text()
    assert page.locator("table tbody tr").count() == 4  # ZB-A, XZ-A1, ZB-B and ZB-X
    # The organisation is picked by name or code; the choice re-filters the matrix.
    choose(page, "id_pick_org", "ZB-A", "ZB-A")
    page.wait_for_url("**org=ZB-A**")
    page.wait_for_function("document.querySelectorAll('#compliance-results tbody tr').length == 2")
    page.goto(f"{base}/activities/compliance/?year=2026&org=ZB-A&rule=主题党日")
    href = page.locator("a:has-text('导出 Excel')").get_attribute("href")
    assert "org=ZB-A" in href and "year=2026" in href and "rule=" in href
    shot(page, "compliance-matrix")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "compliance-matrix-phone")
    page.goto(f"{base}/activities/compliance/o/ZB-A/?year=2026")
    assert "营销服务党支部" in page.locator("h2.page-title").inner_text()
    assert not [e for e in errors if "Content Security Policy" in e]
