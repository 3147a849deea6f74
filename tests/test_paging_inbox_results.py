"""Keyset (cursor) paging of the inbox (消息与待办) and of a run's results screen (考核结果):
walking 下一页 shows every row once in the selector's order, for every tab, filter and
sort; the last page, the old ``?page=`` links and a bad cursor work; page 1, a deep page
and the last page cost the same queries; a cursor never shows another user's rows."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from lianjian.notifications.models import Notification
from tests.matrix import client_for

pytestmark = pytest.mark.django_db


def _next(resp) -> str | None:
    m = re.search(r'href="(\?[^"]*)">下一页<', resp.content.decode())
    return m.group(1).replace("&amp;", "&") if m else None


def _walk(client, url: str) -> tuple[list[int], list[str]]:
    """The row ids shown walking ``url`` by 下一页, and the URLs of its pages."""
    path = url.split("?")[0]
    ids, urls, following = [], [], url
    while following:
        resp = client.get(following)
        assert resp.status_code == 200
        urls.append(following)
        ids += [row.pk for row in resp.context["page"].object_list]
        more = _next(resp)
        following = path + more if more else None
    return ids, urls


def _same_queries(client, urls, expected: int, django_assert_num_queries) -> None:
    client.get(urls[0])  # session and caches warm
    for url in urls:
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200


# --- the inbox -------------------------------------------------------------------------------


@pytest.fixture
def inbox(world):
    """34 notifications of manager_a: to-dos and messages, due dates with ties and none,
    some done, some read, created at shared and distinct times; 5 of manager_b."""
    base = timezone.now() - datetime.timedelta(days=40)
    today = timezone.localdate()
    for i in range(34):
        n = Notification.objects.create(
            user=world.manager_a,
            kind="todo" if i % 3 else "message",
            key=f"t:{i}",
            title=f"提醒{i}",
            due=today + datetime.timedelta(days=i % 4) if i % 5 else None,
            read_at=base if i % 2 else None,
            done_at=base if i % 4 == 1 else None,
        )
        # pairs created at the same moment: the id breaks the tie
        Notification.objects.filter(pk=n.pk).update(
            created_at=base + datetime.timedelta(hours=i // 2)
        )
    for i in range(5):
        Notification.objects.create(user=world.manager_b, key=f"b:{i}", title=f"他人{i}")
    return world


def _inbox_order(user, **filters) -> list[int]:
    """The inbox order computed here: open first, due date (none last), newest, id."""
    rows = list(Notification.objects.filter(user=user, **filters))
    far = datetime.date.max
    rows.sort(key=lambda n: -n.pk)
    rows.sort(key=lambda n: n.created_at, reverse=True)
    rows.sort(key=lambda n: (n.done_at is not None, n.due or far))
    return [n.pk for n in rows]


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("show=all", {}),
        ("show=open", {"done_at__isnull": True}),
        ("show=unread", {"read_at__isnull": True}),
        ("show=all&kind=todo", {"kind": "todo"}),
        ("show=open&kind=message", {"done_at__isnull": True, "kind": "message"}),
    ],
)
def test_the_inbox_walks_every_tab_by_cursor_in_order(inbox, query, filters):
    client = client_for(inbox, "manager_a")
    expected = _inbox_order(inbox.manager_a, **filters)
    ids, _ = _walk(client, f"/inbox/?{query}&size=10")
    assert ids == expected


# session, user, the sweep of to-dos whose step was taken (a savepoint around one read),
# the count, the page's rows, the menu's organisation and unread count.
INBOX_QUERIES = 9


def test_the_inbox_pages_cost_the_same_and_old_links_work(inbox, django_assert_num_queries):
    client = client_for(inbox, "manager_a")
    expected = _inbox_order(inbox.manager_a)
    assert len(expected) > 30
    ids, urls = _walk(client, "/inbox/?show=all&size=10")
    assert ids == expected and len(urls) == 4
    last = client.get("/inbox/?show=all&size=10&last=1").context["page"]
    assert [n.pk for n in last] == expected[-10:] and last.number == 4
    assert [n.pk for n in client.get("/inbox/?show=all&size=10&page=2").context["page"]] == (
        expected[10:20]
    )
    bad = client.get("/inbox/?show=all&size=10&after=forged")
    assert [n.pk for n in bad.context["page"]] == expected[:10]
    _same_queries(
        client, [*urls, "/inbox/?show=all&size=10&last=1"], INBOX_QUERIES, django_assert_num_queries
    )


def test_an_inbox_cursor_never_shows_another_users_rows(inbox):
    mine = client_for(inbox, "manager_a").get("/inbox/?show=all&size=10")
    cursor = _next(mine)
    theirs = client_for(inbox, "manager_b").get(f"/inbox/{cursor}")
    shown = {n.user_id for n in theirs.context["page"]}
    assert shown == {inbox.manager_b.pk}


# --- a run's results screen ------------------------------------------------------------------


@pytest.fixture
def ranked(world):
    """A published run of the example scheme over DW's branches: ZB-A, ZB-B and 24 more,
    sharing ranks (no values); their 业务提升 points set apart, some equal, some missing."""
    from lianjian.assessment.models import AssessmentResult
    from lianjian.assessment.services import assessment_run, run_publish, scheme_import
    from lianjian.orgs.services import org_create
    from tests.assessment_engine_helpers import example

    for i in range(24):
        org_create(
            actor=None,
            code=f"ZB-R{24 - i:02d}",
            name=f"第{i}党支部",
            kind="党支部",
            parent=world.dw,
        )
    scheme = scheme_import(example(), actor=None)[0]
    run = assessment_run(None, scheme, "2025", today=datetime.date(2026, 1, 10))
    run_publish(None, run)
    for i, result in enumerate(AssessmentResult.objects.filter(run=run).order_by("pk")):
        dims = dict(result.dimensions)
        if i % 6 == 5:
            dims.pop("YW", None)
        else:
            dims["YW"] = float(i % 7) * 2.5
        AssessmentResult.objects.filter(pk=result.pk).update(dimensions=dims)
    world.run = run
    return world


def _results(run, *, sort: str = "", **filters) -> list[int]:
    from lianjian.assessment.models import AssessmentResult

    rows = list(AssessmentResult.objects.filter(run=run, **filters))
    if sort:
        floor = float("-inf")
        rows.sort(key=lambda r: (-r.dimensions.get(sort, floor), r.rank, r.pk))
    else:
        rows.sort(key=lambda r: (r.rank, r.pk))
    return [r.pk for r in rows]


@pytest.mark.parametrize(
    ("query", "sort", "filters"),
    [
        ("", "", {}),
        ("sort=YW", "YW", {}),
        ("sort=nonsense", "", {}),
        ("passed=no", "", {"passed": False}),
        ("q=ZB-R1&sort=YW", "YW", {"org__code__icontains": "ZB-R1"}),
    ],
)
def test_the_results_screen_walks_by_cursor_for_every_sort_and_filter(ranked, query, sort, filters):
    client = client_for(ranked, "company")
    ids, _ = _walk(client, f"/assessment/r/{ranked.run.pk}/?size=10&{query}")
    assert ids == _results(ranked.run, sort=sort, **filters)


# session, user, the run and its scheme, the owners' stored "inputs changed" check (the
# latest finished and the one waiting: two reads; the check itself is a background task),
# the count, the page's rows with their organisations, the whole run's count, the previous
# version, the menu — the same for every page, sort and filter.
RESULTS_QUERIES = 11


def test_the_results_pages_cost_the_same_and_old_links_work(ranked, django_assert_num_queries):
    client = client_for(ranked, "company")
    url = f"/assessment/r/{ranked.run.pk}/?size=10"
    for query, sort in (("", ""), ("&sort=YW", "YW")):
        expected = _results(ranked.run, sort=sort)
        assert len(expected) > 20
        ids, urls = _walk(client, url + query)
        assert ids == expected and len(urls) == 3
        last = client.get(f"{url}{query}&last=1").context["page"]
        assert [r.pk for r in last] == expected[-10:]
        page2 = client.get(f"{url}{query}&page=2").context["page"]
        assert [r.pk for r in page2] == expected[10:20]
        _same_queries(
            client, [*urls, f"{url}{query}&last=1"], RESULTS_QUERIES, django_assert_num_queries
        )


def test_a_results_cursor_never_widens_the_scope(ranked):
    """manager_a sees ZB-A's row only; a cursor made on the company's page shows no more."""
    company = client_for(ranked, "company").get(f"/assessment/r/{ranked.run.pk}/?size=10")
    cursor = _next(company)
    resp = client_for(ranked, "manager_a").get(f"/assessment/r/{ranked.run.pk}/{cursor}")
    assert resp.status_code == 200
    assert {r.org.code for r in resp.context["page"]} <= {"ZB-A"}
