"""The ``tasks`` kind, step by step: what a file names (looked up once, a batch at a time),
the task each row leaves, the lists the rows go into, the tree they form, and the rights
they need. Every problem is added to the sheet's errors under its row and column."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from lianjian.core.excel import (
    ABSENT,
    INVALID,
    KEY_TAKEN,
    ErrorList,
    Sheet,
    by_code,
    first_rows,
    hidden_keys,
    refused_keys,
)
from lianjian.core.validation import today
from lianjian.deadlines.models import DeadlinePreset
from lianjian.keytasks import rules
from lianjian.keytasks.excel.columns import COMPARED, OUT_OF_SIGHT, TASK_HEADERS, TASK_SIMPLE, TC
from lianjian.keytasks.excel.common import common_ancestor, values_of, visible
from lianjian.keytasks.models import (
    KeyTask,
    KeyTaskList,
    ListState,
    TaskCategory,
    TaskState,
    task_errors,
)
from lianjian.orgs.models import Member, Organisation


@dataclass
class Row:
    """One row of the file: the task it leaves (``task``) and the stored one (``current``)."""

    number: int
    code: Any
    current: KeyTask | None
    task: KeyTask
    list_code: Any
    year: Any
    parent_code: Any


@dataclass
class Found:
    """What the file names, looked up once: tasks, parents, lists, organisations, members."""

    first: dict[Any, int]
    existing: dict[str, KeyTask]
    taken: set[str]
    parents: dict[str, KeyTask]
    lists: dict[str, KeyTaskList]
    lists_taken: set[str]
    org_qs: Any
    orgs: dict[str, Organisation]
    members: dict[str, Member]
    categories: dict[str, TaskCategory]
    presets: dict[str, str]
    new_lists: dict[str, KeyTaskList] = field(default_factory=dict)
    parent_of: dict[str, str | None] = field(default_factory=dict)


def look_up(sheet: Sheet, user: Any) -> Found:
    """Every record the file names, in the user's sight (``user`` None: the system)."""
    first = first_rows(sheet, TC["任务编码"], "任务编码")
    task_qs = visible(KeyTask, user)
    existing: dict[str, KeyTask] = by_code(
        KeyTask.objects.select_related("task_list", "owner_org", "owner", "category", "parent"),
        set(first),
    )
    lists: dict[str, KeyTaskList] = by_code(
        KeyTaskList.objects.select_related("organisation"), values_of(sheet, TC["清单编码"])
    )
    org_qs = visible(Organisation, user)
    return Found(
        first=first,
        existing=existing,
        taken=hidden_keys(existing, None if user is None else task_qs),
        parents=by_code(
            task_qs.select_related("task_list"),
            values_of(sheet, TC["上级任务编码"]) - set(first),
        ),
        lists=lists,
        lists_taken=hidden_keys(lists, None if user is None else visible(KeyTaskList, user)),
        org_qs=org_qs,
        orgs=by_code(
            org_qs.only("id", "code", "path", "name", "dissolved"),
            values_of(sheet, TC["责任组织编码"]),
        ),
        members=by_code(
            visible(Member, user).select_related("org"),
            values_of(sheet, TC["责任人编号"]),
            field="number",
        ),
        categories={c.name: c for c in TaskCategory.objects.all()},
        presets={p.name: p.code for p in DeadlinePreset.objects.all()},
    )


def changed(current: KeyTask, task: KeyTask, parent_of: dict[str, str | None] | None) -> bool:
    """Whether a row changes its stored task (with ``parent_of``: its parent too)."""
    if any(getattr(current, f) != getattr(task, f) for f in COMPARED):
        return True
    if parent_of is None:
        return False
    old = current.parent.code if current.parent_id and current.parent else None
    return old != parent_of.get(current.code)


def _copy(task: KeyTask, values: Any) -> None:
    """Lay the file's present cells that are copied as they are over ``task``."""
    for header, name in TASK_SIMPLE:
        value = values[TC[header]]
        if value is not ABSENT and value is not INVALID:
            setattr(task, name, value if value is not None or name not in ("kpi_unit",) else "")
    for header, name, default in (("权重", "weight", 1.0), ("不计入", "excluded", False)):
        value = values[TC[header]]
        if value is not ABSENT and value is not INVALID:
            setattr(task, name, default if value is None else value)


def _link(task: KeyTask, values: Any, found: Found, errors: ErrorList, number: int) -> None:
    """Resolve the row's category, organisation, owner and preset onto ``task``."""
    categories = found.categories
    category = values[TC["类别"]]
    if isinstance(category, str) and category:
        hit = categories.get(category)
        if hit is None or not hit.active:
            active = "、".join(c for c, o in categories.items() if o.active)
            errors.add(number, "类别", f"类别“{category}”不存在（可选：{active}）")
        else:
            task.category = hit
    org_code = values[TC["责任组织编码"]]
    if isinstance(org_code, str) and org_code:
        org = found.orgs.get(org_code)
        if org is None:
            errors.add(number, "责任组织编码", f"组织 {org_code} {OUT_OF_SIGHT}")
        else:
            task.owner_org = org
    owner_no = values[TC["责任人编号"]]
    if owner_no is not ABSENT and owner_no is not INVALID:
        if owner_no:
            member = found.members.get(owner_no)
            if member is None:
                errors.add(number, "责任人编号", f"党员 {owner_no} {OUT_OF_SIGHT}")
            else:
                task.owner = member
        else:
            task.owner = None
    preset = values[TC["预警方案"]]
    if preset is not ABSENT and preset is not INVALID:
        if preset and preset not in found.presets:
            choices = "、".join(found.presets)
            errors.add(number, "预警方案", f"预警方案“{preset}”不存在（可选：{choices}）")
        elif preset:
            task.preset = found.presets[preset]
        else:
            task.preset = ""


def build_rows(sheet: Sheet, found: Found) -> list[Row]:
    """The task each row leaves: the stored one (or a new one) with the file's cells."""
    errors = sheet.errors
    plan: list[Row] = []
    for number, values in sheet.rows:
        code = values[TC["任务编码"]]
        first_here = code is not INVALID and found.first.get(code) == number
        current = found.existing.get(code) if first_here else None
        if code in found.taken and first_here:
            errors.add(number, "任务编码", KEY_TAKEN)
        list_code = values[TC["清单编码"]]
        if list_code in found.lists_taken:
            errors.add(number, "清单编码", KEY_TAKEN)
        task = KeyTask(code=code if isinstance(code, str) else "")
        if current is not None:
            for name in (*COMPARED, "task_list_id", "manual_progress", "state", "pk"):
                setattr(task, name, getattr(current, name))
            task.id = current.pk
        _copy(task, values)
        if values[TC["主题"]] is ABSENT and current is None:
            task.theme = ""
        _link(task, values, found, errors, number)
        year, parent_code = values[TC["年度"]], values[TC["上级任务编码"]]
        plan.append(Row(number, code, current, task, list_code, year, parent_code))
    return plan


def place_lists(plan: list[Row], found: Found, errors: ErrorList) -> None:
    """Existing lists (year, state) checked; new lists (for the organisation above every
    owner of their rows) made, unsaved, into ``found.new_lists``."""
    rows_of: dict[str, list[Row]] = defaultdict(list)
    for row in plan:
        if isinstance(row.list_code, str) and row.list_code not in found.lists_taken:
            rows_of[row.list_code].append(row)
    org_by_path = (
        {o.path: o for o in found.org_qs.only("id", "code", "path", "name")}
        if any(code not in found.lists for code in rows_of)
        else {}
    )
    for list_code, rows_here in rows_of.items():
        years = {r.year for r in rows_here if isinstance(r.year, int)}
        found_list = found.lists.get(list_code)
        if found_list is not None:
            for r in rows_here:
                if isinstance(r.year, int) and r.year != found_list.year:
                    errors.add(r.number, "年度", f"清单 {list_code} 的年度为 {found_list.year}")
                if found_list.state == ListState.CLOSED:
                    errors.add(r.number, "清单编码", f"清单 {list_code} 已关闭，不能导入")
            continue
        if len(years) > 1:
            for r in rows_here:
                errors.add(r.number, "年度", f"同一清单 {list_code} 的年度不一致")
        owners = [r.task.owner_org for r in rows_here if r.task.owner_org_id is not None]
        root = org_by_path.get(common_ancestor(owners) if owners else "")
        if root is None:
            if owners:
                reason = f"新清单 {list_code} 的各责任组织没有您可见的共同上级组织"
                for r in rows_here:
                    errors.add(r.number, "清单编码", reason)
            continue
        year = next(iter(years)) if len(years) == 1 else None
        problem = rules.list_year_problem(year, today().year) if year is not None else ""
        if problem:
            for r in rows_here:
                errors.add(r.number, "年度", problem)
            continue
        found.new_lists[list_code] = KeyTaskList(
            code=list_code,
            organisation=root,
            year=year or today().year,
            name=f"{year}年党建+关键任务清单（{root.name}）"[:200],
        )


def check_rows(plan: list[Row], found: Found, errors: ErrorList) -> dict[str, str]:
    """Each row against its list and the task rules (a stored task stays in its list); the
    parent each row asks for goes into ``found.parent_of``. Task code → list code."""
    list_of: dict[str, str] = {}
    for row in plan:
        task, current, number = row.task, row.current, row.number
        lst = found.lists.get(row.list_code) or found.new_lists.get(row.list_code)
        if current is not None and lst is not None and current.task_list_id != lst.pk:
            errors.add(
                number,
                "清单编码",
                f"任务 {row.code} 属于清单 {current.task_list.code}，不能移到其他清单",
            )
            lst = None
        if lst is None:
            for name, reason in task_errors(task).items():
                errors.add(number, TASK_HEADERS.get(name, "任务编码"), reason)
            continue
        if current is None and lst.pk is not None:
            task.task_list = lst
        if (
            current is not None
            and current.state in (TaskState.CANCELLED, TaskState.ARCHIVED)
            and changed(current, task, None)
        ):
            errors.add(number, "任务编码", f"任务已{current.state}，不能修改")
        for name, reason in task_errors(task, lst).items():
            kept = current is not None and current.owner_org_id == task.owner_org_id
            if name == "owner_org" and kept and "撤销" in reason:
                continue
            errors.add(number, TASK_HEADERS.get(name, "任务编码"), reason)
        if isinstance(row.code, str):
            list_of[row.code] = row.list_code
            if row.parent_code is ABSENT:
                stored_parent = current.parent if current is not None else None
                found.parent_of[row.code] = stored_parent.code if stored_parent else None
            elif row.parent_code is not INVALID:
                found.parent_of[row.code] = row.parent_code or None
    return list_of


def _stored_parent(found: Found, code: str) -> str | None:
    stored = found.parents.get(code) or found.existing.get(code)
    return stored.parent.code if stored is not None and stored.parent_id and stored.parent else None


def check_tree(plan: list[Row], found: Found, list_of: dict[str, str], errors: ErrorList) -> None:
    """Parents: in the file or stored, in the same list; no cycle."""
    parent_of = found.parent_of
    for row in plan:
        code = row.code
        parent_code = parent_of.get(code) if isinstance(code, str) else None
        if not parent_code:
            continue
        if parent_code == code:
            errors.add(row.number, "上级任务编码", "上级任务不能是本任务")
            continue
        if parent_code in list_of:
            same = list_of[parent_code] == list_of.get(code)
        elif parent_code in found.parents or parent_code in found.existing:
            stored = found.parents.get(parent_code) or found.existing[parent_code]
            same = stored.task_list.code == list_of.get(code)
        else:
            errors.add(row.number, "上级任务编码", f"任务 {parent_code} {OUT_OF_SIGHT}")
            continue
        if not same:
            errors.add(row.number, "上级任务编码", "上级任务须属于同一清单")
            continue
        seen = {code}
        step: str | None = parent_code
        while step:
            if step in seen:
                errors.add(row.number, "上级任务编码", "上级任务不能是本任务的下级任务（形成循环）")
                break
            seen.add(step)
            step = parent_of[step] if step in parent_of else _stored_parent(found, step)


def check_rights(plan: list[Row], found: Found, user: Any, errors: ErrorList) -> None:
    """One question per kind of record touched: the lists changed, the organisations of the
    new lists."""
    refused_lists = refused_keys(
        KeyTaskList.objects.all(), user, "change", {lst.pk for lst in found.lists.values()}
    )
    refused_orgs = refused_keys(
        Organisation.objects.all(),
        user,
        "change",
        {lst.organisation_id for lst in found.new_lists.values()},
    )
    for row in plan:
        lst = found.lists.get(row.list_code)
        if lst is not None and lst.pk in refused_lists:
            errors.add(row.number, "清单编码", f"无权修改清单 {lst.code}（须为下达组织的管理员）")
        new = found.new_lists.get(row.list_code)
        if new is not None and new.organisation_id in refused_orgs:
            errors.add(row.number, "清单编码", f"无权为“{new.organisation.name}”新建清单")
