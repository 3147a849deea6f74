"""An activity's record entering or leaving the statuses that count (提交, 退回, 作废)
brings its attendees' automatic points in line by itself, once the change commits
(``activities.signals.counted_changed`` → ``points.tasks.activity_points_task``): the
member sees the points of a meeting without anyone pressing 重新计算. Only that activity's
entries are touched, in the schemes that hold its attendees, and the result is what a
full recompute gives (the two paths agree, on both databases and on the Python path)."""

from __future__ import annotations

import datetime

import pytest

from lianjian.activities import services as activity_services
from lianjian.core.models import AuditLog
from lianjian.points import fast, services
from lianjian.points.models import EntryStatus, PointsEntry
from tests.points_helpers import YEAR, held_meeting, make_scheme

D = datetime.date
pytestmark = pytest.mark.django_db


def _points(callbacks):
    """The commit callbacks of the points app (other apps listen to the same signal: the
    compliance tallies forget the activity's organisations)."""
    return [c for c in callbacks if c.__module__.startswith("lianjian.points")]


def _active(scheme):
    return sorted(
        PointsEntry.objects.filter(scheme=scheme, status=EntryStatus.ACTIVE).values_list(
            "member__number", "rule__code", "period", "attendance__activity__code"
        )
    )


@pytest.mark.parametrize("python_path", [False, True], ids=["sql", "python"])
def test_submit_return_and_void_move_the_points_of_that_activity(
    world, django_capture_on_commit_callbacks, monkeypatch, python_path
):
    if python_path:
        monkeypatch.setattr(fast, "recompute_attendance", lambda *a, **k: None)
    scheme = make_scheme()
    other_year = make_scheme(code="2025-JF", year=YEAR - 1)
    branch_b = make_scheme(code="ZB-B-JF", org="ZB-B")
    # An earlier meeting, submitted with no listener run: not this activity's business.
    earlier = held_meeting(world.zb_a, D(YEAR, 1, 10), present=[world.m_a1])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        meeting = held_meeting(
            world.zb_a, D(YEAR, 5, 10), present=[world.m_a1], absent=[world.m_a2]
        )
    assert len(_points(callbacks)) == 1
    assert _active(scheme) == [
        ("M-A1", "A1", f"{YEAR}Q2", meeting.code),
        ("M-A2", "C1", f"{YEAR}Q2", meeting.code),
    ]
    # neither the scheme of another year nor that of a branch the attendees are not in
    assert not PointsEntry.objects.filter(scheme__in=[other_year, branch_b]).exists()
    audit = AuditLog.objects.filter(target_type="points.pointsscheme").latest("pk")
    assert audit.after["activity"] == meeting.code and audit.after["written"] == 2

    # 退回: the meeting no longer counts, its entries are withdrawn with the reason
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.activity_return(actor=None, activity=meeting, reason="记录有误")
    assert _active(scheme) == []
    withdrawn = PointsEntry.objects.filter(scheme=scheme, status=EntryStatus.WITHDRAWN)
    assert {e.withdrawn_reason for e in withdrawn} == {services.SYSTEM_REASON}
    # 作废 after the return changes nothing more; the ledger keeps the withdrawn rows
    meeting.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.activity_void(actor=None, activity=meeting, reason="误录")
    assert withdrawn.count() == 2 and _active(scheme) == []

    # the full recompute agrees: only the earlier meeting, which nothing had scored yet
    assert services.recompute(actor=None, scheme=scheme) == (1, 0)
    assert _active(scheme) == [("M-A1", "A1", f"{YEAR}Q1", earlier.code)]
    assert services.recompute(actor=None, scheme=scheme) == (0, 0)


def test_a_retried_task_writes_nothing_twice_and_a_gone_activity_is_nothing(world):
    from lianjian.points.tasks import activity_points_task

    make_scheme()
    meeting = held_meeting(world.zb_a, D(YEAR, 3, 3), present=[world.m_a1, world.m_a2])
    first = activity_points_task.enqueue(meeting.pk)
    again = activity_points_task.enqueue(meeting.pk)
    assert first.return_value == {"written": 2, "withdrawn": 0}
    assert again.return_value == {"written": 0, "withdrawn": 0}
    assert activity_points_task.enqueue(10**9).return_value == {"written": 0, "withdrawn": 0}


def test_the_change_is_scored_only_after_the_commit(world, django_capture_on_commit_callbacks):
    """Nothing is written inside the activity's transaction: a review step rolled back
    leaves no points behind."""
    make_scheme()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        held_meeting(world.zb_a, D(YEAR, 6, 6), present=[world.m_a1])
    assert len(_points(callbacks)) == 1 and not PointsEntry.objects.exists()


@pytest.mark.parametrize("python_path", [False, True], ids=["sql", "python"])
def test_a_later_transfer_changes_no_closed_period(world, monkeypatch, python_path):
    """Points follow the member's organisation on the activity's day: moving to another
    branch in July neither withdraws the old branch's entries for spring nor hands them
    to the new branch; a meeting after the move scores in the new branch."""
    from lianjian.orgs import services as org_services

    if python_path:
        monkeypatch.setattr(fast, "recompute_attendance", lambda *a, **k: None)
    branch_a = make_scheme(code="ZB-A-JF", org="ZB-A")
    branch_b = make_scheme(code="ZB-B-JF", org="ZB-B")
    spring = held_meeting(world.zb_a, D(YEAR, 3, 10), present=[world.m_a1])
    assert services.recompute(actor=None, scheme=branch_a) == (1, 0)
    org_services.member_transfer(
        actor=None, member=world.m_a1, to_org=world.zb_b, date=D(YEAR, 7, 1), reason="调动"
    )
    # a meeting on the day of the transfer is already the new branch's
    autumn = held_meeting(world.zb_b, D(YEAR, 7, 1), present=[world.m_a1])
    assert services.recompute(actor=None, scheme=branch_a) == (0, 0)
    assert services.recompute(actor=None, scheme=branch_b) == (1, 0)
    assert _active(branch_a) == [("M-A1", "A1", f"{YEAR}Q1", spring.code)]
    assert _active(branch_b) == [("M-A1", "A1", f"{YEAR}Q3", autumn.code)]
    # the activity's own task decides the same way
    from lianjian.points.tasks import activity_points_task

    assert activity_points_task.enqueue(spring.pk).return_value == {"written": 0, "withdrawn": 0}
