"""Writes to key tasks: 新建, 修改 and the lifecycle (认领, 推进, 申请验收, 验收, 归档, 退回, 暂缓, 撤销).

Part of :mod:`lianjian.keytasks.services` (see its docstring)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.models import AuditLog
from lianjian.core.validation import today
from lianjian.keytasks import rules
from lianjian.keytasks.models import (
    KeyTask,
    KeyTaskList,
    ListState,
    TaskState,
)
from lianjian.keytasks.services.common import (
    TASK_FIELDS,
    _check_code,
    _require,
    _text,
    _version,
)
from lianjian.orgs.models import Member

# Meetings that may approve a list (the activity records hold 支部委员会; a 党委会 or 经理层
# meeting that the platform does not record is named in ``approval_ref``).


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
