"""The ``task_progress`` kind (key 任务编码 + 期间): progress reports submitted (已提交) by
the owner side (``report``); a report already 已确认 cannot change; the issuing organisation
confirms on the screens or the API (who is assessed never confirms their own values).

The rows are checked against lookups made once per file and written in bulk (one
``bulk_create`` / ``bulk_update`` per batch), never one row at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianjian.core.audit import snapshot
from lianjian.core.excel import (
    ABSENT,
    INVALID,
    ImportResult,
    Sheet,
)
from lianjian.core.validation import today
from lianjian.keytasks import rules
from lianjian.keytasks.excel.columns import (
    PC,
    PROGRESS_COLUMNS,
)
from lianjian.keytasks.excel.common import (
    actor_fields,
    close_audits,
    create_audits,
    update_audit,
)
from lianjian.keytasks.excel.export import progress_rows
from lianjian.keytasks.excel.parts import Planned, TaskPartKind, task_parts
from lianjian.keytasks.models import KeyTask, ProgressReport, ReportState, TaskState

RIGHTS = {"report": ("任务编码", "无权报送该任务的进度（须为责任人或责任组织的管理员）")}
SIMPLE = (("进度", "percent"), ("指标值", "kpi_value"), ("说明", "text"))
WRITTEN = (
    "percent",
    "kpi_value",
    "text",
    "state",
    "reason",
    "submitted_by",
    "submitted_at",
    "updated_at",
)


class ProgressExcel(TaskPartKind):
    """The ``task_progress`` kind."""

    name = "task_progress"
    label = "关键任务进度"
    columns = PROGRESS_COLUMNS
    rights = RIGHTS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "以“任务编码 + 期间”识别进度报告：已存在则更新（已确认的报告不能修改）。",
            "导入的进度为“已提交”，由下达组织确认后计入任务进度（被考核方不能确认自己的进度）。",
        ]

    def check(self, sheet: Sheet, user: Any) -> list[Planned]:
        """Every row against the stored reports, its task and the rules."""
        errors = sheet.errors
        day = today()
        plan: list[Planned] = []
        for number, values, task, period, current in task_parts(
            sheet, user, ProgressReport, "period", PC["期间"]
        ):
            r = ProgressReport(task=task, period=period)
            if current is not None:
                r.pk = current.pk
                r.percent, r.kpi_value, r.text, r.state = (
                    current.percent,
                    current.kpi_value,
                    current.text,
                    current.state,
                )
            for header, field in SIMPLE:
                value = values[PC[header]]
                if value is not ABSENT and value is not INVALID:
                    setattr(r, field, value if value is not None or field != "text" else "")
            changed = current is None or (r.percent, r.kpi_value, r.text) != (
                current.percent,
                current.kpi_value,
                current.text,
            )
            if changed:
                problem = rules.period_problem(period, task.task_list.year, day)
                if problem:
                    errors.add(number, "期间", problem)
                if current is not None and current.state == ReportState.CONFIRMED:
                    errors.add(number, "期间", f"{period} 的进度已确认，不能修改")
                if task.state not in (*rules.REPORTING_STATES, TaskState.IN_PROGRESS):
                    errors.add(number, "任务编码", f"任务当前为“{task.state}”，不能报送进度")
                if task.progress_mode == rules.KPI and r.kpi_value is None:
                    errors.add(number, "指标值", "按指标计算进度的任务须填写指标值")
            plan.append((number, r, current, {"report"} if changed else set()))
        return plan

    def write(
        self, plan: list[Planned], *, actor: Any, file_name: str, result: ImportResult
    ) -> None:
        now = timezone.now()
        note = f"Excel 导入：{file_name}"
        by = actor_fields(actor)
        audits: list[dict[str, Any]] = []
        creates: list[ProgressReport] = []
        updates: list[ProgressReport] = []
        started: dict[int, KeyTask] = {}
        with transaction.atomic():
            for _, r, current, needs in plan:
                if not needs:
                    continue
                if r.task.state in (TaskState.CLAIMED, TaskState.RETURNED):
                    started[r.task.pk] = r.task
                if current is None:
                    r.state = ReportState.SUBMITTED
                    r.submitted_by, r.submitted_at = by, now
                    creates.append(r)
                    continue
                before = snapshot(current)
                current.percent, current.kpi_value, current.text = r.percent, r.kpi_value, r.text
                current.state, current.reason = ReportState.SUBMITTED, ""
                current.submitted_by, current.submitted_at = by, now
                current.updated_at = now
                updates.append(current)
                audits.append(update_audit(actor, current, before, note))
            ProgressReport.objects.bulk_create(creates, batch_size=2000)
            audits.extend(create_audits(actor, creates, note, str))
            if updates:
                ProgressReport.objects.bulk_update(updates, list(WRITTEN), batch_size=2000)
            day = today()
            for task in started.values():
                before = snapshot(task)
                task.state = TaskState.IN_PROGRESS
                task.started_on = task.started_on or day
                audits.append(update_audit(actor, task, before, f"{note}：报送进度"))
            if started:
                KeyTask.objects.bulk_update(
                    list(started.values()), ["state", "started_on"], batch_size=1000
                )
            close_audits(self, audits, actor=actor, result=result, file_name=file_name, now=now)

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        return progress_rows(user=user, org_code=org_code)
