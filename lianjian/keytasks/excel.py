"""Excel import and export of key tasks (contracts §3): kinds ``tasks``, ``milestones`` and
``task_progress``. All rows are checked first; any error refuses the whole file, every bad
row listed (``第N行 列名：原因``); rows with an existing key update it, so a re-import changes
nothing. The rules are the model's (:func:`lianjian.keytasks.models.task_errors`,
:mod:`lianjian.keytasks.rules`); scope is one aggregate question per kind of right
(:func:`lianjian.core.excel.refused_keys`) about every record the file touches.

- **tasks** (key 任务编码): a 清单编码 that does not exist yet creates the list (草拟) for
  the organisation nearest above every 责任组织 of its rows; an existing list keeps its year
  (年度 must match) and must not be 已关闭. New tasks are 草拟 in a draft list and 已下达 in
  an issued one; a file that changes an issued list makes one new version of it. Rights:
  managing the list's organisation (``change``).
- **milestones** (key 任务编码 + 节点名称): the plan (权重, 计划日期) is the issuing
  organisation's (``change``), 完成日期 the owner side's (``report``), 验收日期 the issuing
  organisation's but never the assessed side's (``confirm``) — each asked only for the rows
  that change it.
- **task_progress** (key 任务编码 + 期间): progress reports submitted (已提交) by the owner
  side (``report``); a report already 已确认 cannot change; the issuing organisation
  confirms on the screens or the API (who is assessed never confirms their own values).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianjian.core.audit import audit_row, diff, snapshot
from lianjian.core.excel import (
    ABSENT,
    INVALID,
    KEY_TAKEN,
    CellError,
    Column,
    ErrorList,
    ExcelFileError,
    ExcelKind,
    ImportResult,
    Sheet,
    bool_column,
    cell_text,
    choice_column,
    chunks,
    date_column,
    float_column,
    format_plain,
    format_text,
    hidden_keys,
    insert_audit,
    parse_pattern,
    refused_keys,
    register,
    text_column,
)
from lianjian.core.models import AuditLog
from lianjian.core.validation import today
from lianjian.deadlines.models import DeadlinePreset
from lianjian.keytasks import rules
from lianjian.keytasks.models import (
    KeyTask,
    KeyTaskList,
    ListState,
    ListVersion,
    Milestone,
    ProgressMode,
    ProgressReport,
    ReportState,
    TaskCategory,
    TaskState,
    task_errors,
)
from lianjian.orgs.excel import export_root, may_import
from lianjian.orgs.models import CODE_RE, Member, Organisation

CODE_REASON = "编码只能包含字母、数字、下划线、点和短横线，最长 32 位"
OUT_OF_SIGHT = "不存在或不在您的范围内"


def code_column(header: str, *, required: bool = False, note: str = "") -> Column:
    return Column(
        header,
        parse_pattern(32, CODE_RE, CODE_REASON),
        required,
        "" if required else None,
        format_text,
        note or "字母、数字、下划线、点和短横线，最长 32 位",
        14,
    )


def parse_year(value: Any) -> int:
    text = cell_text(value)
    if not re.fullmatch(r"\d{4}", text):
        raise CellError("应为四位年份，如 2026")
    return int(text)


def parse_period(value: Any) -> str:
    text = cell_text(value)
    if rules.parse_period(text) is None:
        raise CellError("应为月份（如 2026-11）或季度（如 2026Q4）")
    return text


def _by_code(qs: Any, codes: set[str], field: str = "code") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for chunk in chunks(sorted(codes)):
        for obj in qs.filter(**{f"{field}__in": chunk}):
            out[getattr(obj, field)] = obj
    return out


def _values(sheet: Sheet, ix: int) -> set[str]:
    return {v[ix] for _, v in sheet.rows if isinstance(v[ix], str) and v[ix]}


def _actor_fields(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _common_ancestor(orgs: Sequence[Organisation]) -> str:
    """The path of the nearest organisation above (or equal to) every one of ``orgs``."""
    parts = [o.path.strip("/").split("/") for o in orgs]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if all(p == level[0] for p in level):
            common.append(level[0])
        else:
            break
    return f"/{'/'.join(common)}/" if common else ""


# --- tasks ---------------------------------------------------------------------------------

TASK_COLUMNS: tuple[Column, ...] = (
    code_column("清单编码", required=True, note="关键任务清单的编码；不存在时新建（草拟）"),
    Column("年度", parse_year, True, None, format_plain, "清单年度，四位数字", 8),
    code_column("任务编码", required=True, note="任务的唯一编码；已存在则更新，不存在则新建"),
    code_column("上级任务编码", note="同一清单中上级任务的编码；空白为顶层任务"),
    text_column("任务名称", 200, required=True, width=30),
    Column(
        "类别",
        parse_pattern(50, re.compile(r".+"), "不能为空"),
        True,
        "",
        format_text,
        "技改项目、生产任务指标、设备运维、安全环保、其他（管理员可扩充）",
        12,
    ),
    text_column("主题", 100, note="党建+X，如 党建+安全生产"),
    code_column("责任组织编码", required=True),
    code_column("责任人编号", note="责任人的人员编号，须为党员（正式或预备）"),
    date_column("计划开始", required=True),
    date_column("计划完成", required=True),
    choice_column("进度方式", ProgressMode.values, required=True),
    float_column("权重", 0, 1_000_000_000, note="子任务汇总时的权重（如预算），空白为 1"),
    bool_column("不计入", note="是：上级任务汇总进度时不计入本任务"),
    text_column("指标单位", 20),
    float_column("基准值", -1e15, 1e15),
    float_column("目标值", -1e15, 1e15),
    choice_column("指标方向", ("越高越好", "越低越好"), note="进度方式为“指标”时必填"),
    text_column("预警方案", 50, note="预警规则名称，空白为“进度滞后”（关键任务的默认方案）"),
)
TC = {c.header: i for i, c in enumerate(TASK_COLUMNS)}
# model field → column
TASK_HEADERS = {
    "name": "任务名称",
    "category": "类别",
    "theme": "主题",
    "owner_org": "责任组织编码",
    "owner": "责任人编号",
    "planned_start": "计划开始",
    "planned_end": "计划完成",
    "progress_mode": "进度方式",
    "weight": "权重",
    "excluded": "不计入",
    "kpi_unit": "指标单位",
    "kpi_baseline": "基准值",
    "kpi_target": "目标值",
    "kpi_direction": "指标方向",
    "preset": "预警方案",
    "parent": "上级任务编码",
    "manual_progress": "任务编码",
}
# (column, field) copied as they are
TASK_SIMPLE = (
    ("任务名称", "name"),
    ("主题", "theme"),
    ("计划开始", "planned_start"),
    ("计划完成", "planned_end"),
    ("进度方式", "progress_mode"),
    ("指标单位", "kpi_unit"),
    ("基准值", "kpi_baseline"),
    ("目标值", "kpi_target"),
    ("指标方向", "kpi_direction"),
)
COMPARED = (
    "name",
    "theme",
    "planned_start",
    "planned_end",
    "progress_mode",
    "kpi_unit",
    "kpi_baseline",
    "kpi_target",
    "kpi_direction",
    "weight",
    "excluded",
    "category_id",
    "owner_org_id",
    "owner_id",
    "preset",
)


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
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        if not may_import(user):
            result.errors = ["当前账户无权导入数据"]
            return result
        errors = sheet.errors
        first: dict[str, int] = {}
        for number, values in sheet.rows:
            code = values[TC["任务编码"]]
            if code is INVALID:
                continue
            if code in first:
                errors.add(number, "任务编码", f"与第{first[code]}行重复")
            else:
                first[code] = number
        task_qs = KeyTask.objects.all() if user is None else KeyTask.objects.visible_to(user)
        existing: dict[str, KeyTask] = _by_code(
            KeyTask.objects.select_related("task_list", "owner_org", "owner", "category", "parent"),
            set(first),
        )
        taken = hidden_keys(existing, None if user is None else task_qs)
        parents = _by_code(
            task_qs.select_related("task_list"),
            _values(sheet, TC["上级任务编码"]) - set(first),
        )
        list_qs = (
            KeyTaskList.objects.all() if user is None else KeyTaskList.objects.visible_to(user)
        )
        lists: dict[str, KeyTaskList] = _by_code(
            KeyTaskList.objects.select_related("organisation"), _values(sheet, TC["清单编码"])
        )
        lists_taken = hidden_keys(lists, None if user is None else list_qs)
        org_qs = (
            Organisation.objects.all() if user is None else Organisation.objects.visible_to(user)
        )
        orgs: dict[str, Organisation] = _by_code(
            org_qs.only("id", "code", "path", "name", "dissolved"),
            _values(sheet, TC["责任组织编码"]),
        )
        member_qs = Member.objects.all() if user is None else Member.objects.visible_to(user)
        members: dict[str, Member] = _by_code(
            member_qs.select_related("org"), _values(sheet, TC["责任人编号"]), "number"
        )
        categories = {c.name: c for c in TaskCategory.objects.all()}
        presets = {p.name: p.code for p in DeadlinePreset.objects.all()}

        # The rows of each list, for new lists' organisations and the tree check.
        plan: list[dict[str, Any]] = []
        for number, values in sheet.rows:
            code = values[TC["任务编码"]]
            current = (
                existing.get(code) if code is not INVALID and first.get(code) == number else None
            )
            if code in taken and first.get(code) == number:
                errors.add(number, "任务编码", KEY_TAKEN)
            list_code = values[TC["清单编码"]]
            if list_code in lists_taken:
                errors.add(number, "清单编码", KEY_TAKEN)
            task = KeyTask(code=code if isinstance(code, str) else "")
            if current is not None:
                for name in (*COMPARED, "task_list_id", "manual_progress", "state", "pk"):
                    setattr(task, name, getattr(current, name))
                task.id = current.pk
            for header, name in TASK_SIMPLE:
                value = values[TC[header]]
                if value is not ABSENT and value is not INVALID:
                    setattr(
                        task, name, value if value is not None or name not in ("kpi_unit",) else ""
                    )
            if values[TC["主题"]] is ABSENT and current is None:
                task.theme = ""
            for header, name, default in (("权重", "weight", 1.0), ("不计入", "excluded", False)):
                value = values[TC[header]]
                if value is not ABSENT and value is not INVALID:
                    setattr(task, name, default if value is None else value)
            category = values[TC["类别"]]
            if isinstance(category, str) and category:
                found = categories.get(category)
                if found is None or not found.active:
                    errors.add(
                        number,
                        "类别",
                        f"类别“{category}”不存在（可选：{'、'.join(c for c, o in categories.items() if o.active)}）",
                    )
                else:
                    task.category = found
            org_code = values[TC["责任组织编码"]]
            if isinstance(org_code, str) and org_code:
                org = orgs.get(org_code)
                if org is None:
                    errors.add(number, "责任组织编码", f"组织 {org_code} {OUT_OF_SIGHT}")
                else:
                    task.owner_org = org
            owner_no = values[TC["责任人编号"]]
            if owner_no is not ABSENT and owner_no is not INVALID:
                if owner_no:
                    member = members.get(owner_no)
                    if member is None:
                        errors.add(number, "责任人编号", f"党员 {owner_no} {OUT_OF_SIGHT}")
                    else:
                        task.owner = member
                else:
                    task.owner = None
            preset = values[TC["预警方案"]]
            if preset is not ABSENT and preset is not INVALID:
                if preset:
                    if preset not in presets:
                        errors.add(
                            number,
                            "预警方案",
                            f"预警方案“{preset}”不存在（可选：{'、'.join(presets)}）",
                        )
                    else:
                        task.preset = presets[preset]
                else:
                    task.preset = ""
            plan.append(
                {
                    "number": number,
                    "code": code,
                    "current": current,
                    "task": task,
                    "list_code": list_code,
                    "year": values[TC["年度"]],
                    "parent_code": values[TC["上级任务编码"]],
                }
            )

        # Lists: existing (year, state) or new (organisation above every owner).
        new_lists: dict[str, KeyTaskList] = {}
        rows_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in plan:
            if isinstance(row["list_code"], str) and row["list_code"] not in lists_taken:
                rows_of[row["list_code"]].append(row)
        org_by_path = (
            {o.path: o for o in org_qs.only("id", "code", "path", "name")}
            if any(code not in lists for code in rows_of)
            else {}
        )
        for list_code, rows_here in rows_of.items():
            years = {r["year"] for r in rows_here if isinstance(r["year"], int)}
            found_list = lists.get(list_code)
            if found_list is not None:
                for r in rows_here:
                    if isinstance(r["year"], int) and r["year"] != found_list.year:
                        errors.add(
                            r["number"], "年度", f"清单 {list_code} 的年度为 {found_list.year}"
                        )
                    if found_list.state == ListState.CLOSED:
                        errors.add(r["number"], "清单编码", f"清单 {list_code} 已关闭，不能导入")
                continue
            if len(years) > 1:
                for r in rows_here:
                    errors.add(r["number"], "年度", f"同一清单 {list_code} 的年度不一致")
            owners = [r["task"].owner_org for r in rows_here if r["task"].owner_org_id is not None]
            path = _common_ancestor(owners) if owners else ""
            root = org_by_path.get(path)
            if root is None:
                if owners:
                    for r in rows_here:
                        errors.add(
                            r["number"],
                            "清单编码",
                            f"新清单 {list_code} 的各责任组织没有您可见的共同上级组织",
                        )
                continue
            year = next(iter(years)) if len(years) == 1 else None
            problem = rules.list_year_problem(year, today().year) if year is not None else ""
            if problem:
                for r in rows_here:
                    errors.add(r["number"], "年度", problem)
                continue
            new_lists[list_code] = KeyTaskList(
                code=list_code,
                organisation=root,
                year=year or today().year,
                name=f"{year}年党建+关键任务清单（{root.name}）"[:200],
            )

        # Each row against its list and its own rules; a moved task stays in its list.
        parent_of: dict[str, str | None] = {}
        list_of: dict[str, str] = {}
        for row in plan:
            task, current, number = row["task"], row["current"], row["number"]
            list_code = row["list_code"]
            lst = lists.get(list_code) or new_lists.get(list_code)
            if current is not None and lst is not None and current.task_list_id != lst.pk:
                errors.add(
                    number,
                    "清单编码",
                    f"任务 {row['code']} 属于清单 {current.task_list.code}，不能移到其他清单",
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
                and self._changed(current, task, row)
            ):
                errors.add(number, "任务编码", f"任务已{current.state}，不能修改")
            for name, reason in task_errors(task, lst).items():
                if (
                    name == "owner_org"
                    and current is not None
                    and current.owner_org_id == task.owner_org_id
                    and "撤销" in reason
                ):
                    continue
                errors.add(number, TASK_HEADERS.get(name, "任务编码"), reason)
            if isinstance(row["code"], str):
                list_of[row["code"]] = list_code
                parent_code = row["parent_code"]
                if parent_code is ABSENT:
                    parent_of[row["code"]] = (
                        current.parent.code if current is not None and current.parent else None
                    )
                elif parent_code is not INVALID:
                    parent_of[row["code"]] = parent_code or None
        # Parents: in the file or stored, in the same list; no cycle.
        for row in plan:
            code = row["code"]
            parent_code = parent_of.get(code) if isinstance(code, str) else None
            if not parent_code:
                continue
            if parent_code == code:
                errors.add(row["number"], "上级任务编码", "上级任务不能是本任务")
                continue
            if parent_code in list_of:
                same = list_of[parent_code] == list_of.get(code)
            elif parent_code in parents or parent_code in existing:
                stored = parents.get(parent_code) or existing[parent_code]
                same = stored.task_list.code == list_of.get(code)
            else:
                errors.add(row["number"], "上级任务编码", f"任务 {parent_code} {OUT_OF_SIGHT}")
                continue
            if not same:
                errors.add(row["number"], "上级任务编码", "上级任务须属于同一清单")
                continue
            seen = {code}
            step: str | None = parent_code
            while step:
                if step in seen:
                    errors.add(
                        row["number"], "上级任务编码", "上级任务不能是本任务的下级任务（形成循环）"
                    )
                    break
                seen.add(step)
                if step in parent_of:
                    step = parent_of[step]
                else:
                    stored = parents.get(step) or existing.get(step)
                    step = (
                        stored.parent.code
                        if stored is not None and stored.parent_id and stored.parent
                        else None
                    )

        # Rights: one question per kind of record touched.
        if user is not None:
            refused_lists = refused_keys(
                KeyTaskList.objects.all(), user, "change", {lst.pk for lst in lists.values()}
            )
            refused_orgs = refused_keys(
                Organisation.objects.all(),
                user,
                "change",
                {lst.organisation_id for lst in new_lists.values()},
            )
            for row in plan:
                lst = lists.get(row["list_code"])
                if lst is not None and lst.pk in refused_lists:
                    errors.add(
                        row["number"],
                        "清单编码",
                        f"无权修改清单 {lst.code}（须为下达组织的管理员）",
                    )
                new = new_lists.get(row["list_code"])
                if new is not None and new.organisation_id in refused_orgs:
                    errors.add(
                        row["number"], "清单编码", f"无权为“{new.organisation.name}”新建清单"
                    )

        for row in plan:
            if row["current"] is None:
                result.created += 1
            elif self._changed(row["current"], row["task"], row, parent_of):
                result.updated += 1
            else:
                result.unchanged += 1
        if errors:
            result.created = result.updated = result.unchanged = 0
            result.errors = errors.messages()
            return result
        if not dry_run:
            self._write(
                plan,
                lists,
                new_lists,
                parent_of,
                existing,
                parents,
                actor=actor,
                file_name=file_name,
                result=result,
            )
        return result

    @staticmethod
    def _changed(
        current: KeyTask,
        task: KeyTask,
        row: dict[str, Any],
        parent_of: dict[str, str | None] | None = None,
    ) -> bool:
        if any(getattr(current, f) != getattr(task, f) for f in COMPARED):
            return True
        if parent_of is None:
            return False
        old = current.parent.code if current.parent_id and current.parent else None
        return old != parent_of.get(current.code)

    def _write(
        self,
        plan: list[dict[str, Any]],
        lists: dict[str, KeyTaskList],
        new_lists: dict[str, KeyTaskList],
        parent_of: dict[str, str | None],
        existing: dict[str, KeyTask],
        parents: dict[str, KeyTask],
        *,
        actor: Any,
        file_name: str,
        result: ImportResult,
    ) -> None:
        now = timezone.now()
        note = f"Excel 导入：{file_name}"
        audits: list[dict[str, Any]] = []
        changes: dict[str, dict[str, Any]] = defaultdict(dict)
        with transaction.atomic():
            for lst in new_lists.values():
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
            every = {**lists, **new_lists}
            creates: list[KeyTask] = []
            updates: list[KeyTask] = []
            for row in plan:
                task, current = row["task"], row["current"]
                lst = every[row["list_code"]]
                if current is None:
                    task.task_list = lst
                    task.state = (
                        TaskState.DRAFT if lst.state == ListState.DRAFT else TaskState.ISSUED
                    )
                    creates.append(task)
                    changes[lst.code].setdefault("added", []).append(task.code)
                elif self._changed(current, task, row):
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
            ids: dict[str, int] = {}
            for chunk in chunks([t.code for t in creates]):
                ids.update(KeyTask.objects.filter(code__in=chunk).values_list("code", "pk"))
            for t in creates:
                t.pk = ids[t.code]
            if updates:
                KeyTask.objects.bulk_update(
                    updates,
                    [f for f in COMPARED if not f.endswith("_id")]
                    + ["category", "owner_org", "owner", "updated_at"],
                    batch_size=1000,
                )
            # parents, now that every task has an id
            known = {
                **{c: t.pk for c, t in existing.items()},
                **{c: t.pk for c, t in parents.items()},
                **ids,
            }
            reparent: list[KeyTask] = []
            for row in plan:
                code = row["code"]
                target = row["current"] if row["current"] is not None else row["task"]
                wanted = parent_of.get(code)
                wanted_id = known.get(wanted) if wanted else None
                if target.parent_id != wanted_id:
                    target.parent_id = wanted_id
                    reparent.append(target)
                    if row["current"] is not None:
                        changes[row["list_code"]].setdefault(code, {})["parent"] = wanted
            if reparent:
                KeyTask.objects.bulk_update(reparent, ["parent"], batch_size=1000)
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
            for code, change in changes.items():
                lst = every[code]
                if lst.state in rules.VERSIONED_LIST_STATES and change:
                    locked = KeyTaskList.objects.select_for_update().get(pk=lst.pk)
                    locked.version += 1
                    locked.save(update_fields=["version", "updated_at"])
                    ListVersion.objects.create(
                        task_list=locked,
                        number=locked.version,
                        actor=_actor_fields(actor),
                        actor_name=actor.get_username() if _actor_fields(actor) else "系统",
                        summary=note[:500],
                        changes=change,
                    )
            audits.append(
                audit_row(**self.import_audit(actor=actor, result=result, file_name=file_name))
            )
            insert_audit(audits, now)

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = KeyTask.objects.all() if user is None else KeyTask.objects.visible_to(user)
        if org_code:
            root = export_root(user, org_code)
            qs = qs.filter(owner_org__path__startswith=root.path)
        names = {p.code: p.name for p in DeadlinePreset.objects.all()}
        qs = qs.select_related("task_list", "parent", "category", "owner_org", "owner").order_by(
            "task_list__code", "position", "code"
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


# --- milestones ----------------------------------------------------------------------------

MILESTONE_COLUMNS: tuple[Column, ...] = (
    code_column("任务编码", required=True),
    text_column("节点名称", 200, required=True, width=24),
    Column(
        "权重",
        float_column("权重", 0, 1_000_000_000).parse,
        True,
        None,
        format_plain,
        "里程碑权重，≥ 0",
        10,
    ),
    date_column("计划日期", required=True),
    date_column("完成日期", note="责任方报告完成的日期"),
    date_column("验收日期", note="下达组织验收的日期（须已完成）"),
)
MC = {c.header: i for i, c in enumerate(MILESTONE_COLUMNS)}
MILESTONE_HEADERS = {
    "weight": "权重",
    "planned_on": "计划日期",
    "done_on": "完成日期",
    "accepted_on": "验收日期",
}


def _visible_tasks(user: Any, codes: set[str]) -> dict[str, KeyTask]:
    qs = KeyTask.objects.all() if user is None else KeyTask.objects.visible_to(user)
    return _by_code(qs.select_related("task_list__organisation", "owner_org"), codes)


class MilestoneExcel(ExcelKind):
    """The ``milestones`` kind."""

    name = "milestones"
    label = "关键任务里程碑"
    columns = MILESTONE_COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "以“任务编码 + 节点名称”识别节点：已存在则更新。",
            "权重和计划日期由下达组织维护；完成日期由责任方报告；验收日期由下达组织填写（责任组织不能验收自己的节点）。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        if not may_import(user):
            result.errors = ["当前账户无权导入数据"]
            return result
        errors = sheet.errors
        tasks = _visible_tasks(user, _values(sheet, MC["任务编码"]))
        stored: dict[tuple[int, str], Milestone] = {}
        for chunk in chunks([t.pk for t in tasks.values()]):
            for m in Milestone.objects.filter(task_id__in=chunk):
                stored[(m.task_id, m.name)] = m
        first: dict[tuple[str, str], int] = {}
        plan: list[tuple[int, Milestone, Milestone | None, set[str]]] = []
        day = today()
        for number, values in sheet.rows:
            code, name = values[MC["任务编码"]], values[MC["节点名称"]]
            task = tasks.get(code) if isinstance(code, str) else None
            if isinstance(code, str) and task is None:
                errors.add(number, "任务编码", f"任务 {code} {OUT_OF_SIGHT}")
            if not isinstance(code, str) or not isinstance(name, str) or task is None:
                continue
            if (code, name) in first:
                errors.add(number, "节点名称", f"与第{first[(code, name)]}行重复")
                continue
            first[(code, name)] = number
            current = stored.get((task.pk, name))
            m = Milestone(task=task, name=name)
            if current is not None:
                m.pk = current.pk
                for f in (
                    "weight",
                    "planned_on",
                    "done_on",
                    "accepted_on",
                    "accepted_by_id",
                    "position",
                ):
                    setattr(m, f, getattr(current, f))
            for header, field in (
                ("权重", "weight"),
                ("计划日期", "planned_on"),
                ("完成日期", "done_on"),
                ("验收日期", "accepted_on"),
            ):
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
            needs: set[str] = set()
            if current is None or (m.weight, m.planned_on) != (current.weight, current.planned_on):
                needs.add("change")
            if (
                current is None
                and m.done_on is not None
                or current is not None
                and m.done_on != current.done_on
            ):
                needs.add("report")
            if (
                current is None
                and m.accepted_on is not None
                or current is not None
                and m.accepted_on != current.accepted_on
            ):
                needs.add("confirm")
            if current is not None and current.accepted_on is not None and "report" in needs:
                errors.add(number, "完成日期", "节点已验收，不能修改完成日期")
            if task.state in (TaskState.CANCELLED, TaskState.ARCHIVED) and needs:
                errors.add(number, "任务编码", f"任务已{task.state}，不能修改里程碑")
            plan.append((number, m, current, needs))
        if user is not None:
            labels = {
                "change": ("计划日期", "无权修改节点计划（须为下达组织的管理员）"),
                "report": ("完成日期", "无权报告节点完成（须为责任人或责任组织的管理员）"),
                "confirm": (
                    "验收日期",
                    "无权验收该节点（须为下达组织的管理员，责任组织不能验收自己的节点）",
                ),
            }
            for action, (header, reason) in labels.items():
                ids = {m.task_id for _, m, _, needs in plan if action in needs}
                refused = refused_keys(KeyTask.objects.all(), user, action, ids)
                for number, m, _, needs in plan:
                    if action in needs and m.task_id in refused:
                        errors.add(number, header, reason)
        for _, _m, current, needs in plan:
            if current is None:
                result.created += 1
            elif needs:
                result.updated += 1
            else:
                result.unchanged += 1
        if errors:
            result.created = result.updated = result.unchanged = 0
            result.errors = errors.messages()
            return result
        if not dry_run:
            self._write(plan, actor=actor, file_name=file_name, result=result)
        return result

    def _write(
        self,
        plan: list[tuple[int, Milestone, Milestone | None, set[str]]],
        *,
        actor: Any,
        file_name: str,
        result: ImportResult,
    ) -> None:
        now = timezone.now()
        note = f"Excel 导入：{file_name}"
        audits: list[dict[str, Any]] = []
        by = _actor_fields(actor)
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
                    for f in ("weight", "planned_on", "done_on", "accepted_on", "accepted_by_id"):
                        setattr(current, f, getattr(m, f))
                    current.updated_at = now
                    updates.append(current)
                    b, a = diff(before, snapshot(current))
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
                    if "change" in needs:
                        planned[m.task.task_list_id].append(f"{m.task.code}/{m.name}")
            Milestone.objects.bulk_create(creates, batch_size=1000)
            for m in creates:
                audits.append(
                    audit_row(
                        actor=actor,
                        action=AuditLog.Action.CREATE,
                        target=m._meta.label_lower,
                        target_id=m.audit_key,
                        target_repr=m.name,
                        after=snapshot(m),
                        note=note,
                    )
                )
            if updates:
                Milestone.objects.bulk_update(
                    updates,
                    ["weight", "planned_on", "done_on", "accepted_on", "accepted_by", "updated_at"],
                    batch_size=1000,
                )
            for lst in KeyTaskList.objects.select_for_update().filter(
                pk__in=list(planned), state__in=rules.VERSIONED_LIST_STATES
            ):
                lst.version += 1
                lst.save(update_fields=["version", "updated_at"])
                ListVersion.objects.create(
                    task_list=lst,
                    number=lst.version,
                    actor=by,
                    actor_name=actor.get_username() if by else "系统",
                    summary=f"{note}：里程碑计划"[:500],
                    changes={"milestones": planned[lst.pk]},
                )
            audits.append(
                audit_row(**self.import_audit(actor=actor, result=result, file_name=file_name))
            )
            insert_audit(audits, now)

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        tasks = KeyTask.objects.all() if user is None else KeyTask.objects.visible_to(user)
        if org_code:
            root = export_root(user, org_code)
            tasks = tasks.filter(owner_org__path__startswith=root.path)
        qs = (
            Milestone.objects.filter(task__in=tasks)
            .select_related("task")
            .order_by("task__code", "planned_on", "id")
        )
        for m in qs.iterator(chunk_size=2000):
            yield (m.task.code, m.name, m.weight, m.planned_on, m.done_on, m.accepted_on)


# --- task_progress -------------------------------------------------------------------------

PROGRESS_COLUMNS: tuple[Column, ...] = (
    code_column("任务编码", required=True),
    Column(
        "期间", parse_period, True, "", format_text, "月份（如 2026-11）或季度（如 2026Q4）", 10
    ),
    Column("进度", float_column("进度", 0, 100).parse, True, None, format_plain, "0–100（%）", 8),
    float_column("指标值", -1e15, 1e15, note="进度方式为“指标”的任务必填"),
    text_column("说明", 2000, width=40, multiline=True),
)
PC = {c.header: i for i, c in enumerate(PROGRESS_COLUMNS)}


class ProgressExcel(ExcelKind):
    """The ``task_progress`` kind."""

    name = "task_progress"
    label = "关键任务进度"
    columns = PROGRESS_COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "以“任务编码 + 期间”识别进度报告：已存在则更新（已确认的报告不能修改）。",
            "导入的进度为“已提交”，由下达组织确认后计入任务进度（被考核方不能确认自己的进度）。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        if not may_import(user):
            result.errors = ["当前账户无权导入数据"]
            return result
        errors: ErrorList = sheet.errors
        tasks = _visible_tasks(user, _values(sheet, PC["任务编码"]))
        stored: dict[tuple[int, str], ProgressReport] = {}
        for chunk in chunks([t.pk for t in tasks.values()]):
            for r in ProgressReport.objects.filter(task_id__in=chunk):
                stored[(r.task_id, r.period)] = r
        day = today()
        first: dict[tuple[str, str], int] = {}
        plan: list[tuple[int, ProgressReport, ProgressReport | None, bool]] = []
        for number, values in sheet.rows:
            code, period = values[PC["任务编码"]], values[PC["期间"]]
            task = tasks.get(code) if isinstance(code, str) else None
            if isinstance(code, str) and task is None:
                errors.add(number, "任务编码", f"任务 {code} {OUT_OF_SIGHT}")
            if task is None or not isinstance(period, str):
                continue
            if (code, period) in first:
                errors.add(number, "期间", f"与第{first[(code, period)]}行重复")
                continue
            first[(code, period)] = number
            current = stored.get((task.pk, period))
            r = ProgressReport(task=task, period=period)
            if current is not None:
                r.pk = current.pk
                r.percent, r.kpi_value, r.text, r.state = (
                    current.percent,
                    current.kpi_value,
                    current.text,
                    current.state,
                )
            for header, field in (("进度", "percent"), ("指标值", "kpi_value"), ("说明", "text")):
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
            plan.append((number, r, current, changed))
        if user is not None:
            ids = {r.task_id for _, r, _, changed in plan if changed}
            refused = refused_keys(KeyTask.objects.all(), user, "report", ids)
            for number, r, _, changed in plan:
                if changed and r.task_id in refused:
                    errors.add(
                        number, "任务编码", "无权报送该任务的进度（须为责任人或责任组织的管理员）"
                    )
        for _, _, current, changed in plan:
            if current is None:
                result.created += 1
            elif changed:
                result.updated += 1
            else:
                result.unchanged += 1
        if errors:
            result.created = result.updated = result.unchanged = 0
            result.errors = errors.messages()
            return result
        if not dry_run:
            self._write(plan, actor=actor, file_name=file_name, result=result)
        return result

    def _write(
        self,
        plan: list[tuple[int, ProgressReport, ProgressReport | None, bool]],
        *,
        actor: Any,
        file_name: str,
        result: ImportResult,
    ) -> None:
        now = timezone.now()
        note = f"Excel 导入：{file_name}"
        by = _actor_fields(actor)
        audits: list[dict[str, Any]] = []
        creates: list[ProgressReport] = []
        updates: list[ProgressReport] = []
        started: dict[int, KeyTask] = {}
        with transaction.atomic():
            for _, r, current, changed in plan:
                if not changed:
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
                b, a = diff(before, snapshot(current))
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
            ProgressReport.objects.bulk_create(creates, batch_size=2000)
            for r in creates:
                audits.append(
                    audit_row(
                        actor=actor,
                        action=AuditLog.Action.CREATE,
                        target=r._meta.label_lower,
                        target_id=r.audit_key,
                        target_repr=str(r),
                        after=snapshot(r),
                        note=note,
                    )
                )
            if updates:
                ProgressReport.objects.bulk_update(
                    updates,
                    [
                        "percent",
                        "kpi_value",
                        "text",
                        "state",
                        "reason",
                        "submitted_by",
                        "submitted_at",
                        "updated_at",
                    ],
                    batch_size=2000,
                )
            day = today()
            for task in started.values():
                before = snapshot(task)
                task.state = TaskState.IN_PROGRESS
                task.started_on = task.started_on or day
                b, a = diff(before, snapshot(task))
                audits.append(
                    audit_row(
                        actor=actor,
                        action=AuditLog.Action.UPDATE,
                        obj=task,
                        before=b,
                        after=a,
                        note=f"{note}：报送进度",
                    )
                )
            if started:
                KeyTask.objects.bulk_update(
                    list(started.values()), ["state", "started_on"], batch_size=1000
                )
            audits.append(
                audit_row(**self.import_audit(actor=actor, result=result, file_name=file_name))
            )
            insert_audit(audits, now)

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        tasks = KeyTask.objects.all() if user is None else KeyTask.objects.visible_to(user)
        if org_code:
            root = export_root(user, org_code)
            tasks = tasks.filter(owner_org__path__startswith=root.path)
        qs = (
            ProgressReport.objects.filter(task__in=tasks)
            .select_related("task")
            .order_by("task__code", "period")
        )
        for r in qs.iterator(chunk_size=2000):
            yield (r.task.code, r.period, r.percent, r.kpi_value, r.text or None)


register(TaskExcel())
register(MilestoneExcel())
register(ProgressExcel())

__all__ = ["ExcelFileError", "MilestoneExcel", "ProgressExcel", "TaskExcel"]
