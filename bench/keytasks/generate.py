"""Generate a company-scale key-task list: 2,000 tasks and 40,000 milestones (fixed seed).

One company committee (``KB``) with 40 branches (``KB-ZB01`` …), one list ``KB-GJRW`` of
the current year (执行中): 100 company tasks (子任务) of 19 sub-tasks each, owned by the
branches in turn — 1,600 by milestones (25 each, about a third accepted), 200 manual, 100 by
KPI — in the active states, with a spread of planned ends so that every colour occurs.
Rows are written with ``bulk_create`` (the services' checks are not what is timed here).
"""

from __future__ import annotations

import datetime
import random

from lianjian.keytasks import rules
from lianjian.keytasks.models import KeyTask, KeyTaskList, Milestone, TaskCategory
from lianjian.orgs.models import Organisation, OrgKind

LIST_CODE = "KB-GJRW"
PARENTS = 100
CHILDREN = 19
MILESTONES = 25
BRANCHES = 40


def generate(year: int, seed: int = 1) -> KeyTaskList:
    rnd = random.Random(seed)
    root = Organisation(
        code="KB", name="基准公司党委", kind=OrgKind.COMMITTEE, path="/KB/", depth=0
    )
    root.save()
    branches = []
    for i in range(1, BRANCHES + 1):
        code = f"KB-ZB{i:02d}"
        org = Organisation(
            code=code,
            name=f"基准第{i}党支部",
            kind=OrgKind.BRANCH,
            parent=root,
            path=f"/KB/{code}/",
            depth=1,
        )
        org.save()
        branches.append(org)
    categories = list(TaskCategory.objects.order_by("position", "id"))
    task_list = KeyTaskList.objects.create(
        code=LIST_CODE,
        organisation=root,
        year=year,
        name=f"{year}年党建+关键任务清单（基准）",
        state=rules.LIST_RUNNING,
        approval_ref=f"{year}年第2次党委会",
        approved_on=datetime.date(year, 1, 5),
    )
    start = datetime.date(year, 1, 1)
    states = (rules.IN_PROGRESS,) * 8 + (rules.CLAIMED, rules.ACCEPTANCE)
    parents = KeyTask.objects.bulk_create(
        KeyTask(
            code=f"KB-{p:03d}",
            task_list=task_list,
            name=f"公司重点任务{p}",
            category=categories[p % len(categories)],
            theme=f"党建+主题{p % 6}",
            owner_org=root,
            planned_start=start,
            planned_end=datetime.date(year, 12, 31),
            progress_mode=rules.CHILDREN,
            state=rules.IN_PROGRESS,
            started_on=start,
            position=p,
        )
        for p in range(1, PARENTS + 1)
    )
    children: list[KeyTask] = []
    for p, parent in enumerate(parents, start=1):
        for c in range(1, CHILDREN + 1):
            n = (p - 1) * CHILDREN + c
            mode = rules.MILESTONES if n % 19 < 16 else rules.MANUAL if n % 19 < 18 else rules.KPI
            end = start + datetime.timedelta(days=rnd.randint(120, 364))
            children.append(
                KeyTask(
                    code=f"KB-{p:03d}-{c:02d}",
                    task_list=task_list,
                    parent=parent,
                    name=f"子任务{p}-{c}",
                    category=parent.category,
                    theme=parent.theme,
                    owner_org=branches[n % BRANCHES],
                    planned_start=start,
                    planned_end=end,
                    progress_mode=mode,
                    weight=float(rnd.choice((1, 1, 2, 3))),
                    manual_progress=rnd.uniform(0, 100) if mode == rules.MANUAL else None,
                    kpi_baseline=0.0 if mode == rules.KPI else None,
                    kpi_target=100.0 if mode == rules.KPI else None,
                    kpi_current=rnd.uniform(0, 120) if mode == rules.KPI else None,
                    kpi_direction=rules.HIGHER if mode == rules.KPI else "",
                    state=rnd.choice(states),
                    started_on=start,
                    position=c,
                )
            )
    children = KeyTask.objects.bulk_create(children, batch_size=500)
    milestones: list[Milestone] = []
    for task in children:
        if task.progress_mode != rules.MILESTONES:
            continue
        span = (task.planned_end - start).days
        for m in range(1, MILESTONES + 1):
            planned = start + datetime.timedelta(days=span * m // MILESTONES)
            accepted = rnd.random() < 0.35
            milestones.append(
                Milestone(
                    task=task,
                    name=f"节点{m}",
                    weight=float(rnd.choice((1, 1, 2))),
                    planned_on=planned,
                    done_on=planned if accepted else None,
                    accepted_on=planned if accepted else None,
                    position=m,
                )
            )
    Milestone.objects.bulk_create(milestones, batch_size=2000)
    return task_list
