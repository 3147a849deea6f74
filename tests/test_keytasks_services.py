"""Services of key tasks: validation once, audited writes, the lifecycle, the
system-of-record rule (the assessed side never confirms its own values), versions."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianjian.core.models import AuditLog
from lianjian.core.validation import today
from lianjian.keytasks import services
from lianjian.keytasks.models import KeyTask, ListVersion, ReportState, TaskState
from lianjian.orgs.models import Member
from tests.keytask_helpers import category, make_tasks


def _period() -> str:
    return f"{today():%Y-%m}"


def test_issue_list_issues_tasks_and_audits(world):
    t = make_tasks(world)
    assert t.lst.state == "已下达"
    assert {x.state for x in (t.parent, t.a, t.b)} == {TaskState.ISSUED}
    assert AuditLog.objects.filter(target_type="keytasks.keytask").count() == 3


def test_issue_needs_meeting(world):
    t = make_tasks(world, issue=False)
    services.list_update(None, t.lst, approval_ref="")
    with pytest.raises(ValidationError) as exc:
        services.list_transition(None, t.lst, "issue")
    assert "审议" in str(exc.value)


def test_change_after_issue_is_a_new_version(world):
    t = make_tasks(world)
    assert t.lst.version == 1
    services.task_update(None, t.a, name="营销片区配网自动化改造")
    t.lst.refresh_from_db()
    assert t.lst.version == 2
    v = ListVersion.objects.get(task_list=t.lst, number=2)
    assert "T-1-A" in v.summary and v.changes


def test_owner_must_be_party_member_and_in_owner_org(world):
    t = make_tasks(world)
    left = Member.objects.get(pk=world.m_a2.pk)
    left.left_on = datetime.date(2026, 1, 1)
    left.save()
    with pytest.raises(ValidationError) as exc:
        services.task_update(None, t.a, owner=left)
    assert "已离开" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.task_update(None, t.a, owner=world.m_b1)
    assert "责任人须是" in str(exc.value)


def test_bad_dates_weights_kpi(world):
    t = make_tasks(world)
    y = today().year
    with pytest.raises(ValidationError):
        services.task_update(
            None, t.a, planned_start=datetime.date(y, 6, 1), planned_end=datetime.date(y, 5, 1)
        )
    with pytest.raises(ValidationError):
        services.task_update(None, t.a, planned_start=datetime.date(1900, 1, 1))
    with pytest.raises(ValidationError):
        services.task_update(None, t.a, weight=-1)
    with pytest.raises(ValidationError):
        services.task_update(
            None, t.a, progress_mode="指标", kpi_baseline=5, kpi_target=5, kpi_direction="越高越好"
        )
    t.a.refresh_from_db()
    assert t.a.weight == 1 and t.a.progress_mode == "手动"


def test_owner_org_outside_list_refused(world):
    t = make_tasks(world)
    with pytest.raises(ValidationError) as exc:
        services.task_create(
            actor=None,
            task_list=t.lst,
            code="X-1",
            name="外单位任务",
            category=category(),
            owner_org=world.zb_x,
            planned_start=t.a.planned_start,
            planned_end=t.a.planned_end,
        )
    assert "责任组织" in str(exc.value)


def test_lifecycle_and_scope_of_each_step(world):
    t = make_tasks(world)
    with pytest.raises(PermissionDenied):
        services.task_transition(world.manager_b, t.a, "claim")
    services.task_transition(world.manager_a, t.a, "claim")
    assert t.a.state == TaskState.CLAIMED
    report = services.report_submit(
        world.member_a, t.a, period=_period(), percent=40, text="完成设计"
    )
    t.a.refresh_from_db()
    assert t.a.state == TaskState.IN_PROGRESS and t.a.started_on == today()
    # the assessed branch never confirms its own values
    with pytest.raises(PermissionDenied):
        services.report_confirm(world.manager_a, report)
    services.report_confirm(world.company, report)
    t.a.refresh_from_db()
    assert t.a.manual_progress == 40
    services.task_transition(world.manager_a, t.a, "request_acceptance")
    with pytest.raises(PermissionDenied):
        services.task_transition(world.manager_a, t.a, "accept")
    with pytest.raises(ValidationError) as exc:
        services.task_transition(world.company, t.a, "return", reason="")
    assert "原因" in str(exc.value)
    services.task_transition(world.company, t.a, "return", reason="佐证不足")
    assert t.a.state == TaskState.RETURNED and t.a.state_reason == "佐证不足"
    services.task_transition(world.manager_a, t.a, "start")
    services.task_transition(world.manager_a, t.a, "request_acceptance")
    services.task_transition(world.company, t.a, "accept")
    assert t.a.state == TaskState.ACCEPTED and t.a.accepted_on == today()
    with pytest.raises(ValidationError):
        services.task_transition(world.company, t.a, "cancel", reason="不需要了")


def test_cancel_keeps_the_row(world):
    t = make_tasks(world)
    services.task_transition(world.company, t.b, "cancel", reason="项目取消")
    assert KeyTask.objects.get(pk=t.b.pk).state == TaskState.CANCELLED


def test_report_return_and_resubmit_and_no_self_confirm(world):
    t = make_tasks(world)
    services.task_transition(world.manager_a, t.a, "claim")
    report = services.report_submit(world.member_a, t.a, period=_period(), percent=30)
    with pytest.raises(ValidationError):
        services.report_return(world.company, report, "")
    services.report_return(world.company, report, "数据不实")
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED
    report = services.report_submit(world.company, t.a, period=_period(), percent=35)
    assert report.state == ReportState.SUBMITTED
    with pytest.raises(ValidationError) as exc:
        services.report_confirm(world.company, report)
    assert "自己报送" in str(exc.value)
    services.report_confirm(world.admin, report)
    with pytest.raises(ValidationError):
        services.report_submit(world.member_a, t.a, period=_period(), percent=50)


def test_bad_percent_refused(world):
    t = make_tasks(world)
    services.task_transition(world.manager_a, t.a, "claim")
    with pytest.raises(ValidationError):
        services.report_submit(world.member_a, t.a, period=_period(), percent=120)
    with pytest.raises(ValidationError):
        services.report_submit(world.member_a, t.a, period="2026H1", percent=20)


def test_milestones_done_then_accepted_by_issuer(world):
    t = make_tasks(world)
    m = services.milestone_save(
        world.company, t.a, name="完成设计", weight=1, planned_on=t.a.planned_start
    )
    with pytest.raises(ValidationError):
        services.milestone_accept(world.company, m)
    services.milestone_done(world.member_a, m, today())
    with pytest.raises(PermissionDenied):
        services.milestone_accept(world.manager_a, m)
    services.milestone_accept(world.company, m)
    assert m.accepted_on == today() and m.accepted_by == world.company


def test_package_claim(world):
    t = make_tasks(world)
    pkg = services.package_create(
        world.manager_a,
        organisation=world.zb_a,
        month=f"{today():%Y-%m}",
        name="重点任务包",
        items=[("入户走访", t.a)],
    )
    item = pkg.items.get()
    with pytest.raises(PermissionDenied):  # a draft: its members do not see it yet
        services.package_item_claim(world.member_a, item)
    services.package_publish(world.manager_a, pkg)
    with pytest.raises(PermissionDenied):
        services.package_item_claim(world.manager_b, item)
    claim = services.package_item_claim(world.member_a, item)
    assert claim.member == world.m_a1 and item.claims.get() == claim
    with pytest.raises(ValidationError) as exc:
        services.package_item_claim(world.member_a, item)
    assert "已认领" in str(exc.value)


def test_categories_are_data_the_admin_extends(world):
    from lianjian.keytasks.models import TaskCategory

    assert list(TaskCategory.objects.values_list("name", flat=True)) == [
        "技改项目",
        "生产任务指标",
        "设备运维",
        "安全环保",
        "揭榜挂帅项目",  # seeded by projects: the tasks awarded projects become
        "其他",
    ]
    with pytest.raises(ValidationError):
        services.category_save(world.company, name="党建品牌")
    made = services.category_save(world.admin, name="党建品牌", position=60)
    assert made.pk and AuditLog.objects.filter(target_type="keytasks.taskcategory").count() == 1
    with pytest.raises(ValidationError):
        services.category_save(world.admin, name="技改项目")
