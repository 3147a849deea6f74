"""Excel import and export of 揭榜挂帅 project awards (kind ``projects``), per docs/excel.md.

One row per award of a project: 项目编号* (an existing project: projects are created only by
the award of a bid, never by a file), 级别* (公司/地市/省公司/省部/国家), 奖项名称*, 颁发单位,
获奖日期*; the export adds 项目名称 and 承担组织 for reading (ignored by the import). Key:
项目编号 + 奖项名称. A new key records the award (``services.award_add``), an existing standing
award is corrected (``services.award_update``); a voided award is neither exported nor
changed. Certificates are uploaded on the project page.

Every row is checked first and the writes go through the services in one transaction:
nothing is written unless the whole file is right (a dry run performs and rolls back).
Re-importing an export changes nothing. Scope: ``user=None`` is the system (CLI); otherwise
only projects the user sees are found (another project reads as unknown, ``项目 X 不存在``)
and only the issuing side may record awards (``第N行 项目编号：无权登记该项目的获奖``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from lianjian.core.excel import (
    ABSENT,
    INVALID,
    ErrorList,
    ExcelKind,
    ImportResult,
    Sheet,
    choice_column,
    chunks,
    date_column,
    refused_result,
    register,
    text_column,
    through_services,
    validation_errors,
)
from lianjian.core.scope import CHANGE, manages_any, may
from lianjian.orgs.excel import export_root
from lianjian.projects import rules, services
from lianjian.projects.models import Award, Project

COLUMNS = (
    text_column("项目编号", 32, required=True, note="已立项的揭榜项目编号，如 XM2026-001"),
    text_column("项目名称", 200, note="导出时填写，便于阅读；导入时不读取", width=28),
    text_column("承担组织", 200, note="导出时填写，便于阅读；导入时不读取", width=20),
    choice_column("级别", rules.LEVELS, required=True),
    text_column(
        "奖项名称",
        200,
        required=True,
        note="同一项目的奖项以名称区分：已有则更正，没有则新增",
        width=28,
    ),
    text_column("颁发单位", 200, width=20),
    date_column("获奖日期", required=True),
)
COL = {c.header: i for i, c in enumerate(COLUMNS)}
FIELD_HEADERS = {
    "level": "级别",
    "name": "奖项名称",
    "issued_by": "颁发单位",
    "awarded_on": "获奖日期",
    "award": "奖项名称",
}
NO_RIGHT = "无权登记该项目的获奖"


@dataclass
class _Row:
    number: int
    project: Project
    name: str
    existing: Award | None
    fields: dict[str, Any]


class ProjectAwardExcel(ExcelKind):
    """The ``projects`` kind: the awards of 揭榜挂帅 projects, keyed by 项目编号 + 奖项名称."""

    name = "projects"
    label = "揭榜项目获奖"
    columns = COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "每行一个获奖：项目须已立项（揭榜中榜后自动立项），文件不能新建项目。",
            "同一项目的奖项以奖项名称区分；作废的获奖不导出，也不能用文件修改。",
            "获奖证书请在项目页面上传。只有发榜组织的管理员可以登记获奖。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if user is not None and not manages_any(user):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        rows = self._validate(sheet, user, sheet.errors)
        through_services(
            self,
            lambda: self._write(rows, actor=actor, errors=sheet.errors, result=result),
            actor=actor,
            dry_run=dry_run,
            file_name=file_name,
            errors=sheet.errors,
            result=result,
        )
        return result

    def _validate(self, sheet: Sheet, user: Any, errors: ErrorList) -> list[_Row]:
        codes = {v[COL["项目编号"]] for _, v in sheet.rows if isinstance(v[COL["项目编号"]], str)}
        qs = Project.objects.all() if user is None else Project.objects.visible_to(user)
        projects: dict[str, Project] = {}
        for chunk in chunks(sorted(codes)):
            projects.update(
                (p.code, p) for p in qs.filter(code__in=chunk).select_related("call__issuer")
            )
        awards: dict[tuple[int, str], Award] = {}
        for chunk in chunks([p.pk for p in projects.values()]):
            for a in Award.objects.standing().filter(project_id__in=chunk):
                awards[(a.project_id, a.name)] = a
        seen: dict[tuple[str, str], int] = {}
        rows: list[_Row] = []
        for number, values in sheet.rows:
            code, level, name = (
                values[COL["项目编号"]],
                values[COL["级别"]],
                values[COL["奖项名称"]],
            )
            issued_by, day = values[COL["颁发单位"]], values[COL["获奖日期"]]
            if INVALID in (code, level, name, issued_by, day):
                continue
            key = (code, name)
            if key in seen:
                errors.add(number, "奖项名称", f"与第{seen[key]}行重复（同一项目的同名奖项）")
                continue
            seen[key] = number
            project = projects.get(code)
            if project is None:
                errors.add(number, "项目编号", f"项目 {code} 不存在")
                continue
            if user is not None and not may(user, CHANGE, project):
                errors.add(number, "项目编号", NO_RIGHT)
                continue
            fields: dict[str, Any] = {"level": level, "awarded_on": day}
            if issued_by is not ABSENT:
                fields["issued_by"] = issued_by or ""
            existing = awards.get((project.pk, name))
            if existing is not None:
                fields = {k: v for k, v in fields.items() if getattr(existing, k) != v}
            rows.append(_Row(number, project, name, existing, fields))
        return rows

    def _write(
        self, rows: list[_Row], *, actor: Any, errors: ErrorList, result: ImportResult
    ) -> None:
        for row in rows:
            try:
                if row.existing is None:
                    services.award_add(actor, row.project, name=row.name, **row.fields)
                    result.created += 1
                elif row.fields:
                    services.award_update(actor, row.existing, **row.fields)
                    result.updated += 1
                else:
                    result.unchanged += 1
            except ValidationError as exc:
                validation_errors(
                    errors, row.number, exc, FIELD_HEADERS, "项目编号", new=row.existing is None
                )

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = Award.objects.standing().filter(
            project__in=Project.objects.all() if user is None else Project.objects.visible_to(user)
        )
        if org_code:
            root = export_root(user, org_code)
            qs = qs.filter(project__bid__bidder_org__path__under=root.path)
        for a in qs.select_related("project__task", "project__bid__bidder_org").order_by(
            "project__code", "awarded_on", "id"
        ):
            yield (
                a.project.code,
                a.project.task.name,
                a.project.bid.bidder_org.name,
                a.level,
                a.name,
                a.issued_by,
                a.awarded_on,
            )


register(ProjectAwardExcel())
