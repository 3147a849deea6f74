"""Escaping and Content-Security-Policy (docs/security.md §1), without a browser.

* Every response of every URL carries the strict policy; rendered pages hold no inline
  script (json_script's JSON blocks excepted) and no on…= attribute.
* A static scan of our templates and JavaScript (not vendor files) fails on inline
  ``<script>``/``<style>``, ``on…=`` attributes, ``javascript:`` URLs, HTML written from
  script, ``echarts.init`` outside js/charts.js, and any chart tooltip formatter that is not
  an ECharts string template or ``LJCharts.tooltip(…)``. Each rule is shown to catch a
  known-bad snippet, so the scan cannot pass by matching nothing.

The real-browser side (payloads in every charted name, no CSP violation on any page) is
tests/test_browser_csp.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

import lianjian

PACKAGE = Path(lianjian.__file__).resolve().parent
TEMPLATES = sorted(p for p in PACKAGE.rglob("*.html") if "vendor" not in p.parts)
SCRIPTS = sorted(
    p for p in PACKAGE.rglob("*.js") if "static" in p.parts and "vendor" not in p.parts
)
CHARTS_JS = PACKAGE / "static" / "js" / "charts.js"


# ---------------------------------------------------------------- the policy itself


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, (
        f"no Content-Security-Policy on {response.status_code} {response.get('Content-Type')}"
    )
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_no_inline_script_allowed(response) -> None:
    """Any response (uploaded files keep their own, stricter policy): no inline script, no eval."""
    d = policy(response)
    for directive in ("script-src", "default-src"):
        assert "'unsafe-inline'" not in d.get(directive, []), directive
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


def assert_strict(response) -> None:
    """A page of ours: exactly the product's policy."""
    d = policy(response)
    assert d["script-src"] == ["'self'"]
    assert d["default-src"] == ["'self'"]
    assert d["object-src"] == ["'none'"]
    assert d["base-uri"] == ["'none'"]
    assert d["frame-ancestors"] == ["'none'"]
    assert d["form-action"] == ["'self'"]
    assert d["img-src"] == ["'self'", "data:", "blob:"]
    assert d["style-src-elem"] == ["'self'"]
    assert d["style-src-attr"] == ["'unsafe-inline'"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert "script-src-elem" not in d and "script-src-attr" not in d


# The JSON blocks of json_script are data, not script; every other <script> needs src.
RENDERED_INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def _routes(patterns, prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _demo_values() -> dict[str, str]:
    """One real demo object for each route parameter, keyed "<route without parameters>:<name>"."""
    from lianjian.activities.models import Activity, ComplianceRule
    from lianjian.alliances.models import Agreement, Alliance, AllianceMember
    from lianjian.appraisals.models import Appraisal
    from lianjian.assessment.models import AssessmentRun, Dimension, Indicator, KpiBatch
    from lianjian.consultations.models import JointMeeting, Problem
    from lianjian.notifications.models import Notification
    from lianjian.orgs.models import Member, Organisation
    from lianjian.sharing.models import Booking, Match, Need, Project, Resource

    run = AssessmentRun.objects.filter(is_published=True).select_related("scheme").first()
    alliance = Alliance.objects.order_by("code").first()
    branch = Organisation.objects.filter(kind="党支部").order_by("code").first().code
    indicator = Indicator.objects.filter(scheme=run.scheme).order_by("pk").first()
    return {
        "orgs/o:code": branch,
        "orgs/members:pk": str(Member.objects.order_by("pk").first().pk),
        "alliances/agreements:pk": str(Agreement.objects.order_by("pk").first().pk),
        "alliances:code": alliance.code,
        "alliances/members:pk": str(AllianceMember.objects.filter(alliance=alliance).first().pk),
        "alliances/plan:year": "2026",
        "activities/compliance/o:code": branch,
        "activities/rules:pk": str(ComplianceRule.objects.order_by("pk").first().pk),
        "activities/a:code": Activity.objects.order_by("code").first().code,
        "assessment/s:code": run.scheme.code,
        "assessment/s/dimensions:pk": str(
            Dimension.objects.filter(scheme=run.scheme).order_by("pk").first().pk
        ),
        "assessment/s/indicators:pk": str(indicator.pk),
        "assessment/s:kind": "indicators",
        "assessment/s:pk": str(indicator.pk),
        "assessment/r:pk": str(run.pk),
        "assessment/r/o:code": run.results.order_by("rank").first().org.code,
        "assessment/kpis/batches:pk": str(KpiBatch.objects.order_by("pk").first().pk),
        "assessment/reviews:pk": str(
            Indicator.objects.filter(rule="manual").order_by("pk").first().pk
        ),
        "consultations/p:code": Problem.objects.order_by("code").first().code,
        "consultations/meetings:code": JointMeeting.objects.order_by("code").first().code,
        "sharing/r:code": Resource.objects.order_by("code").first().code,
        "sharing/bookings:pk": str(Booking.objects.order_by("pk").first().pk),
        "sharing/needs:code": Need.objects.order_by("code").first().code,
        "sharing/projects:code": Project.objects.order_by("code").first().code,
        "sharing/matches:pk": str(Match.objects.order_by("pk").first().pk),
        "grouping/partners:code": branch,
        "inbox:pk": str(Notification.objects.order_by("pk").first().pk),
        "decisions/i:number": "JC-2026-001",
        "decisions/lists:code": "SXQD-BXDW-2026",
        "carriers/c:code": "SFG-001",
        "carriers/public:org": branch,
        "appraisals:code": Appraisal.objects.order_by("code").first().code,
        **_project_values(),
    }


def _project_values() -> dict[str, str]:
    """The demo's 揭榜挂帅 rows: a project (with awards), the open call and one of its bids."""
    from lianjian.projects.models import Bid
    from lianjian.projects.models import Project as JbProject

    return {
        "projects/p:code": JbProject.objects.order_by("code").first().code,
        "projects/calls:code": "BX-JB-2026-OPEN",
        "projects/bids:code": Bid.objects.order_by("code").first().code,
    }


PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(route: str, values: dict[str, str]) -> str:
    """The route with each parameter replaced by a demo object, or by a value that answers 404."""
    segments = route.split("/")
    out = []
    for i, segment in enumerate(segments):
        m = PARAMETER.fullmatch(segment)
        if m is None:
            out.append(segment)
            continue
        key = "/".join(s for s in segments[:i] if not PARAMETER.fullmatch(s)) + ":" + m.group(2)
        out.append(values.get(key, "1" if m.group(1) == "int" else "none"))
    return "/" + "/".join(out)


@pytest.mark.django_db
def test_every_response_of_every_url_carries_the_strict_policy_and_pages_hold_no_inline_script(
    world, settings, tmp_path
):
    from lianjian.alliances.models import Agreement
    from lianjian.alliances.services import agreement_attach
    from tests.alliance_helpers import PDF_BYTES

    settings.DEBUG = (
        False  # django-csp leaves Django's debug 404/500 pages alone; production does not
    )
    settings.MEDIA_ROOT = tmp_path
    settings.DATA_DIR = tmp_path  # the Word reports the walk asks for are kept here
    call_command("demo", stdout=io.StringIO())
    values = _demo_values()
    scan = agreement_attach(
        actor=None,
        agreement=Agreement.objects.get(pk=values["alliances/agreements:pk"]),
        upload=SimpleUploadedFile("协议.pdf", PDF_BYTES, "application/pdf"),
    )
    values["alliances/agreements/files:file_id"] = str(scan.pk)
    from lianjian.core.models import ImportJob

    values["orgs/excel/jobs:pk"] = str(
        ImportJob.objects.create(
            token="csp", kind="orgs", file_name="o.xlsx", created_by=world.admin, status="待确认"
        ).pk
    )
    from lianjian.assessment.models import AssessmentRun, RunJob

    values["assessment/jobs:pk"] = str(
        RunJob.objects.create(
            scheme=AssessmentRun.objects.get(pk=values["assessment/r:pk"]).scheme,
            period="2026",
            created_by=world.admin,
            status="失败",
            errors=["方案在2026期间没有适用的组织"],
        ).pk
    )
    from lianjian.core.jobs import report_job_start

    values["jobs/reports:pk"] = str(
        report_job_start(
            actor=world.admin,
            kind="assessment_run",
            obj=AssessmentRun.objects.get(pk=values["assessment/r:pk"]),
            target=values["assessment/r:pk"],
        ).pk
    )
    routes = sorted(set(_routes(get_resolver().url_patterns)))
    client = Client()
    client.force_login(world.admin)
    statuses: dict[int, int] = {}
    pages = 0
    for route in routes:
        if route == "accounts/logout/":
            continue
        url = _fill(route, values)
        response = client.get(url)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert_no_inline_script_allowed(response)
        if response.get("Content-Type", "").startswith("text/html"):
            assert_strict(response)
            html = response.content.decode()
            assert RENDERED_INLINE_SCRIPT.search(html) is None, (
                url,
                RENDERED_INLINE_SCRIPT.search(html).group(0),
            )
            assert EVENT_HANDLER.search(html) is None, (url, EVENT_HANDLER.search(html).group(0))
            pages += response.status_code == 200
    # the walk reached the real pages, not only 404s
    assert pages >= 80, (pages, statuses)
    assert len(routes) > 150


@pytest.mark.django_db
def test_the_login_page_and_the_error_pages_carry_the_policy_too(settings):
    settings.DEBUG = False
    client = Client()
    assert_strict(client.get("/accounts/login/"))
    assert_strict(client.get("/no-such-page/"))
    assert_strict(client.get("/api/v1/no-such-endpoint"))


# ---------------------------------------------------------------- the static scan

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
EVENT_ATTRIBUTE = re.compile(r"(?:\s|^)(?:on[a-z]+|hx-on[:\w-]*)\s*=(?!=)", re.I)
JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.I)
HTML_SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function\b"
)


CHART_SCRIPTS = PACKAGE / "templates" / "chart_scripts.html"


def template_problems(text: str, path: Path | None = None) -> list[str]:
    problems = [f"inline <script>: {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)]
    problems += [f"<style> block: {m.group(0)}" for m in STYLE_BLOCK.finditer(text)]
    problems += [
        f"event-handler attribute: {m.group(0).strip()}" for m in EVENT_ATTRIBUTE.finditer(text)
    ]
    problems += [f"javascript: URL: {m.group(0)}" for m in JAVASCRIPT_URL.finditer(text)]
    if "vendor/echarts.min.js" in text and path != CHART_SCRIPTS:
        problems.append(
            "loads ECharts itself instead of including chart_scripts.html (ECharts + js/charts.js)"
        )
    return problems


def _blank_strings_and_comments(source: str) -> str:
    """The source with string literals and comments blanked (same length), for brace matching."""
    pattern = re.compile(
        r"""//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`""", re.S
    )

    def blank(m: re.Match) -> str:
        text = m.group(0)
        if text[0] in "\"'`":
            return text[0] + " " * (len(text) - 2) + text[-1]
        return re.sub(r"[^\n]", " ", text)

    return pattern.sub(blank, source)


def _owner(clean: str, at: int) -> str:
    """The name the object literal around position ``at`` is given (``tooltip: {…}``, ``var tooltip = {…}``)."""
    depth = 0
    for i in range(at - 1, -1, -1):
        c = clean[i]
        if c in ")]}":
            depth += 1
        elif c in "([{":
            if depth == 0:
                if c != "{":
                    return ""
                m = re.search(r"(\w+)\s*[:=]\s*$", clean[:i])
                return m.group(1) if m else ""
            depth -= 1
    return ""


def _value_end(clean: str, start: int) -> int:
    """Where the property value starting at ``start`` ends (the next , or closing brace at its level)."""
    depth = 0
    for i in range(start, len(clean)):
        c = clean[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif c == "," and depth == 0:
            return i
    return len(clean)


def formatter_problems(source: str) -> list[str]:
    """ECharts formatters that could put a name into the page as HTML.

    A tooltip formatter must be an ECharts string template (ECharts escapes its values)
    or ``LJCharts.tooltip(…)``; any other formatter (labels: canvas text) must not build
    HTML itself.
    """
    clean = _blank_strings_and_comments(source)
    problems = []
    for m in re.finditer(r"\bformatter\s*:\s*", clean):
        start = m.end()
        value = source[start : _value_end(clean, start)].strip()
        if value.startswith(('"', "'")) or value.startswith("LJCharts.tooltip("):
            continue
        if _owner(clean, m.start()) == "tooltip":
            problems.append(f"tooltip formatter without LJCharts.tooltip: {value[:80]}")
        elif re.search(r"""["'`][^"'`]*<\/?[a-z]""", value, re.I):
            problems.append(f"formatter builds HTML: {value[:80]}")
    return problems


def script_problems(path: Path, text: str) -> list[str]:
    problems = [f"javascript: URL: {m.group(0)}" for m in JAVASCRIPT_URL.finditer(text)]
    problems += [
        f"writes HTML or evaluates code: {m.group(0)}"
        for m in HTML_SINKS.finditer(_blank_strings_and_comments(text))
    ]
    problems += formatter_problems(text)
    if path != CHARTS_JS and "echarts.init(" in text:
        problems.append("echarts.init outside js/charts.js (use LJCharts.init)")
    return problems


def test_the_scan_covers_our_templates_and_scripts():
    assert len(TEMPLATES) > 100
    assert CHARTS_JS in SCRIPTS and len(SCRIPTS) >= 12
    assert not [p for p in SCRIPTS if "vendor" in p.parts]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_has_inline_script_style_handlers_or_javascript_urls(path):
    assert template_problems(path.read_text(), path) == []


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_script_writes_html_or_formats_a_tooltip_without_the_helper(path):
    assert script_problems(path, path.read_text()) == []


@pytest.mark.parametrize(
    ("snippet", "problem"),
    [
        ("<script>alert(1)</script>", "inline <script>"),
        ('<script type="application/json">{}</script>', "inline <script>"),
        ("<style>p{}</style>", "<style> block"),
        ('<select name="y" onchange="this.form.submit()">', "event-handler attribute"),
        ("<form ONSUBMIT='return confirm(1)'>", "event-handler attribute"),
        ('<button hx-on:click="go()">', "event-handler attribute"),
        ('<a href="JavaScript:void(0)">', "javascript: URL"),
        ("<script src=\"{% static 'vendor/echarts.min.js' %}\"></script>", "loads ECharts itself"),
    ],
)
def test_the_template_scan_catches(snippet, problem):
    found = template_problems(snippet)
    assert len(found) == 1 and found[0].startswith(problem), found


def test_the_template_scan_passes_the_allowed_forms():
    assert (
        template_problems(
            "<script src=\"{% static 'js/lianjian.js' %}\" defer></script>\n"
            '<form data-confirm="确定？"><select data-autosubmit name="year"></select></form>\n'
            '{{ data|json_script:"chart-data" }} <div style="height:320px"></div> {% include "chart_scripts.html" %}'
        )
        == []
    )


@pytest.mark.parametrize(
    ("snippet", "problem"),
    [
        (
            'tooltip: {formatter: function (p) { return p.data.name + "（" + p.data.role + "）"; }}',
            "tooltip formatter without",
        ),
        (
            'chart.setOption({tooltip: {trigger: "item", formatter: p => p.data[3] + "<br>" + p.data[2]}});',
            "tooltip formatter without",
        ),
        (
            "var tooltip = {formatter: function (p) { return p.seriesName; }};",
            "tooltip formatter without",
        ),
        ("series: [{tooltip: {formatter: fmt}}]", "tooltip formatter without"),
        (
            'var tip = {formatter: function (p) { return "<b>" + p.name + "</b>"; }};',
            "formatter builds HTML",
        ),
        ("label: {formatter: (p) => `<i>${p.name}</i>`}", "formatter builds HTML"),
    ],
)
def test_the_formatter_scan_catches(snippet, problem):
    found = formatter_problems(snippet)
    assert len(found) == 1 and found[0].startswith(problem), found


def test_the_formatter_scan_passes_the_helper_string_templates_and_canvas_labels():
    assert (
        formatter_problems(
            'tooltip: {formatter: LJCharts.tooltip(function (p) { return [p.data.name, "（" + p.data.role + "）"]; })},\n'
            'series: [{type: "pie", label: {formatter: "{b}\\n{c}"}, tooltip: {trigger: "item", formatter: "{b}：{c} 名（{d}%）"}}],\n'
            'label: {show: true, formatter: function (p) { return p.data.category === 0 ? p.data.name : ""; }},\n'
            'emphasis: {label: {show: true, formatter: "{b}"}}, xAxis: {axisLabel: {formatter: "{value}%"}}'
        )
        == []
    )


@pytest.mark.parametrize(
    ("snippet", "problem"),
    [
        ("el.innerHTML = name;", "writes HTML"),
        ("document.body.insertAdjacentHTML('beforeend', x);", "writes HTML"),
        ("window.eval(code);", "writes HTML or evaluates code"),
        ("location.href = 'javascript:alert(1)';", "javascript: URL"),
        ("var chart = echarts.init(el);", "echarts.init outside"),
    ],
)
def test_the_script_scan_catches(snippet, problem):
    found = script_problems(PACKAGE / "x.js", snippet)
    assert len(found) == 1 and found[0].startswith(problem), found
