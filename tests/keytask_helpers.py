"""A small key-task list on the shared world (conftest): the company (DW) list with a parent
task (子任务) and two branch sub-tasks — ZB-A's (owner 张三 M-A1) and ZB-B's (owner 王五 M-B1)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from lianjian.core.validation import today
from lianjian.keytasks import services
from lianjian.keytasks.models import KeyTask, KeyTaskList, TaskCategory


@dataclass
class Tasks:
    lst: KeyTaskList
    parent: KeyTask
    a: KeyTask
    b: KeyTask


def category(name: str = "技改项目") -> TaskCategory:
    return TaskCategory.objects.get(name=name)


def make_tasks(world, *, issue: bool = True, code: str = "QD-T") -> Tasks:
    year = today().year
    lst = services.list_create(
        actor=None,
        organisation=world.dw,
        year=year,
        name=f"{year}年党建+关键任务清单",
        code=code,
        approval_ref=f"{year}年第2次党委会",
        approved_on=datetime.date(year, 1, 5),
    )
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    parent = services.task_create(
        actor=None,
        task_list=lst,
        code=f"{code}-1",
        name="配网自动化改造",
        category=category(),
        theme="党建+技改",
        owner_org=world.dw,
        planned_start=start,
        planned_end=end,
        progress_mode="子任务",
    )
    a = services.task_create(
        actor=None,
        task_list=lst,
        code=f"{code}-1-A",
        parent=parent,
        name="营销片区配网改造",
        category=category(),
        owner_org=world.zb_a,
        owner=world.m_a1,
        planned_start=start,
        planned_end=end,
    )
    b = services.task_create(
        actor=None,
        task_list=lst,
        code=f"{code}-1-B",
        parent=parent,
        name="运检片区配网改造",
        category=category(),
        owner_org=world.zb_b,
        owner=world.m_b1,
        planned_start=start,
        planned_end=end,
    )
    if issue:
        services.list_transition(None, lst, "issue")
        for t in (parent, a, b):
            t.refresh_from_db()
        lst.refresh_from_db()
    return Tasks(lst, parent, a, b)
