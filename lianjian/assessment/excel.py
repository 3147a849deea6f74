"""Excel import and export of business KPIs (kind ``kpis``, docs/contracts.md §3).

Columns exactly: 组织编码*, 期间*, 指标编码*, 数值*. Key: (组织编码, 期间, 指标编码). All rows
are checked first; any error refuses the whole file. One import is one :class:`KpiBatch`
(channel Excel, the file name, who and when) — the record every imported number drills
down to; a row whose value is unchanged keeps its earlier batch, so a re-import of the
same file changes nothing and makes no batch.

Rules per row: the organisation exists and is internal (外部单位 are not assessed); the
period is 2026 / 2026H1 / 2026Q3 / 2026-07; the indicator code is that of a ``kpi``
indicator of some scheme (a typo must not pass silently); the value is a finite number,
not negative for an indicator scored as a count (per_item, stepped, deduct, veto).
Scope (``user`` None = the system, everything): an admin imports anything, a manager only
values of organisations in their subtree, a member nothing; an organisation the user cannot
see reads as unknown (``组织 X 不存在``), whatever it is. Export: the values the user
may see, optionally of one subtree, ordered by organisation code, period and indicator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import transaction

from lianjian.assessment.entry import KpiEntry
from lianjian.assessment.models import KpiBatch, KpiValue
from lianjian.assessment.periods import parse_period
from lianjian.assessment.services import (
    KpiRow,
    kpi_codes,
    kpi_period_problem,
    kpi_value_problem,
    kpi_write,
)
from lianjian.core.audit import audit_record
from lianjian.core.excel import (
    INVALID,
    CellError,
    Column,
    ExcelKind,
    ImportResult,
    Sheet,
    cell_text,
    chunks,
    format_plain,
    format_text,
    parse_pattern,
    refresh_statistics,
    refused_keys,
    register,
)
from lianjian.orgs.excel import export_root, may_import
from lianjian.orgs.models import CODE_RE, Organisation

INDICATOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,15}$")
LIMIT = 1e12


def parse_period_cell(value: Any) -> str:
    try:
        period = parse_period(cell_text(value))
    except ValueError:
        raise CellError("期间格式应为 2026、2026H1、2026Q3 或 2026-07") from None
    problem = kpi_period_problem(period)
    if problem:
        raise CellError(problem)
    return period.text


def parse_value(value: Any) -> float:
    if isinstance(value, bool):
        raise CellError("应为数字")
    try:
        number = (
            float(value)
            if isinstance(value, int | float)
            else float(cell_text(value).replace(",", ""))
        )
    except ValueError:
        raise CellError("应为数字") from None
    if number != number or abs(number) > LIMIT:
        raise CellError("应为有限的数字（绝对值不超过 10¹²）")
    return number


COLUMNS: tuple[Column, ...] = (
    Column(
        "组织编码",
        parse_pattern(32, CODE_RE, "编码只能包含字母、数字、下划线、点和短横线，最长 32 位"),
        True,
        "",
        format_text,
        "被考核组织的编码（内部党组织）",
        14,
    ),
    Column(
        "期间",
        parse_period_cell,
        True,
        "",
        format_text,
        "2026（年度）、2026H1（半年）、2026Q3（季度）或 2026-07（月度）",
        10,
    ),
    Column(
        "指标编码",
        parse_pattern(
            16, INDICATOR_RE, "指标编码只能包含字母、数字、下划线、点和短横线，最长 16 位"
        ),
        True,
        "",
        format_text,
        "考核方案中数据来源为“业务指标（导入）”的指标编码，如 YW1",
        10,
    ),
    Column(
        "数值",
        parse_value,
        True,
        None,
        format_plain,
        "数字；比率类指标按方案的口径填写（如营收完成率 98.5 表示 98.5%），次数类填次数（不能为负数），一票否决项填发生次数（0 为未发生）",
        12,
    ),
)
ORG, PERIOD, CODE, VALUE = range(4)


class KpiExcel(ExcelKind):
    """The ``kpis`` kind."""

    name = "kpis"
    label = "业务指标"
    columns = COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "同一组织、期间和指标编码只能出现一行；已有的值会被新值替换，旧值保留在审计日志中。",
            "一次导入记为一个导入批次（导入人、时间、文件名），考核结果中的每个业务指标都可追溯到其导入批次。",
            "业务指标由考核方案的制定单位或该指标的数据提供部门录入，被考核组织不能导入本组织的数值；外部单位不参加考核。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        if not may_import(user):
            result.errors = ["当前账户无权导入数据"]
            return result
        errors = sheet.errors
        org_codes = {v[ORG] for _, v in sheet.rows if v[ORG] is not INVALID}
        orgs: dict[str, Organisation] = {}
        # Who may enter which value: the one rule of entry.KpiEntry (the scheme's owners or the
        # indicator's data provider, never the assessed); a row refused refuses the whole file.
        entry = KpiEntry(user)
        qs = (
            Organisation.objects.all()
            if user is None
            else Organisation.objects.visible_to(user) | entry.orgs()
        )
        for chunk in chunks(sorted(org_codes)):
            for org in qs.filter(code__in=chunk).only("id", "code", "name", "path", "is_partner"):
                orgs[org.code] = org
        # Every organisation of the file, asked at once through core.scope.
        refused = refused_keys(Organisation.objects.all(), user, "change", orgs, key="code")
        known = kpi_codes()
        first: dict[tuple[str, str, str], int] = {}
        rows: list[KpiRow] = []
        for number, values in sheet.rows:
            org = None
            code = values[ORG]
            if code is not INVALID:
                org = orgs.get(code)
                if org is None:
                    errors.add(number, "组织编码", f"组织 {code} 不存在")
                elif org.is_partner:
                    errors.add(number, "组织编码", f"外部单位 {code} 不参加考核")
                    org = None
                elif code in refused and not entry.any():
                    errors.add(number, "组织编码", f"无权导入组织 {code} 的数据")
                    org = None
            indicator = values[CODE]
            if indicator is not INVALID and indicator not in known:
                errors.add(
                    number,
                    "指标编码",
                    f"{indicator} 不是任何考核方案中的业务指标（数据来源为“业务指标（导入）”）",
                )
                indicator = INVALID
            if indicator is not INVALID and values[VALUE] is not INVALID:
                reason = kpi_value_problem(indicator, values[VALUE], known)
                if reason:
                    errors.add(number, "数值", reason)
                    continue
            if INVALID in values or org is None or indicator is INVALID:
                continue
            refusal = entry.refusal(org, values[PERIOD], indicator)
            if refusal:
                errors.add(number, "组织编码", refusal)
                continue
            key = (code, values[PERIOD], indicator)
            if key in first:
                errors.add(
                    number, "指标编码", f"与第{first[key]}行重复（同一组织、期间和指标编码）"
                )
                continue
            first[key] = number
            rows.append(KpiRow(org, values[PERIOD], indicator, values[VALUE]))
        if errors:
            result.errors = errors.messages()
            return result
        if dry_run:
            self._count(rows, result)
            return result
        with transaction.atomic():
            write = kpi_write(
                actor,
                rows,
                channel=KpiBatch.Channel.EXCEL,
                file_name=file_name,
                note=f"（{file_name}）",
                fetch=False,
            )
            result.created, result.updated, result.unchanged = (
                write.created,
                write.updated,
                write.unchanged,
            )
            summary = self.import_audit(actor=actor, result=result, file_name=file_name)
            summary["after"]["batch"] = write.batch.pk if write.batch else None
            audit_record(**summary)
        refresh_statistics(KpiValue, written=result.created + result.updated)
        return result

    @staticmethod
    def _count(rows: list[KpiRow], result: ImportResult) -> None:
        """Counts of a dry run: what the write would create, update and leave alone."""
        existing: dict[tuple[int, str, str], float] = {}
        org_ids = sorted({r.org.pk for r in rows})
        periods = sorted({r.period for r in rows})
        codes = sorted({r.indicator_code for r in rows})
        for chunk in chunks(org_ids, 1000):
            for org_id, period, code, value in KpiValue.objects.filter(
                org_id__in=chunk, period__in=periods, indicator_code__in=codes
            ).values_list("org_id", "period", "indicator_code", "value"):
                existing[(org_id, period, code)] = value
        for r in rows:
            found = existing.get((r.org.pk, r.period, r.indicator_code))
            if found is None:
                result.created += 1
            elif found != r.value:
                result.updated += 1
            else:
                result.unchanged += 1

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = KpiValue.objects.all() if user is None else KpiValue.objects.visible_to(user)
        if org_code:
            root = export_root(user, org_code)
            qs = qs.filter(org__path__under=root.path)
        qs = qs.order_by("org__code", "period", "indicator_code").values_list(
            "org__code", "period", "indicator_code", "value"
        )
        return qs.iterator(chunk_size=5000)


register(KpiExcel())
