"""Issue #18 §5: member conditions are decided on the membership as of each period's first
day, so that history never rewrites a closed period."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianjian.activities.compliance import MemberHistory, full_members_by_month, is_full_on, org_on
from lianjian.activities.selectors import compliance_rows
from lianjian.assessment.periods import parse_period
from lianjian.assessment.sources import compliance_counts
from lianjian.deadlines.services import forget_rules
from lianjian.orgs.models import Organisation
from lianjian.orgs.services import member_create, member_transfer, org_create, org_dissolve

D = datetime.date


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("compliance", *args, stdout=out)
    return out.getvalue()


def committee_periods(text: str, org: str) -> list[str]:
    return [
        r["period"]
        for r in json.loads(text)["results"]
        if r["org"] == org and r["rule"] == "支部委员会"
    ]


def seven(branch: Organisation, prefix: str) -> list:
    return [
        member_create(
            actor=None,
            number=f"{prefix}{i}",
            name=f"党员{i}",
            org=branch,
            category="正式党员",
            joined_on=D(2010, 1, 1),
        )
        for i in range(7)
    ]


# --- the pure rule ----------------------------------------------------------------------------


def test_a_member_is_full_from_their_confirmation_and_gone_on_the_day_they_leave():
    kw = {
        "full_now": True,
        "joined": D(2024, 3, 1),
        "confirmed": D(2025, 3, 1),
        "left": D(2025, 9, 1),
    }
    assert [is_full_on(D(2025, m, 1), **kw) for m in (2, 3, 8, 9)] == [False, True, True, False]
    # No recorded 转正日期: full one year after joining.
    assert not is_full_on(
        D(2025, 2, 28), full_now=True, joined=D(2024, 3, 1), confirmed=None, left=None
    )
    assert is_full_on(D(2025, 3, 1), full_now=True, joined=D(2024, 3, 1), confirmed=None, left=None)
    assert not is_full_on(
        D(2030, 1, 1), full_now=False, joined=D(2010, 1, 1), confirmed=None, left=None
    )


def test_a_member_belongs_to_the_organisation_they_left_by_their_next_transfer():
    history = MemberHistory(
        3, True, D(2010, 1, 1), None, None, [(D(2025, 4, 15), 1, 2), (D(2025, 8, 1), 2, 3)]
    )
    assert [org_on(history, D(2025, m, 1)) for m in (1, 4, 5, 8, 9)] == [1, 1, 2, 3, 3]


def test_full_members_by_month_places_moved_members_and_adds_groups_to_their_branch():
    moved = [MemberHistory(2, True, D(2010, 1, 1), None, None, [(D(2025, 6, 10), 1, 2)])]
    counts = full_members_by_month(2025, {1: (6,) * 12, 5: (1,) * 12}, moved, {5: 2})
    assert counts[1] == (7,) * 6 + (6,) * 6
    assert counts[2] == (1,) * 6 + (2,) * 6


# --- on the database -------------------------------------------------------------------------


@pytest.mark.django_db
def test_compliance_of_a_closed_year_is_identical_before_and_after_a_transfer_made_today(world):
    small = org_create(
        actor=None,
        code="ZB-S",
        name="撤并党支部",
        kind="党支部",
        parent=world.dw,
        founded=D(2000, 1, 1),
    )
    seven(small, "S")
    args = ("--year", "2025", "--org", "DW", "--today", "2026-01-10")
    before = run(*args)
    assert len(committee_periods(before, "ZB-S")) == 12
    assert committee_periods(before, "ZB-B") == []
    today = timezone.localdate()
    for member in small.members.all():
        member_transfer(actor=None, member=member, to_org=world.zb_b, date=today, reason="撤并")
    org_dissolve(actor=None, org=small, date=today, reason="撤并")
    after = run(*args)
    assert after == before
    # And for an assessment of that year: the same rows counted.
    counts = compliance_counts(
        parse_period("2025"), Organisation.objects.filter(code__in=["ZB-S", "ZB-B"]), D(2026, 1, 10)
    )
    assert counts[small.pk][1] == 12 + 4 + 4 + 12 + 1 + 1  # 支委会 included


@pytest.mark.django_db
def test_members_moved_mid_year_bind_the_old_branch_before_and_the_new_one_from_its_first_whole_month(
    world,
):
    small = org_create(
        actor=None,
        code="ZB-S",
        name="撤并党支部",
        kind="党支部",
        parent=world.dw,
        founded=D(2000, 1, 1),
    )
    members = seven(small, "S")
    for member in members:
        member_transfer(
            actor=None, member=member, to_org=world.zb_b, date=D(2025, 4, 15), reason="撤并"
        )
    org_dissolve(actor=None, org=small, date=D(2025, 4, 20), reason="撤并")
    text = run("--year", "2025", "--org", "DW", "--today", "2026-01-10")
    assert committee_periods(text, "ZB-S") == ["2025-01", "2025-02", "2025-03"]
    # ZB-B: 1 + 7 full members from 15 April — its first whole month with ≥ 7 is May.
    assert committee_periods(text, "ZB-B") == [f"2025-{m:02d}" for m in range(5, 13)]


@pytest.mark.django_db
def test_a_confirmation_during_the_year_brings_the_rule_from_the_next_first_day(world):
    branch = org_create(
        actor=None,
        code="ZB-C",
        name="七人党支部",
        kind="党支部",
        parent=world.dw,
        founded=D(2000, 1, 1),
    )
    for i in range(6):
        member_create(
            actor=None,
            number=f"C{i}",
            name=f"党员{i}",
            org=branch,
            category="正式党员",
            joined_on=D(2010, 1, 1),
        )
    member_create(
        actor=None,
        number="C7",
        name="新党员",
        org=branch,
        category="正式党员",
        joined_on=D(2024, 6, 10),
        confirmed_on=D(2025, 6, 10),
    )
    text = run("--year", "2025", "--org", "ZB-C", "--today", "2026-01-10")
    assert committee_periods(text, "ZB-C") == [f"2025-{m:02d}" for m in range(7, 13)]


@pytest.mark.django_db
def test_the_membership_history_is_read_in_a_flat_number_of_queries(world):
    def count() -> int:
        forget_rules()  # each count reads the rules of the deadline colours (once per run)
        with CaptureQueriesContext(connection) as ctx:
            compliance_rows(year=2025, today=D(2026, 1, 10), orgs=Organisation.objects.all())
        return len(ctx.captured_queries)

    first = count()
    for n in range(3):
        branch = org_create(
            actor=None,
            code=f"ZB-N{n}",
            name=f"支部{n}",
            kind="党支部",
            parent=world.dw,
            founded=D(2000, 1, 1),
        )
        for member in seven(branch, f"N{n}-"):
            member_transfer(actor=None, member=member, to_org=world.zb_b, date=D(2025, 5, 1 + n))
    assert count() == first <= 10
