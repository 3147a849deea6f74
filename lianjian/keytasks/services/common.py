"""What every key-task write shares: the field lists, the checks of a code and a text, the right to act, a new version of an issued list.

Part of :mod:`lianjian.keytasks.services` (see its docstring)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from lianjian.activities.models import ActivityType
from lianjian.core.scope import require
from lianjian.core.validation import text_problem
from lianjian.keytasks import rules
from lianjian.keytasks.models import (
    KeyTaskList,
    ListVersion,
)
from lianjian.orgs.models import validate_code

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
