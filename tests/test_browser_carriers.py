"""A real-browser walk through 岗区队 on the demo data: the committee (dangwei) sees the
registry with Benxi's figures (206 active, 119 示范岗 ever named, 3 withdrawn) and the map,
approves a declaration and names the carrier whose 公示 has ended, looks at the contest,
the coverage and a branch's 公示 page; the member dangyuan finds their post on a phone
(390 px) on 我的 and opens it.

Screenshots go to ``test-artifacts/carriers-*.png`` and ``/tmp/shots/carriers/``.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from lianjian.carriers import rules
from lianjian.carriers.demo import demo_carriers
from lianjian.carriers.models import Carrier
from lianjian.orgs.demo import demo_load
from tests.browser_helpers import ARTIFACTS, BROWSER_MARKS
from tests.test_browser_csp import DEMO_PASSWORD

pytestmark = BROWSER_MARKS
SHOTS = Path("/tmp/shots/carriers")


def shot(page, name: str) -> None:  # noqa: F811 - the fixture's page object
    path = ARTIFACTS / f"carriers-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def login(page, base: str, username: str) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_the_committee_names_a_carrier_and_a_member_finds_their_post(live_server, page):  # noqa: F811
    demo_load(stdout=io.StringIO())
    demo_carriers()
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, base, "dangwei")
    page.goto(f"{base}/carriers/")
    assert page.inner_text("#figures .card >> nth=0").count("206") == 1
    posts = page.locator("#figures [data-kind='示范岗']")
    assert posts.locator("[data-figure=active]").inner_text() == "116"
    assert posts.locator("[data-figure=ever]").inner_text() == "119"
    assert posts.locator("[data-figure=withdrawn]").inner_text() == "3"
    page.wait_for_selector("#carrier-map canvas")
    page.wait_for_timeout(600)
    shot(page, "01-registry-1366")

    waiting = Carrier.objects.get(org__code="BX-ZB19", state=rules.COMMITTEE)
    page.goto(f"{base}/carriers/c/{waiting.code}/")
    page.click("button[data-action=approve]")
    page.wait_for_selector("#carrier-state [data-state='公示']")
    shot(page, "02-approved-in-publicity")

    publicised = Carrier.objects.get(
        org__code="BX-ZB19", state=rules.PUBLICITY, name__contains="智能电表"
    )
    page.goto(f"{base}/carriers/c/{publicised.code}/")
    page.click("button[data-action=name]")
    page.wait_for_selector("#carrier-state [data-state='已命名']")
    assert Carrier.objects.get(pk=publicised.pk).state == rules.NAMED
    shot(page, "03-named")

    page.goto(f"{base}/carriers/contest/")
    assert page.locator("table tbody tr[data-code]").count() == 116 + 3
    shot(page, "04-contest")
    page.goto(f"{base}/carriers/coverage/")
    assert page.locator("tr[data-org] .badge.bg-red-lt").count() >= 1
    shot(page, "05-coverage")
    page.goto(f"{base}/carriers/public/BX-ZB19/")
    shot(page, "06-public-BX-ZB19")

    login(page, base, "dangyuan")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/my/")
    card = page.locator("#my-carriers [data-code]")
    assert card.count() == 1
    assert card.evaluate("el => el.getBoundingClientRect().right") <= 390
    shot(page, "07-dangyuan-mine-390")
    card.click()
    page.wait_for_selector("#duties")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "08-dangyuan-post-390")
    page.goto(f"{base}/carriers/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "09-registry-390")
