"""What the two kinds of a task's parts (``milestones``, ``task_progress``) do alike: rows
keyed by 任务编码 (the first column) and one more column, a task the user may see, the
stored part found in one batch per file, the rights each row needs asked once per action,
all or nothing through the kind template."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.db.models import Model

from lianjian.core.excel import (
    ExcelKind,
    ImportResult,
    Sheet,
    conclude,
    refused_keys,
    refused_result,
)
from lianjian.keytasks.excel.columns import OUT_OF_SIGHT
from lianjian.keytasks.excel.common import stored_by_task, values_of, visible_tasks
from lianjian.keytasks.models import KeyTask
from lianjian.orgs.excel import may_import

#: A checked row: its number, the part it leaves, the stored part, the rights it needs.
Planned = tuple[int, Any, Any, set[str]]


def task_parts(
    sheet: Sheet, user: Any, model: type[Model], key_field: str, key_ix: int
) -> Iterator[tuple[int, Sequence[Any], KeyTask, Any, Any]]:
    """(row number, cells, task, key, stored part or None) of every row that names a task
    the user may see and a key (column ``key_ix``, field ``key_field`` of ``model``); a task
    out of sight, or a task and key already on an earlier row, is an error of its row."""
    errors = sheet.errors
    key_header = sheet_header(sheet, key_ix)
    tasks = visible_tasks(user, values_of(sheet, 0))
    stored: dict[Any, Any] = stored_by_task(model, tasks, key_field)
    first: dict[tuple[str, Any], int] = {}
    for number, values in sheet.rows:
        code, key = values[0], values[key_ix]
        task = tasks.get(code) if isinstance(code, str) else None
        if isinstance(code, str) and task is None:
            errors.add(number, "任务编码", f"任务 {code} {OUT_OF_SIGHT}")
        if task is None or not isinstance(key, str):
            continue
        if (code, key) in first:
            errors.add(number, key_header, f"与第{first[(code, key)]}行重复")
            continue
        first[(code, key)] = number
        yield number, values, task, key, stored.get((task.pk, key))


def sheet_header(sheet: Sheet, ix: int) -> str:
    """The header of the kind's column ``ix``."""
    return sheet.columns[ix].header


class TaskPartKind(ExcelKind):
    """A kind whose rows are parts of a task (``milestones``, ``task_progress``): each says
    what its rows need (:meth:`check`) and how they are written (:meth:`write`); the rest is
    the same."""

    #: action → (column, reason): the rights a row may need, asked once per action.
    rights: Mapping[str, tuple[str, str]] = {}

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        """Refuse an account that may not import; :meth:`check` the rows; ask each right
        once for the tasks of the rows that need it; count; all or nothing; :meth:`write`
        unless refused or a dry run."""
        if not may_import(user):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        plan = self.check(sheet, user)
        if user is not None:
            for action, (header, reason) in self.rights.items():
                ids = {part.task_id for _, part, _, needs in plan if action in needs}
                refused = refused_keys(KeyTask.objects.all(), user, action, ids)
                for number, part, _, needs in plan:
                    if action in needs and part.task_id in refused:
                        sheet.errors.add(number, header, reason)
        return conclude(
            result,
            sheet.errors,
            ((current is None, bool(needs)) for _, _, current, needs in plan),
            dry_run=dry_run,
            write=lambda: self.write(plan, actor=actor, file_name=file_name, result=result),
        )

    @abc.abstractmethod
    def check(self, sheet: Sheet, user: Any) -> list[Planned]:
        """Every row against the stored parts and the rules (errors into the sheet's);
        the part each row leaves and the rights it needs (none: the row changes nothing)."""

    @abc.abstractmethod
    def write(
        self, plan: list[Planned], *, actor: Any, file_name: str, result: ImportResult
    ) -> None:
        """Write the checked rows in one transaction, with their audit rows and the kind's
        import audit row."""
