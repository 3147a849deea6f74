"""Who is scored in a period (docs/decisions/points.md §Who is scored): the members whose
organisation on the period's last day (today, for a period not yet ended) lies in the
scheme's subtree, who had joined the party by then — never today's members read into a
closed period. Checked through every reader: the period totals, the command line of
contracts §2, the mean of ``member_points`` and :func:`mean_score`."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from lianjian.orgs import services as org_services
from lianjian.points import selectors, services
from tests.points_helpers import YEAR, held_meeting, make_scheme

D = datetime.date
pytestmark = pytest.mark.django_db


def _numbers(scheme, period, **kwargs) -> list[str]:
    return [t.number for t in selectors.period_totals(scheme, period, **kwargs)]


@pytest.fixture
def moved(world):
    """M-A1 scored in spring by branch A (one meeting, 3 points), moved to branch B on
    1 July."""
    world.branch_a = make_scheme(code="ZB-A-JF", org="ZB-A")
    world.branch_b = make_scheme(code="ZB-B-JF", org="ZB-B")
    held_meeting(world.zb_a, D(YEAR, 3, 10), present=[world.m_a1])
    services.recompute(actor=None, scheme=world.branch_a)
    org_services.member_transfer(
        actor=None, member=world.m_a1, to_org=world.zb_b, date=D(YEAR, 7, 1), reason="调动"
    )
    return world


def test_a_member_who_moved_out_later_stays_in_the_closed_periods(moved):
    assert _numbers(moved.branch_a, f"{YEAR}Q1") == ["M-A1", "M-A2"]
    assert _numbers(moved.branch_a, f"{YEAR}Q2") == ["M-A1", "M-A2"]
    spring = {t.number: t.total.total for t in selectors.period_totals(moved.branch_a, f"{YEAR}Q1")}
    assert spring["M-A1"] == Decimal(83)
    # from the quarter of the move on, and for the year (its last day), the new branch's
    assert _numbers(moved.branch_a, f"{YEAR}Q3") == ["M-A2"]
    assert _numbers(moved.branch_a, str(YEAR)) == ["M-A2"]


def test_a_member_who_moved_in_later_is_not_in_the_closed_periods(moved):
    assert _numbers(moved.branch_b, f"{YEAR}Q1") == ["M-B1"]
    assert _numbers(moved.branch_b, f"{YEAR}Q2") == ["M-B1"]
    assert _numbers(moved.branch_b, f"{YEAR}Q3") == ["M-A1", "M-B1"]
    assert _numbers(moved.branch_b, str(YEAR)) == ["M-A1", "M-B1"]


def test_a_transfer_on_the_last_day_has_taken_effect(world):
    branch_a = make_scheme(code="ZB-A-JF", org="ZB-A")
    branch_b = make_scheme(code="ZB-B-JF", org="ZB-B")
    org_services.member_transfer(
        actor=None, member=world.m_a1, to_org=world.zb_b, date=D(YEAR, 6, 30), reason="调动"
    )
    assert _numbers(branch_a, f"{YEAR}Q2") == ["M-A2"]
    assert _numbers(branch_b, f"{YEAR}Q2") == ["M-A1", "M-B1"]
    assert _numbers(branch_a, f"{YEAR}Q1") == ["M-A1", "M-A2"]


def test_a_period_not_yet_ended_is_scored_as_of_today(moved):
    # Seen on 15 June, the second quarter had M-A1 in branch A (the move came later).
    assert _numbers(moved.branch_a, f"{YEAR}Q2", today=D(YEAR, 6, 15)) == ["M-A1", "M-A2"]
    assert _numbers(moved.branch_b, f"{YEAR}Q2", today=D(YEAR, 6, 15)) == ["M-B1"]


def test_a_member_who_joined_after_the_period_is_not_scored_in_it(world):
    scheme = make_scheme()
    org_services.member_create(
        actor=None, number="M-A9", name="新党员", org=world.zb_a, category="预备党员",
        joined_on=D(YEAR, 8, 1), phone="13500000009",
    )  # fmt: skip
    assert "M-A9" not in _numbers(scheme, f"{YEAR}Q1")
    assert "M-A9" not in _numbers(scheme, f"{YEAR}Q2")
    assert "M-A9" in _numbers(scheme, f"{YEAR}Q3")
    assert "M-A9" in _numbers(scheme, str(YEAR))


def test_the_command_line_prints_the_members_of_the_period(moved):
    out = io.StringIO()
    call_command("points", "--scheme", "ZB-A-JF", "--period", f"{YEAR}Q1", stdout=out)
    document = json.loads(out.getvalue())
    assert list(document) == ["scheme", "period", "members"]
    assert (document["scheme"], document["period"]) == ("ZB-A-JF", f"{YEAR}Q1")
    rows = {m["number"]: m for m in document["members"]}
    assert list(rows) == ["M-A1", "M-A2"]
    assert sorted(rows["M-A1"]) == ["bonus", "deductions", "exempt", "number", "total", "vetoed"]
    assert rows["M-A1"]["total"] == 83


def test_the_means_count_a_member_under_the_organisation_of_the_period(moved):
    company = make_scheme(code="DW-JF", org="DW")
    services.recompute(actor=None, scheme=company)
    # In the first quarter M-A1 (83) and M-A2 (80) were branch A's; M-B1 (80) branch B's.
    assert selectors.mean_score(company, f"{YEAR}Q1", moved.zb_a.path) == (Decimal("81.50"), 2)
    assert selectors.mean_score(company, f"{YEAR}Q1", moved.zb_b.path) == (Decimal("80.00"), 1)
    assert selectors.mean_score(company, f"{YEAR}Q3", moved.zb_b.path) == (Decimal("80.00"), 2)
    means = selectors.org_means(
        [(moved.zb_a.pk, moved.zb_a.path), (moved.zb_b.pk, moved.zb_b.path)], f"{YEAR}Q1", YEAR
    )
    assert means[moved.zb_a.pk][0] == Decimal("81.50")
    assert means[moved.zb_a.pk][1]["scored"] == 2
    assert means[moved.zb_b.pk][0] == Decimal("80.00")
    assert means[moved.zb_b.pk][1]["scored"] == 1
