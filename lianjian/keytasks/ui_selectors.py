"""Reads that shape key tasks for the screens: a list as a tree of rows (progress, 序时进度,
colour), one task's row, its children and milestones, "我的任务", a sponsor's red and yellow
items, roll-ups per organisation and per theme, a task's history.

Progress, 序时进度 and colour come from :func:`lianjian.keytasks.selectors.list_status` — the
one computation the command line (``lianjian tasks status``) and the API use too — over all
the tasks of a list (a parent's progress counts children the user may not see); the screens
then show only the rows ``KeyTask.objects.visible_to(user)`` lets through. A list is loaded
in a fixed number of queries however many tasks it has.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import ForeignKey, Q
from pydantic import Field

from lianjian.core.audit import target_type
from lianjian.core.filters import ListFilter
from lianjian.core.models import AuditLog
from lianjian.keytasks import rules, selectors
from lianjian.keytasks.models import (
    Evidence,
    KeyTask,
    KeyTaskList,
    Milestone,
    ProgressReport,
    TaskCategory,
)
from lianjian.orgs.models import Member, Organisation

COLOURS = {"red": "红色预警", "yellow": "黄色预警", "green": "正常"}
# The main line of a task's states (the side states 退回, 暂缓, 撤销 are shown as badges).
MAIN_STATES = (
    rules.DRAFT,
    rules.ISSUED,
    rules.CLAIMED,
    rules.IN_PROGRESS,
    rules.ACCEPTANCE,
    rules.ACCEPTED,
    rules.ARCHIVED,
)


@dataclass
class TaskRow:
    """One task as a screen shows it."""

    task: KeyTask
    depth: int
    progress: float | None
    expected: float | None
    colour: str  # green / yellow / red; "" when the task does not colour (草拟, 撤销 …)

    @property
    def indent(self) -> int:
        """The indentation class of the row (deeper levels share the last one)."""
        return min(self.depth, 4)

    @property
    def lag(self) -> float | None:
        if self.expected is None:
            return None
        return round(self.expected - (self.progress or 0.0), 1)


class TreeFilter(ListFilter):
    """Filters of a list's tree and timeline."""

    q: str | None = Field(None, max_length=100, description="在任务编码、名称中查找")
    category: str | None = Field(None, max_length=50, description="类别名称")
    theme: str | None = Field(None, max_length=100, description="党建+X 主题")
    owner_org: str | None = Field(None, max_length=32, description="责任组织编码（含下级）")
    colour: str | None = Field(None, pattern="^(red|yellow|green)$", description="三色预警")
    state: str | None = Field(None, max_length=8, description="任务状态")

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in type(self).model_fields)


def _relation(name: str) -> ForeignKey[Any, Any]:
    """The foreign key ``name`` of a task, to set its cached object without a query."""
    return cast("ForeignKey[Any, Any]", KeyTask._meta.get_field(name))


def _tasks_of(lists: Iterable[int], *, cards: bool = False) -> list[KeyTask]:
    """The tasks of whole lists with what a tree row shows (``cards``: also the list's name),
    in three queries (four for cards) however many tasks: the tasks, then their categories and owner
    organisations once each (a list shares a few of them among all its tasks; joining them
    would build one copy per task). The owners are read for the shown page only
    (:func:`with_owners`)."""
    tasks = list(
        KeyTask.objects.filter(task_list_id__in=list(lists)).order_by(
            "task_list_id", "position", "code"
        )
    )
    shared: list[tuple[str, dict[Any, Any]]] = [
        ("category", TaskCategory.objects.in_bulk({t.category_id for t in tasks})),
        ("owner_org", Organisation.objects.in_bulk({t.owner_org_id for t in tasks})),
    ]
    if cards:
        shared.append(("task_list", KeyTaskList.objects.in_bulk({t.task_list_id for t in tasks})))
    for name, objects in shared:
        field = _relation(name)
        attname = f"{name}_id"
        for t in tasks:
            field.set_cached_value(t, objects[getattr(t, attname)])
    return tasks


def with_owners(rows: Sequence[TaskRow]) -> Sequence[TaskRow]:
    """``rows`` (a page) with their tasks' owners loaded, in one query."""
    members = Member.objects.in_bulk({r.task.owner_id for r in rows if r.task.owner_id})
    owner_field = _relation("owner")
    for r in rows:
        owner_field.set_cached_value(
            r.task, members.get(r.task.owner_id) if r.task.owner_id else None
        )
    return rows


def _ordered(tasks: Sequence[KeyTask], visible: set[int]) -> list[tuple[KeyTask, int]]:
    """Depth-first order of the visible tasks (siblings by position, code); a task's depth
    counts its visible ancestors only, so a branch sees its sub-tasks as roots."""
    ids = {t.pk for t in tasks}
    kids: dict[int | None, list[KeyTask]] = defaultdict(list)
    for t in tasks:
        kids[t.parent_id if t.parent_id in ids else None].append(t)
    out: list[tuple[KeyTask, int]] = []
    stack: list[tuple[KeyTask, int]] = [(t, 0) for t in reversed(kids[None])]
    seen: set[int] = set()
    while stack:
        task, depth = stack.pop()
        if task.pk in seen:
            continue
        seen.add(task.pk)
        shown = task.pk in visible
        if shown:
            out.append((task, depth))
        below = depth + 1 if shown else depth
        stack.extend((c, below) for c in reversed(kids[task.pk]))
    return out


def _rows(tasks: Sequence[KeyTask], visible: set[int], today: datetime.date) -> list[TaskRow]:
    by_list: dict[int, list[KeyTask]] = defaultdict(list)
    for t in tasks:
        by_list[t.task_list_id].append(t)
    # Every list's statuses in one call (its reads are per call, not per list): the lists'
    # trees are disjoint, so each parent still counts exactly its own children. No tasks,
    # no call (it would read the deadline rule for nothing).
    status = selectors.task_statuses(tasks, today) if tasks else {}
    rows: list[TaskRow] = []
    for members in by_list.values():
        for task, depth in _ordered(members, visible):
            s = status[task.pk]
            rows.append(TaskRow(task, depth, s.progress, s.expected, s.colour))
    return rows


def list_tree(user: Any, task_list: KeyTaskList, today: datetime.date) -> list[TaskRow]:
    """The tasks of ``task_list`` the user sees, as a tree in display order."""
    tasks = _tasks_of([task_list.pk])
    list_field = _relation("task_list")
    for t in tasks:
        list_field.set_cached_value(t, task_list)
    visible = set(
        KeyTask.objects.visible_to(user).filter(task_list=task_list).values_list("pk", flat=True)
    )
    return _rows(tasks, visible, today)


def filter_rows(rows: Sequence[TaskRow], f: TreeFilter) -> list[TaskRow]:
    """The rows matching every filter given; the organisation filter takes its subtree."""
    out = []
    q = (f.q or "").strip().lower()
    for r in rows:
        t = r.task
        if q and q not in t.code.lower() and q not in t.name.lower():
            continue
        if f.category and t.category.name != f.category:
            continue
        if f.theme and t.theme != f.theme:
            continue
        if f.owner_org and f"/{f.owner_org}/" not in t.owner_org.path:
            continue
        if f.colour and r.colour != f.colour:
            continue
        if f.state and t.state != f.state:
            continue
        out.append(r)
    return out


@dataclass
class Figures:
    total: int
    red: int
    yellow: int
    green: int
    done: int
    progress: float | None
    expected: float | None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def figures(rows: Sequence[TaskRow]) -> Figures:
    """Counts by colour, tasks accepted, and the mean progress and 序时进度 of the counted
    tasks (撤销 left out)."""
    counted = [r for r in rows if r.task.state != rules.CANCELLED]
    return Figures(
        total=len(counted),
        red=sum(r.colour == "red" for r in counted),
        yellow=sum(r.colour == "yellow" for r in counted),
        green=sum(r.colour == "green" for r in counted),
        done=sum(r.task.state in rules.DONE_STATES for r in counted),
        progress=_mean([r.progress or 0.0 for r in counted]),
        expected=_mean([r.expected for r in counted if r.expected is not None]),
    )


def task_row(user: Any, task: KeyTask, today: datetime.date) -> TaskRow:
    """The row of one (visible) task, its status computed with its whole list."""
    s = selectors.statuses_for([task], today)[task.pk]
    return TaskRow(task, 0, s.progress, s.expected, s.colour)


def children_rows(user: Any, task: KeyTask, today: datetime.date) -> list[TaskRow]:
    """The direct sub-tasks of ``task`` that the user sees, by position and code."""
    children = list(
        KeyTask.objects.visible_to(user)
        .filter(parent=task)
        .select_related("category", "owner_org", "owner")
        .order_by("position", "code")
    )
    status = selectors.statuses_for(children, today)
    return [
        TaskRow(c, 1, status[c.pk].progress, status[c.pk].expected, status[c.pk].colour)
        for c in children
    ]


@dataclass
class MilestoneRow:
    milestone: Milestone
    colour: str


def milestone_rows(task: KeyTask, today: datetime.date) -> list[MilestoneRow]:
    """The task's milestones in plan order, each coloured by the 逾期天数 preset."""
    milestones = list(task.milestones.all())
    colours = selectors.milestone_colours(milestones, today)
    return [MilestoneRow(m, colours[m.pk]) for m in milestones]


def history(task: KeyTask, limit: int = 100) -> list[AuditLog]:
    """The audit rows of the task, its milestones, reports and evidence, newest first. Rows
    are keyed by ``audit_key``: the task's code, ``CODE/节点`` and ``CODE/期间`` (a code
    holds no ``/``), evidence by id."""
    prefix = f"{task.code}/"
    keys = (
        Q(target_type=target_type(KeyTask), target_id=task.code)
        | Q(target_type=target_type(Milestone), target_id__startswith=prefix)
        | Q(target_type=target_type(ProgressReport), target_id__startswith=prefix)
    )
    evidence = [str(pk) for pk in Evidence.objects.filter(task=task).values_list("pk", flat=True)]
    if evidence:
        keys |= Q(target_type=target_type(Evidence), target_id__in=evidence)
    return list(AuditLog.objects.filter(keys).order_by("-at", "-id")[:limit])


def _rows_where(user: Any, cond: Q, today: datetime.date) -> list[TaskRow]:
    mine = KeyTask.objects.visible_to(user).filter(cond).exclude(state=rules.CANCELLED)
    # The tasks and their lists in one read (我的 calls this on every visit).
    pairs = set(mine.values_list("pk", "task_list_id"))
    ids = {pk for pk, _ in pairs}
    lists = {list_id for _, list_id in pairs}
    rows = _rows(_tasks_of(lists, cards=True), ids, today)
    rank = {"red": 0, "yellow": 1, "green": 2, "": 3}
    for r in rows:
        r.depth = 0
    return sorted(rows, key=lambda r: (rank[r.colour], r.task.planned_end, r.task.code))


def my_rows(user: Any, today: datetime.date) -> list[TaskRow]:
    """The tasks the user's member record owns or takes part in, the most urgent first."""
    member_id = getattr(user, "member_id", None)
    if member_id is None:
        return []
    return _rows_where(user, Q(owner_id=member_id) | Q(participants=member_id), today)


def sponsor_rows(user: Any, today: datetime.date) -> list[TaskRow]:
    """The red and yellow tasks the user's member record sponsors (包保)."""
    member_id = getattr(user, "member_id", None)
    if member_id is None:
        return []
    rows = _rows_where(user, Q(sponsor_id=member_id), today)
    return [r for r in rows if r.colour in ("red", "yellow")]


@dataclass
class RollupLine:
    key: str
    label: str
    figures: Figures


def rollup(rows: Sequence[TaskRow]) -> tuple[list[RollupLine], list[RollupLine]]:
    """Figures per owner organisation and per theme (党建+X; "未设主题" for none)."""
    by_org: dict[str, list[TaskRow]] = defaultdict(list)
    names: dict[str, str] = {}
    by_theme: dict[str, list[TaskRow]] = defaultdict(list)
    for r in rows:
        by_org[r.task.owner_org.code].append(r)
        names[r.task.owner_org.code] = r.task.owner_org.name
        by_theme[r.task.theme or ""].append(r)
    orgs = [RollupLine(code, names[code], figures(group)) for code, group in by_org.items()]
    themes = [
        RollupLine(theme, theme or "未设主题", figures(group)) for theme, group in by_theme.items()
    ]
    orgs.sort(key=lambda line: line.key)
    themes.sort(key=lambda line: (line.key == "", line.key))
    return orgs, themes


def visible_rows(
    user: Any, task_list: KeyTaskList | None, year: int, today: datetime.date
) -> list[TaskRow]:
    """The tasks the user sees of one list, or of every visible list of ``year``."""
    if task_list is not None:
        return list_tree(user, task_list, today)
    visible = KeyTask.objects.visible_to(user).filter(task_list__year=year)
    ids = set(visible.values_list("pk", flat=True))
    lists = set(visible.values_list("task_list_id", flat=True))
    return _rows(_tasks_of(lists), ids, today)
