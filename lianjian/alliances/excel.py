"""Excel import and export of alliances (kind ``alliances``), per docs/excel.md.

Columns: 联建编码*, 联建名称*, 联建类型* (an existing :class:`AllianceType` name), 主题,
牵头组织编码*, 成员组织编码* (a list), 包保领导, 成立日期. Key: 联建编码.

Every row is validated first; nothing is written unless the whole file is right. A new
code creates the alliance with the lead and the listed organisations as members, all
joining on 成立日期. An existing code updates the alliance's fields (a column missing from
the file leaves its field unchanged) and adds the listed organisations that are not current
members, joining on 成立日期. **An import never removes a member**: a current member missing
from the list stays a member — a departure is recorded on the alliance page (退出日期), so
that history is kept and a partial list cannot end memberships by accident. The lead is a
member even when not listed; a new lead joins like any other added member.

The writes go through the alliance services (so each change is audited like one made on
the screens) inside one transaction; a dry run performs them too and rolls them back, so
that its answer is exactly the real one. Re-importing the same file changes nothing and
writes only the import's summary audit row.

Scope: ``user=None`` is the system (CLI). An admin may import everything; a manager only
alliances whose lead they manage (the current lead of an existing alliance and the lead in
the file) — otherwise ``第N行 联建编码：无权修改该联建`` or ``第N行 牵头组织编码：无权以该组织牵头``;
members may be organisations the manager sees or partner (外部单位) organisations, others
read as unknown (``组织 X 不存在``). An existing alliance the manager cannot see is not
looked at (``core.excel.hidden_keys``): its code answers ``第N行 联建编码：该编号不可用（已被占用）``
and the row is checked as a new alliance. Member accounts may not import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from lianjian.alliances import services
from lianjian.alliances.models import DEFAULT_TYPES, Alliance, AllianceMember, AllianceType
from lianjian.alliances.rules import dissolved_join_problem
from lianjian.core.excel import (
    ABSENT,
    INVALID,
    KEY_TAKEN,
    LIST_SEPARATORS,
    CellError,
    Column,
    ErrorList,
    ExcelKind,
    ImportResult,
    Sheet,
    cell_text,
    chunks,
    date_column,
    first_rows,
    format_list,
    format_text,
    hidden_keys,
    parse_pattern,
    refused_result,
    register,
    text_column,
    through_services,
    validation_errors,
)
from lianjian.core.scope import manages_any, scope_of
from lianjian.orgs.excel import export_root
from lianjian.orgs.models import CODE_RE, Organisation

CODE_REASON = "编码只能包含字母、数字、下划线、点和短横线，最长 32 位"
NO_RIGHT_ALLIANCE = "无权修改该联建"
NO_RIGHT_LEAD = "无权以该组织牵头"
MAX_MEMBERS = 500


def _parse_codes(value: Any) -> list[str]:
    codes: list[str] = []
    for part in LIST_SEPARATORS.split(cell_text(value)):
        code = part.strip()
        if not code or code in codes:
            continue
        if len(code) > 32 or not CODE_RE.fullmatch(code):
            raise CellError(f"“{code[:32]}”不是有效的组织编码")
        codes.append(code)
    if len(codes) > MAX_MEMBERS:
        raise CellError(f"最多 {MAX_MEMBERS} 个组织")
    return codes


COLUMNS: tuple[Column, ...] = (
    Column(
        "联建编码",
        parse_pattern(32, CODE_RE, CODE_REASON),
        True,
        "",
        format_text,
        "联建的唯一编码，导入时以此识别：已存在则更新，不存在则新建；字母、数字、下划线、点和短横线，最长 32 位",
        14,
    ),
    text_column("联建名称", 200, required=True, width=28),
    text_column(
        "联建类型",
        50,
        required=True,
        note="须为系统中已有的联建类型，如 "
        + "、".join(DEFAULT_TYPES)
        + "（系统管理员可增加类型）",
    ),
    text_column("主题", 50, note="如 党建+安全生产、党建+营销服务", width=16),
    Column(
        "牵头组织编码",
        parse_pattern(32, CODE_RE, CODE_REASON),
        True,
        "",
        format_text,
        "牵头党组织的组织编码；牵头组织自动成为成员",
        14,
    ),
    Column(
        "成员组织编码",
        _parse_codes,
        True,
        (),
        format_list,
        "成员党组织的组织编码，可含外部单位党组织；多个用“、”“，”“,”或“；”分隔。"
        "导入只增加成员、不会移除成员：文件中没有列出的现有成员保持不变，退出请在联建页面登记退出日期",
        30,
    ),
    text_column("包保领导", 50, width=12),
    date_column("成立日期", note="日期，格式 YYYY-MM-DD 或 Excel 日期；新加入的成员以此为加入日期"),
)
COL = {c.header: i for i, c in enumerate(COLUMNS)}
# Column → Alliance field for the columns that map one to one.
SIMPLE = (("联建名称", "name"), ("主题", "theme"), ("包保领导", "sponsor"), ("成立日期", "founded"))
# Which column a service's ValidationError speaks about.
FIELD_HEADERS = {
    "code": "联建编码",
    "name": "联建名称",
    "type": "联建类型",
    "theme": "主题",
    "lead": "牵头组织编码",
    "members": "成员组织编码",
    "org": "成员组织编码",
    "sponsor": "包保领导",
    "founded": "成立日期",
}


@dataclass
class _Row:
    number: int
    code: str
    existing: Alliance | None
    fields: dict[str, Any]  # new values of Alliance fields (all of them for a new alliance)
    add: list[Organisation] = field(
        default_factory=list
    )  # organisations joining (not the lead of a new one)


class AllianceExcel(ExcelKind):
    """The ``alliances`` kind: alliances and their member organisations, keyed by 联建编码."""

    name = "alliances"
    label = "联建"
    columns = COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "牵头组织和成员组织须先导入（kind orgs）。牵头组织即使不在成员组织编码中列出也是成员。",
            "导入只增加成员、不会移除成员：现有成员未在文件中列出时保持不变；成员退出请在联建页面登记退出日期。",
            "新建联建的状态为“运行”；协议、实施方案和联络员请在联建页面维护。",
            "组织管理员只能导入本人所管理组织牵头的联建。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if user is not None and not manages_any(user):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        limited = user is not None and not scope_of(user).everything
        errors = sheet.errors
        first = first_rows(sheet, COL["联建编码"], "联建编码")
        rows = self._validate(sheet, first, user if limited else None, errors)
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

    def _validate(
        self, sheet: Sheet, first: dict[str, int], user: Any, errors: ErrorList
    ) -> list[_Row]:
        """Check every row against the database and the caller's scope (``user`` None = no limit)."""
        types = {t.name: t for t in AllianceType.objects.all()}
        codes: set[str] = set()
        for _, values in sheet.rows:
            if isinstance(values[COL["牵头组织编码"]], str):
                codes.add(values[COL["牵头组织编码"]])
            if isinstance(values[COL["成员组织编码"]], list):
                codes.update(values[COL["成员组织编码"]])
        orgs: dict[str, Organisation] = {}
        for chunk in chunks(sorted(codes)):
            orgs.update((o.code, o) for o in Organisation.objects.filter(code__in=chunk))
        existing: dict[str, Alliance] = {}
        for chunk in chunks(sorted(first)):
            existing.update(
                (a.code, a)
                for a in Alliance.objects.filter(code__in=chunk).select_related("type", "lead")
            )
        taken = hidden_keys(existing, None if user is None else Alliance.objects.visible_to(user))
        current: dict[int, set[int]] = defaultdict(set)
        for chunk in chunks([a.pk for a in existing.values()]):
            for alliance_id, org_id in AllianceMember.objects.filter(
                alliance_id__in=chunk, left_on__isnull=True
            ).values_list("alliance_id", "org_id"):
                current[alliance_id].add(org_id)
        known = visible = manageable = managed_alliances = None
        if user is not None:
            ids = [o.pk for o in orgs.values()]
            visible = set(
                Organisation.objects.visible_to(user)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
            known = visible | {o.pk for o in orgs.values() if o.is_partner}
            manageable = set(
                Organisation.objects.manageable_by(user)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
            managed_alliances = set(
                Alliance.objects.manageable_by(user)
                .filter(pk__in=[a.pk for a in existing.values()])
                .values_list("pk", flat=True)
            )

        def find(code: str, joined: set[int] = frozenset()) -> Organisation | None:  # type: ignore[assignment]
            # A current member is known whatever the caller sees: a manager's own export
            # lists the alliance's members outside their subtree, and must import back.
            org = orgs.get(code)
            return (
                org
                if org is not None and (known is None or org.pk in known or org.pk in joined)
                else None
            )

        rows: list[_Row] = []
        for number, values in sheet.rows:
            code = values[COL["联建编码"]]
            alliance = (
                existing.get(code) if code is not INVALID and first.get(code) == number else None
            )
            joined = current[alliance.pk] if alliance is not None else set()
            row_ok = code is not INVALID and first.get(code) == number
            if row_ok and code in taken:
                errors.add(number, "联建编码", KEY_TAKEN)
                row_ok = False
            if (
                alliance is not None
                and managed_alliances is not None
                and alliance.pk not in managed_alliances
            ):
                errors.add(number, "联建编码", NO_RIGHT_ALLIANCE)
                row_ok = False
                joined = (
                    set()
                )  # say nothing about the members of an alliance the caller may not change
            fields: dict[str, Any] = {}
            for header, name in SIMPLE:
                value = values[COL[header]]
                if value is INVALID:
                    row_ok = False
                elif value is not ABSENT:
                    fields[name] = value
            type_name = values[COL["联建类型"]]
            if type_name is INVALID:
                row_ok = False
            elif type_name in types:
                fields["type"] = types[type_name]
            else:
                errors.add(
                    number, "联建类型", f"联建类型“{type_name}”不存在（可选：{'、'.join(types)}）"
                )
                row_ok = False
            lead_code = values[COL["牵头组织编码"]]
            lead = None
            if lead_code is INVALID:
                row_ok = False
            elif (lead := find(lead_code)) is None:
                errors.add(number, "牵头组织编码", f"组织 {lead_code} 不存在")
                row_ok = False
            elif manageable is not None and lead.pk not in manageable:
                errors.add(number, "牵头组织编码", NO_RIGHT_LEAD)
                row_ok = False
                lead = None
            else:
                fields["lead"] = lead
            member_codes = values[COL["成员组织编码"]]
            members: list[Organisation] = []
            if member_codes is INVALID:
                row_ok = False
            else:
                missing = [c for c in member_codes if find(c, joined) is None]
                if missing:
                    errors.add(number, "成员组织编码", f"组织 {'、'.join(missing)} 不存在")
                    row_ok = False
                members = [orgs[c] for c in member_codes if c not in missing]
            if not row_ok:
                continue
            assert lead is not None
            add = [o for o in dict.fromkeys([lead, *members]) if o.pk not in joined]
            dissolved = dissolved_join_problem([o.code for o in add if o.dissolved])
            if dissolved:
                header = "牵头组织编码" if lead.dissolved and lead in add else "成员组织编码"
                errors.add(number, header, dissolved)
                continue
            if alliance is None:
                if len(add) < 2:
                    errors.add(
                        number,
                        "成员组织编码",
                        "联建至少需要两个党组织（牵头组织之外至少还需一个成员）",
                    )
                    continue
                rows.append(_Row(number, code, None, fields, [o for o in add if o != lead]))
                continue
            changed = {k: v for k, v in fields.items() if getattr(alliance, k) != v}
            rows.append(_Row(number, code, alliance, changed, add))
        return rows

    def _write(
        self, rows: list[_Row], *, actor: Any, errors: ErrorList, result: ImportResult
    ) -> None:
        """Apply the rows through the services; a refusal becomes a row error (and a rollback)."""
        for row in rows:
            try:
                if row.existing is None:
                    services.alliance_create(
                        actor=actor, members=row.add, code=row.code, **row.fields
                    )
                    result.created += 1
                    continue
                if not row.fields and not row.add:
                    result.unchanged += 1
                    continue
                founded = row.fields.get("founded", row.existing.founded)
                for org in row.add:
                    services.alliance_member_add(
                        actor=actor, alliance=row.existing, org=org, joined_on=founded
                    )
                if row.fields:
                    services.alliance_update(actor=actor, alliance=row.existing, **row.fields)
                result.updated += 1
            except ValidationError as exc:
                validation_errors(
                    errors,
                    row.number,
                    exc,
                    FIELD_HEADERS,
                    "联建编码",
                    new=row.existing is None,
                    unnamed="code",
                )

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = Alliance.objects.all() if user is None else Alliance.objects.visible_to(user)
        if org_code:
            root = export_root(user, org_code)
            inside = AllianceMember.objects.filter(left_on__isnull=True, org__path__under=root.path)
            qs = qs.filter(Q(pk__in=inside.values("alliance_id")) | Q(lead__path__under=root.path))
        return self._export(list(qs.select_related("type", "lead").order_by("code")))

    @staticmethod
    def _export(alliances: list[Alliance]) -> Iterator[Sequence[Any]]:
        members: dict[int, list[str]] = defaultdict(list)
        for chunk in chunks([a.pk for a in alliances]):
            for alliance_id, code in (
                AllianceMember.objects.filter(alliance_id__in=chunk, left_on__isnull=True)
                .order_by("org__code")
                .values_list("alliance_id", "org__code")
            ):
                members[alliance_id].append(code)
        for a in alliances:
            # The lead first, then the other current members by code.
            codes = [a.lead.code, *(c for c in members[a.pk] if c != a.lead.code)]
            yield (a.code, a.name, a.type.name, a.theme, a.lead.code, codes, a.sponsor, a.founded)


register(AllianceExcel())
