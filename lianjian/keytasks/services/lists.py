"""Writes to key-task lists (新建, 修改 — a new version after 下达 —, 下达, 执行, 关闭) and their task categories.

Part of :mod:`lianjian.keytasks.services` (see its docstring)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from lianjian.activities.models import Activity
from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.models import AuditLog
from lianjian.keytasks import rules
from lianjian.keytasks.models import (
    KeyTask,
    KeyTaskList,
    ListState,
    TaskCategory,
    TaskState,
)
from lianjian.keytasks.services.common import (
    APPROVAL_TYPES,
    _check_code,
    _is_user,
    _require,
    _text,
    _version,
)
from lianjian.orgs.models import Organisation

# Meetings that may approve a list (the activity records hold 支部委员会; a 党委会 or 经理层
# meeting that the platform does not record is named in ``approval_ref``).


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
