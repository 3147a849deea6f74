"""民主评议党员 services: participants as of the date, the quota, 预备 without a grade,
each rating once and anonymous, nobody grading themself, the decision meeting satisfying
the yearly compliance row, and nothing hard-deleted."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from lianjian.activities.models import ActivityType
from lianjian.activities.selectors import TZ
from lianjian.appraisals import selectors, services
from lianjian.appraisals.models import Appraisal, Decision, Vote
from lianjian.core.models import AuditLog
from lianjian.orgs.models import MemberTransfer
from lianjian.orgs.services import member_create
from tests.appraisal_setup import HELD_ON, add_members, appraisal, part

pytestmark = pytest.mark.django_db
MEETING = datetime.datetime(2026, 11, 20, 14, 0, tzinfo=TZ)


def test_participants_are_the_branch_and_its_groups_as_of_the_date(world):
    add_members(world)
    # Confirmed (转正) after the date: still 预备 then.
    member_create(
        actor=None,
        number="M-A6",
        name="郑十",
        org=world.zb_a,
        category="正式党员",
        joined_on=datetime.date(2025, 5, 1),
        confirmed_on=datetime.date(2026, 7, 1),
    )
    # Joined after the date: not a participant.
    member_create(
        actor=None,
        number="M-A7",
        name="冯十一",
        org=world.zb_a,
        category="预备党员",
        joined_on=datetime.date(2026, 8, 1),
    )
    # Moved from ZB-A to ZB-B after the date: still ZB-A's on it.
    MemberTransfer.objects.create(
        member=world.m_b1, from_org=world.zb_a, to_org=world.zb_b, date=datetime.date(2026, 9, 1)
    )
    roster = {m.number: full for m, full in services.roster_as_of(world.zb_a, HELD_ON)}
    assert roster == {
        "M-A1": True,
        "M-A2": False,
        "M-A3": True,
        "M-A4": True,
        "M-A5": True,
        "M-A6": False,
        "M-B1": True,
    }


def test_creating_needs_a_manager_of_the_branch_and_one_per_year(world):
    add_members(world)
    with pytest.raises(PermissionDenied):
        services.appraisal_create(
            actor=world.manager_b, branch=world.zb_a, year=2026, held_on=HELD_ON
        )
    with pytest.raises(ValidationError, match="党支部"):
        services.appraisal_create(actor=world.company, branch=world.dw, year=2026, held_on=HELD_ON)
    with pytest.raises(ValidationError, match="评议日期"):
        services.appraisal_create(
            actor=world.manager_a, branch=world.zb_a, year=2026, held_on=datetime.date(2024, 1, 1)
        )
    with pytest.raises(ValidationError):
        services.appraisal_create(
            actor=world.manager_a, branch=world.zb_a, year=2026, held_on=datetime.date(1900, 1, 1)
        )
    a = services.appraisal_create(
        actor=world.manager_a, branch=world.zb_a, year=2026, held_on=HELD_ON
    )
    assert a.participants.count() == 5 and a.state == "准备"
    with pytest.raises(ValidationError, match="已有民主评议"):
        services.appraisal_create(
            actor=world.manager_a, branch=world.zb_a, year=2026, held_on=HELD_ON
        )
    # A voided one does not count; it is kept with its reason.
    services.appraisal_void(actor=world.manager_a, appraisal=a, reason="日期有误")
    again = services.appraisal_create(
        actor=world.manager_a, branch=world.zb_a, year=2026, held_on=HELD_ON
    )
    assert Appraisal.objects.filter(branch=world.zb_a, year=2026).count() == 2
    assert again.code != a.code and Appraisal.objects.get(pk=a.pk).void_reason == "日期有误"


def test_a_branch_of_31_full_and_3_probationary_members_may_grade_10_excellent_not_11(world):
    for i in range(30):
        member_create(
            actor=None,
            number=f"Q-{i:02d}",
            name=f"党员{i:02d}",
            org=world.zb_a,
            category="正式党员",
            joined_on=datetime.date(2015, 1, 1),
        )
    for i in range(2):
        member_create(
            actor=None,
            number=f"Y-{i}",
            name=f"预备{i}",
            org=world.zb_a,
            category="预备党员",
            joined_on=datetime.date(2026, 3, 1),
        )
    a = services.appraisal_create(
        actor=world.manager_a, branch=world.zb_a, year=2026, held_on=HELD_ON
    )
    assert (
        a.participants.filter(is_full=True).count(),
        a.participants.filter(is_full=False).count(),
    ) == (31, 3)
    a = services.appraisal_start(actor=world.manager_a, appraisal=a)
    a = services.appraisal_close_rating(actor=world.manager_a, appraisal=a)
    full = list(a.participants.filter(is_full=True).order_by("member__number"))
    for p in full[:10]:
        services.decide(actor=world.manager_a, appraisal=a, participant=p, grade="优秀")
    with pytest.raises(ValidationError) as refused:
        services.decide(actor=world.manager_a, appraisal=a, participant=full[10], grade="优秀")
    message = " ".join(refused.value.messages)
    assert "优秀名额已满" in message and "31" in message and "10 名" in message
    assert not Decision.objects.filter(participant=full[10]).exists()
    # Changing one of the ten keeps the count: the same member may stay 优秀.
    services.decide(
        actor=world.manager_a, appraisal=a, participant=full[0], grade="优秀", feedback="好"
    )
    services.decide(actor=world.manager_a, appraisal=a, participant=full[0], grade="合格")
    services.decide(actor=world.manager_a, appraisal=a, participant=full[10], grade="优秀")
    # 预备党员 take part without a grade.
    probationary = a.participants.filter(is_full=False).first()
    with pytest.raises(ValidationError, match="预备党员"):
        services.decide(actor=world.manager_a, appraisal=a, participant=probationary, grade="合格")


def test_each_member_rates_each_other_full_member_once_and_only_while_open(world):
    a = appraisal(world)
    a2, a3 = part(a, "M-A2"), part(a, "M-A3")
    services.vote_cast(actor=world.member_a, appraisal=a, votee=a3, grade="优秀")
    with pytest.raises(ValidationError, match="只能评价一次"):
        services.vote_cast(actor=world.member_a, appraisal=a, votee=a3, grade="合格")
    with pytest.raises(ValidationError, match="不能评价本人"):
        services.vote_cast(actor=world.member_a, appraisal=a, votee=part(a, "M-A1"), grade="优秀")
    with pytest.raises(ValidationError, match="预备党员"):
        services.vote_cast(actor=world.member_a, appraisal=a, votee=a2, grade="合格")
    with pytest.raises(PermissionDenied, match="不在本次民主评议"):
        services.vote_cast(actor=world.manager_a, appraisal=a, votee=a3, grade="合格")
    assert Vote.objects.filter(appraisal=a).count() == 1
    services.appraisal_close_rating(actor=world.manager_a, appraisal=a)
    with pytest.raises(ValidationError, match="测评未开放"):
        services.vote_cast(actor=world.member_a, appraisal=a, votee=part(a, "M-A4"), grade="合格")
    with pytest.raises(ValidationError, match="测评未开放"):
        services.self_assess(actor=world.member_a, appraisal=a, text="迟到的自评")


def test_votes_are_anonymous_the_tally_counts_and_the_audit_keeps_no_choice(world):
    a = appraisal(world)
    services.vote_cast(actor=world.member_a, appraisal=a, votee=part(a, "M-A3"), grade="优秀")
    services.vote_cast(actor=world.committee_a, appraisal=a, votee=part(a, "M-A1"), grade="合格")
    # Nobody but the voter reads a vote: not the branch's manager, not the company.
    for user in (world.manager_a, world.company, world.manager_b, world.committee_a):
        assert not Vote.objects.visible_to(user).filter(voter__member=world.m_a1).exists()
    assert Vote.objects.visible_to(world.member_a).count() == 1
    # The committee reads counts per member; a member gets no tally.
    shown = selectors.progress(world.manager_a, a)
    counts = {r.participant.member.number: r.tally.as_list() for r in shown.rows if r.tally}
    assert counts["M-A3"] == [1, 0, 0, 0] and counts["M-A1"] == [0, 1, 0, 0]
    assert not selectors.progress(world.member_a, a).show_tally
    assert all(r.tally is None for r in selectors.progress(world.member_a, a).rows)
    # The audit says a rating was given, never whom or what.
    rows = AuditLog.objects.filter(note__startswith="互评")
    assert rows.count() == 2
    for row in rows:
        assert "M-A3" not in json.dumps(row.after, ensure_ascii=False)
        assert "优秀" not in json.dumps(row.after, ensure_ascii=False)


def test_a_manager_who_takes_part_cannot_grade_themself(world):
    a = appraisal(world)
    services.appraisal_close_rating(actor=world.manager_a, appraisal=a)
    with pytest.raises(PermissionDenied, match="本人"):
        services.decide(
            actor=world.committee_a, appraisal=a, participant=part(a, "M-A3"), grade="优秀"
        )
    assert not Decision.objects.filter(participant=part(a, "M-A3")).exists()
    # … but grades the others, and another manager grades them.
    services.decide(actor=world.committee_a, appraisal=a, participant=part(a, "M-A1"), grade="合格")
    services.decide(actor=world.manager_a, appraisal=a, participant=part(a, "M-A3"), grade="优秀")
    # A member grades nobody.
    with pytest.raises(PermissionDenied):
        services.decide(
            actor=world.member_a, appraisal=a, participant=part(a, "M-A4"), grade="优秀"
        )


def _compliance(year: str) -> dict:
    out = io.StringIO()
    call_command("compliance", "--year", year, "--org", "ZB-A", "--today", "2026-12-01", stdout=out)
    rows = json.loads(out.getvalue())["results"]
    return {(r["rule"], r["period"]): (r["held"], r["status"]) for r in rows}


def test_the_decision_meeting_is_the_activity_that_satisfies_the_yearly_compliance_row(world):
    a = appraisal(world)
    services.self_assess(actor=world.member_a, appraisal=a, text="认真履职")
    services.appraisal_close_rating(actor=world.manager_a, appraisal=a)
    assert _compliance("2026")[("民主评议党员", "2026")] == (0, "open")
    with pytest.raises(ValidationError, match="尚未评定等次"):
        services.record_meeting(actor=world.manager_a, appraisal=a, start=MEETING)
    for number, grade in (
        ("M-A1", "优秀"),
        ("M-A3", "合格"),
        ("M-A4", "合格"),
        ("M-A5", "基本合格"),
    ):
        services.decide(
            actor=world.manager_a,
            appraisal=a,
            participant=part(a, number),
            grade=grade,
            feedback=f"{number}的反馈",
        )
    a = services.record_meeting(actor=world.manager_a, appraisal=a, start=MEETING, venue="会议室")
    assert a.state == "已决定" and a.meeting is not None
    assert a.meeting.type == ActivityType.APPRAISAL and a.meeting.host_id == world.zb_a.pk
    assert a.meeting.for_year == 2026 and a.meeting.status == "已提交"
    assert _compliance("2026")[("民主评议党员", "2026")] == (1, "ok")
    # Grades are fixed now; feedback may still be corrected until published.
    with pytest.raises(ValidationError, match="等次不能再改"):
        services.decide(
            actor=world.manager_a, appraisal=a, participant=part(a, "M-A1"), grade="合格"
        )
    services.decide(
        actor=world.manager_a,
        appraisal=a,
        participant=part(a, "M-A1"),
        grade="优秀",
        feedback="继续发挥表率作用",
    )
    # The member sees their result only once published.
    assert selectors.my_part(world.member_a, a).decision is None
    with pytest.raises(ValidationError, match="不能作废"):
        services.appraisal_void(actor=world.manager_a, appraisal=a, reason="想重来")
    a = services.appraisal_publish(actor=world.manager_a, appraisal=a)
    mine = selectors.my_part(world.member_a, a)
    assert mine.decision.grade == "优秀" and mine.decision.feedback == "继续发挥表率作用"
    assert mine.self_text == "认真履职"
    with pytest.raises(ValidationError, match="已发布"):
        services.decide(
            actor=world.manager_a,
            appraisal=a,
            participant=part(a, "M-A1"),
            grade="优秀",
            feedback="改",
        )
    card = selectors.mine_card(world.member_a)
    assert card is not None and card.decision.grade == "优秀"


def test_every_write_is_audited_with_before_and_after(world):
    a = appraisal(world)
    services.self_assess(actor=world.member_a, appraisal=a, text="第一稿")
    services.self_assess(actor=world.member_a, appraisal=a, text="第二稿")
    row = AuditLog.objects.filter(target_type="appraisals.selfassessment").order_by("-id").first()
    assert row.before == {"text": "第一稿"} and row.after == {"text": "第二稿"}
    states = AuditLog.objects.filter(target_type="appraisals.appraisal", target_id=a.code)
    assert states.filter(after__state="测评中").exists()


def test_a_meeting_already_recorded_in_activities_is_linked_not_entered_twice(world):
    from lianjian.activities import services as activity_services
    from lianjian.activities.models import Activity

    a = appraisal(world)
    services.appraisal_close_rating(actor=world.manager_a, appraisal=a)
    for number in ("M-A1", "M-A3", "M-A4", "M-A5"):
        services.decide(
            actor=world.manager_a, appraisal=a, participant=part(a, number), grade="合格"
        )
    other_branch = activity_services.activity_record(
        actor=None,
        type="民主评议党员",
        host=world.zb_b,
        start=MEETING,
        topic="别的支部",
        status="已提交",
    )
    with pytest.raises(ValidationError, match="只能选择本支部"):
        services.record_meeting(actor=world.manager_a, appraisal=a, activity=other_branch)
    held = activity_services.activity_record(
        actor=None,
        type="民主评议党员",
        host=world.zb_a,
        start=MEETING,
        topic="评议会",
        status="已提交",
    )
    assert list(services.meeting_candidates(a)) == [held]
    before = Activity.objects.count()
    a = services.record_meeting(actor=world.manager_a, appraisal=a, activity=held)
    assert a.meeting == held and Activity.objects.count() == before
    assert list(services.meeting_candidates(a)) == []
    assert _compliance("2026")[("民主评议党员", "2026")] == (1, "ok")


def test_participants_get_a_todo_that_closes_by_the_work_and_a_message_on_publishing(world):
    from lianjian.notifications.models import Notification

    a = appraisal(world)
    todos = Notification.objects.filter(key=f"appraisal:{a.code}:respond")
    assert set(todos.values_list("user__username", flat=True)) == {"member_a", "committee_a"}
    assert all(t.closed_by_work for t in todos)
    services.self_assess(actor=world.member_a, appraisal=a, text="自评")
    for number in ("M-A3", "M-A4"):
        services.vote_cast(actor=world.member_a, appraisal=a, votee=part(a, number), grade="合格")
    assert todos.get(user=world.member_a).done_at is None  # M-A5 still to rate
    services.vote_cast(actor=world.member_a, appraisal=a, votee=part(a, "M-A5"), grade="合格")
    assert todos.get(user=world.member_a).done_at is not None
    assert todos.get(user=world.committee_a).done_at is None
    services.appraisal_close_rating(actor=world.manager_a, appraisal=a)
    assert todos.get(user=world.committee_a).done_at is not None
    for number in ("M-A1", "M-A3", "M-A4", "M-A5"):
        services.decide(
            actor=world.manager_a, appraisal=a, participant=part(a, number), grade="合格"
        )
    a = services.record_meeting(actor=world.manager_a, appraisal=a, start=MEETING)
    services.appraisal_publish(actor=world.manager_a, appraisal=a)
    messages = Notification.objects.filter(key=f"appraisal:{a.code}:published", kind="message")
    assert messages.count() == 2
