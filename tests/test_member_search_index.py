"""``icontains_indexed`` (the member search's name condition): the same rows as
``icontains`` on every database, and on PostgreSQL a one- or two-character text also asks
the index of name pieces (migration orgs 0007), so the search and its count read only the
matches (#15)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianjian.orgs.models import Member
from lianjian.orgs.pinyin import initials

NAMES = ["张伟", "张伟明", "李张", "Li Wei", "王_芳", "赵100%", "欧阳娜娜"]


@pytest.fixture
def named(world):
    Member.objects.bulk_create(
        Member(
            number=f"S-{i:02d}",
            name=name,
            initials=initials(name),
            org=world.zb_a,
            category="正式党员",
            joined_on=datetime.date(2015, 1, 1),
        )
        for i, name in enumerate(NAMES)
    )
    return world


@pytest.mark.parametrize(
    "text",
    ["张", "张伟", "伟明", "张伟明", "li", "LI W", "i", "_", "%", "0%", "王_", "娜", "x", "阳娜娜"],
)
def test_same_rows_as_icontains(named, text):
    members = Member.objects.filter(number__startswith="S-")
    expected = set(members.filter(name__icontains=text).values_list("number", flat=True))
    got = set(members.filter(name__icontains_indexed=text).values_list("number", flat=True))
    assert got == expected


def test_the_short_text_condition_on_postgresql(named):
    members = Member.objects.filter(number__startswith="S-")
    with CaptureQueriesContext(connection) as ctx:
        list(members.filter(name__icontains_indexed="张伟"))
        list(members.filter(name__icontains_indexed="张伟明"))
    short, long = (q["sql"] for q in ctx.captured_queries)
    uses_pieces = connection.vendor == "postgresql"
    assert ("lianjian_short_grams" in short) is uses_pieces
    assert "lianjian_short_grams" not in long  # three characters: the trigram index


def test_the_member_search_screen_finds_by_one_or_two_characters(client, named):
    client.force_login(named.admin)
    body = client.get("/orgs/members/", {"q": "张伟", "size": 50}).content.decode()
    assert "S-00" in body and "S-01" in body and "S-02" not in body
    body = client.get("/orgs/members/", {"q": "张", "size": 50}).content.decode()
    assert all(f"S-0{i}" in body for i in (0, 1, 2)) and "S-03" not in body
