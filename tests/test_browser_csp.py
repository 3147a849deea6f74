"""Escaping and the Content-Security-Policy in the real browser (docs/security.md §1).

1. Every name a chart shows (organisations, alliances, alliance types and themes, resources,
   assessment dimensions, the organisations of a grouping run; no chart shows a person) is
   planted with HTML payloads, and so are members, schemes and indicators; on every chart
   page every tooltip is shown (ECharts ``showTip`` on each data index of each series): no
   script runs, no element is injected, the names read as text.
2. Every page of the sidebar and every page with a script of its own loads with no CSP
   violation, no console error and no script error; the charts draw; the API docs (Swagger
   UI) work, "Try it out" included.
3. The data attributes that replaced the inline handlers do their job: data-confirm,
   data-autosubmit, data-check-all, data-copy-target; the page scripts of the indicator and
   meeting forms too.

Same fixtures as tests/test_browser.py (Playwright driving Debian's chromium; skipped
loudly without it, failing under CI=true). Screenshots: ``test-artifacts/csp-*.png``.
"""

from __future__ import annotations

import datetime
import io
import os

import pytest
from django.core.management import call_command
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.test import Client
from django.utils import timezone

from tests.browser_helpers import ARTIFACTS
from tests.conftest import PASSWORD
from tests.picker_helpers import choose

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DEMO_PASSWORD = "Demo@2026"
# Two payloads: an element with an event handler, and a try to close a <script> block.
IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "</script><script>window.__xss=2</script>"

# Registered before any page script: CSP violations of the page, kept for the test to read.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
});
"""

# Show the tooltip of every data item of every series of every chart on the page; return
# what each tooltip holds.
SWEEP_TOOLTIPS = """() => {
  const tips = [];
  for (const el of document.querySelectorAll("[_echarts_instance_]")) {
    const chart = echarts.getInstanceByDom(el);
    (chart.getOption().series || []).forEach((series, seriesIndex) => {
      for (let dataIndex = 0; dataIndex < (series.data || []).length; dataIndex++) {
        chart.dispatchAction({type: "showTip", seriesIndex, dataIndex});
        const tip = Array.from(el.querySelectorAll("div")).find(d => d.style.zIndex === "9999999");
        if (tip) {
          tips.push({chart: el.id, text: tip.textContent, injected: tip.querySelectorAll("img, script, iframe, svg, object").length});
        }
      }
      chart.dispatchAction({type: "hideTip"});
    });
  }
  return tips;
}"""


def shot(page, name: str) -> None:  # noqa: F811 - the fixture's page object
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"csp-{name}.png"), full_page=True)


class Watch:
    """The page's CSP violations (DOM event), console errors and uncaught script errors."""

    def __init__(self, page) -> None:  # noqa: F811
        self.page = page
        self.console: list[str] = []
        page.context.add_init_script(WATCH_CSP)
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console.append(f"script error: {e}"))

    def visit(self, url: str) -> None:
        self.console.clear()
        response = self.page.goto(url)
        assert response.status == 200, (url, response.status)
        # the page ran under the policy (a page without one has no violations to report)
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), url
        self.page.wait_for_load_state("networkidle")
        self.assert_clean(url)

    def assert_clean(self, where: str, expected_status: int | None = None) -> None:
        assert self.page.evaluate("window.__csp") == [], where
        answered = f"the server responded with a status of {expected_status} "
        assert [m for m in self.console if expected_status is None or answered not in m] == [], (
            where
        )


def login(page, base: str, username: str, password: str) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def grouping_run(settings, username: str) -> int:
    """A finished grouping run over the demo company (run inline, in the test's thread)."""
    from lianjian.accounts.models import User
    from lianjian.proposals.models import GroupingRun

    settings.GROUPING_RUN_INLINE = True
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.post(
        "/grouping/",
        {
            "root": "BXDW",
            "groups": "7",
            "min_size": "5",
            "max_size": "7",
            "w_profession": "1",
            "w_geography": "1",
            "w_complementarity": "1",
            "geo_scale_km": "30",
            "time_limit": "2",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    run = GroupingRun.objects.latest("pk")
    assert run.status == "完成"
    return run.pk


def plant_payloads() -> None:
    """Append a payload to every name that a chart shows (both payloads on each kind), and to
    the names the chart pages show beside their charts (members, schemes, indicators)."""
    from lianjian.alliances.models import Alliance, AllianceType
    from lianjian.assessment.models import Dimension, Indicator, Scheme
    from lianjian.orgs.models import Member, Organisation
    from lianjian.sharing.models import Resource

    for model, fields in (
        (Organisation, ["name"]),
        (Alliance, ["name", "theme"]),
        (AllianceType, ["name"]),
        (Resource, ["name"]),
        (Dimension, ["name"]),
        (Indicator, ["name"]),
        (Scheme, ["name"]),
        (Member, ["name"]),
    ):
        pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for payload, chosen in ((IMG, pks[0::2]), (SCRIPT, pks[1::2])):
            model.objects.filter(pk__in=chosen).update(
                **{f: Concat(F(f), Value(payload)) for f in fields}
            )


def test_html_in_every_charted_name_never_runs_and_reads_as_text(live_server, page, settings):  # noqa: F811
    from lianjian.alliances.models import Alliance
    from lianjian.assessment import services as assessment
    from lianjian.assessment.models import AssessmentRun

    call_command("demo", stdout=io.StringIO())
    plant_payloads()
    # Charts read names from snapshots too: a new run (published) and a grouping run after the renames.
    published = (
        AssessmentRun.objects.filter(is_published=True).select_related("scheme").latest("pk")
    )
    run = assessment.assessment_run(None, published.scheme, published.period, note="改名后重算")
    assessment.run_publish(None, run)
    grouping = grouping_run(settings, "admin")
    alliance = Alliance.objects.filter(memberships__org__is_partner=True).order_by("code").first()

    base = live_server.url
    watch = Watch(page)
    login(page, base, "admin", DEMO_PASSWORD)
    # page → (chart boxes that must be drawn, whether its tooltips show planted names)
    pages = {
        "/": (["member-chart"], False),
        f"/alliances/{alliance.code}/": (["member-scatter"], True),
        "/alliances/network/": (["network-graph"], True),
        "/activities/stats/": (["chart-type", "chart-month", "chart-org", "chart-alliance"], True),
        "/consultations/stats/": (["chart-category", "chart-state", "chart-month"], False),
        "/sharing/usage/": (["chart-month", "chart-resource", "chart-alliance"], True),
        f"/assessment/r/{run.pk}/analysis/": (["chart-stars", "chart-scatter"], True),
        f"/assessment/s/{run.scheme.code}/trend/": (["chart-trend"], True),
        f"/grouping/runs/{grouping}/": (["all-scatter"], True),
        "/keytasks/rollup/?list=BX-GJRW-2026": (["chart-orgs", "chart-themes"], True),
    }
    for path, (boxes, shows_names) in pages.items():
        watch.visit(base + path)
        for box in boxes:
            page.wait_for_selector(f"#{box} canvas")
        tips = page.evaluate(SWEEP_TOOLTIPS)
        page.wait_for_timeout(300)  # an injected <img src=x> fails to load asynchronously
        assert tips, path
        assert {t["chart"] for t in tips} >= set(boxes), path
        assert [t for t in tips if t["injected"]] == [], path
        assert page.evaluate("window.__xss") is None, path
        if shows_names:
            texts = " ".join(t["text"] for t in tips)
            assert IMG in texts and SCRIPT in texts, (path, texts[:300])
        watch.assert_clean(path)
        # the page's own HTML (tables, titles, json_script data) injected nothing either
        assert page.locator("img[src=x]").count() == 0, path
    # for a person to look at: a planted name in a tooltip, shown as typed
    watch.visit(f"{base}/alliances/{alliance.code}/")
    page.locator("#member-scatter").scroll_into_view_if_needed()
    page.evaluate("""() => echarts.getInstanceByDom(document.getElementById("member-scatter"))
                             .dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: 0})""")
    page.screenshot(path=str(ARTIFACTS / "csp-payload-tooltip.png"))


def test_every_page_of_the_sidebar_and_every_scripted_page_runs_without_a_csp_violation(
    live_server,
    page,  # noqa: F811 - the fixture
    settings,
):
    from lianjian.activities.models import Activity
    from lianjian.alliances.models import Alliance
    from lianjian.assessment.models import AssessmentRun
    from lianjian.keytasks.models import KeyTask
    from lianjian.sharing.models import Resource

    call_command("demo", stdout=io.StringIO())
    grouping = grouping_run(settings, "admin")
    run = AssessmentRun.objects.filter(is_published=True).select_related("scheme").latest("pk")
    base = live_server.url
    watch = Watch(page)

    watch.visit(f"{base}/accounts/login/")
    login(page, base, "admin", DEMO_PASSWORD)
    sidebar = page.eval_on_selector_all(
        "#sidebar-menu a.nav-link", "links => links.map(a => a.getAttribute('href'))"
    )
    assert (
        len(sidebar) == 23
    )  # the admin's whole menu: 民主评议, 关键任务, 揭榜挂帅, 岗区队, 党员积分, 三重一大, 监督台账,
    # 审计日志 and 三色预警设置 included
    alliance = Alliance.objects.order_by("code").first()
    activity = Activity.objects.order_by("-start").first()
    scripted = [
        f"/alliances/{alliance.code}/",
        f"/assessment/r/{run.pk}/analysis/",
        f"/assessment/s/{run.scheme.code}/trend/",
        f"/assessment/s/{run.scheme.code}/indicators/new/",
        "/activities/stats/",
        "/activities/calendar/",
        f"/activities/a/{activity.code}/",
        "/consultations/stats/",
        "/consultations/meetings/new/",
        "/sharing/usage/",
        f"/sharing/r/{Resource.objects.order_by('code').first().code}/",
        f"/grouping/runs/{grouping}/",
        "/keytasks/l/BX-GJRW-2026/",
        "/keytasks/l/BX-GJRW-2026/timeline/",
        "/keytasks/rollup/?list=BX-GJRW-2026",
        "/carriers/c/SFG-001/",
        f"/keytasks/t/{KeyTask.objects.filter(parent__isnull=False).order_by('code').first().code}/",
    ]
    for path in sidebar + scripted:
        watch.visit(base + path)
        for box in page.locator("[_echarts_instance_]").all():
            assert box.locator("canvas").count() == 1, path
    # htmx answers under the policy: the organisation search swaps its results in place
    watch.visit(f"{base}/orgs/")
    page.fill("input[name=q]", "营销服务中心")
    page.wait_for_selector("#org-results >> text=营销服务中心党支部")
    watch.assert_clean("htmx search")

    # 390 px: a chart page on a phone, its tooltip kept on the screen
    page.set_viewport_size({"width": 1366, "height": 860})
    watch.visit(f"{base}/assessment/r/{run.pk}/analysis/")
    page.wait_for_selector("#chart-scatter canvas")
    page.wait_for_timeout(1200)
    shot(page, "analysis-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    watch.visit(f"{base}/assessment/r/{run.pk}/analysis/")
    page.wait_for_selector("#chart-scatter canvas")
    page.wait_for_timeout(1200)
    page.locator("#chart-scatter").scroll_into_view_if_needed()
    page.evaluate("""() => { const c = echarts.getInstanceByDom(document.getElementById("chart-scatter"));
                             c.dispatchAction({type: "showTip", seriesIndex: 1, dataIndex: 0}); }""")
    box = page.locator("#chart-scatter .lj-chart-tooltip").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "csp-analysis-390.png"), full_page=False)
    page.set_viewport_size({"width": 1366, "height": 860})

    # The API docs (Swagger UI from ninja's static files) work under the same policy.
    watch.visit(f"{base}/api/v1/docs")
    me = page.locator(
        ".opblock-summary", has=page.locator(".opblock-summary-path[data-path='/api/v1/auth/me']")
    )
    me.click()
    page.click(".opblock.is-open button.try-out__btn")
    page.click(".opblock.is-open button.execute")
    page.wait_for_selector(
        ".opblock.is-open .live-responses-table .response-col_status:has-text('401')"
    )
    watch.assert_clean("swagger try it out", expected_status=401)
    shot(page, "api-docs")

    # the error pages load their styles under the policy too
    watch.console.clear()
    assert page.goto(f"{base}/no-such-page/").status == 404
    watch.assert_clean("404", expected_status=404)
    shot(page, "404")


def test_the_behaviour_attributes_replace_the_inline_handlers(world, live_server, page):  # noqa: F811
    from lianjian.activities import services as activity_services
    from lianjian.alliances.models import Agreement
    from tests.alliance_helpers import make_alliances
    from tests.assessment_screens_helpers import make_assessed

    alliances = make_alliances(world)
    assessed = make_assessed(world)
    activity = activity_services.activity_record(
        actor=world.manager_a,
        type="主题党日",
        host=world.zb_a,
        start=timezone.make_aware(datetime.datetime(2026, 11, 20, 9, 0)),
        topic="学习贯彻全会精神",
    )
    activity_services.attendance_fill(actor=world.manager_a, activity=activity)
    base = live_server.url
    watch = Watch(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)

    # data-confirm: dismissing changes nothing, accepting submits the form
    login(page, base, "company", PASSWORD)
    watch.visit(f"{base}/alliances/agreements/{alliances.ag_a.pk}/")
    chosen = page.locator("select[name=status] option").first.get_attribute("value")
    page.once("dialog", lambda d: d.dismiss())
    page.click("form[data-confirm] button[type=submit]")
    page.wait_for_timeout(500)
    assert page.url == f"{base}/alliances/agreements/{alliances.ag_a.pk}/"
    assert Agreement.objects.get(pk=alliances.ag_a.pk).status == "生效"
    messages: list[str] = []
    page.once("dialog", lambda d: (messages.append(d.message), d.accept()))
    with page.expect_navigation():
        page.click("form[data-confirm] button[type=submit]")
    assert messages == ["确定变更协议状态？"]
    assert Agreement.objects.get(pk=alliances.ag_a.pk).status == chosen != "生效"

    # data-autosubmit: choosing a type filters the network picture
    watch.visit(f"{base}/alliances/network/")
    with page.expect_navigation():
        page.select_option("select[name=type]", label="政企联建")
    assert "type=" in page.url and "1 个联建" in page.content()
    watch.assert_clean("network filtered")

    # the indicator form's own script shows the parameters of the chosen rule only
    watch.visit(f"{base}/assessment/s/{assessed.scheme.code}/indicators/new/")
    page.select_option("select[name=rule]", "deduct")
    from playwright.sync_api import expect

    expect(page.locator("[data-help=deduct]")).to_be_visible()
    expect(page.locator("[data-help=ratio]")).to_be_hidden()

    # the meeting form reloads with the chosen alliance's liaisons
    watch.visit(f"{base}/consultations/meetings/new/")
    with page.expect_navigation():
        choose(page, "id_alliance", "LJ-A", "LJ-A")
    assert page.url.endswith("?alliance=LJ-A")

    # data-check-all and data-copy-target on the activity page
    login(page, base, "manager_a", PASSWORD)
    watch.visit(f"{base}/activities/a/{activity.code}/")
    boxes = page.locator("input[name=member]")
    assert boxes.count() == 2
    page.check("input[data-check-all]")
    assert [boxes.nth(i).is_checked() for i in range(2)] == [True, True]
    page.uncheck("input[data-check-all]")
    assert [boxes.nth(i).is_checked() for i in range(2)] == [False, False]
    page.click("button[data-copy-target]")
    page.wait_for_selector("button[data-copy-target]:has-text('已复制')")
    assert page.evaluate("navigator.clipboard.readText()") == page.locator(
        "#checkin-url"
    ).get_attribute("href")
    watch.assert_clean("activity behaviours")
