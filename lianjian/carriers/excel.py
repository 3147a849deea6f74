"""Excel import and export of 岗区队 (kind ``carriers``), per docs/excel.md.

Columns: 编号*, 类型*, 名称*, 所属组织编码*, 主题, 负责人编号, 岗位, 责任范围, 覆盖班组编码
(a list), 职责, 公开承诺, 牌匾编号, 成立日期, 任务结束日期, 纬度, 经度. Key: 编号.

A new code is a declaration (申报) of the organisation; an existing code updates the
description (a column missing from the file leaves its field unchanged). The state is not a
column: the lifecycle (审核、审批、公示、命名、复核、摘牌) happens on the screens, step by
step, with its history. Every row is checked first; the writes go through the services
(audited like the screens) in one transaction that any refused row, or a dry run, rolls
back — all or nothing, every bad row listed (``第N行 列名：原因``).

Scope: ``user=None`` is the system (CLI). A manager may import carriers of organisations
they manage; an existing carrier they cannot see answers ``该编号不可用（已被占用）``;
members may not import.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from lianjian.alliances.models import Alliance
from lianjian.carriers import rules, services
from lianjian.carriers.models import Carrier, WorkGroup
from lianjian.core.excel import (
    ABSENT,
    INVALID,
    KEY_TAKEN,
    Column,
    ErrorList,
    ExcelKind,
    ImportResult,
    Sheet,
    by_code,
    choice_column,
    date_column,
    first_rows,
    float_column,
    format_list,
    format_text,
    hidden_keys,
    parse_list,
    parse_pattern,
    refused_result,
    register,
    text_column,
    through_services,
    validation_errors,
)
from lianjian.core.scope import manages_any
from lianjian.orgs.excel import export_root
from lianjian.orgs.models import CODE_RE, Member, Organisation

CODE_REASON = "编码只能包含字母、数字、下划线、点和短横线，最长 32 位"


def _code(header: str, note: str, *, required: bool = False) -> Column:
    return Column(
        header, parse_pattern(32, CODE_RE, CODE_REASON), required, "", format_text, note, 14
    )


COLUMNS: tuple[Column, ...] = (
    _code("编号", "岗区队编号，导入时以此识别：已存在则更新，不存在则新建（申报）", required=True),
    choice_column("类型", rules.KINDS, required=True),
    text_column("名称", 200, required=True, width=28),
    _code("所属组织编码", "所属党组织的组织编码（须为本人管理的组织）", required=True),
    text_column("主题", 100, note="党建+X，如 党建+安全生产", width=16),
    _code("负责人编号", "岗位党员或负责人的人员编号；示范岗必填"),
    text_column("岗位", 100),
    text_column("责任范围", 200, note="班组、设备、标段等", width=20),
    Column(
        "覆盖班组编码",
        parse_list(32),
        False,
        (),
        format_list,
        "责任区覆盖的班组编码；多项用“、”“，”“,”或“；”分隔",
        20,
    ),
    text_column("职责", 2000, multiline=True, width=30),
    text_column("公开承诺", 2000, multiline=True, width=30),
    _code("联建网编码", "所在联建网（联建）的编码，可不填"),
    text_column("牌匾编号", 50),
    date_column("成立日期"),
    date_column("任务结束日期", note="突击队必填；日期，格式 YYYY-MM-DD 或 Excel 日期"),
    float_column("纬度", -90, 90),
    float_column("经度", -180, 180),
)
COL = {c.header: i for i, c in enumerate(COLUMNS)}
SIMPLE = (
    ("名称", "name"),
    ("主题", "theme"),
    ("岗位", "post_name"),
    ("责任范围", "area"),
    ("职责", "duties"),
    ("公开承诺", "commitments"),
    ("牌匾编号", "plaque_no"),
    ("成立日期", "established"),
    ("任务结束日期", "end_date"),
    ("纬度", "lat"),
    ("经度", "lon"),
)
FIELD_HEADERS = {
    "code": "编号",
    "kind": "类型",
    "org": "所属组织编码",
    "leader": "负责人编号",
    "work_groups": "覆盖班组编码",
    "alliance": "联建网编码",
    **{field: header for header, field in SIMPLE},
}


def _differs(current: Carrier, data: dict[str, Any], groups: list[WorkGroup] | None) -> bool:
    """Whether a row changes its stored carrier (an unchanged row of a carrier whose state
    no longer allows edits — 公示, 摘牌 — is simply unchanged, so an export imports back)."""
    if any(getattr(current, field) != value for field, value in data.items()):
        return True
    if groups is None:
        return False
    return {g.pk for g in groups} != set(current.work_groups.values_list("pk", flat=True))


def _rule_errors(kind: str, current: Carrier | None, data: dict[str, Any]) -> dict[str, str]:
    """The kind's field rules on the state a row leaves (a 示范岗 has its holder, a 突击队
    its end date), checked before anything is written so that every bad row is listed."""

    def value(field: str) -> Any:
        return data[field] if field in data else getattr(current, field, None)

    errors = {
        FIELD_HEADERS[f]: problem
        for f, problem in rules.kind_problems(kind, value("end_date"), value("established")).items()
        if f in FIELD_HEADERS
    }
    if kind == rules.POST and value("leader") is None:
        errors.setdefault("负责人编号", "党员示范岗须指定岗位党员")
    return errors


class CarrierExcel(ExcelKind):
    """The ``carriers`` kind: 岗区队 and their description, keyed by 编号."""

    name = "carriers"
    label = "岗区队"
    columns = COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "新编号即为申报（状态“申报”）；审核、审批、公示、命名、复核、摘牌在岗区队页面逐步办理，不能通过导入修改。",
            "类型和所属组织在申报后不能修改；负责人须为本组织或下级组织的党员，班组须为本组织的班组。",
            "组织管理员只能导入本人所管理组织的岗区队。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if user is not None and not manages_any(user):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        errors = sheet.errors
        first = first_rows(sheet, COL["编号"], "编号")
        rows = self._check(sheet, first, user, errors)
        through_services(
            self,
            lambda: self._write(rows, actor=actor, errors=errors, result=result),
            actor=actor,
            dry_run=dry_run,
            file_name=file_name,
            errors=errors,
            result=result,
        )
        return result

    def _check(
        self, sheet: Sheet, first: dict[str, int], user: Any, errors: ErrorList
    ) -> list[tuple[int, str, Carrier | None, dict[str, Any]]]:
        """Each row turned into (number, code, the stored carrier or None, what the service
        takes); rows with a bad cell or an unknown code are left out with their errors."""
        values_of = [values for _n, values in sheet.rows]

        def wanted(header: str) -> set[str]:
            out: set[str] = set()
            for values in values_of:
                v = values[COL[header]]
                if isinstance(v, str) and v:
                    out.add(v)
                elif isinstance(v, list):
                    out.update(v)
            return out

        orgs_qs = (
            Organisation.objects.all() if user is None else Organisation.objects.visible_to(user)
        )
        members_qs = Member.objects.all() if user is None else Member.objects.visible_to(user)
        groups_qs = WorkGroup.objects.all() if user is None else WorkGroup.objects.visible_to(user)
        orgs = by_code(orgs_qs, wanted("所属组织编码"))
        members = by_code(members_qs, wanted("负责人编号"), field="number")
        groups = by_code(groups_qs, wanted("覆盖班组编码"))
        alliances_qs = Alliance.objects.all() if user is None else Alliance.objects.visible_to(user)
        alliances = by_code(alliances_qs, wanted("联建网编码"))
        existing = by_code(Carrier.objects.select_related("org"), first)
        taken = hidden_keys(existing, None if user is None else Carrier.objects.visible_to(user))
        rows = []
        for number, values in sheet.rows:
            code = values[COL["编号"]]
            if code is INVALID or first.get(code) != number:
                continue
            if code in taken:
                errors.add(number, "编号", KEY_TAKEN)
                continue
            current = existing.get(code)
            ok = True
            data: dict[str, Any] = {}
            for header, field in SIMPLE:
                value = values[COL[header]]
                if value is INVALID:
                    ok = False
                elif value is not ABSENT:
                    data[field] = value
            kind, org_code = values[COL["类型"]], values[COL["所属组织编码"]]
            if kind is INVALID or org_code is INVALID:
                continue
            org = orgs.get(org_code)
            if org is None:
                errors.add(number, "所属组织编码", f"组织 {org_code} 不存在")
                ok = False
            if current is not None and (kind != current.kind or org_code != current.org.code):
                errors.add(number, "类型", "类型和所属组织在申报后不能修改")
                ok = False
            leader_code = values[COL["负责人编号"]]
            if leader_code is INVALID:
                ok = False
            elif leader_code not in (ABSENT, "", None):
                leader = members.get(leader_code)
                if leader is None:
                    errors.add(number, "负责人编号", f"党员 {leader_code} 不存在")
                    ok = False
                data["leader"] = leader
            elif leader_code == "":
                data["leader"] = None
            alliance_code = values[COL["联建网编码"]]
            if alliance_code is INVALID:
                ok = False
            elif alliance_code == "":
                data["alliance"] = None
            elif alliance_code is not ABSENT:
                data["alliance"] = alliances.get(alliance_code)
                if data["alliance"] is None:
                    errors.add(number, "联建网编码", f"联建 {alliance_code} 不存在")
                    ok = False
            group_codes = values[COL["覆盖班组编码"]]
            if group_codes is INVALID:
                ok = False
            elif group_codes is not ABSENT:
                missing = [c for c in group_codes if c not in groups]
                if missing:
                    errors.add(number, "覆盖班组编码", f"班组 {'、'.join(missing)} 不存在")
                    ok = False
                data["work_groups"] = [groups[c] for c in group_codes if c in groups]
            for header, problem in _rule_errors(kind, current, data).items():
                errors.add(number, header, problem)
                ok = False
            if ok:
                data["kind"], data["org"] = kind, org
                rows.append((number, code, current, data))
        return rows

    def _write(
        self,
        rows: list[tuple[int, str, Carrier | None, dict[str, Any]]],
        *,
        actor: Any,
        errors: ErrorList,
        result: ImportResult,
    ) -> None:
        for number, code, current, data in rows:
            groups = data.pop("work_groups", None)
            kind, org = data.pop("kind"), data.pop("org")
            try:
                if current is None:
                    services.declare(
                        actor, kind=kind, org=org, code=code, fields=data, work_groups=groups or ()
                    )
                    result.created += 1
                elif _differs(current, data, groups):
                    services.update(actor, current, data, work_groups=groups)
                    result.updated += 1
                else:
                    result.unchanged += 1
            except ValidationError as exc:
                validation_errors(errors, number, exc, FIELD_HEADERS, "编号", new=current is None)
            except PermissionDenied:
                errors.add(number, "所属组织编码", "无权为该组织导入岗区队")

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = Carrier.objects.all() if user is None else Carrier.objects.visible_to(user)
        if org_code:
            qs = qs.filter(org__path__under=export_root(user, org_code).path)
        qs = (
            qs.select_related("org", "leader")
            .prefetch_related("work_groups")
            .exclude(state=rules.VOID)
        )
        for c in qs.order_by("org__code", "kind", "code"):
            yield (
                c.code,
                c.kind,
                c.name,
                c.org.code,
                c.theme,
                c.leader.number if c.leader else "",
                c.post_name,
                c.area,
                [g.code for g in c.work_groups.all()],
                c.duties,
                c.commitments,
                c.alliance.code if c.alliance else "",
                c.plaque_no,
                c.established,
                c.end_date,
                c.lat,
                c.lon,
            )


register(CarrierExcel())
