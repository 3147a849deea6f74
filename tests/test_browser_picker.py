"""The picker in a real browser (#18 point 7): a manager creates an alliance by typing 桓 or
"hr" and picking the rows, with the keyboard and the mouse, at 1366 px and on a 390 px phone.

The fixtures of ``tests/browser_helpers.py``: skipped loudly without Debian's chromium.
Screenshots go to ``test-artifacts/picker-*.png``.
"""

from __future__ import annotations

import pytest

from lianjian.alliances.models import Alliance
from lianjian.orgs.services import org_create
from tests.browser_helpers import ARTIFACTS, BROWSER_MARKS
from tests.conftest import PASSWORD

pytestmark = BROWSER_MARKS


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"picker-{name}.png"), full_page=True)


@pytest.mark.parametrize(("width", "height", "code"), [(1366, 860, "LJ-HR"), (390, 844, "LJ-HR-M")])
def test_a_manager_creates_an_alliance_by_picking_organisations(
    world, live_server, browser, width, height, code
):
    org_create(
        actor=None, code="ZB-HR", name="桓仁县供电分公司党支部", kind="党支部", parent=world.dw
    )
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="zh-CN",
        is_mobile=width < 500,
        has_touch=width < 500,
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "company")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/alliances/new/")

    # The code inputs are hidden behind the search boxes; the labels point at the search box.
    lead = page.locator("#id_lead-search")
    assert page.locator("#id_lead").get_attribute("type") == "hidden"
    assert page.locator("label[for='id_lead-search']").inner_text().strip() == "牵头组织"

    # Lead: "hr", then Enter takes the best match.
    lead.click()
    lead.fill("hr")
    page.wait_for_selector("#id_lead-options [role=option]:first-child[data-code='ZB-HR'].active")
    shot(page, f"{width}-lead-hr")
    lead.press("Enter")
    chip = page.locator("[data-picker]:has(#id_lead) .lj-chip")
    assert chip.locator(".lj-chip-name").inner_text() == "桓仁县供电分公司党支部"
    assert chip.locator(".lj-chip-code").inner_text() == "ZB-HR"
    assert page.locator("#id_lead").input_value() == "ZB-HR"

    # Members: 桓 and a click; then a partner unit with the arrow keys.
    members = page.locator("#id_members-search")
    members.click()
    members.fill("桓")
    page.wait_for_selector("#id_members-options [role=option]:only-child[data-code='ZB-HR']")
    page.locator("#id_members-options [data-code='ZB-HR']").click()
    members.fill("本溪县")
    page.wait_for_selector("#id_members-options [role=option]:only-child[data-code='WB-GOV']")
    members.press("ArrowDown")
    members.press("ArrowDown")
    members.press("ArrowUp")
    members.press("Enter")
    members.fill("营销")
    page.wait_for_selector("#id_members-options [data-code='ZB-A']")
    shot(page, f"{width}-members-open")
    members.press("Escape")
    assert page.locator("#id_members-options").is_hidden()
    assert page.locator("#id_members").input_value() == "ZB-HR、WB-GOV"
    # A chosen row can be taken out again.
    page.locator(
        "[data-picker]:has(#id_members) .lj-chip[data-code='ZB-HR'] [data-picker-remove]"
    ).click()
    assert page.locator("#id_members").input_value() == "WB-GOV"
    members.fill("yxfw")
    page.wait_for_selector("#id_members-options [role=option]:first-child[data-code='ZB-A'].active")
    members.press("Enter")
    assert page.locator("#id_members").input_value() == "WB-GOV、ZB-A"

    # An out-of-scope organisation is never offered.
    members.fill("ZB-X")
    page.wait_for_selector("#id_members-options :text('没有匹配')")
    members.fill("")

    page.fill("#id_code", code)
    page.fill("#id_name", "桓仁政企联建")
    shot(page, f"{width}-form-filled")
    if width < 500:
        # Nothing on the phone is wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    print("URL", page.url, page.locator("button").all_inner_texts(), page.locator("form").count())
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base}/alliances/{code}/")
    shot(page, f"{width}-saved")
    alliance = Alliance.objects.get(code=code)
    assert alliance.lead.code == "ZB-HR"
    assert sorted(m.org.code for m in alliance.memberships.all()) == ["WB-GOV", "ZB-A", "ZB-HR"]

    # Editing shows the chosen lead by name.
    page.goto(f"{base}/alliances/{code}/edit/")
    assert (
        page.locator("[data-picker]:has(#id_lead) .lj-chip-name").inner_text()
        == "桓仁县供电分公司党支部"
    )
    shot(page, f"{width}-edit")
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems
    context.close()
