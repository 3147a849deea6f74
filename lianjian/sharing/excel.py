"""Excel import and export of resources (kind ``resources``), per docs/excel.md.

Columns: 资源编号*, 资源名称*, 资源类别*, 所属组织编码*, 共享范围, 标签, 容纳人数, 地址,
纬度, 经度, 开放时间, 设施设备, 专长领域, 联系人, 联系电话, 说明. Key: 资源编号.

Every row is checked first; the writes go through the resource services (validated and
audited like changes made on the screens) inside one transaction, which a dry run or any
row error rolls back, so nothing is imported unless the whole file is right. A column
missing from the file leaves the field of an existing resource unchanged; an empty 共享范围
means 联建单位. 开放时间 is stored in its canonical form (``周一至周五 08:30-17:30``), which
is what the export writes, so export → import changes nothing.

Scope: ``user=None`` is the system (CLI). An admin imports anything; a manager only
resources owned inside their subtree (the owner in the file and the current owner of an
existing resource); member accounts cannot import. A resource the manager cannot see is
not looked at (``core.excel.hidden_keys``): its code answers ``该编号不可用（已被占用）`` and the
row is checked as a new resource. Exports list what the user sees, with 联系电话 masked by
the one rule of :mod:`lianjian.core.masking` (the command line exports in clear).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from lianjian.core.excel import (
    ABSENT,
    INVALID,
    KEY_TAKEN,
    CellError,
    Column,
    ErrorList,
    ExcelKind,
    ImportResult,
    ListExport,
    Sheet,
    by_code,
    cell_text,
    choice_column,
    first_rows,
    float_column,
    format_plain,
    format_text,
    hidden_keys,
    list_column,
    parse_choice,
    parse_pattern,
    refused_result,
    register,
    text_column,
    through_services,
    validation_errors,
)
from lianjian.core.masking import PhoneField, private_format, private_value
from lianjian.core.scope import CHANGE, manages_any, may
from lianjian.core.validation import parse_int
from lianjian.orgs.excel import export_root
from lianjian.orgs.models import CODE_RE, Organisation
from lianjian.sharing import services
from lianjian.sharing.hours import HoursError, normalise_hours
from lianjian.sharing.models import Resource, ResourceKind, SharingLevel

PHONE_RE = re.compile(r"[0-9+\-() ]{1,20}")
CODE_REASON = "编码只能包含字母、数字、下划线、点和短横线，最长 32 位"


def parse_capacity(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("应为正整数")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        try:
            value = parse_int(cell_text(value), low=1, high=100_000)
        except ValueError:
            raise CellError("应为正整数") from None
    if not 1 <= value <= 100_000:
        raise CellError("应在 1 到 100000 之间")
    return value


def parse_hours_cell(value: Any) -> str:
    try:
        text = normalise_hours(cell_text(value))
    except HoursError as exc:
        raise CellError(str(exc)) from None
    if len(text) > 300:
        raise CellError("不能超过 300 个字符")
    return text


COLUMNS: tuple[Column, ...] = (
    Column(
        "资源编号",
        parse_pattern(32, CODE_RE, CODE_REASON),
        True,
        "",
        format_text,
        "资源的唯一编号，导入时以此识别：已存在则更新，不存在则新建",
        14,
    ),
    text_column("资源名称", 200, required=True, width=28),
    choice_column("资源类别", ResourceKind.values, required=True),
    Column(
        "所属组织编码",
        parse_pattern(32, CODE_RE, CODE_REASON),
        True,
        "",
        format_text,
        "资源所属党组织的编码",
        14,
    ),
    Column(
        "共享范围",
        parse_choice(SharingLevel.values),
        False,
        "",
        format_text,
        "仅本组织、联建单位（默认）或全部内部组织",
        12,
    ),
    list_column("标签", note="用于与需求匹配，如 红色教育、安全培训"),
    Column(
        "容纳人数",
        parse_capacity,
        False,
        None,
        format_plain,
        "阵地、党员活动室、教育基地填写，正整数",
        10,
    ),
    text_column("地址", 300, width=30),
    float_column("纬度", -90, 90, note="与经度同时填写"),
    float_column("经度", -180, 180, note="与纬度同时填写"),
    Column(
        "开放时间",
        parse_hours_cell,
        False,
        "",
        format_text,
        "如“周一至周五 08:30-17:30；周六 09:00-12:00”，空白表示不限时段；专家、讲师为可约时间",
        30,
    ),
    list_column("设施设备"),
    list_column("专长领域", note="专家、讲师填写"),
    text_column("联系人", 50),
    Column(
        "联系电话",
        parse_pattern(20, PHONE_RE, "只能包含数字、空格、+、- 和括号，最长 20 位"),
        False,
        "",
        private_format(PhoneField),
        "手机或座机号码",
        16,
    ),
    text_column("说明", 5000, width=40, multiline=True),
)
COL = {c.header: i for i, c in enumerate(COLUMNS)}
SIMPLE = (
    ("资源名称", "name"),
    ("资源类别", "kind"),
    ("共享范围", "sharing"),
    ("标签", "tags"),
    ("容纳人数", "capacity"),
    ("地址", "address"),
    ("纬度", "lat"),
    ("经度", "lon"),
    ("开放时间", "opening_hours"),
    ("设施设备", "equipment"),
    ("专长领域", "expertise"),
    ("联系人", "contact"),
    ("联系电话", "contact_phone"),
    ("说明", "description"),
)
FIELD_HEADERS = {name: header for header, name in SIMPLE} | {
    "owner": "所属组织编码",
    "code": "资源编号",
    "__all__": "资源编号",
}


@dataclass
class _Row:
    number: int
    code: str
    existing: Resource | None
    fields: dict[str, Any]


def _follows_model_rules(
    number: int, current: Resource | None, fields: dict[str, Any], errors: ErrorList
) -> bool:
    """Check the row's resource as it would be saved (kind-specific fields, coordinates),
    so that these errors are listed with the cell errors instead of surfacing one at a time."""
    probe = (
        Resource(
            **{
                name: getattr(current, name)
                for name in services.RESOURCE_FIELDS
                if name != "member"
            }
        )
        if current is not None
        else Resource()
    )
    for name, value in fields.items():
        setattr(probe, name, value)
    try:
        probe.clean()
    except ValidationError as exc:
        for name, texts in exc.message_dict.items():
            for text in texts:
                errors.add(number, FIELD_HEADERS.get(name, "资源编号"), text)
        return False
    return True


class ResourceExcel(ListExport, ExcelKind):
    """The ``resources`` kind: the 资源清单 of every organisation, keyed by 资源编号."""

    name = "resources"
    label = "共享资源"
    columns = COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "资源类别：阵地、党员活动室、教育基地、专家、讲师、设备、课程；容纳人数只适用于前三类，专长领域只适用于专家和讲师。",
            "共享范围：仅本组织；联建单位（同一运行中联建的成员单位可见可约，默认）；全部内部组织（另加本公司全部内部组织）。",
            "开放时间写法：周一至周五 08:30-17:30；周六 09:00-12:00（多个时段用空格分隔，多段用“；”分隔），空白表示不限时段。",
            "组织管理员只能导入本人所管理组织的资源；照片、关联党员和是否开放预约请在资源页面维护。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if user is not None and (
            not getattr(user, "is_authenticated", False)
            or not user.is_active
            or not manages_any(user)
        ):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        errors = sheet.errors
        rows = self._validate(
            sheet, user if user is not None and not user.is_admin else None, errors
        )
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
        """Check every row's references and the caller's scope (``user`` None = no limit)."""
        first = first_rows(sheet, COL["资源编号"], "资源编号")
        owner_codes = {
            v[COL["所属组织编码"]] for _, v in sheet.rows if isinstance(v[COL["所属组织编码"]], str)
        }
        orgs: dict[str, Organisation] = by_code(Organisation.objects.all(), owner_codes)
        existing: dict[str, Resource] = by_code(Resource.objects.select_related("owner"), first)
        taken = hidden_keys(existing, None if user is None else Resource.objects.visible_to(user))
        visible: set[int] | None = None
        if user is not None:
            visible = set(
                Organisation.objects.visible_to(user)
                .filter(pk__in=[o.pk for o in orgs.values()])
                .values_list("pk", flat=True)
            )
        rows: list[_Row] = []
        for number, values in sheet.rows:
            code = values[COL["资源编号"]]
            if code is INVALID or first.get(code) != number:
                continue
            current = existing.get(code)
            row_ok = True
            if code in taken:
                errors.add(number, "资源编号", KEY_TAKEN)
                row_ok = False
            if current is not None and user is not None and not may(user, CHANGE, current.owner):
                errors.add(number, "资源编号", "无权修改该资源（资源编号已被其他组织使用）")
                row_ok = False
            fields: dict[str, Any] = {}
            for header, name in SIMPLE:
                value = values[COL[header]]
                if value is INVALID:
                    row_ok = False
                elif value is not ABSENT:
                    # An empty list cell parses to (); the models hold lists.
                    fields[name] = list(value) if isinstance(value, tuple) else value
            if fields.get("sharing") == "":
                fields["sharing"] = SharingLevel.ALLIANCE
            owner_code = values[COL["所属组织编码"]]
            if owner_code is INVALID:
                row_ok = False
            else:
                owner = orgs.get(owner_code)
                if owner is None or (visible is not None and owner.pk not in visible):
                    errors.add(number, "所属组织编码", f"组织 {owner_code} 不存在")
                    row_ok = False
                elif user is not None and not may(user, CHANGE, owner):
                    errors.add(number, "所属组织编码", f"无权登记组织 {owner_code} 的资源")
                    row_ok = False
                elif owner.dissolved and (current is None or current.owner_id != owner.pk):
                    errors.add(number, "所属组织编码", f"组织 {owner_code} 已撤销")
                    row_ok = False
                else:
                    fields["owner"] = owner
            if not row_ok:
                continue
            if not _follows_model_rules(number, current, fields, errors):
                continue
            if current is not None:
                fields = {k: v for k, v in fields.items() if getattr(current, k) != v}
            rows.append(_Row(number, code, current, fields))
        return rows

    @staticmethod
    def _write(rows: list[_Row], *, actor: Any, errors: ErrorList, result: ImportResult) -> None:
        """Apply the rows through the services; a refusal becomes a row error (and a rollback)."""
        for row in rows:
            try:
                if row.existing is None:
                    services.resource_create(actor=actor, code=row.code, **row.fields)
                    result.created += 1
                elif row.fields:
                    services.resource_update(actor=actor, resource=row.existing, **row.fields)
                    result.updated += 1
                else:
                    result.unchanged += 1
            except ValidationError as exc:
                validation_errors(
                    errors, row.number, exc, FIELD_HEADERS, "资源编号", new=row.existing is None
                )

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = Resource.objects.all() if user is None else Resource.objects.visible_to(user)
        if org_code:
            root = export_root(user, org_code)
            qs = qs.filter(owner__path__under=root.path)
        return self.export_list_rows(user=user, rows=qs)

    list_name = "resources"

    def export_list_rows(self, *, user: Any, rows: Any) -> Iterator[Sequence[Any]]:
        return self._export(rows.select_related("owner", "member__org").order_by("code"), user)

    @staticmethod
    def _export(qs: Any, user: Any) -> Iterator[Sequence[Any]]:
        for r in qs.iterator(chunk_size=2000):
            yield (
                r.code,
                r.name,
                r.kind,
                r.owner.code,
                r.sharing,
                r.tags,
                r.capacity,
                r.address,
                r.lat,
                r.lon,
                r.opening_hours,
                r.equipment,
                r.expertise,
                r.contact,
                private_value(user, r, "contact_phone"),
                r.description,
            )


register(ResourceExcel())
