"""Where values come from (lianjian/assessment/sources.py): which records count, the
evidence each value carries, and a flat number of queries."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianjian.activities.models import ActivityStatus
from lianjian.activities.selectors import compliance_rows
from lianjian.assessment.periods import parse_period
from lianjian.assessment.services import kpi_set, manual_score_set, scheme_import, scheme_orgs
from lianjian.assessment.sources import collect, compliance_counts
from lianjian.orgs.models import Organisation
from lianjian.orgs.services import org_create
from tests.assessment_engine_helpers import example, joint_activity, with_manual

TODAY = datetime.date(2026, 1, 10)


@pytest.fixture
def scheme(world):
    return scheme_import(with_manual(example(), ["company", "admin"]), actor=None)[0]


def meetings(org, year: int = 2025, *, months=range(1, 13), quarterly: bool = True) -> None:
    """主题党日 in ``months``; 支部党员大会 and 党课 each quarter when ``quarterly``."""
    for m in months:
        joint_activity(org, day=datetime.date(year, m, 5), kind="主题党日")
    if quarterly:
        for q in range(4):
            joint_activity(org, day=datetime.date(year, 3 * q + 2, 8), kind="支部党员大会")
            joint_activity(org, day=datetime.date(year, 3 * q + 3, 8), kind="党课")


def test_kpi_values_carry_their_batch(scheme, world):
    kpi = kpi_set(world.company, org=world.zb_a, period="2025", indicator_code="YW1", value=95)
    kpi_set(
        world.company, org=world.zb_a, period="2026", indicator_code="YW1", value=50
    )  # another period
    values = collect(scheme, "2025", scheme_orgs(scheme, "2025"), today=TODAY)
    at = kpi.batch.created_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).isoformat()
    assert values[world.zb_a.pk]["YW1"] == (
        95.0,
        {"kpi": kpi.pk, "batch": kpi.batch_id, "channel": "form", "by": "company", "at": at},
    )
    assert "YW1" not in values[world.zb_b.pk]  # missing, not 0
    assert "YW2" not in values[world.zb_a.pk]


def test_compliance_rate_is_ok_over_closed_rows_of_the_period(scheme, world):
    meetings(world.zb_a)
    values = collect(scheme, "2025", scheme_orgs(scheme, "2025"), today=TODAY)
    # 22 closed rows (12 主题党日, 4 + 4 quarterly, 组织生活会, 民主评议党员), 20 held
    assert values[world.zb_a.pk]["DJ1"] == (20 / 22, {"ok": 20, "closed": 22, "year": 2025})
    assert values[world.zb_b.pk]["DJ1"] == (0.0, {"ok": 0, "closed": 22, "year": 2025})


def test_compliance_rate_of_a_quarter_uses_the_rows_inside_it_and_skips_open_ones(world):
    data = example(code="Q", period="2026Q1")
    scheme = scheme_import(data, actor=None)[0]
    meetings(world.zb_a, 2026, months=[1, 2], quarterly=False)
    # On 2026-03-15 March's 主题党日 and Q1's meetings are still open: only Jan and Feb are closed.
    values = collect(
        scheme, "2026Q1", scheme_orgs(scheme, "2026Q1"), today=datetime.date(2026, 3, 15)
    )
    assert values[world.zb_a.pk]["DJ1"] == (1.0, {"ok": 2, "closed": 2, "year": 2026})
    values = collect(
        scheme, "2026Q1", scheme_orgs(scheme, "2026Q1"), today=datetime.date(2026, 4, 2)
    )
    # Q1 closed: 3 months + 支部党员大会 + 党课 of the quarter; the yearly rows are not inside Q1
    assert values[world.zb_a.pk]["DJ1"] == (0.4, {"ok": 2, "closed": 5, "year": 2026})


def test_no_closed_row_means_missing(world):
    scheme = scheme_import(example(code="Q", period="2026Q1"), actor=None)[0]
    values = collect(
        scheme, "2026Q1", scheme_orgs(scheme, "2026Q1"), today=datetime.date(2026, 1, 20)
    )
    assert "DJ1" not in values[world.zb_a.pk]


def test_joint_activities_count_for_every_listed_organisation(scheme, world):
    a = joint_activity(world.zb_a, world.zb_b, day=datetime.date(2025, 3, 10), present=12)
    b = joint_activity(
        world.zb_a,
        world.partner,
        day=datetime.date(2025, 12, 31),
        present=None,
        status=ActivityStatus.APPROVED,
    )
    c = joint_activity(world.zb_b, world.zb_a, day=datetime.date(2025, 6, 1), present=8)
    joint_activity(world.zb_a, day=datetime.date(2025, 5, 1), status=ActivityStatus.DRAFT)
    joint_activity(world.zb_a, day=datetime.date(2025, 5, 2), status=ActivityStatus.RETURNED)
    joint_activity(world.zb_a, day=datetime.date(2024, 12, 31))
    joint_activity(world.zb_a, day=datetime.date(2026, 1, 1))
    joint_activity(world.zb_a, day=datetime.date(2025, 5, 3), kind="主题党日")
    data = example()
    data["indicators"].append(
        {
            "code": "LJ3",
            "name": "联建人次",
            "dimension": "LJ",
            "max": 4,
            "rule": "per_item",
            "per": 0.1,
            "source": "joint_person_times",
        }
    )
    scheme = scheme_import(data, actor=None)[0]
    values = collect(scheme, "2025", scheme_orgs(scheme, "2025"), today=TODAY)
    assert values[world.zb_a.pk]["LJ1"] == (3, {"activities": [a.pk, c.pk, b.pk]})
    assert values[world.zb_a.pk]["LJ3"] == (20, {"activities": [a.pk, c.pk, b.pk]})
    assert values[world.zb_b.pk]["LJ1"] == (2, {"activities": [a.pk, c.pk]})
    assert values[world.zb_b.pk]["LJ3"] == (20, {"activities": [a.pk, c.pk]})


def test_activities_after_today_are_not_held_yet(scheme, world):
    joint_activity(world.zb_a, day=datetime.date(2025, 6, 1))
    values = collect(scheme, "2025", scheme_orgs(scheme, "2025"), today=datetime.date(2025, 5, 31))
    assert values[world.zb_a.pk]["LJ1"] == (0, {"activities": []})


def test_manual_scores_of_current_evaluators(scheme, world):
    dj2 = scheme.indicators.get(code="DJ2")
    s1 = manual_score_set(world.company, indicator=dj2, org=world.zb_a, period="2025", score=8)
    s2 = manual_score_set(world.admin, indicator=dj2, org=world.zb_a, period="2025", score=9)
    manual_score_set(world.admin, indicator=dj2, org=world.zb_b, period="2025", score=5)
    values = collect(scheme, "2025", scheme_orgs(scheme, "2025"), today=TODAY)
    assert values[world.zb_a.pk]["DJ2"] == (
        [9.0, 8.0],
        {
            "scores": [
                {"id": s2.pk, "evaluator": "admin", "name": "admin", "score": 9.0},
                {"id": s1.pk, "evaluator": "company", "name": "company", "score": 8.0},
            ]
        },
    )
    dj2.evaluators.remove(world.admin)  # no longer an evaluator: their scores no longer count
    values = collect(scheme, "2025", scheme_orgs(scheme, "2025"), today=TODAY)
    assert values[world.zb_a.pk]["DJ2"][0] == [8.0]
    assert values[world.zb_b.pk]["DJ2"] == ([], {"scores": []})


def test_collect_takes_a_flat_number_of_queries(scheme, world):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            collect(scheme, "2025", scheme_orgs(scheme, "2025"), today=TODAY)
        return len(ctx.captured_queries)

    kpi_set(world.admin, org=world.zb_a, period="2025", indicator_code="YW1", value=1)
    small = count()
    for i in range(15):
        org = org_create(
            actor=None, code=f"ZB-N{i}", name=f"支部{i}", kind="党支部", parent=world.dw
        )
        for code in ("YW1", "YW2", "LJ2", "FJ1"):
            kpi_set(world.admin, org=org, period="2025", indicator_code=code, value=i)
        joint_activity(org, world.zb_a, day=datetime.date(2025, 4, 1 + i))
        manual_score_set(
            world.company,
            indicator=scheme.indicators.get(code="DJ2"),
            org=org,
            period="2025",
            score=5,
        )
    meetings(world.zb_b)
    assert (
        count() == small <= 18
    )  # compliance reads membership as of each month and 所属年度 (#18 §4–5)


@pytest.mark.parametrize(
    "period, today",
    [
        ("2025", datetime.date(2026, 1, 10)),
        ("2025", datetime.date(2025, 8, 15)),
        ("2025H1", datetime.date(2025, 7, 1)),
        ("2025Q2", datetime.date(2025, 6, 20)),
        ("2025-03", datetime.date(2025, 4, 1)),
        ("2025Q4", datetime.date(2025, 3, 1)),
    ],
)
def test_compliance_counts_equal_the_compliance_engine_rows(world, period, today):
    rng = random.Random(period)
    kinds = [
        "主题党日",
        "支部党员大会",
        "党课",
        "组织生活会",
        "民主评议党员",
        "党小组会",
        "支部委员会",
    ]
    for org in (world.zb_a, world.zb_b, world.xz_a1):
        for _ in range(25):
            joint_activity(
                org,
                day=datetime.date(2025, rng.randint(1, 12), rng.randint(1, 28)),
                kind=rng.choice(kinds),
                status=rng.choice(
                    [ActivityStatus.SUBMITTED, ActivityStatus.APPROVED, ActivityStatus.DRAFT]
                ),
            )
    late = org_create(
        actor=None,
        code="ZB-L",
        name="年中成立",
        kind="党支部",
        parent=world.dw,
        founded=datetime.date(2025, 5, 10),
    )
    joint_activity(late, day=datetime.date(2025, 6, 5), kind="主题党日")
    p = parse_period(period)
    expected: dict[int, list[int]] = {}
    for row in compliance_rows(year=2025, today=today, orgs=Organisation.objects.all()):
        rp = parse_period(row.period)
        if rp.start >= p.start and rp.end <= p.end and row.status != "open":
            pair = expected.setdefault(row.org_id, [0, 0])
            pair[0] += row.status == "ok"
            pair[1] += 1
    assert compliance_counts(p, Organisation.objects.all(), today) == {
        k: tuple(v) for k, v in expected.items()
    }
