"""What the three key-task kinds share: scoped lookups a batch at a time, who did it, the
audit row of a change, and the new version of an issued list a file changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Model

from lianjian.core.audit import audit_row, diff, snapshot
from lianjian.core.excel import ExcelKind, ImportResult, Sheet, by_code, chunks, insert_audit
from lianjian.core.models import AuditLog
from lianjian.keytasks import rules
from lianjian.keytasks.models import KeyTask, KeyTaskList, ListVersion
from lianjian.orgs.models import Organisation


def visible(model: type[Model], user: Any) -> Any:
    """Every row of ``model`` for the system (``user`` None), else those the user may see."""
    manager: Any = model._default_manager
    return manager.all() if user is None else manager.visible_to(user)


def values_of(sheet: Sheet, ix: int) -> set[str]:
    """The non-empty codes of column ``ix`` that parsed."""
    return {v[ix] for _, v in sheet.rows if isinstance(v[ix], str) and v[ix]}


def actor_fields(actor: Any) -> Any:
    """The account to store as who did it: None for the system."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def common_ancestor(orgs: Sequence[Organisation]) -> str:
    """The path of the nearest organisation above (or equal to) every one of ``orgs``."""
    parts = [o.path.strip("/").split("/") for o in orgs]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if all(p == level[0] for p in level):
            common.append(level[0])
        else:
            break
    return f"/{'/'.join(common)}/" if common else ""


def visible_tasks(user: Any, codes: set[str]) -> dict[str, KeyTask]:
    """The tasks named by ``codes`` that the user may see, by code."""
    qs = visible(KeyTask, user).select_related("task_list__organisation", "owner_org")
    return by_code(qs, codes)


def stored_by_task(model: type[Model], tasks: Mapping[str, KeyTask], key: str) -> dict[Any, Any]:
    """The stored rows of ``model`` (milestones, progress reports) of ``tasks``, by
    (task id, ``key``), a batch of tasks at a time."""
    stored: dict[tuple[int, Any], Any] = {}
    manager: Any = model._default_manager
    for chunk in chunks([t.pk for t in tasks.values()]):
        for row in manager.filter(task_id__in=chunk):
            stored[(row.task_id, getattr(row, key))] = row
    return stored


def new_versions(changed: Mapping[int, Any], *, actor: Any, summary: str) -> None:
    """One new version of every issued list (by id) in ``changed`` that changed, recording
    what changed (``changed[list id]``)."""
    by = actor_fields(actor)
    wanted = [pk for pk, change in changed.items() if change]
    for lst in KeyTaskList.objects.select_for_update().filter(
        pk__in=wanted, state__in=rules.VERSIONED_LIST_STATES
    ):
        lst.version += 1
        lst.save(update_fields=["version", "updated_at"])
        ListVersion.objects.create(
            task_list=lst,
            number=lst.version,
            actor=by,
            actor_name=actor.get_username() if by else "系统",
            summary=summary[:500],
            changes=changed[lst.pk],
        )


def update_audit(actor: Any, obj: Model, before: dict[str, Any], note: str) -> dict[str, Any]:
    """The audit row of a change to ``obj`` (``before``: its snapshot before the change)."""
    b, a = diff(before, snapshot(obj))
    return audit_row(
        actor=actor, action=AuditLog.Action.UPDATE, obj=obj, before=b, after=a, note=note
    )


def create_audits(
    actor: Any, objs: Iterable[Any], note: str, name: Callable[[Any], str]
) -> list[dict[str, Any]]:
    """The audit rows of ``objs`` just bulk-inserted (``name``: how each reads)."""
    return [
        audit_row(
            actor=actor,
            action=AuditLog.Action.CREATE,
            target=obj._meta.label_lower,
            target_id=obj.audit_key,
            target_repr=name(obj),
            after=snapshot(obj),
            note=note,
        )
        for obj in objs
    ]


def close_audits(
    kind: ExcelKind,
    audits: list[dict[str, Any]],
    *,
    actor: Any,
    result: ImportResult,
    file_name: str,
    now: Any,
) -> None:
    """Insert the audit rows of a written file, the kind's one import row last."""
    audits.append(audit_row(**kind.import_audit(actor=actor, result=result, file_name=file_name)))
    insert_audit(audits, now)
