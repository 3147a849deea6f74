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
