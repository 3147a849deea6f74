"""The ``members`` kind: party members, keyed by 人员编号 (docs/excel.md)."""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianjian.core.audit import (
    audit_record,
    audit_row,
    diff,
    snapshot,
    snapshot_columns,
    target_type,
)
from lianjian.core.excel import (
    ABSENT,
    BATCH_SIZE,
    INVALID,
    KEY_TAKEN,
    Column,
    ErrorList,
    ExcelKind,
    ImportResult,
    ListExport,
    Sheet,
    bool_column,
    choice_column,
    chunks,
    date_column,
    first_rows,
    hidden_keys,
    insert_audit,
    insert_rows,
    parse_text,
    refresh_statistics,
    refused_keys,
    refused_result,
    text_column,
    update_rows,
)
from lianjian.core.masking import IdNumberField, PhoneField, private_format, private_value
from lianjian.core.models import AuditLog
from lianjian.orgs.excel.common import (
    NO_RIGHT_MEMBER,
    NO_RIGHT_ORG,
    TRANSFER_REASON,
    Rollback,
    code_column,
    export_root,
    may_import,
)
from lianjian.orgs.figures import refresh_for
from lianjian.orgs.models import (
    Member,
    MemberCategory,
    MemberTransfer,
    Organisation,
    member_column_errors,
)
from lianjian.orgs.pinyin import initials
from lianjian.orgs.rules import member_org_problem

# --- members ------------------------------------------------------------------------------

MEMBER_COLUMNS: tuple[Column, ...] = (
    code_column(
        "人员编号",
        required=True,
        note="党员的唯一编号，导入时以此识别：已存在则更新，不存在则新建；字母、数字、下划线、点和短横线，最长 32 位",
    ),
    text_column("姓名", 50, required=True, width=10),
    choice_column("性别", ("男", "女")),
    date_column("出生日期", note="日期，1900-01-01 至今天"),
    code_column(
        "所在组织编码",
        required=True,
        note="党员所在党组织的组织编码，须为系统中已有且未撤销的组织；变更即办理组织关系转接并留存记录",
    ),
    choice_column("党员类别", MemberCategory.values, required=True),
    date_column(
        "入党日期",
        required=True,
        note="日期，1921-07-01 至今天；入党时应年满十八岁；正式党员入党满一年",
    ),
    date_column("转正日期", note="日期；入党满一年之日，预备期延长的最多再晚一年；预备党员不填"),
    text_column("党内职务", 100, width=16),
    text_column("工作岗位", 100, width=16),
    Column("手机号码", parse_text(20), False, "", private_format(PhoneField), width=14),
    Column("身份证号", parse_text(18), False, "", private_format(IdNumberField), width=22),
    bool_column("流动党员", note="扩展列，选填：是或否，空白视为“否”"),
)
MCOL = {c.header: i for i, c in enumerate(MEMBER_COLUMNS)}
MEMBER_SIMPLE: tuple[tuple[str, str], ...] = (
    ("姓名", "name"),
    ("性别", "gender"),
    ("出生日期", "birth_date"),
    ("党员类别", "category"),
    ("入党日期", "joined_on"),
    ("转正日期", "confirmed_on"),
    ("党内职务", "post"),
    ("工作岗位", "job"),
    ("手机号码", "phone"),
    ("身份证号", "id_number"),
    ("流动党员", "is_floating"),
)
MEMBER_STATE_FIELDS = (*(f for _, f in MEMBER_SIMPLE), "org_id", "initials")
MEMBER_WRITE_FIELDS = (
    "number",
    *(f for _, f in MEMBER_SIMPLE),
    "org_id",
    "initials",
    "left_on",
    "left_reason",
)
MEMBER_DEFAULTS: dict[str, Any] = {
    "name": "",
    "gender": "",
    "birth_date": None,
    "category": "",
    "joined_on": None,
    "confirmed_on": None,
    "post": "",
    "job": "",
    "phone": "",
    "id_number": "",
    "is_floating": False,
}
# The fields a new member gets that no column sets.
MEMBER_NEW: dict[str, Any] = {"left_on": None, "left_reason": ""}
# The fields the member rules read (models.member_column_errors).
MEMBER_RULE_INPUTS = ("birth_date", "joined_on", "confirmed_on", "category", "phone", "id_number")
# Which column each rule of ``member_row_errors`` speaks about.
MEMBER_FIELD_HEADERS = {field_name: header for header, field_name in MEMBER_SIMPLE}


def _getter(indices: list[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """The values at ``indices`` of a row, as a tuple (itemgetter, for any number of them)."""
    if len(indices) > 1:
        return operator.itemgetter(*indices)
    return lambda row: tuple(row[i] for i in indices)


class MemberExcel(ListExport, ExcelKind):
    """The ``members`` kind: party members, keyed by 人员编号.

    Members are validated and written batch by batch inside one transaction, which is rolled
    back at the end if any row of the file had an error: memory stays flat for very large
    files and nothing is kept of a refused one.
    """

    name = "members"
    label = "党员"
    columns = MEMBER_COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "所在组织须先导入（kind orgs）。变更所在组织编码即办理组织关系转接，系统保留转接记录。",
            "手机号码为 11 位数字且以 1 开头；身份证号须符合国家标准的校验位。",
            "组织管理员只能导入本组织及下级组织的党员。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if not may_import(user):
            return refused_result(self, file_name, dry_run)
        errors = sheet.errors
        first = first_rows(sheet, MCOL["人员编号"], "人员编号")
        orgs = self._load_orgs(sheet, user)
        # Every organisation the file places members in, asked at once (core.excel refused_keys).
        refused_orgs = refused_keys(
            Organisation.objects.all(), user, "change", {info[0] for info in orgs.values()}
        )
        visible = None if user is None else Member.objects.visible_to(user)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        today = timezone.localdate()
        actor_name = (
            actor.get_username()
            if actor is not None and getattr(actor, "is_authenticated", False)
            else "系统"
        )
        rows = sheet.rows
        context = contextlib.nullcontext() if dry_run else transaction.atomic()
        try:
            with context:
                for batch in chunks(rows):
                    plan = self._validate(
                        batch, first, orgs, user, refused_orgs, visible, errors, result, today
                    )
                    if not dry_run and not errors:
                        self._write(plan, orgs, actor=actor, actor_name=actor_name, today=today)
                if errors:
                    raise Rollback
                if not dry_run:
                    refresh_for({info[0] for info in orgs.values()})  # orgs.figures
                    audit_record(
                        **self.import_audit(actor=actor, result=result, file_name=file_name)
                    )
        except Rollback:
            result.created = result.updated = result.unchanged = 0
            result.errors = errors.messages()
            return result
        if not dry_run:
            refresh_statistics(Member, AuditLog, written=result.created + result.updated)
        return result

    def _load_orgs(self, sheet: Sheet, user: Any) -> dict[Any, tuple[int, str, str, Any, bool]]:
        """Organisations named in the file that ``user`` may see (None: all), by code and by
        id: (id, code, path, dissolved, is_partner). Others read as unknown."""
        orgs: dict[Any, tuple[int, str, str, Any, bool]] = {}
        codes = list(
            {
                v[MCOL["所在组织编码"]]
                for _, v in sheet.rows
                if isinstance(v[MCOL["所在组织编码"]], str)
            }
        )
        qs = Organisation.objects.all() if user is None else Organisation.objects.visible_to(user)
        for chunk in chunks(codes):
            for info in qs.filter(code__in=chunk).values_list(
                "id", "code", "path", "dissolved", "is_partner"
            ):
                orgs[info[1]] = orgs[info[0]] = info
        return orgs

    def _validate(
        self,
        batch: Sequence[tuple[int, tuple[Any, ...]]],
        first: dict[str, int],
        orgs: dict[Any, Any],
        user: Any,
        refused_orgs: set[int],
        visible: Any,
        errors: ErrorList,
        result: ImportResult,
        today: Any,
    ) -> list[tuple[Any, dict[str, Any] | None, list[str], Any]]:
        """Check one batch; returns (member — its values by field for a new one —, before
        snapshot or None for a new one, changed fields, old org id when transferred) for
        every row to write. A row whose key is bad or repeated is still checked for its
        other errors (it is refused anyway); so is a row whose key a member outside
        ``visible`` holds, as a new member, against its own values only."""
        numbers = [v[MCOL["人员编号"]] for n, v in batch if first.get(v[MCOL["人员编号"]]) == n]
        existing = {m.number: m for m in Member.objects.filter(number__in=numbers)}
        taken = hidden_keys(existing, visible)
        # The members the batch changes, asked at once, among those the importer sees.
        refused_members = refused_keys(
            Member.objects.all(), user, "change", [m.pk for m in existing.values()]
        )
        missing = {m.org_id for m in existing.values()} - orgs.keys()
        if missing:
            for loaded in Organisation.objects.filter(id__in=missing).values_list(
                "id", "code", "path", "dissolved", "is_partner"
            ):
                orgs[loaded[0]] = loaded
        checked: list[tuple[int, Any, Any, dict[str, Any], bool]] = []
        # The columns the file has (a column it lacks is ABSENT in every row and leaves the
        # field as it is): their values are taken from each row in one call.
        present = [
            (MCOL[header], f)
            for header, f in MEMBER_SIMPLE
            if batch and batch[0][1][MCOL[header]] is not ABSENT
        ]
        simple_fields = [f for _, f in present]
        simple_values = _getter([i for i, _ in present])
        for number, values in batch:
            key = values[MCOL["人员编号"]]
            member = existing.get(key) if first.get(key) == number else None
            state: dict[str, Any]
            if member is not None:
                state = {f: getattr(member, f) for f in MEMBER_STATE_FIELDS}
            else:
                state = dict(MEMBER_DEFAULTS, org_id=None)
            state.update(zip(simple_fields, simple_values(values), strict=True))
            # A bad 姓名 (empty, too long) leaves the derived initials unknown too, so that
            # the row is refused with the cell's error instead of reaching code that needs them.
            state["initials"] = INVALID if state["name"] is INVALID else initials(state["name"])
            row_ok = True
            if key in taken and first.get(key) == number:
                errors.add(number, "人员编号", KEY_TAKEN)
                row_ok = False
            org_code = values[MCOL["所在组织编码"]]
            if member is not None and member.pk in refused_members:
                errors.add(number, "人员编号", NO_RIGHT_MEMBER)
                row_ok = False
            elif org_code is not INVALID:
                info = orgs.get(org_code)
                if info is None:
                    errors.add(number, "所在组织编码", f"组织 {org_code} 不存在")
                    row_ok = False
                elif info[0] in refused_orgs:
                    errors.add(number, "所在组织编码", NO_RIGHT_ORG)
                    row_ok = False
                else:
                    state["org_id"] = info[0]
                    if member is None or info[0] != member.org_id:
                        problem = member_org_problem(
                            dissolved=info[3] is not None,
                            is_partner=info[4],
                            transfer=member is not None,
                            left=member is not None and member.left_on is not None,
                        )
                        if problem:
                            errors.add(number, "所在组织编码", problem)
                            row_ok = False
            else:
                row_ok = False
            checked.append((number, key, member, state, row_ok))
        # The rules of a member's fields, for the whole batch at once (models.member_column_errors).
        problems_at = member_column_errors(
            {f: [c[3].get(f) for c in checked] for f in MEMBER_RULE_INPUTS}, len(checked), on=today
        )
        plan: list[tuple[Any, dict[str, Any] | None, list[str], Any]] = []
        for position, (number, key, member, state, row_ok) in enumerate(checked):
            problems = problems_at.get(position)
            if problems:
                for field_name, message in problems.items():
                    errors.add(number, MEMBER_FIELD_HEADERS.get(field_name, "人员编号"), message)
                continue
            if not row_ok or INVALID in state.values():
                continue
            if member is None:
                # A new member is written from its values: no model instance per row.
                result.created += 1
                plan.append(({"number": key, **state, **MEMBER_NEW}, None, [], None))
                continue
            changed = [f for f in MEMBER_STATE_FIELDS if state[f] != getattr(member, f)]
            old_org_id = member.org_id
            before = snapshot(member) if changed else {}
            for f in MEMBER_STATE_FIELDS:
                setattr(member, f, state[f])
            if changed:
                result.updated += 1
                plan.append((member, before, changed, old_org_id if "org_id" in changed else None))
            else:
                result.unchanged += 1
        return plan

    def _write(
        self,
        plan: list[tuple[Any, dict[str, Any] | None, list[str], Any]],
        orgs: dict[Any, Any],
        *,
        actor: Any,
        actor_name: str,
        today: Any,
    ) -> None:
        now = timezone.now()
        creates: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        audits: list[dict[str, Any]] = []
        transfers: list[tuple[Any, ...]] = []
        member_type = target_type(Member)
        write_values = operator.itemgetter(*MEMBER_WRITE_FIELDS)
        # The new members' audit snapshots, column by column (audit.snapshot_columns).
        new = [member for member, before, _, _ in plan if before is None]
        afters = iter(
            snapshot_columns(
                Member, {f: [m[f] for m in new] for f in Member.AUDIT_FIELDS}, len(new)
            )
        )
        for member, before, _, old_org_id in plan:
            if before is None:
                creates.append((*write_values(member), now, now))
                audits.append(
                    audit_row(
                        actor=actor,
                        action=AuditLog.Action.CREATE,
                        # What obj=Member(...) would give: the key and the label.
                        target=member_type,
                        target_id=member["number"],
                        target_repr=member["name"],
                        after=next(afters),
                    )
                )
                continue
            updates.append((*(getattr(member, f) for f in MEMBER_WRITE_FIELDS[1:]), now, member.pk))
            b, a = diff(before, snapshot(member))
            b.pop("org_id", None)
            a.pop("org_id", None)
            if a:
                audits.append(
                    audit_row(
                        actor=actor, action=AuditLog.Action.UPDATE, obj=member, before=b, after=a
                    )
                )
            if old_org_id is not None:
                transfers.append(
                    (member.pk, old_org_id, member.org_id, today, TRANSFER_REASON, actor_name, now)
                )
                audits.append(
                    audit_row(
                        actor=actor,
                        action=AuditLog.Action.TRANSFER,
                        obj=member,
                        before={"org": orgs[old_org_id][1]},
                        after={"org": orgs[member.org_id][1]},
                        note=TRANSFER_REASON,
                    )
                )
        insert_rows(Member, (*MEMBER_WRITE_FIELDS, "created_at", "updated_at"), creates)
        update_rows(Member, (*MEMBER_WRITE_FIELDS[1:], "updated_at"), updates)
        insert_rows(
            MemberTransfer,
            ("member", "from_org", "to_org", "date", "reason", "actor_name", "created_at"),
            transfers,
        )
        insert_audit(audits, now)

    list_name = "members"

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = Member.objects.current() if user is None else Member.objects.current().visible_to(user)
        if org_code:
            root = export_root(user, org_code)
            qs = qs.filter(org__path__under=root.path)
        return self.export_list_rows(user=user, rows=qs)

    def export_list_rows(self, *, user: Any, rows: Any) -> Iterator[Sequence[Any]]:
        qs = (
            rows.select_related("org")
            .only(
                "number",
                "name",
                "gender",
                "birth_date",
                "category",
                "joined_on",
                "confirmed_on",
                "post",
                "job",
                "phone",
                "id_number",
                "is_floating",
                "org__code",
                "org__path",
            )
            .order_by("org__path", "number")
        )
        return self._export(qs.iterator(chunk_size=BATCH_SIZE), user)

    @staticmethod
    def _export(members: Iterator[Member], user: Any) -> Iterator[Sequence[Any]]:
        for m in members:
            yield (
                m.number,
                m.name,
                m.gender,
                m.birth_date,
                m.org.code,
                m.category,
                m.joined_on,
                m.confirmed_on,
                m.post,
                m.job,
                private_value(user, m, "phone"),
                private_value(user, m, "id_number"),
                m.is_floating,
            )
