"""The screens of issue 18 point 6 in a real browser, at 1366 px and on a phone (390 px):
the 智能分组 adoption with its required choice about today's 联建网, and 发起联建 from the
partner finder onto a filled-in alliance form."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings as django_settings
from django.test import Client

from lianjian.alliances.models import Alliance, AllianceType
from lianjian.alliances.services import alliance_create
from lianjian.orgs.services import org_create
from lianjian.proposals.models import GroupingRun
from tests.browser_helpers import shot
from tests.conftest import PASSWORD
from tests.test_proposals_flow import FORM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _login(page, base: str, username: str) -> None:  # noqa: F811
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_adoption_asks_about_todays_networks_and_the_finder_founds_an_alliance(
    world,
    live_server,
    page,  # noqa: F811
    settings,  # noqa: F811
):
    zb_c = org_create(
        actor=None,
        code="ZB-C",
        name="客户服务党支部",
        kind="党支部",
        parent=world.dw,
        professions=["营销服务"],
        strengths=["技术攻关"],
        lat=41.31,
        lon=123.71,
    )
    kind = AllianceType.objects.get(name="联建网")
    alliance_create(
        actor=None,
        code="LJ-OLD1",
        name="旧联建网一",
        type=kind,
        lead=world.zb_a,
        members=[world.zb_b],
        status=Alliance.Status.ACTIVE,
        founded=datetime.date(2025, 1, 1),
    )
    settings.GROUPING_RUN_INLINE = True
    c = Client()
    c.force_login(world.admin)
    assert (
        c.post("/grouping/", {**FORM, "groups": "1", "min_size": "3", "max_size": "3"}).status_code
        == 302
    )
    run = GroupingRun.objects.get()
    assert run.status == GroupingRun.Status.DONE and zb_c.pk in run.org_ids
    base = live_server.url
    _login(page, base, "company")
    page.goto(f"{base}/grouping/runs/{run.pk}/adopt/")
    page.wait_for_selector("[data-network=LJ-OLD1]")
    assert page.locator("input[name=networks][required]").count() == 3
    page.click("button:has-text('确认采纳')")  # no choice: the browser itself holds the form back
    page.wait_for_timeout(500)
    assert not Alliance.objects.filter(code__startswith="LJW-").exists()
    shot(page, "flow-01-adopt")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "flow-02-adopt-phone")
    page.set_viewport_size({"width": 1366, "height": 860})
    page.check("input[value=替换]")
    page.click("button:has-text('确认采纳')")
    page.wait_for_selector(".alert-success")
    shot(page, "flow-02b-adopted")
    assert Alliance.objects.get(code="LJ-OLD1").status == "终止"

    page.goto(f"{base}/grouping/partners/ZB-A/")
    page.click("tr:has-text('运维检修党支部') >> text=发起联建")
    page.wait_for_selector(
        "#id_lead", state="attached"
    )  # the picker keeps the code in a hidden input
    assert page.input_value("#id_lead") == "ZB-A"
    assert "ZB-B" in page.locator("form.card").inner_html() and "运维检修党支部" in page.content()
    shot(page, "flow-03-found-from-finder")
    assert django_settings.DEBUG is False
