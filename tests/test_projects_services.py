"""Services of 揭榜挂帅: the call and bid state machines, who may bid, the deadline, the
award that creates the project as a key task (claimed, owned by the winner's lead), stages,
metrics and awards — each write audited, each refusal changing nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from lianjian.core.models import AuditLog
from lianjian.core.validation import today
from lianjian.keytasks import services as keytask_services
from lianjian.keytasks.models import KeyTask, TaskState
from lianjian.projects import services
from lianjian.projects.models import Award, Bid, Call, Project, StageRecord
from tests.project_helpers import award_a, bid, make_call, make_scene


def test_call_is_created_as_draft_and_published_with_audit(world):
    call = make_call(world, publish=False)
    assert call.state == "草拟"
    services.call_transition(world.company, call, "publish")
    call.refresh_from_db()
    assert call.state == "发布" and call.published_on == today()
    notes = AuditLog.objects.filter(target_type="projects.call").values_list("note", flat=True)
    assert sorted(notes) == ["", "发布"]


def test_publish_refuses_a_past_deadline_and_nothing_changes(world):
    call = make_call(world, publish=False, deadline=today() - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        services.call_transition(world.company, call, "publish")
    assert "截止日期已过" in str(exc.value)
    call.refresh_from_db()
    assert call.state == "草拟"


def test_call_refuses_an_organisation_outside_the_issuer(world):
    with pytest.raises(ValidationError) as exc:
        services.call_create(
            actor=None,
            issuer=world.zb_a,
            eligible_orgs=[world.zb_b],
            title="x",
            problem="y",
            budget=Decimal("1"),
            deadline=today(),
        )
    assert "不是发榜组织下属" in str(exc.value)
    assert not Call.objects.exists()


def test_branch_manager_cannot_issue_for_the_company(world):
    with pytest.raises(PermissionDenied):
        services.call_create(
            actor=world.manager_a,
            issuer=world.dw,
            title="x",
            problem="y",
            budget=Decimal("1"),
            deadline=today(),
        )


def test_a_branch_bids_only_on_calls_open_to_it(world):
    call = services.call_create(
        actor=world.company,
        issuer=world.dw,
        eligible_orgs=[world.zb_a],
        title="只向营销支部开放",
        problem="p",
        budget=Decimal("5"),
        deadline=today() + datetime.timedelta(days=3),
    )
    services.call_transition(world.company, call, "publish")
    with pytest.raises(ValidationError) as exc:
        bid(world, call, side="b")
    assert "不在本榜的揭榜范围内" in str(exc.value)
    assert bid(world, call, side="a").state == "已提交"
    with pytest.raises(ValidationError) as exc:
        bid(world, call, side="a", code="AGAIN")
    assert "已揭此榜" in str(exc.value)
    assert Bid.objects.count() == 1


def test_no_bid_on_a_draft_or_after_the_deadline(world):
    draft = make_call(world, publish=False, code="JB-D")
    with pytest.raises(ValidationError) as exc:
        bid(world, draft)
    assert "不接受揭榜" in str(exc.value)
    call = make_call(world, code="JB-P")
    Call.objects.filter(pk=call.pk).update(deadline=today() - datetime.timedelta(days=1))
    call.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        bid(world, call)
    assert "截止" in str(exc.value)
    assert not Bid.objects.exists()


def test_the_lead_must_be_a_party_member_of_the_bidder(world):
    call = make_call(world)
    with pytest.raises(ValidationError) as exc:
        services.bid_submit(
            actor=world.manager_a,
            call=call,
            bidder_org=world.zb_a,
            lead=world.m_b1,
            plan="p",
            budget_asked=Decimal("1"),
            planned_end=today() + datetime.timedelta(days=30),
        )
    assert "不是揭榜组织的在册党员" in str(exc.value)


def test_the_review_waits_for_the_deadline(world):
    s = make_scene(world)
    with pytest.raises(ValidationError) as exc:
        services.bid_transition(world.company, s.bid_a, "shortlist")
    assert "截止后才能评审" in str(exc.value)


def test_a_bidder_cannot_review_its_own_bid(world):
    s = make_scene(world)
    services.call_transition(world.company, s.call, "close")
    with pytest.raises(PermissionDenied):
        services.bid_transition(world.manager_a, s.bid_a, "shortlist")


def test_award_creates_the_project_as_a_claimed_key_task(world):
    s = make_scene(world)
    project = award_a(world, s)
    s.bid_b.refresh_from_db()
    s.call.refresh_from_db()
    assert s.bid_b.state == "未中" and "营销服务党支部" in s.bid_b.state_reason
    assert s.call.state == "已评审" and s.call.reviewed_on == today()
    task = KeyTask.objects.get(pk=project.task_id)
    assert task.task_list_id == s.tasks.lst.pk
    assert task.owner_org_id == world.zb_a.pk and task.owner_id == world.m_a1.pk
    assert task.state == TaskState.CLAIMED
    assert task.category.name == "揭榜挂帅项目"
    assert project.stage == "立项" and StageRecord.objects.filter(project=project).count() == 1
    # progress is reported through the key task, by the winner
    keytask_services.report_submit(world.manager_a, task, period=f"{today():%Y-%m}", percent=20)
    task.refresh_from_db()
    assert task.state == TaskState.IN_PROGRESS


def test_award_needs_the_issuers_list_of_the_year(world):
    call = make_call(world)
    b = bid(world, call)
    services.call_transition(world.company, call, "close")
    services.bid_transition(world.company, b, "shortlist")
    services.bid_transition(world.company, b, "defence", on=today())
    with pytest.raises(ValidationError) as exc:
        services.bid_award(world.company, b)
    assert "关键任务清单" in str(exc.value)
    b.refresh_from_db()
    assert b.state == "答辩" and not Project.objects.exists()


def test_withdraw_needs_a_reason_and_an_open_call(world):
    s = make_scene(world)
    with pytest.raises(ValidationError):
        services.bid_transition(world.manager_a, s.bid_a, "withdraw", "")
    services.bid_transition(world.manager_a, s.bid_a, "withdraw", "人员调整")
    s.bid_a.refresh_from_db()
    assert s.bid_a.state == "已撤回"
    # withdrawn, the branch may bid again
    assert bid(world, s.call, side="a", code="JB-T1-A2").state == "已提交"


def test_stages_need_the_grade_at_the_final_evaluation(world):
    s = make_scene(world)
    p = award_a(world, s)
    services.project_advance(world.company, p, note="第一季度督导")
    services.project_advance(world.company, p, note="中期")
    with pytest.raises(ValidationError) as exc:
        services.project_advance(world.company, p)
    assert "评价等级" in str(exc.value)
    services.project_advance(world.company, p, grade="优秀")
    services.project_advance(world.company, p, note="在全公司推广")
    p.refresh_from_db()
    assert (p.stage, p.grade) == ("推广应用", "优秀")
    with pytest.raises(ValidationError):
        services.project_advance(world.company, p)
    with pytest.raises(PermissionDenied):
        services.metric_save(world.manager_a, p, name="节约成本", unit="万元", value=12)


def test_awards_with_certificates_are_checked_and_voided_not_deleted(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    s = make_scene(world)
    p = award_a(world, s)
    pdf = SimpleUploadedFile("证书.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    award = services.award_add(
        world.company, p, level="省部", name="科技进步奖", awarded_on=today(), upload=pdf
    )
    assert award.certificates.count() == 1
    html = SimpleUploadedFile("x.pdf", b"<html></html>", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.award_add(
            world.company, p, level="国家", name="x", awarded_on=today(), upload=html
        )
    assert Award.objects.count() == 1
    with pytest.raises(ValidationError):
        services.award_add(
            world.company, p, level="省部", name="x", awarded_on=datetime.date(1900, 1, 1)
        )
    services.award_void(world.company, award, "重复登记")
    award.refresh_from_db()
    assert award.voided and Award.objects.count() == 1
    assert AuditLog.objects.filter(target_type="projects.award", note="作废").exists()


def test_publish_and_award_send_messages_once(world):
    from lianjian.notifications.models import Notification

    s = make_scene(world)
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "manager_a",
        "manager_b",
    }
    project = award_a(world, s)
    results = Notification.objects.filter(key__contains=":result")
    assert {(n.user.username, "中榜" in n.title) for n in results} == {
        ("manager_a", True),
        ("manager_b", False),
    }
    assert project.code


def test_a_member_of_an_eligible_alliance_bids_for_it_and_sees_the_call(world, settings, tmp_path):
    from lianjian.projects.models import Call as CallModel
    from tests.alliance_helpers import make_alliances

    settings.MEDIA_ROOT = tmp_path
    al = make_alliances(world)
    call = services.call_create(
        actor=world.company,
        issuer=world.dw,
        eligible_alliances=[al.lj_a],
        title="联建网攻关",
        problem="p",
        budget=Decimal("8"),
        deadline=today() + datetime.timedelta(days=5),
    )
    services.call_transition(world.company, call, "publish")
    assert CallModel.objects.visible_to(world.manager_b).filter(pk=call.pk).exists()
    assert not CallModel.objects.visible_to(world.outsider).filter(pk=call.pk).exists()
    with pytest.raises(ValidationError) as exc:
        bid(world, call, side="b")  # without naming the alliance
    assert "不在本榜的揭榜范围内" in str(exc.value)
    made = services.bid_submit(
        actor=world.manager_b,
        call=call,
        bidder_org=world.zb_b,
        alliance=al.lj_a,
        lead=world.m_b1,
        plan="联建网共同攻关",
        budget_asked=Decimal("4"),
        planned_end=today() + datetime.timedelta(days=90),
    )
    assert made.alliance_id == al.lj_a.pk
    # the partner unit of the alliance does not bid (the project is a task of DW's list)
    with pytest.raises(ValidationError) as exc:
        services.bid_submit(
            actor=None,
            call=call,
            bidder_org=world.partner,
            alliance=al.lj_a,
            lead=world.m_a1,
            plan="x",
            budget_asked=Decimal("1"),
            planned_end=today() + datetime.timedelta(days=90),
        )
    assert "共建单位不能揭榜" in str(exc.value)
