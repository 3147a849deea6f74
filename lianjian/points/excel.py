"""Excel import and export of a branch's claims and manual entries (kind ``points``).

Columns: 记录号, 积分办法编码*, 人员编号*, 规则编码*, 方式* (录入/申报), 发生日期*, 分值, 说明*,
佐证链接, 状态. A row without 记录号 is new: 录入 writes a ledger entry (生效 at once; 分值
defaults to the rule's), 申报 files a claim (已申报, reviewed on the screens or the API).
The ledger is never edited, so a row with a 记录号 (``E12`` an entry, ``C5`` a claim, as
exported) must match what is stored and is counted unchanged — a correction is a new row.
状态 is written by the export and not read. Automatic entries are not in the file: they
come from the records (activities, milestones, problems).

All rows are checked first and written through the services in one transaction; any
error refuses the whole file (``第N行 列名：原因``). Scope: a manager imports for the members
of the organisations they manage; the system (``user`` None) for everyone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from lianjian.core.excel import ExcelFileError, ImportResult, Sheet
from lianjian.core.excel.columns import (
    ABSENT,
    INVALID,
    bool_column,
    choice_column,
    date_column,
    float_column,
    text_column,
)
from lianjian.core.excel.kinds import ALL_OR_NOTHING_NOTE, HEADER_NOTE, ExcelKind, register
from lianjian.core.excel.template import (
    refused_result,
    through_services,
    validation_errors,
)
from lianjian.core.scope import CHANGE, VIEW, manages_any
from lianjian.orgs.models import Member
from lianjian.points import services
from lianjian.points.models import (
    EntrySource,
    MemberStanding,
    PointsCategory,
    PointsClaim,
    PointsEntry,
    PointsRule,
    PointsScheme,
)

MANUAL, CLAIM = "录入", "申报"
COLUMNS = (
    text_column("记录号", 16, note="导出时生成（E 开头为台账记录，C 开头为申报）；新增行留空"),
    text_column("积分办法编码", 32, required=True),
    text_column("人员编号", 32, required=True),
    text_column("规则编码", 16, required=True),
    choice_column("方式", (MANUAL, CLAIM), required=True),
    date_column("发生日期", required=True),
    float_column("分值", -1000, 1000, note="仅“录入”可填，缺省为规则分值（须与规则同号）"),
    text_column("说明", 300, required=True, width=30),
    text_column("佐证链接", 500, width=30),
    text_column("状态", 8, note="导出时填写，导入时不读取"),
)
COL = {c.header: i for i, c in enumerate(COLUMNS)}
FIELD_HEADERS = {
    "member": "人员编号",
    "rule": "规则编码",
    "happened_on": "发生日期",
    "points": "分值",
    "reason": "说明",
    "text": "说明",
    "evidence": "佐证链接",
}


@dataclass
class _Row:
    number: int
    scheme: PointsScheme
    member: Member
    rule: PointsRule
    how: str
    values: tuple[Any, ...]


def _given(value: Any) -> Any:
    return None if value is ABSENT or value is INVALID else value


class PointsExcel(ExcelKind):
    """The ``points`` kind."""

    name = "points"
    label = "党员积分"
    columns = COLUMNS

    def general_notes(self) -> list[str]:
        return [
            HEADER_NOTE,
            "从第二行起每行一条记录；空白行会被忽略。",
            ALL_OR_NOTHING_NOTE,
            "“录入”直接记入积分台账（生效）；“申报”进入审核（党小组初核、支委会审定、公示后生效）。",
            "台账从不修改：带记录号的行须与已存内容一致（视为未变），更正请新增一行。",
            "自动积分来自活动出勤、任务节点验收等记录，不在文件中。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if user is not None and not manages_any(user):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        errors = sheet.errors
        seen: dict[str, int] = {}
        for number, values in sheet.rows:
            key = _given(values[COL["记录号"]])
            if key and key in seen:
                errors.add(number, "记录号", f"与第{seen[key]}行重复")
            elif key:
                seen[key] = number
        rows = self._check(sheet, user, result)
        through_services(
            self,
            lambda: self._write(rows, actor=actor, sheet=sheet, result=result),
            actor=actor,
            dry_run=dry_run,
            file_name=file_name,
            errors=errors,
            result=result,
        )
        return result

    def _check(self, sheet: Sheet, user: Any, result: ImportResult) -> list[_Row]:
        errors = sheet.errors
        schemes = (
            PointsScheme.objects.all()
            if user is None
            else PointsScheme.objects.restrict(user, VIEW)
        )
        members = Member.objects.all() if user is None else Member.objects.restrict(user, CHANGE)
        scheme_by = {s.code: s for s in schemes.select_related("org")}
        rows: list[_Row] = []
        for number, values in sheet.rows:
            if any(v is INVALID for v in values):
                continue
            key = _given(values[COL["记录号"]])
            if key:
                if not self._same(key, values, user):
                    errors.add(
                        number, "记录号", "台账记录和申报不能修改；更正请新增一行（记录号留空）"
                    )
                else:
                    result.unchanged += 1
                continue
            scheme = scheme_by.get(values[COL["积分办法编码"]])
            if scheme is None:
                errors.add(number, "积分办法编码", f"积分办法 {values[COL['积分办法编码']]} 不存在")
                continue
            member = members.select_related("org").filter(number=values[COL["人员编号"]]).first()
            if member is None:
                errors.add(
                    number, "人员编号", f"党员 {values[COL['人员编号']]} 不存在或不在本人管理范围内"
                )
                continue
            rule = PointsRule.objects.filter(scheme=scheme, code=values[COL["规则编码"]]).first()
            if rule is None:
                errors.add(
                    number, "规则编码", f"积分办法 {scheme.code} 没有规则 {values[COL['规则编码']]}"
                )
                continue
            how = values[COL["方式"]]
            if how == CLAIM and _given(values[COL["分值"]]) is not None:
                errors.add(number, "分值", "申报按规则分值计分，不能填写分值")
                continue
            points = _given(values[COL["分值"]])
            found = services.problems(
                scheme=scheme,
                member=member,
                rule=rule,
                happened_on=values[COL["发生日期"]],
                claim=how == CLAIM,
                points=None if points is None else Decimal(str(points)),
            )
            for field, message in found.items():
                errors.add(number, FIELD_HEADERS.get(field, "说明"), message)
            if not found:
                rows.append(_Row(number, scheme, member, rule, how, values))
        return rows

    @staticmethod
    def _same(key: str, values: tuple[Any, ...], user: Any) -> bool:
        """Whether the stored record ``key`` (visible to ``user``) holds the row's values."""
        kind, _, pk = key.partition("-")
        if not pk.isdigit() or kind not in ("E", "C"):
            return False
        model = PointsEntry if kind == "E" else PointsClaim
        qs = model.objects.all() if user is None else model.objects.restrict(user, VIEW)
        found = qs.select_related("scheme", "member", "rule").filter(pk=int(pk)).first()
        if found is None:
            return False
        stored = _export_row(found)
        return all(
            values[i] is ABSENT
            or values[i] == stored[i]
            or (values[i] in (None, "") and stored[i] in (None, ""))
            for i in range(len(COLUMNS))
            if COLUMNS[i].header != "状态"
        )

    @staticmethod
    def _write(rows: list[_Row], *, actor: Any, sheet: Sheet, result: ImportResult) -> None:
        for row in rows:
            v = row.values
            try:
                if row.how == MANUAL:
                    points = _given(v[COL["分值"]])
                    services.add_manual_entry(
                        actor=actor,
                        member=row.member,
                        rule=row.rule,
                        happened_on=v[COL["发生日期"]],
                        reason=v[COL["说明"]],
                        points=None if points is None else Decimal(str(points)),
                    )
                else:
                    services.file_claim(
                        actor=actor,
                        member=row.member,
                        rule=row.rule,
                        happened_on=v[COL["发生日期"]],
                        text=v[COL["说明"]],
                        evidence=_given(v[COL["佐证链接"]]) or "",
                    )
                result.created += 1
            except ValidationError as exc:
                validation_errors(sheet.errors, row.number, exc, FIELD_HEADERS, "说明", new=True)
            except PermissionDenied as exc:
                sheet.errors.add(row.number, "人员编号", str(exc) or "无权为该党员录入积分")

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        entries = (
            PointsEntry.objects.all() if user is None else PointsEntry.objects.restrict(user, VIEW)
        )
        claims = (
            PointsClaim.objects.all() if user is None else PointsClaim.objects.restrict(user, VIEW)
        )
        if org_code:
            from lianjian.orgs.excel import export_root

            try:
                root = export_root(user, org_code)
            except ExcelFileError:
                raise
            entries = entries.filter(member__org__path__under=root.path)
            claims = claims.filter(member__org__path__under=root.path)
        entries = entries.filter(source=EntrySource.MANUAL)
        for e in entries.select_related("scheme", "member", "rule").order_by("pk"):
            yield _export_row(e)
        for c in claims.select_related("scheme", "member", "rule").order_by("pk"):
            yield _export_row(c)


def _plain(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _export_row(obj: PointsEntry | PointsClaim) -> tuple[Any, ...]:
    if isinstance(obj, PointsEntry):
        return (
            f"E-{obj.pk}", obj.scheme.code, obj.member.number, obj.rule.code, MANUAL,
            obj.happened_on, _plain(obj.points), obj.reason, "", obj.status,
        )  # fmt: skip
    return (
        f"C-{obj.pk}", obj.scheme.code, obj.member.number, obj.rule.code, CLAIM,
        obj.happened_on, None, obj.text, obj.evidence, obj.state,
    )  # fmt: skip


register(PointsExcel())


# --- kind points_standings: members' categories and exemption --------------------------

STANDING_COLUMNS = (
    text_column("积分办法编码", 32, required=True),
    text_column("人员编号", 32, required=True),
    choice_column("积分类别", tuple(PointsCategory.values), required=True),
    bool_column("免于积分", note="填“是”或“否”，空白视为“否”；免于积分须填写说明"),
    text_column("说明", 200, width=30, note="免于积分的原因（如年满70岁、长期患病）"),
)
SCOL = {c.header: i for i, c in enumerate(STANDING_COLUMNS)}
STANDING_HEADERS = {"category": "积分类别", "reason": "说明", "exempt": "免于积分"}


class StandingExcel(ExcelKind):
    """The ``points_standings`` kind: a member's category (骨干/普通/流动/特殊) and
    exemption for a scheme's year, one row per scheme and member. Written through
    :func:`lianjian.points.services.set_standing` (the screen's and the API's service):
    managers of the member's organisation only, never one's own; all or nothing."""

    name = "points_standings"
    label = "党员积分类别"
    columns = STANDING_COLUMNS

    def general_notes(self) -> list[str]:
        return [
            HEADER_NOTE,
            "从第二行起每行一名党员在一个积分办法（年度）中的类别；空白行会被忽略。",
            ALL_OR_NOTHING_NOTE,
            "只能设置本人所管理组织的党员，不能设置本人的类别；免于积分的党员不计分、不排名。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if user is not None and not manages_any(user):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        errors = sheet.errors
        seen: dict[tuple[Any, Any], int] = {}
        for number, values in sheet.rows:
            key = (values[SCOL["积分办法编码"]], values[SCOL["人员编号"]])
            if INVALID in key:
                continue
            if key in seen:
                errors.add(number, "人员编号", f"与第{seen[key]}行重复（同一积分办法、同一党员）")
            else:
                seen[key] = number
        schemes = (
            PointsScheme.objects.all()
            if user is None
            else PointsScheme.objects.restrict(user, VIEW)
        )
        scheme_by = {sc.code: sc for sc in schemes.select_related("org")}
        members = Member.objects.all() if user is None else Member.objects.restrict(user, CHANGE)
        rows: list[tuple[int, PointsScheme, Member, tuple[Any, ...]]] = []
        for number, values in sheet.rows:
            if any(v is INVALID for v in values):
                continue
            scheme = scheme_by.get(values[SCOL["积分办法编码"]])
            if scheme is None:
                errors.add(
                    number, "积分办法编码", f"积分办法 {values[SCOL['积分办法编码']]} 不存在"
                )
                continue
            member = (
                members.select_related("org")
                .filter(number=values[SCOL["人员编号"]], org__path__under=scheme.org.path)
                .first()
            )
            if member is None:
                errors.add(
                    number,
                    "人员编号",
                    f"党员 {values[SCOL['人员编号']]} 不存在或不在本人管理范围内",
                )
                continue
            if values[SCOL["免于积分"]] is True and not _given(values[SCOL["说明"]]):
                errors.add(number, "说明", "免于积分须说明原因")
                continue
            rows.append((number, scheme, member, values))

        def write() -> None:
            for number, scheme, member, values in rows:
                before = MemberStanding.objects.filter(member=member, year=scheme.year).first()
                try:
                    after = services.set_standing(
                        actor=actor,
                        member=member,
                        year=scheme.year,
                        category=values[SCOL["积分类别"]],
                        exempt=values[SCOL["免于积分"]] is True,
                        reason=_given(values[SCOL["说明"]]) or "",
                    )
                except ValidationError as exc:
                    validation_errors(sheet.errors, number, exc, STANDING_HEADERS, "说明", new=True)
                    continue
                except PermissionDenied as exc:
                    sheet.errors.add(number, "人员编号", str(exc) or "无权设置该党员的积分类别")
                    continue
                if before is None:
                    result.created += 1
                elif (before.category, before.exempt, before.reason) == (
                    after.category, after.exempt, after.reason
                ):  # fmt: skip
                    result.unchanged += 1
                else:
                    result.updated += 1

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
        schemes = (
            PointsScheme.objects.all()
            if user is None
            else PointsScheme.objects.restrict(user, VIEW)
        )
        standings = (
            MemberStanding.objects.all()
            if user is None
            else MemberStanding.objects.restrict(user, VIEW)
        )
        if org_code:
            from lianjian.orgs.excel import export_root

            standings = standings.filter(member__org__path__under=export_root(user, org_code).path)
        for scheme in schemes.select_related("org").order_by("code"):
            rows = standings.filter(
                year=scheme.year, member__org__path__under=scheme.org.path
            ).select_related("member")
            for st in rows.order_by("member__number"):
                yield (scheme.code, st.member.number, st.category, st.exempt, st.reason)


register(StandingExcel())
