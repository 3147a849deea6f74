"""Milestones (完成, 验收) and progress reports (报送, 确认, 退回): the records progress is computed from.

Part of :mod:`lianjian.keytasks.services` (see its docstring)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.models import AuditLog
from lianjian.core.validation import today
from lianjian.keytasks import rules
from lianjian.keytasks.models import (
    KeyTask,
    Milestone,
    ProgressReport,
    ReportState,
    TaskState,
)
from lianjian.keytasks.services.common import (
    _is_user,
    _require,
    _text,
    _version,
)

# Meetings that may approve a list (the activity records hold 支部委员会; a 党委会 or 经理层
# meeting that the platform does not record is named in ``approval_ref``).


# --- milestones --------------------------------------------------------------------------


@transaction.atomic
def milestone_save(
    actor: Any,
    task: KeyTask,
    *,
    name: str,
    weight: float,
    planned_on: datetime.date,
    milestone: Milestone | None = None,
) -> Milestone:
    """Create or change a milestone's plan (the issuing organisation)."""
    _require(actor, "change", task, "只有下达组织的管理员可以设置里程碑")
    if task.state in (TaskState.CANCELLED, TaskState.ARCHIVED):
        raise ValidationError({"task": f"任务已{task.state}，不能修改里程碑"})
    name = _text(name, "name", "节点名称", 200, required=True)
    if (
        Milestone.objects.filter(task=task, name=name)
        .exclude(pk=milestone.pk if milestone is not None else 0)
        .exists()
    ):
        raise ValidationError({"name": f"节点“{name}”已存在"})
    target = milestone or Milestone(task=task)
    before = snapshot(target) if milestone is not None else None
    target.name, target.weight, target.planned_on = name, weight, planned_on
    target.full_clean()
    target.save()
    after = snapshot(target)
    if before is None:
        audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=target, after=after)
        _version(
            task.task_list, actor, f"新增节点 {task.code}/{name}", {task.code: {"milestone": name}}
        )
    else:
        old, new = diff(before, after)
        if new:
            audit_record(
                actor=actor, action=AuditLog.Action.UPDATE, obj=target, before=old, after=new
            )
            _version(task.task_list, actor, f"修改节点 {task.code}/{name}", {task.code: new})
    return target


@transaction.atomic
def milestone_done(actor: Any, milestone: Milestone, done_on: datetime.date | None) -> Milestone:
    """The owner side says a milestone is done (or not yet: ``None``, until accepted)."""
    _require(actor, "report", milestone, "只有责任人或责任组织的管理员可以报告节点完成")
    if milestone.accepted_on is not None:
        raise ValidationError({"done_on": "节点已验收，不能修改完成日期"})
    before = snapshot(milestone)
    milestone.done_on = done_on
    milestone.full_clean()
    milestone.save(update_fields=["done_on", "updated_at"])
    old, new = diff(before, snapshot(milestone))
    if new:
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=milestone,
            before=old,
            after=new,
            note="节点完成",
        )
    return milestone


@transaction.atomic
def milestone_accept(
    actor: Any, milestone: Milestone, accepted_on: datetime.date | None = None
) -> Milestone:
    """The issuing organisation accepts a done milestone (never the owner's own managers)."""
    _require(
        actor,
        "confirm",
        milestone,
        "只有下达组织的管理员可以验收节点（责任组织不能验收自己的节点）",
    )
    if milestone.done_on is None:
        raise ValidationError({"accepted_on": "尚未完成的节点不能验收"})
    if milestone.accepted_on is not None:
        raise ValidationError({"accepted_on": "节点已验收"})
    before = snapshot(milestone)
    milestone.accepted_on = accepted_on or today()
    milestone.accepted_by = actor if _is_user(actor) else None
    milestone.full_clean()
    milestone.save(update_fields=["accepted_on", "accepted_by", "updated_at"])
    old, new = diff(before, snapshot(milestone))
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=milestone,
        before=old,
        after=new,
        note="节点验收",
    )
    return milestone


# --- progress reports --------------------------------------------------------------------


@transaction.atomic
def report_submit(
    actor: Any,
    task: KeyTask,
    *,
    period: str,
    percent: float,
    kpi_value: float | None = None,
    text: str = "",
) -> ProgressReport:
    """The owner side reports progress for ``period``; a returned report is submitted again.
    The first report of a claimed task puts it 推进中."""
    _require(actor, "report", task, "只有责任人或责任组织的管理员可以报送进度")
    if task.state not in rules.REPORTING_STATES and task.state != TaskState.IN_PROGRESS:
        raise ValidationError({"task": f"任务当前为“{task.state}”，不能报送进度"})
    period = (period or "").strip()
    report = ProgressReport.objects.select_for_update().filter(task=task, period=period).first()
    if report is not None and report.state == ReportState.CONFIRMED:
        raise ValidationError({"period": f"{period} 的进度已确认，不能修改"})
    if task.progress_mode == rules.KPI and kpi_value is None:
        raise ValidationError({"kpi_value": "按指标计算进度的任务须填写指标值"})
    before = snapshot(report) if report is not None else None
    target = report or ProgressReport(task=task, period=period)
    target.percent = percent
    target.kpi_value = kpi_value
    target.text = _text(text, "text", "说明", 2000)
    target.state = ReportState.SUBMITTED
    target.reason = ""
    target.submitted_by = actor if _is_user(actor) else None
    target.submitted_at = timezone.now()
    target.full_clean(exclude=["task"] if report is None else None)
    target.save()
    after = snapshot(target)
    if before is None:
        audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=target, after=after)
    else:
        old, new = diff(before, after)
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=target, before=old, after=new)
    if task.state in (TaskState.CLAIMED, TaskState.RETURNED):
        locked = KeyTask.objects.select_for_update().get(pk=task.pk)
        tb = snapshot(locked)
        locked.state = TaskState.IN_PROGRESS
        locked.started_on = locked.started_on or today()
        locked.save(update_fields=["state", "started_on", "updated_at"])
        old, new = diff(tb, snapshot(locked))
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=locked,
            before=old,
            after=new,
            note="报送进度",
        )
        task.state, task.started_on = locked.state, locked.started_on
    return target


def _apply_confirmed(task: KeyTask) -> None:
    """The task's manual progress and KPI value follow its latest confirmed report."""
    latest = (
        ProgressReport.objects.filter(task=task, state=ReportState.CONFIRMED)
        .order_by("-period")
        .first()
    )
    if latest is None:
        return
    locked = KeyTask.objects.select_for_update().get(pk=task.pk)
    locked.manual_progress = latest.percent
    if latest.kpi_value is not None:
        locked.kpi_current = latest.kpi_value
    locked.save(update_fields=["manual_progress", "kpi_current", "updated_at"])
    task.manual_progress, task.kpi_current = locked.manual_progress, locked.kpi_current


@transaction.atomic
def report_confirm(actor: Any, report: ProgressReport) -> ProgressReport:
    """The issuing organisation confirms a submitted report; the task's progress follows."""
    _require(
        actor, "confirm", report, "只有下达组织的管理员可以确认进度（责任组织不能确认自己的进度）"
    )
    report = ProgressReport.objects.select_for_update().select_related("task").get(pk=report.pk)
    if report.state != ReportState.SUBMITTED:
        raise ValidationError(
            {"state": f"进度报告当前为“{report.state}”，只有已提交的报告可以确认"}
        )
    problem = rules.reporter_is_confirmer_problem(
        report.submitted_by_id, actor.pk if _is_user(actor) else None
    )
    if problem:
        raise ValidationError({"state": problem})
    before = snapshot(report)
    report.state = ReportState.CONFIRMED
    report.confirmed_by = actor if _is_user(actor) else None
    report.confirmed_at = timezone.now()
    report.save(update_fields=["state", "confirmed_by", "confirmed_at", "updated_at"])
    old, new = diff(before, snapshot(report))
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=report, before=old, after=new, note="确认"
    )
    _apply_confirmed(report.task)
    return report


@transaction.atomic
def report_return(actor: Any, report: ProgressReport, reason: str) -> ProgressReport:
    """The issuing organisation returns a submitted report with a reason."""
    _require(
        actor, "confirm", report, "只有下达组织的管理员可以退回进度（责任组织不能退回自己的进度）"
    )
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if report.state != ReportState.SUBMITTED:
        raise ValidationError(
            {"state": f"进度报告当前为“{report.state}”，只有已提交的报告可以退回"}
        )
    reason = _text(reason, "reason", "退回原因", 500, required=True)
    before = snapshot(report)
    report.state = ReportState.RETURNED
    report.reason = reason
    report.save(update_fields=["state", "reason", "updated_at"])
    old, new = diff(before, snapshot(report))
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=report, before=old, after=new, note="退回"
    )
    return report
