"""The demo 党员积分: the scheme of points.md on BXDW, automatic entries from the demo's
records, dangyuan's claims (one 生效 and counted, one in 公示), idempotent."""

from __future__ import annotations

import io

import pytest

from lianjian.points import demo
from lianjian.points.models import ClaimState, EntrySource, PointsClaim, PointsEntry
from lianjian.points.selectors import my_points
from tests.conftest import module_transaction


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    from lianjian.activities.demo import demo_activities
    from lianjian.alliances.demo import demo_alliances
    from lianjian.carriers.demo import demo_carriers
    from lianjian.orgs.demo import demo_load

    with module_transaction(django_db_blocker):
        demo_load(stdout=io.StringIO(), accounts=True)
        demo_alliances()
        demo_activities(stdout=io.StringIO())
        demo_carriers()
        made = demo.demo_points(stdout=io.StringIO())
        yield made


pytestmark = pytest.mark.django_db


def test_the_demo_scheme_scores_dangyuan_with_a_counted_and_a_published_claim(loaded):
    from lianjian.accounts.models import User

    assert loaded > 0
    assert PointsEntry.objects.filter(source=EntrySource.AUTO).exists()
    member = User.objects.get(username="dangyuan").member
    states = sorted(PointsClaim.objects.filter(member=member).values_list("state", flat=True))
    assert states == sorted([ClaimState.EFFECTIVE, ClaimState.PUBLIC])
    mine = my_points(member, demo.YEAR)
    assert mine is not None and mine.scheme.code == demo.CODE
    counted = [e for e, _ in mine.entries if e.claim_id is not None]
    assert len(counted) == 1 and counted[0].points == 5
    assert demo.demo_points() == 0  # idempotent


def test_the_demo_scheme_counts_dangyuans_post_from_its_review(loaded):
    """dangyuan holds a 示范岗 that the 2026H1 review kept: the carrier rule B4 counts it."""
    from lianjian.accounts.models import User

    member = User.objects.get(username="dangyuan").member
    found = PointsEntry.objects.filter(member=member, rule__code="B4", source=EntrySource.AUTO)
    assert found.count() == 1 and found.get().carrier_review is not None
