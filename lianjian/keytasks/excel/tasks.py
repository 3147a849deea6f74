"""The ``tasks`` kind (key 任务编码): a 清单编码 that does not exist yet creates the list
(草拟) for the organisation nearest above every 责任组织 of its rows; an existing list keeps
its year (年度 must match) and must not be 已关闭. New tasks are 草拟 in a draft list and
已下达 in an issued one; a file that changes an issued list makes one new version of it.
Rights: managing the list's organisation (``change``). The checks are :mod:`.task_rows`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianjian.core.audit import audit_row, diff, snapshot
from lianjian.core.excel import (
    ExcelKind,
    ImportResult,
    Sheet,
    conclude,
    ids_by_code,
    refused_result,
)
from lianjian.core.models import AuditLog
from lianjian.keytasks.excel.columns import COMPARED, TASK_COLUMNS
from lianjian.keytasks.excel.common import close_audits, new_versions
from lianjian.keytasks.excel.export import task_rows
from lianjian.keytasks.excel.task_rows import (
    Found,
    Row,
    build_rows,
    changed,
    check_rights,
    check_rows,
    check_tree,
    look_up,
    place_lists,
)
from lianjian.keytasks.models import KeyTask, ListState, TaskState
from lianjian.orgs.excel import may_import

#: The fields an update writes (foreign keys by their relation).
UPDATED = [f for f in COMPARED if not f.endswith("_id")] + [
    "category",
    "owner_org",
    "owner",
    "updated_at",
]


class TaskExcel(ExcelKind):
    """The ``tasks`` kind."""

    name = "tasks"
    label = "关键任务"
    columns = TASK_COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "清单编码不存在时新建清单（草拟），下达组织为各行责任组织共同的最近上级组织；已存在的清单年度须一致。",
            "责任人须为党员（正式党员或预备党员）；群众只能作为参与人。",
            "已下达的清单导入修改后生成新版本，记录变更内容。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if not may_import(user):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        errors = sheet.errors
        found = look_up(sheet, user)
        plan = build_rows(sheet, found)
        place_lists(plan, found, errors)
        check_tree(plan, found, check_rows(plan, found, errors), errors)
        if user is not None:
            check_rights(plan, found, user, errors)
        return conclude(
            result,
            errors,
            (
                (
                    row.current is None,
                    row.current is not None and changed(row.current, row.task, found.parent_of),
                )
                for row in plan
            ),
            dry_run=dry_run,
            write=lambda: self._write(plan, found, actor=actor, file_name=file_name, result=result),
        )

    def _write(
        self, plan: list[Row], found: Found, *, actor: Any, file_name: str, result: ImportResult
    ) -> None:
        now = timezone.now()
        note = f"Excel 导入：{file_name}"
        audits: list[dict[str, Any]] = []
        changes: dict[str, dict[str, Any]] = defaultdict(dict)
        with transaction.atomic():
            for lst in found.new_lists.values():
                lst.save()
                audits.append(
                    audit_row(
                        actor=actor,
                        action=AuditLog.Action.CREATE,
                        obj=lst,
                        after=snapshot(lst),
                        note=note,
                    )
                )
            every = {**found.lists, **found.new_lists}
            creates: list[KeyTask] = []
            updates: list[KeyTask] = []
            for row in plan:
                task, current = row.task, row.current
                lst = every[row.list_code]
                if current is None:
                    task.task_list = lst
                    task.state = (
                        TaskState.DRAFT if lst.state == ListState.DRAFT else TaskState.ISSUED
                    )
                    creates.append(task)
                    changes[lst.code].setdefault("added", []).append(task.code)
                elif changed(current, task, None):
                    before = snapshot(current)
                    for f in COMPARED:
                        setattr(current, f, getattr(task, f))
                    current.updated_at = now
                    updates.append(current)
                    b, a = diff(before, snapshot(current))
                    changes[lst.code][current.code] = {"before": b, "after": a}
                    audits.append(
                        audit_row(
                            actor=actor,
                            action=AuditLog.Action.UPDATE,
                            obj=current,
                            before=b,
                            after=a,
                            note=note,
                        )
                    )
            KeyTask.objects.bulk_create(creates, batch_size=1000)
            ids = ids_by_code(KeyTask, [t.code for t in creates])
            for t in creates:
                t.pk = ids[t.code]
            if updates:
                KeyTask.objects.bulk_update(updates, UPDATED, batch_size=1000)
            self._reparent(plan, found, ids, changes)
            for t in creates:
                audits.append(
                    audit_row(
                        actor=actor,
                        action=AuditLog.Action.CREATE,
                        obj=t,
                        after=snapshot(t),
                        note=note,
                    )
                )
            new_versions(
                {every[code].pk: change for code, change in changes.items()},
                actor=actor,
                summary=note,
            )
            close_audits(self, audits, actor=actor, result=result, file_name=file_name, now=now)

    @staticmethod
    def _reparent(
        plan: list[Row], found: Found, ids: dict[str, int], changes: dict[str, dict[str, Any]]
    ) -> None:
        """Every row's parent, now that every task has an id."""
        known = {
            **{c: t.pk for c, t in found.existing.items()},
            **{c: t.pk for c, t in found.parents.items()},
            **ids,
        }
        reparent: list[KeyTask] = []
        for row in plan:
            target = row.current if row.current is not None else row.task
            wanted = found.parent_of.get(row.code)
            wanted_id = known.get(wanted) if wanted else None
            if target.parent_id != wanted_id:
                target.parent_id = wanted_id
                reparent.append(target)
                if row.current is not None:
                    changes[row.list_code].setdefault(row.code, {})["parent"] = wanted
        if reparent:
            KeyTask.objects.bulk_update(reparent, ["parent"], batch_size=1000)

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        return task_rows(user=user, org_code=org_code)
