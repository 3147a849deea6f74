"""Keyset (cursor) pagination of the member list: screen ``/orgs/members/`` and
``GET /api/v1/members`` — every row once, deep pages at first-page cost, bad cursors harmless."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import signing

from lianjian.core.paging import decode_cursor, encode_cursor
from lianjian.orgs.models import Member
from lianjian.orgs.pinyin import initials
from tests.api_helpers import call

URL = "/orgs/members/"
NAMES = ["王芳", "刘洋", "陈静", "赵磊", "孙丽"]


@pytest.fixture
def many(world):
    """45 more members: numbers K-001…K-045, every third in the other company (ZB-X, not
    visible to ``manager_a``), the rest in ZB-A — hidden rows sit between visible ones."""
    rows = []
    for i in range(1, 46):
        name = NAMES[i % len(NAMES)]
        rows.append(
            Member(
                number=f"K-{i:03d}",
                name=name,
                initials=initials(name),
                org=world.zb_x if i % 3 == 0 else world.zb_a,
                category="正式党员",
                joined_on=datetime.date(2015, 1, 1),
            )
        )
    Member.objects.bulk_create(rows)
    return world


def shown(resp) -> list[str]:
    return re.findall(r"<code>([^<]+)</code>", resp.content.decode())


def link(resp, label: str) -> str | None:
    m = re.search(r'href="(\?[^"]*)">' + label + "<", resp.content.decode())
    return m.group(1).replace("&amp;", "&") if m else None


def visible_numbers(user) -> list[str]:
    return list(
        Member.objects.visible_to(user)
        .current()
        .order_by("number")
        .values_list("number", flat=True)
    )


def test_walking_next_shows_every_visible_member_once_in_number_order(client, many):
    client.force_login(many.manager_a)
    seen, url, pages = [], URL + "?size=10", 0
    while url:
        resp = client.get(url if url.startswith("/") else URL + url)
        assert resp.status_code == 200
        seen += shown(resp)
        pages += 1
        url = link(resp, "下一页")
    assert seen == visible_numbers(many.manager_a)
    assert not any(n.startswith("K-") and int(n[2:]) % 3 == 0 for n in seen)
    assert pages == -(-len(seen) // 10)
    # Walking back from the last page gives the same rows in reverse page order.
    resp = client.get(URL + "?size=10&last=1")
    back = []
    while resp is not None:
        back = shown(resp) + back
        prev = link(resp, "上一页")
        resp = client.get(URL + prev) if prev else None
    assert back == seen


def test_the_page_number_label_follows_the_cursor(client, many):
    client.force_login(many.manager_a)
    resp = client.get(URL + "?size=10")
    assert "第 1 / 4 页" in resp.content.decode()
    resp = client.get(URL + link(resp, "下一页"))
    assert "第 2 / 4 页" in resp.content.decode()
    resp = client.get(URL + "?size=10&last=1")
    assert "第 4 / 4 页" in resp.content.decode()


def test_numbered_pages_still_work_and_clamp(client, many):
    client.force_login(many.manager_a)
    every = visible_numbers(many.manager_a)
    assert shown(client.get(URL + "?size=10&page=2")) == every[10:20]
    assert shown(client.get(URL + "?size=10&page=999")) == every[30:]
    assert shown(client.get(URL + "?size=10&page=abc")) == every[:10]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "x" * 5000,
        encode_cursor(["K-010"]) + "x",  # tampered signature
        encode_cursor(["K-010", "extra"]),  # made for another key
        encode_cursor([None]),  # type: ignore[list-item]
        signing.dumps({"v": ["K-010"], "n": 2}, salt="another"),
        signing.dumps(["K-010"], salt="lianjian.paging.cursor"),
    ],
    # Fixed ids: a signed cursor holds the second it was made, and the parallel workers
    # must collect the same test names.
    ids=["garbage", "long", "tampered", "other-key", "null", "other-salt", "unversioned"],
)
def test_a_bad_cursor_shows_page_one(client, many, cursor):
    client.force_login(many.manager_a)
    first = visible_numbers(many.manager_a)[:10]
    for param in ("after", "before"):
        resp = client.get(URL, {"size": 10, param: cursor})
        assert resp.status_code == 200
        assert shown(resp) == first


def test_after_the_last_row_is_page_one(client, many):
    client.force_login(many.manager_a)
    resp = client.get(URL, {"size": 10, "after": encode_cursor(["ZZZ"])})
    assert shown(resp) == visible_numbers(many.manager_a)[:10]


def test_a_cursor_never_widens_the_scope(client, many):
    """A cursor only adds ``number > x``: a hidden row's number leads to the next visible rows."""
    client.force_login(many.manager_a)
    resp = client.get(URL, {"size": 10, "after": encode_cursor(["K-003"])})
    assert shown(resp)[:2] == ["K-004", "K-005"]


def test_decode_cursor_round_trip():
    assert decode_cursor(encode_cursor(["A", 3], number=7), ("a", "b")) == (["A", 3], 7)
    assert decode_cursor(encode_cursor([True]), ("a",)) is None
    assert decode_cursor(None, ("a",)) is None


def test_a_deep_page_costs_the_queries_of_the_first(client, many, django_assert_num_queries):
    client.force_login(many.manager_a)
    client.get(URL)  # session and caches warm
    deep = link(client.get(URL + "?size=10&page=3"), "下一页")
    for url in (URL + "?size=10", URL + deep, URL + "?size=10&last=1", URL + "?size=10&page=2"):
        with django_assert_num_queries(6):
            assert client.get(url).status_code == 200


# --- bounded count (core.paging.COUNT_CAP) ---------------------------------------------------


@pytest.fixture
def capped(monkeypatch, many):
    """A count cap below the visible list (more than 30 rows for ``manager_a``)."""
    from lianjian.core import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 15)
    return many


def test_a_list_longer_than_the_cap_shows_cap_plus_and_no_last_link(client, capped):
    client.force_login(capped.manager_a)
    resp = client.get(URL + "?size=10")
    body = resp.content.decode()
    assert "共 15+ 条，第 1 页" in body
    assert "/ 2 页" not in body and link(resp, "末页") is None
    page = resp.context["page"]
    assert (page.count, page.count_exact) == (15, False)


def test_a_list_longer_than_the_cap_still_walks_every_row_once(client, capped):
    client.force_login(capped.manager_a)
    seen, url, labels = [], URL + "?size=10", []
    while url:
        resp = client.get(url if url.startswith("/") else URL + url)
        seen += shown(resp)
        labels.append(re.search(r"第 (\d+) 页", resp.content.decode()).group(1))
        url = link(resp, "下一页")
    assert seen == visible_numbers(capped.manager_a)
    assert labels == [str(n) for n in range(1, -(-len(seen) // 10) + 1)]


def test_last_and_old_page_links_beyond_the_cap_show_the_last_rows(client, capped):
    """A bookmarked ``?last=1`` still works (its page number is not known: “末页”); an old
    ``?page=`` link past the end shows the last page rather than an empty one."""
    client.force_login(capped.manager_a)
    every = visible_numbers(capped.manager_a)
    for query in ("?size=10&last=1", "?size=10&page=999"):
        resp = client.get(URL + query)
        assert shown(resp) == every[-10:]
        assert "共 15+ 条，末页" in resp.content.decode()
        assert link(resp, "下一页") is None
    # Walking back from it reaches the first page, every row once.
    back, resp = [], client.get(URL + "?size=10&last=1")
    while resp is not None:
        back = shown(resp) + back
        prev = link(resp, "上一页")
        resp = client.get(URL + prev) if prev else None
    assert sorted(back) == every and len(back) == len(every)
    assert shown(client.get(URL + "?size=10&page=2")) == every[10:20]


def test_the_count_stops_at_the_cap(client, capped, django_assert_num_queries):
    """The count reads at most cap + 1 rows, in the same number of queries as before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(capped.manager_a)
    client.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL + "?size=10")
    counts = [q["sql"] for q in ctx.captured_queries if 'FROM "orgs_member"' in q["sql"]]
    assert len(counts) == 2  # the count and the rows
    assert counts[0].startswith("SELECT COUNT(") and "LIMIT 16" in counts[0]
    for url in (URL + "?size=10", URL + "?size=10&last=1", URL + "?size=10&page=2"):
        with django_assert_num_queries(6):
            assert client.get(url).status_code == 200


def test_a_cursor_of_unknown_position_never_shows_page_zero(client, many):
    """Pages walked back from a “末页” of unknown number carry no number; should the list
    have shrunk below the cap meanwhile, the page shows the total without a position."""
    client.force_login(many.manager_a)
    resp = client.get(URL, {"size": 10, "after": encode_cursor(["K-010"], number=0)})
    body = resp.content.decode()
    assert shown(resp) and "第 0" not in body and "共 " in body


def test_the_api_count_stays_exact_beyond_the_cap(capped):
    status, data = call("get", "/members?page_size=5", user=capped.manager_a)
    assert (status, data["count"]) == (200, len(visible_numbers(capped.manager_a)))


def test_search_by_name_initials_and_number(client, many):
    client.force_login(many.manager_a)
    assert set(shown(client.get(URL, {"q": "刘洋", "size": 50}))) == {
        n for n in visible_numbers(many.manager_a) if n.startswith("K-") and int(n[2:]) % 5 == 1
    }
    assert shown(client.get(URL, {"q": "ZS"})) == ["M-A1"]  # initials, any case
    assert shown(client.get(URL, {"q": "k-04", "size": 10})) == ["K-040", "K-041", "K-043", "K-044"]
    assert shown(client.get(URL, {"q": "M-A"})) == ["M-A1", "M-A2"]


# --- API ---------------------------------------------------------------------------------------


def test_api_walks_the_list_with_next(many):
    seen, after = [], None
    while True:
        path = "/members?page_size=7" + (f"&after={after}" if after else "")
        status, data = call("get", path, user=many.manager_a)
        assert status == 200
        assert data["count"] == len(visible_numbers(many.manager_a))
        seen += [i["number"] for i in data["items"]]
        after = data["next"]
        if after is None:
            break
    assert seen == visible_numbers(many.manager_a)


def test_api_page_still_works_and_a_bad_after_is_page_one(many):
    every = visible_numbers(many.manager_a)
    status, data = call("get", "/members?page_size=5&page=2", user=many.manager_a)
    assert [i["number"] for i in data["items"]] == every[5:10]
    assert data["next"] is not None
    status, data = call("get", "/members?page_size=5&page=99", user=many.manager_a)
    assert (status, data["items"], data["next"]) == (200, [], None)
    status, data = call("get", "/members?page_size=5&after=nonsense", user=many.manager_a)
    assert (status, [i["number"] for i in data["items"]]) == (200, every[:5])
    status, data = call("get", "/members?after=" + "x" * 1001, user=many.manager_a)
    assert status == 422


def test_api_deep_page_costs_the_queries_of_the_first(many, django_assert_num_queries):
    _, data = call("get", "/members?page_size=5", user=many.admin)
    with django_assert_num_queries(QUERIES_API):
        call("get", "/members?page_size=5", user=many.admin)
    with django_assert_num_queries(QUERIES_API):
        call("get", f"/members?page_size=5&after={data['next']}", user=many.admin)


QUERIES_API = 5


# --- audit log ---------------------------------------------------------------------------------


def test_audit_log_walks_by_cursor_newest_first(client, world, django_assert_num_queries):
    from lianjian.core.models import AuditLog

    client.force_login(world.admin)
    expected = list(AuditLog.objects.order_by("-at", "-id").values_list("pk", flat=True))
    assert len(expected) > 10
    url: str | None = "/audit/?size=10"
    pages = []
    while url:
        resp = client.get(url)
        assert resp.status_code == 200
        pages.append(resp)
        url = link(resp, "下一页")
        url = "/audit/" + url if url else None
    assert sum(len(r.context["page"].object_list) for r in pages) == len(expected)
    assert [e.pk for r in pages for e in r.context["page"].object_list] == expected
    deep = link(pages[1], "下一页") or link(pages[0], "下一页")
    with django_assert_num_queries(QUERIES_AUDIT):
        client.get("/audit/?size=10")
    with django_assert_num_queries(QUERIES_AUDIT):
        client.get("/audit/" + deep)


QUERIES_AUDIT = 5


# --- the other long lists: one walk, one query count for every page ----------------------------
#
# Each list below is served by core.paging.paginate_keyset (screen) and
# core.api_utils.paginate_keyset (API) with its selector's key; the helpers walk a list by
# its "下一页" links / ``next`` cursors and compare with the selector's own order, and pin
# that page 1, a deep page (reached by cursor) and the last page cost the same queries.


def _screen_walk(client, url: str) -> tuple[list[int], list[str]]:
    """The row ids a screen shows walking ``url`` by 下一页, and the URLs of its pages."""
    path = url.split("?")[0]
    ids, urls, next_url = [], [], url
    while next_url:
        resp = client.get(next_url)
        assert resp.status_code == 200
        urls.append(next_url)
        ids += [row.pk for row in resp.context["page"].object_list]
        following = link(resp, "下一页")
        next_url = path + following if following else None
    return ids, urls


def _api_walk(path: str, user) -> tuple[list[int], list[str]]:
    """The ``id``s an API list gives walking ``path`` by ``next``, and the paths of its pages."""
    ids, paths, after = [], [], None
    while True:
        page = path + (f"&after={after}" if after else "")
        status, data = call("get", page, user=user)
        assert status == 200, data
        paths.append(page)
        ids += [item["id"] for item in data["items"]]
        after = data["next"]
        if after is None:
            return ids, paths


def _same_queries(client, urls, expected: int, django_assert_num_queries) -> None:
    """Every page in ``urls`` (first, deep, last …) costs ``expected`` queries."""
    client.get(urls[0])  # session and caches warm
    for url in urls:
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200


def _same_api_queries(paths, user, expected: int, django_assert_num_queries) -> None:
    call("get", paths[0], user=user)
    for path in paths:
        with django_assert_num_queries(expected):
            assert call("get", path, user=user)[0] == 200


# activities (组织生活记录)


@pytest.fixture
def activities(world):
    """23 approved activities of ZB-A, three pairs starting at the same minute (the id breaks
    the tie), and 4 of ZB-X that ``manager_a`` does not see."""
    from lianjian.activities import services
    from lianjian.activities.selectors import TZ

    for i in range(27):
        host = world.zb_x if i % 7 == 3 else world.zb_a
        services.activity_record(
            actor=None,
            code=f"KA-{i:02d}",
            type="主题党日",
            host=host,
            start=datetime.datetime(2026, 1 + i % 9, 1 + (i // 2) % 20, 9, tzinfo=TZ),
            topic=f"主题党日{i}",
            status="已通过",
        )
    return world


def _activity_ids(user) -> list[int]:
    from lianjian.activities.schemas import ActivityFilter
    from lianjian.activities.selectors import activity_list

    return [a.pk for a in activity_list(user, ActivityFilter.model_validate({}))]


def test_activity_list_walks_by_cursor_at_one_cost(client, activities, django_assert_num_queries):
    client.force_login(activities.manager_a)
    expected = _activity_ids(activities.manager_a)
    assert len(expected) > 20
    ids, urls = _screen_walk(client, "/activities/?size=10")
    assert ids == expected and len(urls) == 3
    assert [r.pk for r in client.get("/activities/?size=10&last=1").context["page"]] == expected[
        -10:
    ]
    assert [r.pk for r in client.get("/activities/?size=10&page=2").context["page"]] == expected[
        10:20
    ]
    urls.append("/activities/?size=10&last=1")
    _same_queries(client, urls, QUERIES_ACTIVITIES, django_assert_num_queries)
    api_ids, paths = _api_walk("/activities?page_size=7", activities.manager_a)
    assert api_ids == expected
    _same_api_queries(
        paths, activities.manager_a, QUERIES_ACTIVITIES_API, django_assert_num_queries
    )
    status, data = call("get", "/activities?page_size=7&page=2", user=activities.manager_a)
    assert [i["id"] for i in data["items"]] == expected[7:14]


QUERIES_ACTIVITIES = 6
QUERIES_ACTIVITIES_API = 6


# points ledger (积分台账)


@pytest.fixture
def ledger(world):
    """40 manual entries of members of ZB-A and one of ZB-X, several on the same day."""
    from lianjian.points.models import PointsEntry
    from tests.points_helpers import make_scheme

    scheme = make_scheme()
    rule = scheme.rules.get(code="B2")
    other = Member.objects.filter(org=world.zb_x).first()
    rows = []
    for i in range(44):
        member = other if i % 11 == 5 else (world.m_a1 if i % 2 else world.m_a2)
        rows.append(
            PointsEntry(
                scheme=scheme,
                member=member,
                rule=rule,
                period="2026Q1",
                happened_on=datetime.date(2026, 1, 1 + i // 3),
                points=5,
                source="manual",
                reason=f"第{i}条",
            )
        )
    PointsEntry.objects.bulk_create(rows)
    return world


def _entry_ids(user) -> list[int]:
    from lianjian.points.schemas import EntryFilter
    from lianjian.points.selectors import entry_list

    return [e.pk for e in entry_list(user, EntryFilter.model_validate({}))]


def test_points_ledger_walks_by_cursor_at_one_cost(client, ledger, django_assert_num_queries):
    client.force_login(ledger.manager_a)
    expected = _entry_ids(ledger.manager_a)
    assert len(expected) > 30
    ids, urls = _screen_walk(client, "/points/ledger/?size=10")
    assert ids == expected
    # Back from the last page by 上一页 (a descending two-column key, several rows a day).
    back, resp = [], client.get("/points/ledger/?size=10&last=1")
    while resp is not None:
        back = [e.pk for e in resp.context["page"].object_list] + back
        prev = link(resp, "上一页")
        resp = client.get("/points/ledger/" + prev) if prev else None
    assert back == expected
    urls.append("/points/ledger/?size=10&last=1")
    _same_queries(client, urls, QUERIES_LEDGER, django_assert_num_queries)
    api_ids, paths = _api_walk("/points/entries?page_size=9", ledger.manager_a)
    assert api_ids == expected
    _same_api_queries(paths, ledger.manager_a, QUERIES_LEDGER_API, django_assert_num_queries)
    status, data = call("get", "/points/entries?page_size=9&page=3", user=ledger.manager_a)
    assert [i["id"] for i in data["items"]] == expected[18:27]


QUERIES_LEDGER = 7
QUERIES_LEDGER_API = 5


# assessment: KPI values and the results API


@pytest.fixture
def kpis(world):
    """KPI values of every organisation for four periods and three indicators, in one batch."""
    from lianjian.assessment.models import KpiBatch, KpiValue
    from lianjian.orgs.models import Organisation

    batch = KpiBatch.objects.create(channel="api", created_by_name="测试")
    KpiValue.objects.bulk_create(
        KpiValue(org=org, period=period, indicator_code=code, value=1.5, batch=batch)
        for org in Organisation.objects.order_by("-code")
        for period in ("2022", "2023", "2024", "2025")
        for code in ("YW1", "YW2", "YW3")
    )
    return world


def _kpi_ids(user) -> list[int]:
    from lianjian.assessment.schemas import KpiFilter
    from lianjian.assessment.selectors import kpi_values

    return [k.pk for k in kpi_values(user, KpiFilter.model_validate({}))]


def test_kpi_values_walk_by_cursor_at_one_cost(client, kpis, django_assert_num_queries):
    from lianjian.assessment.models import KpiValue

    client.force_login(kpis.manager_a)
    expected = _kpi_ids(kpis.manager_a)
    assert len(expected) > 20
    assert len(expected) < KpiValue.objects.count()  # the scope hides some
    ids, urls = _screen_walk(client, "/assessment/kpis/?size=10")
    assert ids == expected
    urls.append("/assessment/kpis/?size=10&last=1")
    _same_queries(client, urls, QUERIES_KPIS, django_assert_num_queries)
    api_ids, paths = _api_walk("/assessment/kpis?page_size=8", kpis.manager_a)
    assert api_ids == expected
    _same_api_queries(paths, kpis.manager_a, QUERIES_KPIS_API, django_assert_num_queries)


QUERIES_KPIS = 7
QUERIES_KPIS_API = 5


def test_results_api_walks_by_rank_then_code_at_one_cost(world, django_assert_num_queries):
    from lianjian.assessment.models import AssessmentResult
    from lianjian.assessment.services import assessment_run, scheme_import
    from lianjian.orgs.services import org_create
    from tests.assessment_engine_helpers import example

    for i in range(5):  # more branches the scheme applies to, all sharing a rank (no values)
        org_create(
            actor=None, code=f"ZB-R{5 - i}", name=f"第{i}党支部", kind="党支部", parent=world.dw
        )
    scheme = scheme_import(example(), actor=None)[0]
    run = assessment_run(None, scheme, "2025", today=datetime.date(2026, 1, 10))
    expected = list(
        AssessmentResult.objects.filter(run=run)
        .order_by("rank", "org__code")
        .values_list("org__code", flat=True)
    )
    assert len(expected) >= 4
    assert len({r for r in AssessmentResult.objects.filter(run=run).values_list("rank")}) < len(
        expected
    )  # shared ranks: the stored order breaks them by code
    seen, paths, after = [], [], None
    while True:
        path = "/assessment/results?scheme=2025-SWD&page_size=2" + (
            f"&after={after}" if after else ""
        )
        status, data = call("get", path, user=world.company)
        assert status == 200, data
        assert data["count"] == len(expected)
        paths.append(path)
        seen += [i["org"] for i in data["items"]]
        after = data["next"]
        if after is None:
            break
    assert seen == expected
    _, data = call(
        "get", "/assessment/results?scheme=2025-SWD&page_size=2&page=2", user=world.company
    )
    assert [i["org"] for i in data["items"]] == expected[2:4]
    call("get", paths[0], user=world.company)
    for path in (paths[0], paths[len(paths) // 2], paths[-1]):
        with django_assert_num_queries(QUERIES_RESULTS_API):
            assert call("get", path, user=world.company)[0] == 200


QUERIES_RESULTS_API = 8
