"""Point 8 of issue 18: the demo people are plausible — birth, 入党 (at 18 or older),
转正 (入党 + 1 year) and posts make sense for every demo member."""

from __future__ import annotations

import datetime

import pytest

from lianjian.orgs.demo.company import REFERENCE_DATE, _years_later
from lianjian.orgs.demo.people import member_specs
from lianjian.orgs.models import MemberCategory

SPECS = member_specs()
OFFICES = ("书记", "副书记", "组织委员", "宣传委员", "纪检委员", "党小组长")


def age(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@pytest.mark.parametrize("m", SPECS, ids=[m["number"] for m in SPECS])
def test_every_demo_member_joined_as_an_adult_and_was_confirmed_a_year_later(m):
    assert m["joined_on"] <= REFERENCE_DATE
    assert age(m["birth_date"], m["joined_on"]) >= 18
    if m["category"] == MemberCategory.FULL:
        assert m["confirmed_on"] == _years_later(m["joined_on"], 1)
        assert m["confirmed_on"] <= REFERENCE_DATE
    else:
        assert m["confirmed_on"] is None
        assert _years_later(m["joined_on"], 1) > REFERENCE_DATE  # still in the probation year


def test_every_office_holder_is_a_seasoned_full_member():
    holders = [m for m in SPECS if any(office in m["post"] for office in OFFICES)]
    assert len(holders) > 100
    for m in holders:
        assert m["category"] == MemberCategory.FULL, m["number"]
        assert age(m["birth_date"], REFERENCE_DATE) >= 35, (m["number"], m["post"], m["birth_date"])
        assert age(m["joined_on"], REFERENCE_DATE) >= 5, (m["number"], m["post"], m["joined_on"])


def test_the_demo_branch_secretaries_were_not_born_in_2000_nor_admitted_in_2025():
    secretaries = [m for m in SPECS if m["post"] == "书记"]
    assert len(secretaries) == 41
    assert max(m["birth_date"] for m in secretaries) < datetime.date(1990, 1, 1)
    assert max(m["joined_on"] for m in secretaries) < datetime.date(2021, 1, 1)


def test_join_dates_do_not_pile_up_at_a_limit():
    days = [m["joined_on"] for m in SPECS]
    assert max(days.count(d) for d in set(days)) <= 3
