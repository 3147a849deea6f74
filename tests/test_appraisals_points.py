"""民主评议 shows each member's 党员积分 of the year beside the vote (points.md), to the branch
committee only: one record (the ledger), used twice."""

from __future__ import annotations

import datetime

from lianjian.appraisals import selectors
from lianjian.points import services as points_services
from tests.appraisal_setup import appraisal
from tests.points_helpers import held_meeting, make_scheme


def test_the_committee_sees_each_members_year_points_beside_the_tally(world):
    a = appraisal(world)
    scheme = make_scheme()
    held_meeting(world.zb_a, datetime.date(2026, 2, 10), present=[world.m_a1], absent=[world.m_a4])
    points_services.recompute(actor=None, scheme=scheme)
    rows = {r.participant.member.number: r for r in selectors.progress(world.manager_a, a).rows}
    # base 80; A1 +3 for M-A1; C1 −2 for M-A4; M-A3 took no part: the base.
    assert rows["M-A1"].points == 83
    assert rows["M-A4"].points == 78
    assert rows["M-A3"].points == 80
    # The member's view of the same appraisal carries no points of anyone.
    mine = selectors.progress(world.member_a, a)
    assert all(r.points is None for r in mine.rows)


def test_without_a_scheme_no_points_are_shown(world):
    a = appraisal(world)
    rows = selectors.progress(world.manager_a, a).rows
    assert rows and all(r.points is None for r in rows)


def test_the_appraisal_page_shows_the_column_to_the_committee(client, world):
    make_scheme()
    a = appraisal(world)
    client.force_login(world.manager_a)
    page = client.get(f"/appraisals/{a.code}/").content.decode()
    assert "年度积分" in page and "data-points" in page
    client.force_login(world.member_a)
    assert "年度积分" not in client.get(f"/appraisals/{a.code}/").content.decode()
