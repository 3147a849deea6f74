"""The ``milestones`` kind (key 任务编码 + 节点名称): the plan (权重, 计划日期) is the issuing
organisation's (``change``), 完成日期 the owner side's (``report``), 验收日期 the issuing
organisation's but never the assessed side's (``confirm``) — each asked only for the rows
that change it."""

from __future__ import annotations

import datetime
from collections import defaultdict
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
    MC,
    MILESTONE_COLUMNS,
    MILESTONE_HEADERS,
    MILESTONE_SIMPLE,
)
from lianjian.keytasks.excel.common import (
    actor_fields,
    close_audits,
    create_audits,
    new_versions,
    update_audit,
)
from lianjian.keytasks.excel.export import milestone_rows
from lianjian.keytasks.excel.parts import Planned, TaskPartKind, task_parts
from lianjian.keytasks.models import Milestone, TaskState

COPIED = ("weight", "planned_on", "done_on", "accepted_on", "accepted_by_id", "position")
WRITTEN = ("weight", "planned_on", "done_on", "accepted_on", "accepted_by_id")
RIGHTS = {
    "change": ("计划日期", "无权修改节点计划（须为下达组织的管理员）"),
    "report": ("完成日期", "无权报告节点完成（须为责任人或责任组织的管理员）"),
    "confirm": (
        "验收日期",
        "无权验收该节点（须为下达组织的管理员，责任组织不能验收自己的节点）",
    ),
}


def _needs(m: Milestone, current: Milestone | None) -> set[str]:
    """The rights a row needs: those of each part of the milestone it changes."""
    needs: set[str] = set()
    if current is None or (m.weight, m.planned_on) != (current.weight, current.planned_on):
        needs.add("change")
    if (current is None and m.done_on is not None) or (
        current is not None and m.done_on != current.done_on
    ):
        needs.add("report")
    if (current is None and m.accepted_on is not None) or (
        current is not None and m.accepted_on != current.accepted_on
    ):
        needs.add("confirm")
    return needs


class MilestoneExcel(TaskPartKind):
    """The ``milestones`` kind."""

    name = "milestones"
    label = "关键任务里程碑"
    columns = MILESTONE_COLUMNS
    rights = RIGHTS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "以“任务编码 + 节点名称”识别节点：已存在则更新。",
            "权重和计划日期由下达组织维护；完成日期由责任方报告；验收日期由下达组织填写（责任组织不能验收自己的节点）。",
        ]

    def check(self, sheet: Sheet, user: Any) -> list[Planned]:
        """Every row against the stored milestones and the rules; what each row needs."""
        errors = sheet.errors
        plan: list[Planned] = []
        day = today()
        for number, values, task, name, current in task_parts(
            sheet, user, Milestone, "name", MC["节点名称"]
        ):
            m = Milestone(task=task, name=name)
            if current is not None:
                m.pk = current.pk
                for f in COPIED:
                    setattr(m, f, getattr(current, f))
            for header, field in MILESTONE_SIMPLE:
                value = values[MC[header]]
                if value is not ABSENT and value is not INVALID:
                    setattr(m, field, value)
            problem = rules.weight_problem(m.weight)
            if problem:
                errors.add(number, "权重", problem)
            for field, reason in rules.milestone_date_errors(
                m.planned_on, m.done_on, m.accepted_on, day
            ).items():
                errors.add(number, MILESTONE_HEADERS[field], reason)
            year = task.task_list.year
            if (
                isinstance(m.planned_on, datetime.date)
                and not year - rules.YEAR_SLACK <= m.planned_on.year <= year + rules.YEAR_SLACK
            ):
                errors.add(number, "计划日期", f"计划日期应在清单年度 {year} 前后一年内")
            needs = _needs(m, current)
            if current is not None and current.accepted_on is not None and "report" in needs:
                errors.add(number, "完成日期", "节点已验收，不能修改完成日期")
            if task.state in (TaskState.CANCELLED, TaskState.ARCHIVED) and needs:
                errors.add(number, "任务编码", f"任务已{task.state}，不能修改里程碑")
            plan.append((number, m, current, needs))
        return plan

    def write(
        self, plan: list[Planned], *, actor: Any, file_name: str, result: ImportResult
    ) -> None:
        now = timezone.now()
        note = f"Excel 导入：{file_name}"
        audits: list[dict[str, Any]] = []
        by = actor_fields(actor)
        creates: list[Milestone] = []
        updates: list[Milestone] = []
        planned: dict[int, list[str]] = defaultdict(list)
        with transaction.atomic():
            for _, m, current, needs in plan:
                if "confirm" in needs:
                    m.accepted_by = by if m.accepted_on is not None else None
                if current is None:
                    creates.append(m)
                    planned[m.task.task_list_id].append(f"{m.task.code}/{m.name}")
                elif needs:
                    before = snapshot(current)
                    for f in WRITTEN:
                        setattr(current, f, getattr(m, f))
                    current.updated_at = now
                    updates.append(current)
                    audits.append(update_audit(actor, current, before, note))
                    if "change" in needs:
                        planned[m.task.task_list_id].append(f"{m.task.code}/{m.name}")
            Milestone.objects.bulk_create(creates, batch_size=1000)
            audits.extend(create_audits(actor, creates, note, lambda m: m.name))
            if updates:
                Milestone.objects.bulk_update(
                    updates,
                    ["weight", "planned_on", "done_on", "accepted_on", "accepted_by", "updated_at"],
                    batch_size=1000,
                )
            new_versions(
                {pk: {"milestones": codes} for pk, codes in planned.items()},
                actor=actor,
                summary=f"{note}：里程碑计划",
            )
            close_audits(self, audits, actor=actor, result=result, file_name=file_name, now=now)

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        return milestone_rows(user=user, org_code=org_code)
