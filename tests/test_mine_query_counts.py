"""A member's own pages, 我的 and 我的积分, answer in a fixed number of queries however
many ledger entries the member has (issue #13 speed, #15 item 2): the counts are pinned
for a member with one entry and again with fifty (attendance, a claim that took effect,
branch entries), on both databases. bench/mine.py times the same pages at scale."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from lianjian.points import services
from lianjian.points.models import PointsEntry
from tests.matrix import client_for
from tests.points_helpers import YEAR, held_meeting, make_scheme

D = datetime.date
pytestmark = pytest.mark.django_db

# session, user, member with organisation, to-dos (list and count in one), the years and
# the rows of attendance, the user's organisation (scope), key tasks, 岗区队, the points
# card (scheme, rules, summed entries, standing, claims), 民主评议 (two), the unread count.
MINE_QUERIES = 17
# session, user, member with organisation, scheme, rules, claims, entries with their
# attendance, standing, the user's organisation (menu), the unread count.
MY_POINTS_QUERIES = 10
PAGES = (("home:mine", MINE_QUERIES), ("points:mine", MY_POINTS_QUERIES))


@pytest.fixture
def one_entry(world):
    scheme = make_scheme()
    held_meeting(world.zb_a, D(YEAR, 1, 10), present=[world.m_a1])
    services.recompute(actor=None, scheme=scheme)
    world.scheme = scheme
    assert PointsEntry.objects.filter(member=world.m_a1).count() == 1
    return world


def _fifty(world) -> None:
    """Forty-nine more entries of the member: attendance, a claim walked to 生效, and
    branch entries."""
    for i in range(11):
        held_meeting(world.zb_a, D(YEAR, 2 + i % 10, 1 + i), present=[world.m_a1])
    services.recompute(actor=None, scheme=world.scheme)
    claim = services.file_claim(
        actor=world.member_a, member=world.m_a1, rule=world.scheme.rules.get(code="B2"),
        happened_on=D(YEAR, 4, 1), text="获评优秀共产党员", evidence="https://example.org/a",
    )  # fmt: skip
    for action in ("group", "committee", "publish"):
        claim = services.claim_step(actor=world.manager_a, claim=claim, action=action)
    services.claim_step(
        actor=world.manager_a, claim=claim, action="effective", today=D(YEAR + 1, 1, 1)
    )
    c1 = world.scheme.rules.get(code="C1")
    count = PointsEntry.objects.filter(member=world.m_a1).count()
    for i in range(50 - count):
        services.add_manual_entry(
            actor=world.manager_a, member=world.m_a1, rule=c1,
            happened_on=D(YEAR, 1 + i % 11, 20), reason=f"无故缺席 {i + 1}",
        )  # fmt: skip
    assert PointsEntry.objects.filter(member=world.m_a1).count() == 50


@pytest.mark.parametrize(("name", "queries"), PAGES)
def test_the_members_pages_answer_in_the_same_queries_for_one_entry_and_fifty(
    one_entry, django_assert_num_queries, name, queries
):
    client = client_for(one_entry, "member_a")
    url = reverse(name) + f"?year={YEAR}"
    client.get(url)  # warm: the menu, the content types
    with django_assert_num_queries(queries):
        one = client.get(url)
    assert one.status_code == 200
    _fifty(one_entry)
    with django_assert_num_queries(queries):
        fifty = client.get(url)
    assert fifty.status_code == 200
    page = fifty.content.decode()
    if name == "points:mine":
        # Every entry listed with its source: the meetings, the claim, the branch's reasons.
        assert page.count('class="list-group-item') >= 50
        assert "个人申报：获评优秀共产党员" in page and "支部录入：无故缺席 37" in page
        assert "党小组会" in page
    else:
        assert 'data-figure="points-year"' in page and "申报 1 项，最近一项：生效" in page


def test_a_rare_source_costs_one_query_per_kind_not_per_entry(one_entry, django_assert_num_queries):
    """Entries from accepted key-task milestones are read with their tasks in one query
    each kind, however many there are."""
    from lianjian.keytasks.models import Milestone
    from tests.keytask_helpers import make_tasks

    tasks = make_tasks(one_entry)
    client = client_for(one_entry, "member_a")
    url = reverse("points:mine") + f"?year={YEAR}"

    def add_milestones(n: int, first: int) -> None:
        for i in range(first, first + n):
            Milestone.objects.create(
                task=tasks.a, name=f"验收{i}", planned_on=D(YEAR, 3, 1), done_on=D(YEAR, 3, 1),
                accepted_on=D(YEAR, 3, 2),
            )  # fmt: skip
        services.recompute(actor=None, scheme=one_entry.scheme)

    add_milestones(1, 0)
    client.get(url)
    with django_assert_num_queries(MY_POINTS_QUERIES + 2):  # the milestones, their tasks
        client.get(url)
    add_milestones(5, 1)
    with django_assert_num_queries(MY_POINTS_QUERIES + 2):
        page = client.get(url).content.decode()
    assert all(f"验收{i}" in page for i in range(6))


def test_the_card_of_my_shows_the_totals_of_my_points(one_entry):
    """我的 sums the ledger in SQL; 我的积分 takes it entry by entry: the same figures,
    with the caps reached (eleven meetings against a cap of 6 a quarter and 12 a year)."""
    from lianjian.points.selectors import my_points, my_points_card

    _fifty(one_entry)
    for today in (D(YEAR, 2, 1), D(YEAR, 5, 1), D(YEAR, 8, 1), D(YEAR, 11, 30)):
        card = my_points_card(one_entry.m_a1, YEAR, today)
        full = my_points(one_entry.m_a1, YEAR, today)
        assert card is not None and full is not None
        assert card.year == full.year and card.current == full.current
        assert card.current_total == dict(full.periods)[full.current]
        assert (card.claim_count, card.latest_claim_state) == (len(full.claims), "生效")
    assert any(kept != e.points for e, kept in full.entries)  # a cap was reached
