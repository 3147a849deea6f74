"""Every automatic source places a member by their organisation on the record's day
(``points.sources.Placement``, the rule of ``activities.compliance.org_on_day``): a transfer
made later neither withdraws a closed period's points from the old branch's scheme nor hands
them to the new branch's. The attendance sources have their own test (test_points_activity);
these are the milestone, the closed problem and the 岗区队 review."""

from __future__ import annotations

import datetime

import pytest

from lianjian.carriers import services as carrier_services
from lianjian.consultations.models import Problem, ProblemCategory, ProblemOwner
from lianjian.core.validation import today
from lianjian.keytasks.models import Milestone
from lianjian.orgs import services as org_services
from lianjian.points import services
from lianjian.points.models import EntryStatus, PointsEntry
from tests.carrier_helpers import named_post
from tests.keytask_helpers import make_tasks
from tests.points_helpers import YEAR, make_scheme, scheme_file

D = datetime.date
pytestmark = pytest.mark.django_db
EXTRA = [
    {"code": "E1", "text": "牵头问题销号", "category": "奖励", "points": 2,
     "source": "problem_closed"},
    {"code": "D1", "text": "岗区队复核保持称号", "category": "奖励", "points": 3,
     "source": "carrier"},
]  # fmt: skip


def _branches(year: int = YEAR):
    rules = [*scheme_file()["rules"], *EXTRA]
    a = make_scheme(code="ZB-A-JF", org="ZB-A", year=year, rules=rules)
    b = make_scheme(code="ZB-B-JF", org="ZB-B", year=year, rules=rules)
    return a, b


def _active(scheme, rule: str):
    return sorted(
        PointsEntry.objects.filter(
            scheme=scheme, rule__code=rule, status=EntryStatus.ACTIVE
        ).values_list("member__number", "happened_on")
    )


def _move_m_a1(world, day: datetime.date) -> None:
    org_services.member_transfer(
        actor=None, member=world.m_a1, to_org=world.zb_b, date=day, reason="调动"
    )


def test_a_milestone_accepted_before_a_transfer_stays_with_the_old_branch(world):
    branch_a, branch_b = _branches()
    tasks = make_tasks(world)  # ZB-A's task is owned by M-A1
    Milestone.objects.create(
        task=tasks.a, name="验收一", planned_on=D(YEAR, 3, 1), done_on=D(YEAR, 3, 1),
        accepted_on=D(YEAR, 3, 2),
    )  # fmt: skip
    services.recompute(actor=None, scheme=branch_a)
    assert _active(branch_a, "B1") == [("M-A1", D(YEAR, 3, 2))]
    _move_m_a1(world, D(YEAR, 7, 1))
    assert services.recompute(actor=None, scheme=branch_a) == (0, 0)
    assert services.recompute(actor=None, scheme=branch_b) == (0, 0)
    assert _active(branch_a, "B1") == [("M-A1", D(YEAR, 3, 2))] and not _active(branch_b, "B1")


def _closed_problem(world, code: str, closed: datetime.date, responsible: str) -> Problem:
    problem = Problem.objects.create(
        code=code, title="线路通道清障", category=ProblemCategory.values[0],
        raised_by=world.zb_a, raised_on=closed - datetime.timedelta(days=30),
        responsible=responsible, state="已销号", assigned_on=closed - datetime.timedelta(days=29),
        solved_on=closed, closed_on=closed,
    )  # fmt: skip
    ProblemOwner.objects.create(problem=problem, org=world.zb_a)
    return problem


def test_a_problem_closed_before_a_transfer_stays_with_the_old_branch(world):
    branch_a, branch_b = _branches()
    _closed_problem(world, "WT-2026-901", D(YEAR, 4, 20), world.m_a1.name)
    services.recompute(actor=None, scheme=branch_a)
    assert _active(branch_a, "E1") == [("M-A1", D(YEAR, 4, 20))]
    _move_m_a1(world, D(YEAR, 7, 1))
    assert services.recompute(actor=None, scheme=branch_a) == (0, 0)
    assert _active(branch_a, "E1") == [("M-A1", D(YEAR, 4, 20))]
    assert services.recompute(actor=None, scheme=branch_b) == (0, 0)
    # a problem of ZB-A closed after the move is no longer M-A1's there (nobody by that
    # name was in ZB-A on that day): nothing is guessed
    _closed_problem(world, "WT-2026-902", D(YEAR, 8, 20), world.m_a1.name)
    assert services.recompute(actor=None, scheme=branch_a) == (0, 0)


def test_a_carrier_review_before_a_transfer_stays_with_the_old_branch(world):
    year = today().year
    carrier = named_post(world)  # held by M-A1, reviewed today
    carrier_services.record_review(
        world.company, carrier, preset="半年复核", period=f"{year}H2",
        scores={"履职尽责": 95.0, "承诺兑现": 92.0, "关键任务成效": 90.0, "群众满意度": 93.0},
    )  # fmt: skip
    branch_a, branch_b = _branches(year)
    services.recompute(actor=None, scheme=branch_a)
    assert [m for m, _ in _active(branch_a, "D1")] == ["M-A1"]
    # The review dated ten days ago, the move five days ago: the review stays ZB-A's.
    review = carrier.reviews.get()
    type(review).objects.filter(pk=review.pk).update(day=today() - datetime.timedelta(days=10))
    services.recompute(actor=None, scheme=branch_a)
    _move_m_a1(world, today() - datetime.timedelta(days=5))
    assert services.recompute(actor=None, scheme=branch_a) == (0, 0)
    assert services.recompute(actor=None, scheme=branch_b) == (0, 0)
    assert [m for m, _ in _active(branch_a, "D1")] == ["M-A1"] and not _active(branch_b, "D1")
