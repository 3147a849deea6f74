"""Excel kinds of the supervision ledger (contracts.md §3): ``supervision_batches`` and
``supervision_items``.

- **supervision_batches**: 批次编码*, 来源*, 下发单位*, 被检查组织编码*, 反馈日期*. Key 批次编码.
  A new batch's name is 下发单位 + 来源 (e.g. “公司党委第一巡察组巡察”) and its issuing
  organisation is the importer's own organisation (for the system or the admin, the top of
  the inspected organisation's tree); the report due date is derived as always.
- **supervision_items**: 批次编码*, 问题编号*, 问题描述*, 类别, 责任组织编码*, 责任人编号,
  整改类型*, 整改时限*, 重要, 疑似违纪, 需问责. Key (批次编码, 问题编号). A new item starts
  待整改; its state, measures and history are never imported (they follow the 销号 loop).

All rows are checked first and written through the services in one transaction: any error
(a cell, a rule, a refused scope) refuses the whole file with every error listed as
``第N行 列名：原因``. Who may import a row is who may change it on the screens: the issuing
body of the batch's source (专项检查/自查: the managers of the inspected organisation).
Export → import round-trips: the same columns, the same values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet

from lianjian.activities.excel import CODE_REASON
from lianjian.core.excel import (
    INVALID,
    Column,
    ErrorList,
    ExcelKind,
    ImportResult,
    Sheet,
    bool_column,
    by_code,
    choice_column,
    date_column,
    first_rows,
    format_text,
    parse_pattern,
    refused_result,
    register,
    text_column,
    through_services,
    validation_errors,
)
from lianjian.core.scope import AUDIT, DISCIPLINE, INSPECTION, MANAGE, may, scope_of
from lianjian.orgs.excel import export_root
from lianjian.orgs.models import CODE_RE, Member, Organisation
from lianjian.supervision import rules, services
from lianjian.supervision.models import Batch, Item, ItemType
from lianjian.supervision.selectors import reachable_orgs


def _code(header: str, note: str, *, required: bool = True) -> Column:
    return Column(
        header,
        parse_pattern(32, CODE_RE, CODE_REASON),
        required,
        "" if required else None,
        format_text,
        note,
        14,
    )


BATCH_COLUMNS: tuple[Column, ...] = (
    _code("批次编码", "批次的唯一编码，如 XC-2026-01；已存在则更新，不存在则新建"),
    choice_column("来源", rules.SOURCES, required=True),
    text_column("下发单位", 100, required=True, width=24),
    _code("被检查组织编码", "被巡察、审计或检查的党组织的编码"),
    date_column("反馈日期", required=True),
)
ITEM_COLUMNS: tuple[Column, ...] = (
    _code("批次编码", "问题所属批次的编码（须已存在）"),
    Column(
        "问题编号", parse_pattern(20, CODE_RE, CODE_REASON), True, "", format_text, "批次内唯一", 10
    ),
    text_column("问题描述", 4000, required=True, width=40, multiline=True),
    text_column("类别", 200),
    _code("责任组织编码", "负责整改的党组织的编码"),
    _code("责任人编号", "责任人的人员编号（党员）", required=False),
    choice_column("整改类型", ItemType.values, required=True),
    date_column("整改时限", required=True),
    bool_column("重要"),
    bool_column("疑似违纪"),
    bool_column("需问责"),
)
BATCH_COL = {c.header: i for i, c in enumerate(BATCH_COLUMNS)}
ITEM_COL = {c.header: i for i, c in enumerate(ITEM_COLUMNS)}
BODY_KINDS = (DISCIPLINE, AUDIT, INSPECTION)


def may_import(user: Any) -> bool:
    """The system, the admin, a supervising body or a manager (for 专项检查/自查)."""
    if user is None:
        return True
    scope = scope_of(user)
    return scope.everything or any(scope.of(k) for k in (*BODY_KINDS, MANAGE))


def _orgs(user: Any) -> QuerySet[Organisation]:
    """The organisations a file may name (``selectors.reachable_orgs``; all for the system)."""
    return Organisation.objects.all() if user is None else reachable_orgs(user)


def _write_errors(
    errors: ErrorList, number: int, exc: Exception, headers: dict[str, str], default: str, new: bool
) -> None:
    if isinstance(exc, PermissionDenied):
        errors.add(number, default, f"无权导入：{exc}" if str(exc) else "无权导入")
    else:
        assert isinstance(exc, ValidationError)
        validation_errors(errors, number, exc, headers, default, new=new)


class BatchExcel(ExcelKind):
    """The ``supervision_batches`` kind."""

    name = "supervision_batches"
    label = "监督批次"
    columns = BATCH_COLUMNS
    HEADERS = {
        "source": "来源",
        "issuing_body": "下发单位",
        "inspected_org": "被检查组织编码",
        "feedback_date": "反馈日期",
    }

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "巡视、巡察由巡察办导入；纪检监督检查、信访由纪检导入；国家审计、内部审计、经济责任审计由审计导入；"
            "专项检查、自查由被检查组织的管理员导入。整改报告应报日期自动计算。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if not may_import(user):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        errors = sheet.errors
        col = BATCH_COL
        first = first_rows(sheet, col["批次编码"], "批次编码")
        existing: dict[str, Batch] = by_code(Batch.objects.all(), first)
        orgs = by_code(
            _orgs(user),
            {
                v[col["被检查组织编码"]]
                for _, v in sheet.rows
                if isinstance(v[col["被检查组织编码"]], str)
            },
        )
        visible = (
            set(existing)
            if user is None
            else set(
                Batch.objects.visible_to(user)
                .filter(code__in=list(existing))
                .values_list("code", flat=True)
            )
        )
        plan: list[tuple[int, str, Batch | None, dict[str, Any]]] = []
        for number, v in sheet.rows:
            code = v[col["批次编码"]]
            if code is INVALID or first.get(code) != number:
                continue
            current = existing.get(code)
            if current is not None and code not in visible:
                errors.add(number, "批次编码", "该编码不可用（已被占用）")
                continue
            org = (
                orgs.get(v[col["被检查组织编码"]])
                if v[col["被检查组织编码"]] is not INVALID
                else None
            )
            if org is None and v[col["被检查组织编码"]] is not INVALID:
                errors.add(
                    number,
                    "被检查组织编码",
                    f"组织 {v[col['被检查组织编码']]} 不存在或不在您的范围内",
                )
            if any(x is INVALID for x in v) or org is None:
                continue
            plan.append(
                (
                    number,
                    code,
                    current,
                    {
                        "source": v[col["来源"]],
                        "issuing_body": v[col["下发单位"]],
                        "inspected_org": org,
                        "feedback_date": v[col["反馈日期"]],
                    },
                )
            )

        def write() -> None:
            for number, code, current, fields in plan:
                try:
                    if current is None:
                        issuing = getattr(user, "org", None) or _root(fields["inspected_org"])
                        services.batch_create(
                            actor=user,
                            code=code,
                            title=f"{fields['issuing_body']}{fields['source']}",
                            issuing_org=issuing,
                            **fields,
                        )
                        result.created += 1
                    elif any(getattr(current, k) != fv for k, fv in fields.items()):
                        services.batch_update(actor=user, batch=current, **fields)
                        result.updated += 1
                    else:
                        if user is not None and not may(user, "change", current):
                            raise PermissionDenied(services.DENIED_BODY)
                        result.unchanged += 1
                except (ValidationError, PermissionDenied) as exc:
                    _write_errors(errors, number, exc, self.HEADERS, "批次编码", current is None)

        through_services(
            self,
            write,
            actor=actor,
            dry_run=dry_run,
            file_name=file_name,
            errors=errors,
            result=result,
        )
        return result

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = Batch.objects.all() if user is None else Batch.objects.visible_to(user)
        if org_code:
            qs = qs.filter(inspected_org__path__startswith=export_root(user, org_code).path)
        for b in qs.filter(voided=False).select_related("inspected_org").order_by("code"):
            yield (b.code, b.source, b.issuing_body, b.inspected_org.code, b.feedback_date)


def _root(org: Organisation) -> Organisation:
    top = org.path.strip("/").split("/")[0]
    return Organisation.objects.get(code=top) if top != org.code else org


class ItemExcel(ExcelKind):
    """The ``supervision_items`` kind."""

    name = "supervision_items"
    label = "监督问题"
    columns = ITEM_COLUMNS
    HEADERS = {
        "number": "问题编号",
        "description": "问题描述",
        "tags": "类别",
        "responsible_org": "责任组织编码",
        "responsible_person": "责任人编号",
        "kind": "整改类型",
        "deadline": "整改时限",
    }
    FLAGS = (
        ("重要", "important"),
        ("疑似违纪", "suspected_violation"),
        ("需问责", "needs_accountability"),
    )

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "批次须已存在；问题以（批次编码，问题编号）识别。新问题状态为“待整改”，整改措施和销号在系统中办理。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if not may_import(user):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        errors = sheet.errors
        col = ITEM_COL
        seen: dict[tuple[str, str], int] = {}
        for number, v in sheet.rows:
            key = (v[col["批次编码"]], v[col["问题编号"]])
            if INVALID in key:
                continue
            if key in seen:
                errors.add(number, "问题编号", f"与第{seen[key]}行重复（同一批次的问题编号）")
            else:
                seen[key] = number
        batch_qs = Batch.objects.all() if user is None else Batch.objects.visible_to(user)
        batches = by_code(batch_qs, {k[0] for k in seen})
        items = {
            (i.batch.code, i.number): i
            for i in Item.objects.filter(batch__in=list(batches.values())).select_related("batch")
        }
        orgs = by_code(
            _orgs(user),
            {
                v[col["责任组织编码"]]
                for _, v in sheet.rows
                if isinstance(v[col["责任组织编码"]], str)
            },
        )
        members = by_code(
            Member.objects.filter(org__in=list(orgs.values())),
            {v[col["责任人编号"]] for _, v in sheet.rows if isinstance(v[col["责任人编号"]], str)},
            field="number",
        )
        plan: list[tuple[int, Batch, Item | None, dict[str, Any]]] = []
        for number, v in sheet.rows:
            key = (v[col["批次编码"]], v[col["问题编号"]])
            if INVALID in key or seen.get(key) != number:
                continue
            batch = batches.get(key[0])
            if batch is None:
                errors.add(number, "批次编码", f"批次 {key[0]} 不存在或不在您的范围内")
                continue
            org = (
                orgs.get(v[col["责任组织编码"]]) if v[col["责任组织编码"]] is not INVALID else None
            )
            if org is None and v[col["责任组织编码"]] is not INVALID:
                errors.add(
                    number, "责任组织编码", f"组织 {v[col['责任组织编码']]} 不存在或不在您的范围内"
                )
            person = None
            person_code = v[col["责任人编号"]]
            if isinstance(person_code, str) and person_code:
                person = members.get(person_code)
                if person is None:
                    errors.add(number, "责任人编号", f"党员 {person_code} 不存在或不在责任组织中")
            if any(x is INVALID for x in v) or org is None:
                continue
            fields = {
                "description": v[col["问题描述"]],
                "tags": v[col["类别"]] or "",
                "responsible_org": org,
                "responsible_person": person,
                "kind": v[col["整改类型"]],
                "deadline": v[col["整改时限"]],
                **{name: bool(v[col[header]]) for header, name in self.FLAGS},
            }
            plan.append((number, batch, items.get(key), {"number": key[1], **fields}))

        def write() -> None:
            for number, batch, current, fields in plan:
                try:
                    if current is None:
                        services.item_create(actor=user, batch=batch, **fields)
                        result.created += 1
                        continue
                    fields.pop("number")
                    if any(getattr(current, k) != fv for k, fv in fields.items()):
                        services.item_update(actor=user, item=current, **fields)
                        result.updated += 1
                    else:
                        if user is not None and not may(user, "change", current):
                            raise PermissionDenied(services.DENIED_BODY)
                        result.unchanged += 1
                except (ValidationError, PermissionDenied) as exc:
                    _write_errors(errors, number, exc, self.HEADERS, "问题编号", current is None)

        through_services(
            self,
            write,
            actor=actor,
            dry_run=dry_run,
            file_name=file_name,
            errors=errors,
            result=result,
        )
        return result

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = Item.objects.all() if user is None else Item.objects.visible_to(user)
        if org_code:
            qs = qs.filter(responsible_org__path__startswith=export_root(user, org_code).path)
        rows = qs.filter(voided=False).select_related(
            "batch", "responsible_org", "responsible_person"
        )
        for i in rows.order_by("batch__code", "number"):
            yield (
                i.batch.code,
                i.number,
                i.description,
                i.tags,
                i.responsible_org.code,
                i.responsible_person.number if i.responsible_person else None,
                i.kind,
                i.deadline,
                i.important,
                i.suspected_violation,
                i.needs_accountability,
            )


register(BatchExcel())
register(ItemExcel())
