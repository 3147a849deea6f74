"""Excel import and export of the 三重一大 register (kind ``decisions``), per docs/excel.md.

Columns: 事项编号*, 事项清单编码*, 事项名称*, 类别*, 金额（万元）, 提出部门*, 分管领导*,
可研报告, 法律审核, 风险评估, 专家意见, 职工意见. Key: 事项编号.

A new 事项编号 creates a draft (草拟) under the named 事项清单, routed by it; an existing one
updates the item through the services — a draft in full, an item past the draft only its
materials (anything else is refused for that row, as on the screen). The routing, the
studies, decisions and the rest of the process are never imported: they are recorded on
the item's page. Every row is checked first and the writes go through the services in one
transaction that a dry run or any refused row rolls back (all or nothing).

Scope: only the board office (and the admin; ``user=None`` is the system) imports, and only
into 事项清单 it keeps; an item it cannot see answers ``该编号不可用（已被占用）``. The export
lists the items the user sees.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from lianjian.core.excel import (
    ABSENT,
    INVALID,
    KEY_TAKEN,
    CellError,
    Column,
    ErrorList,
    ExcelKind,
    ImportResult,
    Sheet,
    by_code,
    cell_text,
    choice_column,
    first_rows,
    format_text,
    hidden_keys,
    parse_pattern,
    refused_result,
    register,
    text_column,
    through_services,
    validation_errors,
)
from lianjian.core.scope import BOARD, scope_of
from lianjian.decisions import rules, services
from lianjian.decisions.models import MAX_AMOUNT, DecisionItem, MatterList
from lianjian.orgs.excel import export_root
from lianjian.orgs.models import CODE_RE

CODE_REASON = "编码只能包含字母、数字、下划线、点和短横线，最长 32 位"


def parse_amount(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError("应为数字")
    try:
        amount = Decimal(str(value) if isinstance(value, int | float) else cell_text(value))
    except InvalidOperation:
        raise CellError("应为数字") from None
    if not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT:
        raise CellError(f"应在 0 到 {MAX_AMOUNT} 之间")
    return amount.quantize(Decimal("0.01"))


def format_amount(value: Any) -> Any:
    return None if value is None else float(value)


MATERIAL_HEADERS = tuple(label for _, label in rules.MATERIALS)
COLUMNS: tuple[Column, ...] = (
    Column(
        "事项编号",
        parse_pattern(32, CODE_RE, CODE_REASON),
        True,
        "",
        format_text,
        "事项的唯一编号，导入时以此识别：已存在则更新，不存在则新建（草拟）",
        14,
    ),
    Column(
        "事项清单编码",
        parse_pattern(32, CODE_RE, CODE_REASON),
        True,
        "",
        format_text,
        "事项所依据的三重一大事项清单；新建后不能更改",
        16,
    ),
    text_column("事项名称", 200, required=True, width=28),
    choice_column("类别", rules.CATEGORIES, required=True),
    Column("金额（万元）", parse_amount, False, None, format_amount, "万元，最多两位小数", 12),
    text_column("提出部门", 100, required=True),
    text_column("分管领导", 50, required=True),
    *(text_column(label, 200, width=20) for label in MATERIAL_HEADERS),
)
COL = {c.header: i for i, c in enumerate(COLUMNS)}
SIMPLE = (
    ("事项名称", "title"),
    ("类别", "category"),
    ("金额（万元）", "amount"),
    ("提出部门", "department"),
    ("分管领导", "sponsor"),
)
MATERIAL_COLUMNS = tuple((label, key) for key, label in rules.MATERIALS)
FIELD_HEADERS = {name: header for header, name in SIMPLE} | {
    "number": "事项编号",
    "matter_list": "事项清单编码",
    "materials": "可研报告",
    "__all__": "事项编号",
}


@dataclass
class _Row:
    number: int
    code: str
    existing: DecisionItem | None
    matter_list: MatterList | None
    fields: dict[str, Any]


def _keeps_any(user: Any) -> bool:
    scope = scope_of(user)
    return scope.everything or bool(scope.of(BOARD))


class DecisionExcel(ExcelKind):
    """The ``decisions`` kind: the items of the 三重一大 register, keyed by 事项编号."""

    name = "decisions"
    label = "三重一大事项"
    columns = COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "只有决策管理（董事会办公室）账户可以导入，且只能导入其维护的事项清单下的事项。",
            "新建的事项为“草拟”，按事项清单自动路由（是否前置研究、决策主体）；前置研究、决策、执行、后评估在事项页面记录。",
            "已提交的事项只能通过导入补充决策材料（可研报告、法律审核、风险评估、专家意见、职工意见）。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if user is not None and (
            not getattr(user, "is_authenticated", False)
            or not user.is_active
            or not _keeps_any(user)
        ):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        errors = sheet.errors
        rows = self._validate(sheet, user, errors)
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

    @staticmethod
    def _validate(sheet: Sheet, user: Any, errors: ErrorList) -> list[_Row]:
        first = first_rows(sheet, COL["事项编号"], "事项编号")
        list_codes = {
            v[COL["事项清单编码"]] for _, v in sheet.rows if isinstance(v[COL["事项清单编码"]], str)
        }
        kept = (
            MatterList.objects.all()
            if user is None
            else MatterList.objects.restrict(user, "change")
        )
        lists: dict[str, MatterList] = by_code(kept.select_related("organisation"), list_codes)
        existing: dict[str, DecisionItem] = by_code(
            DecisionItem.objects.select_related("matter_list"), first, field="number"
        )
        taken = hidden_keys(
            existing, None if user is None else DecisionItem.objects.restrict(user, "change")
        )
        rows: list[_Row] = []
        for number, values in sheet.rows:
            code = values[COL["事项编号"]]
            if code is INVALID or first.get(code) != number:
                continue
            current = existing.get(code)
            ok = True
            if code in taken:
                errors.add(number, "事项编号", KEY_TAKEN)
                ok = False
            list_code = values[COL["事项清单编码"]]
            ml = lists.get(list_code) if isinstance(list_code, str) else None
            if list_code is INVALID:
                ok = False
            elif ml is None:
                errors.add(number, "事项清单编码", f"事项清单 {list_code} 不存在或不由您维护")
                ok = False
            elif current is not None and current.matter_list_id != ml.pk:
                errors.add(number, "事项清单编码", "事项的事项清单不能更改")
                ok = False
            fields: dict[str, Any] = {}
            for header, name in SIMPLE:
                value = values[COL[header]]
                if value is INVALID:
                    ok = False
                elif value is not ABSENT:
                    fields[name] = value
            materials = dict(current.materials or {}) if current is not None else {}
            for header, key in MATERIAL_COLUMNS:
                value = values[COL[header]]
                if value is INVALID:
                    ok = False
                elif value is not ABSENT:
                    materials[key] = value
            fields["materials"] = {k: v for k, v in materials.items() if v}
            if not ok:
                continue
            if current is not None:
                fields = {k: v for k, v in fields.items() if getattr(current, k) != v}
                if current.state != rules.DRAFT and set(fields) - {"materials"}:
                    # The service refuses it too; said here so that it is listed with the rest.
                    errors.add(
                        number, "事项编号", f"事项处于“{current.state}”状态，只能补充决策材料"
                    )
                    continue
            rows.append(_Row(number, code, current, ml, fields))
        return rows

    @staticmethod
    def _write(rows: list[_Row], *, actor: Any, errors: ErrorList, result: ImportResult) -> None:
        for row in rows:
            try:
                if row.existing is None:
                    assert row.matter_list is not None
                    services.item_create(
                        actor=actor, matter_list=row.matter_list, number=row.code, **row.fields
                    )
                    result.created += 1
                elif row.fields:
                    services.item_update(actor=actor, item=row.existing, **row.fields)
                    result.updated += 1
                else:
                    result.unchanged += 1
            except ValidationError as exc:
                validation_errors(
                    errors, row.number, exc, FIELD_HEADERS, "事项编号", new=row.existing is None
                )
            except PermissionDenied as exc:
                errors.add(row.number, "事项编号", str(exc) or services.NOT_BOARD)

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = DecisionItem.objects.all() if user is None else DecisionItem.objects.visible_to(user)
        if org_code:
            root = export_root(user, org_code)
            qs = qs.filter(organisation__path__under=root.path)
        for item in qs.select_related("matter_list").order_by("number").iterator(chunk_size=2000):
            given = item.materials or {}
            yield (
                item.number,
                item.matter_list.code,
                item.title,
                item.category,
                item.amount,
                item.department,
                item.sponsor,
                *(given.get(key, "") for key, _ in rules.MATERIALS),
            )


register(DecisionExcel())
