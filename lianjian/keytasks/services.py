"""Writes to key-task lists, tasks, milestones, progress reports, evidence and task packages.

Every function is atomic and audited (:func:`lianjian.core.audit.audit_record`: who, when,
before, after). A user ``actor`` is checked against the model's ``SCOPE``
(:func:`lianjian.core.scope.require`, 403 with a Chinese message); callers found the row
through ``visible_to`` first, so a row out of scope has already answered 404. ``actor=None``
is the system (demo data, jobs). A refusal raises ``ValidationError`` (field → Chinese
message) before anything is written.

The system-of-record rule: whoever is assessed never confirms their own values — the owner
side reports progress and marks milestones done, the issuing organisation confirms reports
and accepts milestones and tasks (``confirm`` in :class:`~lianjian.keytasks.models.KeyTask`),
and nobody confirms a report they submitted themselves.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lianjian.activities.models import Activity, ActivityType
from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.models import AuditLog
from lianjian.core.scope import may, require
from lianjian.core.validation import text_problem, today
from lianjian.keytasks import rules
from lianjian.keytasks.models import (
    Evidence,
    EvidenceKind,
    KeyTask,
    KeyTaskList,
    ListState,
    ListVersion,
    Milestone,
    PackageClaim,
    PackageItem,
    ProgressReport,
    ReportState,
    TaskCategory,
    TaskPackage,
    TaskState,
)
from lianjian.orgs.models import Member, Organisation, validate_code

# Meetings that may approve a list (the activity records hold 支部委员会; a 党委会 or 经理层
# meeting that the platform does not record is named in ``approval_ref``).
APPROVAL_TYPES = (ActivityType.COMMITTEE_MEETING,)

TASK_FIELDS = (
    "name",
    "parent",
    "category",
    "theme",
    "owner_org",
    "owner",
    "sponsor",
    "participant_names",
    "planned_start",
    "planned_end",
    "progress_mode",
    "weight",
    "excluded",
    "kpi_unit",
    "kpi_baseline",
    "kpi_target",
    "kpi_direction",
    "kpi_current",
    "manual_progress",
    "preset",
    "position",
)


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _require(actor: Any, action: str, obj: Any, message: str) -> None:
    if _is_user(actor):
        require(actor, action, obj, message)


def _text(value: str, field: str, label: str, max_length: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"{label}不能为空"})
    if len(value) > max_length:
        raise ValidationError({field: f"{label}不能超过 {max_length} 个字符"})
    problem = text_problem(value, multiline=max_length > 500)
    if problem:
        raise ValidationError({field: f"{label}{problem}"})
    return value


def _check_code(model: type[Any], code: str, label: str, pk: int | None = None) -> str:
    code = (code or "").strip()
    try:
        validate_code(code)
    except ValidationError as exc:
        raise ValidationError({"code": exc.messages}) from None
    if model.objects.filter(code=code).exclude(pk=pk).exists():
        raise ValidationError({"code": f"{label}已存在：{code}"})
    return code


def _version(task_list: KeyTaskList, actor: Any, summary: str, changes: dict[str, Any]) -> None:
    """A change after 下达 is a new version of the list that records what changed."""
    if task_list.state not in rules.VERSIONED_LIST_STATES or not changes:
        return
    locked = KeyTaskList.objects.select_for_update().get(pk=task_list.pk)
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    task_list.version = locked.version
    ListVersion.objects.create(
        task_list=locked,
        number=locked.version,
        actor=actor if _is_user(actor) else None,
        actor_name=actor.get_username() if _is_user(actor) else "系统",
        summary=summary[:500],
        changes=changes,
    )


# --- lists -------------------------------------------------------------------------------


def _approval_errors(activity: Activity | None, organisation: Organisation) -> dict[str, str]:
    if activity is None:
        return {}
    if activity.type not in APPROVAL_TYPES:
        return {"approval_activity": "审议会议须是支部委员会记录；党委会等请填写文字说明"}
    if not organisation.path.startswith(activity.host.path) and activity.host_id != organisation.pk:
        return {"approval_activity": "审议会议须由本组织或上级组织召开"}
    return {}


@transaction.atomic
def list_create(
    *,
    actor: Any,
    organisation: Organisation,
    year: int,
    name: str,
    code: str,
    approval_activity: Activity | None = None,
    approval_ref: str = "",
    approved_on: datetime.date | None = None,
) -> KeyTaskList:
    """A new list (草拟) of ``organisation`` for ``year``."""
    probe = KeyTaskList(organisation=organisation)
    _require(actor, "change", probe, "只有本组织的管理员可以建立关键任务清单")
    task_list = KeyTaskList(
        code=_check_code(KeyTaskList, code, "清单编码"),
        organisation=organisation,
        year=year,
        name=_text(name, "name", "清单名称", 200, required=True),
        approval_activity=approval_activity,
        approval_ref=_text(approval_ref, "approval_ref", "审议会议", 200),
        approved_on=approved_on,
    )
    errors = _approval_errors(approval_activity, organisation)
    if errors:
        raise ValidationError(errors)
    task_list.full_clean()
    task_list.save()
    audit_record(
        actor=actor, action=AuditLog.Action.CREATE, obj=task_list, after=snapshot(task_list)
    )
    return task_list


@transaction.atomic
def list_update(actor: Any, task_list: KeyTaskList, **fields: Any) -> KeyTaskList:
    """Change name or approval of a list; after 下达 the change is a new version."""
    _require(actor, "change", task_list, "只有下达组织的管理员可以修改清单")
    if task_list.state == ListState.CLOSED:
        raise ValidationError({"state": "清单已关闭，不能修改"})
    before = snapshot(task_list)
    for name, value in fields.items():
        if name not in ("name", "approval_activity", "approval_ref", "approved_on"):
            raise ValidationError({name: "该字段不能修改"})
        if name in ("name", "approval_ref"):
            value = _text(
                value,
                name,
                "清单名称" if name == "name" else "审议会议",
                200,
                required=name == "name",
            )
        setattr(task_list, name, value)
    errors = _approval_errors(task_list.approval_activity, task_list.organisation)
    if errors:
        raise ValidationError(errors)
    task_list.full_clean()
    task_list.save()
    old, new = diff(before, snapshot(task_list))
    if new:
        _version(task_list, actor, "修改清单", {"list": {"before": old, "after": new}})
        audit_record(
            actor=actor, action=AuditLog.Action.UPDATE, obj=task_list, before=old, after=new
        )
    return task_list


@transaction.atomic
def list_transition(actor: Any, task_list: KeyTaskList, action: str) -> KeyTaskList:
    """下达 (issue: needs the approving meeting; the list's draft tasks are issued with it),
    开始执行, 关闭."""
    _require(actor, "change", task_list, "只有下达组织的管理员可以变更清单状态")
    task_list = KeyTaskList.objects.select_for_update().get(pk=task_list.pk)
    try:
        new_state = rules.list_next_state(action, task_list.state)
    except rules.IllegalTransition as exc:
        raise ValidationError({"state": str(exc)}) from None
    if action == "issue" and task_list.approval_activity_id is None and not task_list.approval_ref:
        raise ValidationError(
            {"approval_ref": "下达前须记录审议通过清单的会议（会议记录或文字说明）"}
        )
    if action == "issue" and not task_list.tasks.exists():
        raise ValidationError({"state": "清单中还没有任务，不能下达"})
    before = snapshot(task_list)
    task_list.state = new_state
    task_list.save(update_fields=["state", "updated_at"])
    if action == "issue":
        drafts = list(task_list.tasks.filter(state=TaskState.DRAFT))
        for task in drafts:
            task.state = TaskState.ISSUED
        KeyTask.objects.bulk_update(drafts, ["state"])
    old, new = diff(before, snapshot(task_list))
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=task_list,
        before=old,
        after=new,
        note=rules.LIST_ACTION_LABELS[action],
    )
    return task_list


# --- tasks -------------------------------------------------------------------------------


def _task_check(task: KeyTask) -> None:
    task.full_clean(exclude=["participants"])
    if task.parent_id is not None and task.pk is not None:
        # the new parent must not lie below the task (no cycles)
        seen: set[int] = set()
        current: KeyTask | None = task.parent
        while current is not None:
            if current.pk == task.pk:
                raise ValidationError({"parent": "上级任务不能是本任务或其下级任务"})
            if current.pk in seen:
                break
            seen.add(current.pk)
            current = current.parent


def _task_snapshot(task: KeyTask) -> dict[str, Any]:
    out = snapshot(task)
    if task.pk is not None:
        out["participants"] = sorted(task.participants.values_list("number", flat=True))
    return out


@transaction.atomic
def task_create(
    *,
    actor: Any,
    task_list: KeyTaskList,
    code: str,
    participants: Sequence[Member] = (),
    **fields: Any,
) -> KeyTask:
    """A new task of ``task_list`` (草拟 while the list is a draft, else 已下达 — it is a
    change of the issued list, so a new version)."""
    _require(actor, "change", task_list, "只有下达组织的管理员可以添加任务")
    if task_list.state == ListState.CLOSED:
        raise ValidationError({"task_list": "清单已关闭，不能添加任务"})
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise ValidationError({name: "未知字段" for name in sorted(unknown)})
    task = KeyTask(task_list=task_list, code=_check_code(KeyTask, code, "任务编码"), **fields)
    task.name = _text(task.name, "name", "任务名称", 200, required=True)
    task.theme = _text(task.theme, "theme", "主题", 100)
    task.participant_names = _text(task.participant_names, "participant_names", "其他参与人", 500)
    task.state = TaskState.DRAFT if task_list.state == ListState.DRAFT else TaskState.ISSUED
    _task_check(task)
    task.save()
    if participants:
        task.participants.set(participants)
    after = _task_snapshot(task)
    _version(task_list, actor, f"新增任务 {task.code}", {"added": [task.code]})
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=task, after=after)
    return task


@transaction.atomic
def task_update(
    actor: Any,
    task: KeyTask,
    *,
    participants: Sequence[Member] | None = None,
    **fields: Any,
) -> KeyTask:
    """Change a task's fields (the issuing organisation); after 下达 a new list version."""
    _require(actor, "change", task, "只有下达组织的管理员可以修改任务")
    if task.state in (TaskState.CANCELLED, TaskState.ARCHIVED):
        raise ValidationError({"state": f"任务已{task.state}，不能修改"})
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise ValidationError({name: "未知字段" for name in sorted(unknown)})
    before = _task_snapshot(task)
    for name, value in fields.items():
        setattr(task, name, value)
    task.name = _text(task.name, "name", "任务名称", 200, required=True)
    task.theme = _text(task.theme, "theme", "主题", 100)
    task.participant_names = _text(task.participant_names, "participant_names", "其他参与人", 500)
    _task_check(task)
    task.save()
    if participants is not None:
        task.participants.set(participants)
    old, new = diff(before, _task_snapshot(task))
    if new:
        _version(
            task.task_list,
            actor,
            f"修改任务 {task.code}",
            {task.code: {"before": old, "after": new}},
        )
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=task, before=old, after=new)
    return task


@transaction.atomic
def task_transition(
    actor: Any, task: KeyTask, action: str, reason: str = "", on: datetime.date | None = None
) -> KeyTask:
    """Take ``action`` (rules.TRANSITIONS) on ``task``: 认领/开始推进/申请验收 by the owner
    organisation, 验收 by the issuing organisation (not the owner's own managers), the rest
    by the issuing organisation; 退回, 暂缓 and 撤销 need a reason."""
    if action not in rules.TRANSITIONS:
        raise ValidationError({"action": f"未知操作：{action}"})
    scope_action = rules.ACTION_SCOPE[action]
    label = rules.ACTION_LABELS[action]
    who = {
        "change": "下达组织的管理员",
        "work": "责任组织的管理员",
        "confirm": "下达组织的管理员（不含责任组织本身）",
    }[scope_action]
    _require(actor, scope_action, task, f"只有{who}可以{label}")
    locked = KeyTask.objects.select_for_update().get(pk=task.pk)
    try:
        new_state = rules.task_next_state(action, locked.state)
    except rules.IllegalTransition as exc:
        raise ValidationError({"state": str(exc)}) from None
    problem = rules.reason_problem(action, reason)
    if problem:
        raise ValidationError({"reason": problem})
    reason = _text(reason, "reason", "原因", 500)
    if action == "claim" and locked.owner_id is None:
        raise ValidationError({"owner": "认领前须指定责任人（党员）"})
    day = on or today()
    before = snapshot(locked)
    locked.state = new_state
    locked.state_reason = reason
    if new_state == TaskState.IN_PROGRESS and locked.started_on is None:
        locked.started_on = day
    if action == "accept":
        locked.accepted_on = day
    locked.save(update_fields=["state", "state_reason", "started_on", "accepted_on", "updated_at"])
    old, new = diff(before, snapshot(locked))
    if action in ("cancel", "suspend"):
        _version(
            locked.task_list, actor, f"{label}任务 {locked.code}：{reason}", {locked.code: new}
        )
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=locked, before=old, after=new, note=label
    )
    for name in ("state", "state_reason", "started_on", "accepted_on", "updated_at"):
        setattr(task, name, getattr(locked, name))
    return task


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


# --- evidence ----------------------------------------------------------------------------


@transaction.atomic
def evidence_add(
    actor: Any,
    task: KeyTask,
    *,
    kind: str,
    activity: Activity | None = None,
    title: str = "",
    url: str = "",
    report: ProgressReport | None = None,
) -> Evidence:
    """Link evidence that exists already (an activity or meeting record, a document)."""
    _require(actor, "report", task, "只有责任人或责任组织的管理员可以添加佐证")
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": "佐证类型应为活动、会议、文件或链接"})
    if activity is not None and _is_user(actor) and not may(actor, "view", activity):
        raise ValidationError({"activity": "找不到该活动记录"})
    if report is not None and report.task_id != task.pk:
        raise ValidationError({"report": "进度报告不属于该任务"})
    evidence = Evidence(
        task=task,
        report=report,
        kind=kind,
        activity=activity if kind in (EvidenceKind.ACTIVITY, EvidenceKind.MEETING) else None,
        title=_text(title, "title", "名称", 200),
        url=(url or "").strip(),
        added_by=actor if _is_user(actor) else None,
    )
    evidence.full_clean()
    evidence.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=evidence, after=snapshot(evidence))
    return evidence


@transaction.atomic
def evidence_withdraw(actor: Any, evidence: Evidence, reason: str) -> Evidence:
    _require(actor, "change", evidence, "只有责任人或责任组织的管理员可以撤回佐证")
    reason = _text(reason, "reason", "撤回原因", 200, required=True)
    before = snapshot(evidence)
    evidence.withdrawn, evidence.withdrawn_reason = True, reason
    evidence.save(update_fields=["withdrawn", "withdrawn_reason"])
    old, new = diff(before, snapshot(evidence))
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=evidence, before=old, after=new, note=reason
    )
    return evidence


# --- task packages -----------------------------------------------------------------------


@transaction.atomic
def package_create(
    actor: Any,
    *,
    organisation: Organisation,
    month: str,
    name: str,
    items: Iterable[tuple[str, KeyTask | None]] = (),
) -> TaskPackage:
    """A monthly 重点任务包 of ``organisation`` with its items (title, linked task), a draft
    that its members see once :func:`package_publish` publishes it."""
    _require(
        actor, "change", TaskPackage(organisation=organisation), "只有本组织的管理员可以新建任务包"
    )
    package = TaskPackage(
        organisation=organisation,
        month=(month or "").strip(),
        name=_text(name, "name", "名称", 200, required=True),
    )
    package.full_clean()
    _open_package(package, actor)
    package.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=package, after=snapshot(package))
    for title, task in items:
        package_item_add(actor, package, title=title, task=task)
    return package


def _open_package(package: TaskPackage, actor: Any) -> None:
    if package.closed:
        raise ValidationError({"package": "任务包已关闭"})
    if _is_user(actor) and rules.month_ended(package.month, today()):
        raise ValidationError({"package": f"{package.month} 已经过去，任务包不再变动"})


@transaction.atomic
def package_item_add(
    actor: Any,
    package: TaskPackage,
    *,
    title: str,
    task: KeyTask | None = None,
    description: str = "",
    capacity: int = 1,
) -> PackageItem:
    """An item of ``package`` that up to ``capacity`` members may claim."""
    _require(actor, "change", package, "只有本组织的管理员可以修改任务包")
    _open_package(package, actor)
    if task is not None and _is_user(actor) and not may(actor, "view", task):
        raise ValidationError({"task": "找不到该任务"})
    item = PackageItem(
        package=package,
        title=_text(title, "title", "事项", 200, required=True),
        description=_text(description, "description", "说明", 2000),
        task=task,
        capacity=capacity,
    )
    item.full_clean()
    item.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=item, after=snapshot(item))
    return item


@transaction.atomic
def package_publish(actor: Any, package: TaskPackage) -> TaskPackage:
    """发布: the package's members see it and may claim its items."""
    _require(actor, "change", package, "只有本组织的管理员可以发布任务包")
    package = TaskPackage.objects.select_for_update().get(pk=package.pk)
    _open_package(package, actor)
    if package.published:
        raise ValidationError({"package": "任务包已发布"})
    if not package.items.filter(withdrawn=False).exists():
        raise ValidationError({"package": "任务包还没有事项，请先添加事项再发布"})
    before = snapshot(package)
    package.published = True
    package.save(update_fields=["published"])
    old, new = diff(before, snapshot(package))
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=package, before=old, after=new, note="发布"
    )
    return package


@transaction.atomic
def package_item_claim(actor: Any, item: PackageItem, member: Member | None = None) -> PackageClaim:
    """A member claims an item of a published package of their organisation (a 党员 of the
    package's organisation or below), once, while the item has room and the month lasts."""
    item = (
        PackageItem.objects.select_for_update()
        .select_related("package__organisation")
        .get(pk=item.pk)
    )
    if _is_user(actor):
        require(actor, "claim", item, "只能认领本组织的任务包事项")
        member = getattr(actor, "member", None)
    if member is None:
        raise ValidationError({"member": "只有关联了党员信息的账户可以认领"})
    if item.withdrawn or not item.package.published:
        raise ValidationError({"item": "该事项已撤回或任务包尚未发布"})
    _open_package(item.package, actor)
    problem = rules.owner_problem(
        member.category, left=member.left_on is not None, name=member.name
    )
    if problem:
        raise ValidationError({"member": problem.replace("担任责任人", "认领")})
    if not member.org.path.startswith(item.package.organisation.path):
        raise ValidationError({"member": "只能认领本组织的任务包事项"})
    standing = item.claims.filter(withdrawn=False)
    if standing.filter(member=member).exists():
        raise ValidationError({"item": "您已认领该事项"})
    if standing.count() >= item.capacity:
        raise ValidationError({"item": f"该事项已有 {item.capacity} 人认领，名额已满"})
    claim = PackageClaim(item=item, member=member, claimed_on=today())
    claim.full_clean()
    claim.save()
    audit_record(
        actor=actor, action=AuditLog.Action.CREATE, obj=claim, after=snapshot(claim), note="认领"
    )
    return claim


@transaction.atomic
def package_claim_withdraw(actor: Any, claim: PackageClaim) -> PackageClaim:
    """The member withdraws (撤回) their own claim before the package's month ends."""
    _require(actor, "withdraw", claim, "只能撤回本人的认领")
    claim = (
        PackageClaim.objects.select_for_update().select_related("item__package").get(pk=claim.pk)
    )
    if claim.withdrawn:
        raise ValidationError({"claim": "该认领已撤回"})
    _open_package(claim.item.package, actor)
    before = snapshot(claim)
    claim.withdrawn, claim.withdrawn_on = True, today()
    claim.save(update_fields=["withdrawn", "withdrawn_on"])
    old, new = diff(before, snapshot(claim))
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=claim,
        before=old,
        after=new,
        note="撤回认领",
    )
    return claim


# --- categories --------------------------------------------------------------------------


@transaction.atomic
def category_save(
    actor: Any,
    *,
    name: str,
    position: int = 0,
    active: bool = True,
    category: TaskCategory | None = None,
) -> TaskCategory:
    """Add or change a task category (the admin: the categories are the platform's data)."""
    if _is_user(actor) and not getattr(actor, "is_admin", False):
        raise ValidationError({"name": "只有系统管理员可以维护任务类别"})
    name = _text(name, "name", "类别名称", 50, required=True)
    if (
        TaskCategory.objects.filter(name=name)
        .exclude(pk=category.pk if category is not None else 0)
        .exists()
    ):
        raise ValidationError({"name": f"类别“{name}”已存在"})
    target = category or TaskCategory()
    before = snapshot(target) if category is not None else None
    target.name, target.position, target.active = name, position, active
    target.save()
    if before is None:
        audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=target, after=snapshot(target))
    else:
        old, new = diff(before, snapshot(target))
        if new:
            audit_record(
                actor=actor, action=AuditLog.Action.UPDATE, obj=target, before=old, after=new
            )
    return target
