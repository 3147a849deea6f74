"""One filter per list: for every list served by a screen and the API, the same parameters
and the same user give the same rows on both edges (core.filters.LISTS). A list that only a
screen serves is compared with its selector. Every list screen must be registered."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.module_loading import autodiscover_modules

from lianjian.core.filters import LISTS
from tests.api_helpers import call
from tests.matrix import PERSONAS

autodiscover_modules("selectors")


# Parameter sets per list; each is tried for every persona. Every registered list needs some.
CASES: dict[str, list[dict[str, str]]] = {
    "orgs": [
        {"q": "支部"},
        {"q": "zb-"},
        {"kind": "党支部"},
        {"under": "DW"},
        {"under": "ZB-B"},
        {"parent": "DW"},
        {"partner": "true"},
        {"partner": "false"},
        {"include_dissolved": "1"},
        {"warning": "few_full"},
        {"kind": "党委", "partner": "true"},
    ],
    "members": [
        {},
        {"q": "M-A"},
        {"q": "m-a1"},
        {"q": "zs"},
        {"q": "张"},
        {"org": "ZB-A"},
        {"under": "DW"},
        {"under": "ZB-B"},
        {"category": "预备党员"},
        {"post": "书记"},
        {"floating": "1"},
        {"include_left": "1"},
        {"q": "M", "under": "DW", "category": "正式党员"},
    ],
    "alliances": [
        {},
        {"q": "LJ"},
        {"q": "联建"},
        {"type": "政企联建"},
        {"status": "运行"},
        {"org": "ZB-A"},
        {"org": "GOV"},
        {"theme": "党建+安全生产"},
        {"status": "运行", "org": "ZB-B"},
    ],
    "problems": [
        {},
        {"q": "WT-P"},
        {"q": "协调"},
        {"state": "未解决"},
        {"state": "已销号"},
        {"alliance": "LJ-A"},
        {"org": "ZB-A"},
        {"org": "ZB-B"},
        {"org": "DW"},
        {"category": "安全生产"},
        {"urgency": "紧急"},
        {"colour": "green"},
        {"year": "2000"},
        {"alliance": "LJ-A", "state": "未解决"},
    ],
    "meetings": [
        {},
        {"q": "LX-A"},
        {"q": "联席"},
        {"alliance": "LJ-A"},
        {"status": "筹备中"},
        {"status": "已召开"},
    ],
    "resources": [
        {},
        {"q": "活动室"},
        {"q": "r-a"},
        {"kind": "场地"},
        {"kind": "人员"},
        {"kind": "课程"},
        {"sharing": "联建单位"},
        {"org": "ZB-A"},
        {"org": "DW"},
        {"tag": "活动阵地"},
        {"active": "true"},
        {"active": "false"},
        {"kind": "场地", "tag": "活动阵地", "org": "DW"},
    ],
    "bookings": [
        {"view": "all"},
        {"view": "mine"},
        {"view": "approve"},
        {"view": "all", "status": "待审批"},
        {"view": "all", "q": "主题"},
        {"view": "all", "q": "R-A"},
        {"view": "all", "resource": "R-A"},
        {"view": "all", "org": "ZB-B"},
        {"view": "mine", "month": "2000-01"},
    ],
    "needs": [
        {},
        {"q": "安全"},
        {"q": "xq-a"},
        {"status": "待对接"},
        {"org": "ZB-A"},
        {"org": "ZB-B"},
        {"tag": "安全培训"},
    ],
    "projects": [
        {},
        {"q": "检测"},
        {"status": "征集合作"},
        {"org": "ZB-B"},
        {"org": "ZB-A"},
        {"tag": "专家"},
    ],
    "audit": [
        {},
        {"q": "ZB-A"},
        {"action": "create"},
        {"type": "orgs.organisation"},
        {"type": "orgs.member"},
    ],
    "inbox": [{}, {"show": "all"}, {"show": "unread"}, {"kind": "todo"}],
    "keytask_lists": [
        {},
        {"q": "QD"},
        {"q": "关键任务"},
        {"org": "DW"},
        {"org": "ZB-A"},
        {"state": "已下达"},
        {"state": "草拟"},
        {"year": "2026"},
    ],
    "carriers": [
        {},
        {"q": "示范岗"},
        {"q": "SFG"},
        {"org": "DW"},
        {"org": "ZB-A"},
        {"org": "ZB-B"},
        {"kind": "责任区"},
        {"standing": "active"},
        {"standing": "withdrawn"},
        {"state": "申报"},
        {"theme": "安全"},
    ],
    "appraisals": [
        {},
        {"q": "2026年度"},
        {"q": "运维"},
        {"year": "2025"},
        {"org": "ZB-A"},
        {"org": "DW2"},
        {"state": "测评中"},
    ],
    "packages": [
        {},
        {"q": "走访"},
        {"q": "任务包"},
        {"org": "DW"},
        {"org": "ZB-A"},
        {"org": "ZB-B"},
        {"month": "2026-11"},
        {"month": "2026-13"},
    ],
    "decisions": [
        {},
        {"q": "融资"},
        {"q": "JC-T-2"},
        {"year": "2026"},
        {"year": "2025"},
        {"category": "大额度资金运作"},
        {"state": "执行中"},
        {"prior": "true"},
        {"prior": "false"},
        {"overdue": "true"},
        {"overdue": "false"},
    ],
    "calls": [
        {},
        {"q": "攻关"},
        {"q": "JB-L2"},
        {"org": "DW"},
        {"org": "ZB-A"},
        {"state": "发布"},
        {"state": "草拟"},
        {"state": "已评审"},
        {"kind": "课题"},
    ],
    "bids": [
        {},
        {"q": "JB-L1"},
        {"call": "JB-L1"},
        {"org": "ZB-A"},
        {"org": "DW"},
        {"state": "中榜"},
        {"state": "未中"},
    ],
    "projects_board": [
        {},
        {"q": "攻关"},
        {"org": "ZB-A"},
        {"org": "ZB-B"},
        {"stage": "立项"},
        {"kind": "揭榜挂帅"},
        {"level": "省部"},
        {"level": "国家"},
    ],
    # ``org`` out of scope answers 404 on both edges (tests/test_activities_void_year.py).
    "activities": [
        {},
        {"q": "主题"},
        {"q": "LF-A"},
        {"q": "活动室"},
        {"type": "主题党日"},
        {"status": "草稿"},
        {"status": "已作废"},
        {"year": "2026"},
        {"year": "2026", "month": "3"},
        {"year": "2025"},
        {"alliance": "NOPE"},
        {"type": "党课", "year": "2026"},
    ],
    "rules": [
        {},
        {"activity_type": "支部委员会"},
        {"org_kind": "党小组"},
        {"frequency": "月度"},
        {"active": "true"},
        {"active": "false"},
        {"org_kind": "党支部", "frequency": "年度"},
    ],
    # Rows of org × rule × period (the API answers ``results``, the matrix groups them by
    # organisation): compared by test_the_matrix_and_the_api_give_the_same_compliance_rows.
    # The API requires ``year``; an ``org`` out of scope answers 404 on both edges.
    "schemes": [
        {},
        {"q": "swd"},
        {"q": "另一"},
        {"period": "2025"},
        {"period_kind": "quarter"},
        {"owner": "DW"},
        {"owner": "DW2"},
    ],
    "kpis": [
        {},
        {"q": "ZB-A"},
        {"org": "DW"},
        {"org": "ZB-B"},
        {"period": "2025"},
        {"indicator_code": "yw1"},
        {"channel": "form"},
    ],
    "objections": [
        {},
        {"status": "open"},
        {"status": "accepted"},
        {"side": "answer"},
        {"side": "mine"},
        {"q": "yw2"},
    ],
    # The screen lists one scheme's versions (the scheme is in its path); a scheme out of
    # sight answers 404 there and lists nothing over the API.
    "runs": [
        {"scheme": "2025-SWD"},
        {"scheme": "2025-SWD", "period": "2025"},
        {"scheme": "2025-SWD", "published": "true"},
        {"scheme": "2025-SWD", "published": "false"},
        {"scheme": "DW2-SWD"},
    ],
    "reviews": [{}, {"q": "评议"}, {"q": "DJ2"}, {"scheme": "2025-SWD"}, {"scheme": "DW2-SWD"}],
    "compliance": [
        {"year": "2026"},
        {"year": "2025"},
        {"year": "2026", "org": "DW"},
        {"year": "2026", "org": "ZB-A"},
        {"year": "2026", "org": "ZB-A", "subtree": "false"},
        {"year": "2026", "rule": "主题党日"},
        {"year": "2026", "rule": "党小组会", "org": "DW"},
        {"year": "2026", "only": "problem"},
        {"year": "2025", "only": "problem", "rule": "组织生活会"},
        {"year": "2026", "org": "ZB-X"},
    ],
    "supervision_batches": [{}, {"q": "巡察"}, {"source": "内部审计"}, {"year": "2026"}],
    "supervision_items": [
        {},
        {"state": "未销号"},
        {"state": "待整改"},
        {"colour": "yellow"},
        {"colour": "green"},
        {"kind": "立行立改"},
        {"flag": "疑似违纪"},
        {"org": "ZB-A"},
        {"org": "ZB-X"},
        {"batch": "XC-2026-01"},
        {"q": "台账"},
    ],
    "supervision_leads": [{}, {"settled": "false"}, {"colour": "green"}, {"q": "合同"}],
    "supervision_recommendations": [{}, {"kind": "审计建议"}, {"replied": "false"}],
}
CASES |= {
    "points_schemes": [{}, {"q": "JF"}, {"q": "积分"}, {"year": "2026"}, {"year": "2025"}],
    "points_entries": [
        {},
        {"q": "张三"},
        {"q": "M-A2"},
        {"scheme": "2026-JF"},
        {"period": "2026Q1"},
        {"rule": "A1"},
        {"source": "auto"},
        {"source": "manual"},
        {"status": "已撤回"},
        {"org": "ZB-A"},
        {"org": "ZB-B"},
        {"org": "ZB-B", "rule": "A1"},
    ],
    "points_claims": [
        {},
        {"q": "表彰"},
        {"q": "M-B1"},
        {"state": "open"},
        {"state": "已申报"},
        {"state": "生效"},
        {"scheme": "2026-JF"},
        {"org": "ZB-A"},
    ],
}
ROW_LISTS = {"compliance"}  # not a page of keyed items: its own comparison below

# List screens whose URL name does not end in ``_list``.
KNOWN_LIST_SCREENS = {"orgs:org_tree", "notifications:inbox"}
# API lists without a screen of their own; each still filters through one selector.
API_ONLY = {
    "api:agreement_list",
    # key tasks: the screens show them as a list's tree, not as a flat list
    "api:task_list",
    "api:milestone_list",
    "api:task_report_list",
    # 党员积分 categories: the screen shows each member's on their points page, not as a list
    "api:standing_list",
}
# Parameters a list needs to list anything (the scheme whose versions the run screen shows).
BASE_PARAMS: dict[str, dict[str, str]] = {
    "bookings": {"view": "all"},
    "runs": {"scheme": "2025-SWD"},
}


def _urls(resolver: URLResolver, ns: str = "", prefix: str = ""):
    """(name with namespaces, route) of every named URL."""
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _urls(
                p, f"{ns}{p.namespace}:" if p.namespace else ns, prefix + str(p.pattern)
            )
        elif isinstance(p, URLPattern) and p.name:
            yield ns + p.name, prefix + str(p.pattern)


def test_every_registered_list_is_checked():
    assert set(LISTS) == set(CASES)


def test_every_list_screen_is_registered():
    names = {name for name, _ in _urls(get_resolver())}
    screens = {
        n for n in names if n.endswith("_list") and not n.startswith("api:")
    } | KNOWN_LIST_SCREENS
    registered = {entry.screen for entry in LISTS.values()}
    assert screens - registered == set()


def test_every_api_list_is_registered_or_known_to_have_no_screen():
    lists = {
        name: "/" + route.removeprefix("api/v1/")
        for name, route in _urls(get_resolver())
        if name.startswith("api:") and name.endswith("_list")
    }
    served = {entry.api for entry in LISTS.values() if entry.api}
    assert {name for name, path in lists.items() if path not in served} == API_ONLY


def _screen_url(entry, params) -> tuple[str, dict[str, str]]:
    """The screen's URL (with the parameters its path takes) and the rest of ``params``."""
    args = [params[name] for name in entry.path]
    rest = {k: v for k, v in params.items() if k not in entry.path}
    return reverse(entry.screen, args=args), rest


def _screen(user, entry, params) -> tuple[int, list[str]]:
    client = Client()
    client.force_login(user)
    url, rest = _screen_url(entry, params)
    response = client.get(url, {**rest, "size": 200})
    if response.status_code == 404:
        return 404, []
    assert response.status_code == 200
    return 200, [str(getattr(row, entry.key)) for row in response.context["page"].object_list]


def _api_keys(user, entry, params) -> list[str]:
    status, data = call("get", f"{entry.api}?{urlencode({**params, 'page_size': 500})}", user=user)
    assert status == 200, data
    return [str(item[entry.key]) for item in data["items"]]


def _selector_keys(user, entry, params) -> list[str]:
    from django.http import QueryDict

    f = entry.filter.from_query(QueryDict(urlencode(params)))
    if entry.name == "bookings" and f.view is None:
        f = f.model_copy(update={"view": "mine"})
    return [str(getattr(row, entry.key)) for row in entry.selector(user, f)[:200]]


TREE_LISTS = {"orgs", "members"}  # need only the organisation tree (the cheap ``world``)


def _same_rows(world, name, params, persona):
    entry = LISTS[name]
    user = getattr(world, persona)
    status, screen = _screen(user, entry, params)
    other = _api_keys(user, entry, params) if entry.api else _selector_keys(user, entry, params)
    if (
        status == 404
    ):  # a screen that does not exist for this user (the audit log) lists nothing anywhere
        assert other == [], persona
    else:
        assert screen == other, persona


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "params"), [(n, p) for n, cases in CASES.items() if n in TREE_LISTS for p in cases]
)
def test_screen_and_api_list_the_same_rows(world, name, params, persona):
    _same_rows(world, name, params, persona)


def test_a_member_search_by_number_prefix_finds_the_same_members_on_both_edges(world):
    # The disagreement this mechanism ended: the screen found 0 members for "M-A", the API 2.
    entry = LISTS["members"]
    assert _screen(world.admin, entry, {"q": "M-A"})[1] == ["M-A1", "M-A2"]
    assert _api_keys(world.admin, entry, {"q": "M-A"}) == ["M-A1", "M-A2"]


def _compliance_rows(response, rows) -> list[tuple]:
    return (
        [(r.org, r.rule, r.period, r.required, r.held, r.status) for r in rows]
        if response.status_code == 200
        else []
    )


def _screen_compliance(user, params) -> tuple[int, list[tuple]]:
    """The rows of the matrix (all its organisations fit on one page here) and of its export."""
    client = Client()
    client.force_login(user)
    response = client.get(reverse("activities:compliance_matrix"), params)
    rows = (
        [row for m in response.context["page"].object_list for row in m.rows]
        if response.status_code == 200
        else []
    )
    export = client.get(reverse("activities:compliance_export"), params)
    assert export.status_code == response.status_code
    return response.status_code, _compliance_rows(response, rows)


def _api_compliance(user, params) -> tuple[int, list[tuple]]:
    status, data = call("get", f"/compliance?{urlencode(params)}", user=user)
    rows = [
        (r["org"], r["rule"], r["period"], r["required"], r["held"], r["status"])
        for r in data.get("results", [])
    ]
    return status, rows


@pytest.fixture
def compliance_rows(world):
    """A counted 主题党日 of ZB-A with XZ-A1 as co-organiser, and ZB-A's 2025年度 组织生活会
    held in February 2026 (所属年度 2025)."""
    from lianjian.activities import services
    from lianjian.activities.selectors import TZ

    services.activity_record(
        actor=None,
        code="LF-C1",
        type="主题党日",
        host=world.zb_a,
        co_orgs=[world.xz_a1],
        start=datetime.datetime(2026, 3, 5, 9, tzinfo=TZ),
        topic="联合主题党日",
        venue="党员活动室",
        status="已通过",
    )
    services.activity_record(
        actor=None,
        code="LF-C2",
        type="组织生活会",
        host=world.zb_a,
        for_year=2025,
        start=datetime.datetime(2026, 2, 10, 9, tzinfo=TZ),
        topic="2025年度组织生活会",
        venue="党员活动室",
        status="已通过",
    )


@pytest.mark.parametrize("params", CASES["compliance"])
def test_the_matrix_and_the_api_give_the_same_compliance_rows(world, compliance_rows, params):
    for persona in PERSONAS:
        user = getattr(world, persona)
        screen = _screen_compliance(user, params)
        assert screen == _api_compliance(user, params), persona
        assert screen[0] in (200, 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_organisation_compliance_page_shows_the_rows_the_api_gives_for_that_organisation(
    world, compliance_rows, persona
):
    user = getattr(world, persona)
    client = Client()
    client.force_login(user)
    for code in ("ZB-A", "XZ-A1", "ZB-B", "DW"):
        for year in ("2025", "2026"):
            response = client.get(reverse("activities:compliance_org", args=[code]), {"year": year})
            rows = (
                [r for rows in response.context["by_rule"].values() for r in rows]
                if response.status_code == 200
                else []
            )
            api = _api_compliance(user, {"year": year, "org": code, "subtree": "false"})
            assert (response.status_code, _compliance_rows(response, rows)) == api, (code, year)


def test_the_2025_annual_meeting_held_in_2026_is_a_2025_row_on_both_edges(world, compliance_rows):
    params = {"year": "2025", "org": "ZB-A", "subtree": "false", "rule": "组织生活会"}
    expected = (200, [("ZB-A", "组织生活会", "2025", 1, 1, "ok")])
    assert (
        _screen_compliance(world.manager_a, params)
        == expected
        == _api_compliance(world.manager_a, params)
    )
    params["year"] = "2026"
    assert _api_compliance(world.manager_a, params)[1][0][4] == 0


def test_the_compliance_selector_takes_a_fixed_number_of_queries(
    world, compliance_rows, django_assert_max_num_queries
):
    from lianjian.activities.schemas import ComplianceFilter
    from lianjian.activities.selectors import TZ, compliance_list
    from lianjian.activities.services import activity_record
    from lianjian.deadlines.services import rule_for
    from lianjian.orgs.services import org_create

    today = datetime.date(2026, 11, 21)
    f = ComplianceFilter(year=2026, org="DW", only="problem")
    rule_for("org_life")  # the deadline colours' rules: one query per request or run, read here
    with django_assert_max_num_queries(9):
        small = compliance_list(world.admin, f, today=today)
    for i in range(12):
        org = org_create(
            actor=None, code=f"ZB-Q{i}", name=f"支部{i}", kind="党支部", parent=world.dw
        )
        activity_record(
            actor=None,
            code=f"LF-Q{i}",
            type="主题党日",
            host=org,
            co_orgs=[world.zb_a],
            venue="活动室",
            start=datetime.datetime(2026, 3, 2, 9, tzinfo=TZ),
            topic=f"活动{i}",
            status="已通过",
        )
    with django_assert_max_num_queries(9):
        large = compliance_list(world.admin, f, today=today)
    assert len({r.org for r in large.rows}) > len({r.org for r in small.rows})
