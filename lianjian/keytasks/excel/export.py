"""The rows the key-task kinds export: what the user may see (under ``org_code`` when
given), in the order of the columns."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from lianjian.deadlines.models import DeadlinePreset
from lianjian.keytasks.excel.common import visible
from lianjian.keytasks.models import KeyTask, Milestone, ProgressReport
from lianjian.orgs.excel import export_root


def _tasks(user: Any, org_code: str | None) -> Any:
    qs = visible(KeyTask, user)
    if org_code:
        root = export_root(user, org_code)
        qs = qs.filter(owner_org__path__startswith=root.path)
    return qs


def task_rows(*, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
    names = {p.code: p.name for p in DeadlinePreset.objects.all()}
    qs = (
        _tasks(user, org_code)
        .select_related("task_list", "parent", "category", "owner_org", "owner")
        .order_by("task_list__code", "position", "code")
    )
    for t in qs.iterator(chunk_size=2000):
        yield (
            t.task_list.code,
            t.task_list.year,
            t.code,
            t.parent.code if t.parent_id and t.parent else None,
            t.name,
            t.category.name,
            t.theme,
            t.owner_org.code,
            t.owner.number if t.owner_id and t.owner else None,
            t.planned_start,
            t.planned_end,
            t.progress_mode,
            t.weight,
            t.excluded,
            t.kpi_unit,
            t.kpi_baseline,
            t.kpi_target,
            t.kpi_direction,
            names.get(t.preset, t.preset) if t.preset else None,
        )


def milestone_rows(*, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
    qs = (
        Milestone.objects.filter(task__in=_tasks(user, org_code))
        .select_related("task")
        .order_by("task__code", "planned_on", "id")
    )
    for m in qs.iterator(chunk_size=2000):
        yield (m.task.code, m.name, m.weight, m.planned_on, m.done_on, m.accepted_on)


def progress_rows(*, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
    qs = (
        ProgressReport.objects.filter(task__in=_tasks(user, org_code))
        .select_related("task")
        .order_by("task__code", "period")
    )
    for r in qs.iterator(chunk_size=2000):
        yield (r.task.code, r.period, r.percent, r.kpi_value, r.text or None)
