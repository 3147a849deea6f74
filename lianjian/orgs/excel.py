"""Excel import and export of organisations (``orgs``) and members (``members``).

Both kinds follow docs/contracts.md §3 and the engine in :mod:`lianjian.core.excel`: every
row is validated first and nothing is written unless the whole file is right; rows whose
key (组织编码 / 人员编号) exists update that object; a column missing from the file leaves
that field unchanged; a re-import of the same file writes nothing but the summary audit row.

Extension columns (optional, documented in the template's notes): for orgs 外部单位类别
(政府/社区/高校/企业/其他, only for 外部单位) and 组织标识 (a list of 临时/联合/功能型); for
members 流动党员 (是/否).

Scope: ``user=None`` is the system (CLI). An admin may write everything; a manager only
organisations and members inside ``Organisation.objects.manageable_by(user)`` — a new
organisation placed outside answers ``第N行 组织编码：无权操作该组织`` (or ``上级组织编码``)
and the whole file is refused. A row is validated only against what the importer may see
(``core.excel.hidden_keys``): a key held by a hidden organisation or member answers
``第N行 组织编码：该编号不可用（已被占用）`` (``人员编号`` for members) and the row is checked as a
new one; a hidden organisation named as a parent or as 所在组织编码 reads as unknown
(``组织 X 不存在``), except the unchanged parent of a visible organisation, which its export shows. The structural
columns of an existing organisation (组织类型, 上级组织编码, 是否外部单位, 外部单位类别, 组织标识,
成立日期, 撤销日期) change only by a manager of its parent, so never on the manager's own
organisation: ``第N行 组织类型：组织类型只能由上级组织的管理员或系统管理员修改``.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from lianjian.core.audit import audit_record, audit_row, diff, snapshot
from lianjian.core.excel import (
    ABSENT,
    BATCH_SIZE,
    INVALID,
    KEY_TAKEN,
    Column,
    ErrorList,
    ExcelFileError,
    ExcelKind,
    ImportResult,
    Sheet,
    bool_column,
    choice_column,
    chunks,
    date_column,
    float_column,
    format_text,
    hidden_keys,
    insert_audit,
    insert_rows,
    list_column,
    parse_pattern,
    parse_text,
    refresh_statistics,
    register,
    text_column,
    update_rows,
)
from lianjian.core.masking import IdNumberField, PhoneField, private_format, private_value
from lianjian.core.models import AuditLog
from lianjian.core.scope import MANAGE, scope_of
from lianjian.orgs.models import (
    ALLOWED_PARENT_KINDS,
    CODE_RE,
    Member,
    MemberCategory,
    MemberTransfer,
    Organisation,
    OrgKind,
    PartnerKind,
    member_row_errors,
    org_row_errors,
)
from lianjian.orgs.permissions import STRUCTURAL_FIELDS, can_change_structure, structure_refusal
from lianjian.orgs.pinyin import initials

CODE_REASON = "编码只能包含字母、数字、下划线、点和短横线，最长 32 位"
NO_RIGHT_ORG = "无权操作该组织"
NO_RIGHT_MEMBER = "无权操作该党员"
FLAG_FIELDS = {"临时": "is_temporary", "联合": "is_joint", "功能型": "is_functional"}
TRANSFER_REASON = "Excel 导入"
MAX_PATH = 600


def code_column(header: str, *, required: bool = False, note: str = "") -> Column:
    return Column(header, parse_pattern(32, CODE_RE, CODE_REASON), required, None if not required else "",
                  format_text, note or "字母、数字、下划线、点和短横线，最长 32 位", 14)


class _Rollback(Exception):
    """Raised inside the import transaction to undo every write of a refused file."""


def import_scope(user: Any) -> tuple[bool, str | None]:
    """Who may import: (allowed at all, path prefix the user may write under; None =
    everything). The system (None) and admins write anywhere, a manager in their subtree."""
    if user is None:
        return True, None
    scope = scope_of(user)
    if scope.everything:
        return True, None
    grants = scope.of(MANAGE)
    return (True, grants[0].path) if grants else (False, None)


def export_root(user: Any, org_code: str) -> Organisation:
    """The organisation an export is limited to (its subtree): visible to ``user`` (None =
    the system, everything); an unknown or invisible code raises :class:`ExcelFileError`."""
    orgs = Organisation.objects.all() if user is None else Organisation.objects.visible_to(user)
    root = orgs.filter(code=org_code).only("path").first()
    if root is None:
        raise ExcelFileError([f"组织 {org_code} 不存在或无权查看"])
    return root


def _refused(kind: ExcelKind, file_name: str, dry_run: bool) -> ImportResult:
    return ImportResult(kind=kind.name, file_name=file_name, dry_run=dry_run, errors=["当前账户无权导入数据"])


def _duplicates(sheet: Sheet, key_ix: int, header: str) -> dict[str, int]:
    """Key → the row it first appears on; later rows with the same key get an error."""
    first: dict[str, int] = {}
    for number, values in sheet.rows:
        key = values[key_ix]
        if key is INVALID:
            continue
        if key in first:
            sheet.errors.add(number, header, f"与第{first[key]}行重复")
        else:
            first[key] = number
    return first


# --- organisations ------------------------------------------------------------------------

ORG_COLUMNS: tuple[Column, ...] = (
    code_column("组织编码", required=True, note="组织的唯一编码，导入时以此识别：已存在则更新，不存在则新建；字母、数字、下划线、点和短横线，最长 32 位"),
    text_column("组织名称", 200, required=True, width=28),
    choice_column("组织类型", OrgKind.values, required=True,
                  note="党委、党总支、党支部或党小组；党总支设在党委下，党支部设在党委或党总支下，党小组设在党支部下"),
    code_column("上级组织编码", note="上级党组织的组织编码，可以是系统中已有的组织，也可以是本文件中其他行新建的组织；空白表示顶级组织"),
    bool_column("是否外部单位", note="本单位以外的联建单位党组织填“是”；空白视为“否”"),
    text_column("所属单位", 200, width=20),
    list_column("专业", note="组织所在单位的专业方向，如 营销服务、设备管理"),
    text_column("地址", 300, width=24),
    float_column("纬度", -90, 90, note="-90 到 90 之间的小数；纬度和经度需同时填写或同时空白"),
    float_column("经度", -180, 180, note="-180 到 180 之间的小数；纬度和经度需同时填写或同时空白"),
    list_column("优势资源", note="可与其他组织共享的资源"),
    list_column("需求", note="希望联建单位支持的事项"),
    date_column("成立日期", note="日期，1921-07-01 至今天"),
    date_column("撤销日期", note="日期；填写即撤销该组织（不能早于成立日期，撤销前需先转出全部党员、撤销全部下级组织）"),
    date_column("本届任期开始"),
    date_column("本届任期结束", note="日期；不能早于本届任期开始"),
    choice_column("外部单位类别", PartnerKind.values,
                  note="扩展列，选填：政府、社区、高校、企业或其他；仅外部单位可填写"),
    list_column("组织标识", choices=tuple(FLAG_FIELDS), note="扩展列，选填：临时、联合、功能型，可填多项"),
)
OCOL = {c.header: i for i, c in enumerate(ORG_COLUMNS)}
# The column that sets each structural field (lianjian.orgs.permissions).
STRUCTURE_COLUMNS = {"kind": "组织类型", "parent": "上级组织编码", "is_partner": "是否外部单位",
                     "partner_kind": "外部单位类别", "is_temporary": "组织标识", "is_joint": "组织标识",
                     "is_functional": "组织标识", "founded": "成立日期", "dissolved": "撤销日期"}

# Column → model field for the columns that map one to one.
ORG_SIMPLE: tuple[tuple[str, str], ...] = (
    ("组织名称", "name"), ("组织类型", "kind"), ("是否外部单位", "is_partner"), ("所属单位", "unit"),
    ("专业", "professions"), ("地址", "address"), ("纬度", "lat"), ("经度", "lon"),
    ("优势资源", "strengths"), ("需求", "needs"), ("成立日期", "founded"), ("撤销日期", "dissolved"),
    ("本届任期开始", "term_start"), ("本届任期结束", "term_end"), ("外部单位类别", "partner_kind"),
)
ORG_STATE_FIELDS = (*(f for _, f in ORG_SIMPLE), *FLAG_FIELDS.values())
# Which column each rule of ``org_row_errors`` speaks about.
ORG_FIELD_HEADERS = {field_name: header for header, field_name in ORG_SIMPLE}
ORG_LIST_FIELDS = {"professions", "strengths", "needs"}
ORG_DEFAULTS: dict[str, Any] = {
    "name": "", "kind": "", "is_partner": False, "unit": "", "professions": [], "address": "",
    "lat": None, "lon": None, "strengths": [], "needs": [], "founded": None, "dissolved": None,
    "term_start": None, "term_end": None, "partner_kind": "", "is_temporary": False,
    "is_joint": False, "is_functional": False,
}


def _parent_code(path: str) -> str | None:
    codes = path.strip("/").split("/")
    return codes[-2] if len(codes) > 1 else None


class _OrgRow:
    """One file row's final state of an organisation, with what it replaces."""

    __slots__ = ("number", "code", "existing", "state", "parent_code", "path", "changed")

    def __init__(self, number: int, code: str, existing: Organisation | None, state: dict[str, Any],
                 parent_code: Any) -> None:
        self.number = number
        self.code = code
        self.existing = existing
        self.state = state
        self.parent_code = parent_code
        self.path: str | None = None
        self.changed: list[str] = []


class OrgExcel(ExcelKind):
    """The ``orgs`` kind: party organisations, keyed by 组织编码."""

    name = "orgs"
    label = "党组织"
    columns = ORG_COLUMNS

    def general_notes(self) -> list[str]:
        return [*super().general_notes(),
                "上级组织可以在同一文件的后面几行中才定义；上级关系不能形成循环。",
                "修改上级组织编码会把该组织连同全部下级组织一起移到新的上级之下。",
                "组织管理员只能导入本组织及下级组织的数据；本组织的组织类型、上级组织、是否外部单位、外部单位类别、"
                "组织标识、成立日期和撤销日期只能由上级组织的管理员修改。"]

    # The whole org file is held in memory: even a large company has tens of thousands of
    # organisations, and parent links may point forward in the file.
    def apply(self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str) -> ImportResult:
        allowed, prefix = import_scope(user)
        if not allowed:
            return _refused(self, file_name, dry_run)
        errors = sheet.errors
        first = _duplicates(sheet, OCOL["组织编码"], "组织编码")
        db, taken, hidden_parents = self._load(sheet, first, user)
        rows = self._rows(sheet, first, db, taken)
        for row in rows:
            if row.code in taken:
                errors.add(row.number, "组织编码", KEY_TAKEN)
        file_rows = {r.code: r for r in rows}
        self._check_rows(rows, file_rows, db, hidden_parents, errors)
        moved_extra = self._resolve_paths(rows, file_rows, db, errors)
        self._check_db_children(rows, file_rows, errors)
        if prefix is not None:
            self._check_scope(rows, file_rows, db, prefix, errors)
            self._check_structure(rows, user, errors)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        for row in rows:
            if row.existing is None:
                result.created += 1
            elif row.changed:
                result.updated += 1
            else:
                result.unchanged += 1
        if errors:
            result.created = result.updated = result.unchanged = 0
            result.errors = errors.messages()
            return result
        if not dry_run:
            self._write(rows, moved_extra, db, actor=actor, file_name=file_name, result=result)
            refresh_statistics(Organisation, AuditLog, written=result.created + result.updated)
        return result

    def _load(self, sheet: Sheet, first: dict[str, int], user: Any) -> tuple[dict[str, Organisation], set[str], set[str]]:
        """(the organisations of the file's codes and of the parents it names that ``user``
        may see, plus the current parents of those rows; the file's codes held by hidden
        organisations; the hidden current parents, which only their own child may name)."""
        visible = None if user is None else Organisation.objects.visible_to(user)
        db: dict[str, Organisation] = {}
        for chunk in chunks(list(first)):
            for org in Organisation.objects.filter(code__in=chunk):
                db[org.code] = org
        taken = hidden_keys(db, visible)
        current_parents = {code for code in (_parent_code(org.path) for org in db.values()) if code}
        wanted = {values[OCOL["上级组织编码"]] for _, values in sheet.rows} | current_parents
        parents: dict[str, Organisation] = {}
        for chunk in chunks([c for c in wanted if isinstance(c, str) and c and c not in db and c not in taken]):
            for org in Organisation.objects.filter(code__in=chunk):
                parents[org.code] = org
        unseen = dict(parents)
        hidden_keys(parents, visible)
        hidden_parents = {code for code in unseen if code not in parents and code in current_parents}
        db.update(parents)
        db.update((code, unseen[code]) for code in hidden_parents)
        return db, taken, hidden_parents

    def _rows(self, sheet: Sheet, first: dict[str, int], db: dict[str, Organisation], taken: set[str]) -> list[_OrgRow]:
        rows: list[_OrgRow] = []
        for number, values in sheet.rows:
            code = values[OCOL["组织编码"]]
            if code is INVALID or first.get(code) != number:
                # Still checked for its other errors, under a key no real code can take.
                code = f"\0{number}"
            # A code held by a hidden organisation: a new row as far as the checks go.
            existing = None if code in taken else db.get(code)
            if existing is not None:
                state = {f: getattr(existing, f) for f in ORG_STATE_FIELDS}
                parent_code: Any = _parent_code(existing.path)
            else:
                state = {f: (list(v) if isinstance(v, list) else v) for f, v in ORG_DEFAULTS.items()}
                parent_code = None
            for header, field_name in ORG_SIMPLE:
                value = values[OCOL[header]]
                if value is not ABSENT:
                    state[field_name] = list(value) if field_name in ORG_LIST_FIELDS and value is not INVALID else value
            flags = values[OCOL["组织标识"]]
            if flags is not ABSENT:
                for label, field_name in FLAG_FIELDS.items():
                    state[field_name] = INVALID if flags is INVALID else label in flags
            parent = values[OCOL["上级组织编码"]]
            if parent is not ABSENT:
                parent_code = parent or None
            row = _OrgRow(number, code, existing, state, parent_code)
            if existing is not None:
                row.changed = [f for f in ORG_STATE_FIELDS if state[f] != getattr(existing, f)]
                if parent_code != _parent_code(existing.path):
                    row.changed.append("parent")
            rows.append(row)
        return rows

    def _check_rows(self, rows: list[_OrgRow], file_rows: dict[str, _OrgRow], db: dict[str, Organisation],
                    hidden_parents: set[str], errors: ErrorList) -> None:
        for row in rows:
            s, n = row.state, row.number
            for field_name, message in org_row_errors(s).items():
                errors.add(n, ORG_FIELD_HEADERS[field_name], message)
            if s["partner_kind"] not in ("", INVALID) and s["is_partner"] is False:
                errors.add(n, "外部单位类别", "仅外部单位可填写外部单位类别")
            parent_code = row.parent_code
            if parent_code is INVALID or parent_code is None:
                continue
            if parent_code == row.code:
                errors.add(n, "上级组织编码", "上级组织不能是本组织")
                row.parent_code = INVALID
                continue
            parent_row = file_rows.get(parent_code)
            parent_db = db.get(parent_code)
            if parent_code in hidden_parents and (row.existing is None or parent_code != _parent_code(row.existing.path)):
                parent_db = None  # only its own child may name a parent the importer cannot see
            if parent_row is None and parent_db is None:
                errors.add(n, "上级组织编码", f"上级组织 {parent_code} 不存在")
                row.parent_code = INVALID
                continue
            parent_kind = parent_row.state["kind"] if parent_row is not None else parent_db.kind  # type: ignore[union-attr]
            parent_dissolved = parent_row.state["dissolved"] if parent_row is not None else parent_db.dissolved  # type: ignore[union-attr]
            if (s["is_partner"] is False and s["kind"] in ALLOWED_PARENT_KINDS and parent_kind is not INVALID
                    and parent_kind not in ALLOWED_PARENT_KINDS[s["kind"]]):
                errors.add(n, "上级组织编码", f"{s['kind']}不能设在{parent_kind}之下")
            moved = row.existing is None or "parent" in row.changed
            if moved and s["dissolved"] is None and parent_dissolved not in (None, INVALID):
                errors.add(n, "上级组织编码", f"上级组织 {parent_code} 已撤销")

    def _resolve_paths(self, rows: list[_OrgRow], file_rows: dict[str, _OrgRow], db: dict[str, Organisation],
                       errors: ErrorList) -> list[Organisation]:
        """Final paths of every file row, and the organisations outside the file whose path
        changes because an ancestor moved (returned with their new path and depth set)."""
        db_parent: dict[str, str | None] = {}

        def learn(path: str) -> None:
            codes = path.strip("/").split("/")
            for i, code in enumerate(codes):
                db_parent.setdefault(code, codes[i - 1] if i else None)

        for org in db.values():
            learn(org.path)
        moved = [r for r in rows if r.existing is not None and "parent" in r.changed and r.parent_code is not INVALID]
        descendants: list[Organisation] = []
        for chunk in chunks(moved, 200):
            query = Q()
            for r in chunk:
                query |= Q(path__under=r.existing.path)  # type: ignore[union-attr]
            for org in Organisation.objects.filter(query).only("id", "code", "path", "depth"):
                if org.code not in file_rows:
                    descendants.append(org)
                    learn(org.path)

        final: dict[str, str | None] = {}  # code → final path; None = unresolvable (cycle, bad parent)
        cyclic: set[str] = set()

        def parent_of(code: str) -> Any:
            row = file_rows.get(code)
            return row.parent_code if row is not None else db_parent.get(code)

        for row in rows:
            if row.code in final:
                continue
            chain: list[str] = []
            on_chain: set[str] = set()
            code: Any = row.code
            base: str | None = "/"
            while True:
                if code in final:
                    base = final[code]
                    break
                if code in on_chain:
                    cyclic.update(chain[chain.index(code):])
                    base = None
                    break
                chain.append(code)
                on_chain.add(code)
                parent = parent_of(code)
                if parent is INVALID:
                    base = None
                    break
                if parent is None:
                    base = "/"
                    break
                code = parent
            for c in reversed(chain):
                if base is None:
                    final[c] = None
                else:
                    base = f"{base}{c}/"
                    final[c] = base
        for row in rows:
            row.path = final.get(row.code)
            if row.code in cyclic:
                errors.add(row.number, "上级组织编码", "上级组织关系形成循环")
            elif row.path is not None and len(row.path) > MAX_PATH:
                errors.add(row.number, "上级组织编码", "组织层级过深")
                row.path = None
            if row.existing is not None and row.path is not None and row.path != row.existing.path and "parent" not in row.changed:
                row.changed.append("parent")

        changed: list[Organisation] = []
        for org in {o.code: o for o in descendants}.values():
            new_path = final.get(org.code)
            if new_path is None:
                # Not reached yet from a file row: resolve through its unchanged parent.
                parts = org.path.strip("/").split("/")
                for i in range(len(parts) - 2, -1, -1):
                    anchor = final.get(parts[i])
                    if parts[i] in file_rows:
                        if anchor is not None:
                            new_path = anchor + "".join(f"{p}/" for p in parts[i + 1:])
                        break
            if new_path is not None and new_path != org.path:
                org.path, org.depth = new_path, new_path.count("/") - 2
                changed.append(org)
        return changed

    def _check_db_children(self, rows: list[_OrgRow], file_rows: dict[str, _OrgRow], errors: ErrorList) -> None:
        """Kind changes must suit the children left in the database; dissolving needs none
        active and no current member (as :func:`lianjian.orgs.services.org_dissolve`)."""
        by_id = {r.existing.pk: r for r in rows if r.existing is not None}
        kind_changed = [pk for pk, r in by_id.items() if "kind" in r.changed and r.state["kind"] is not INVALID]
        for chunk in chunks(kind_changed):
            children = Organisation.objects.filter(parent_id__in=chunk).values_list("code", "kind", "is_partner", "parent_id")
            for code, kind, is_partner, parent_id in children:
                if code in file_rows or is_partner:
                    continue
                row = by_id[parent_id]
                if row.state["kind"] not in ALLOWED_PARENT_KINDS.get(kind, {row.state["kind"]}):
                    errors.add(row.number, "组织类型", f"下级组织 {code}（{kind}）不能设在{row.state['kind']}之下")
        dissolving = {pk: r for pk, r in by_id.items()
                      if r.existing.dissolved is None and r.state["dissolved"] not in (None, INVALID)}  # type: ignore[union-attr]
        if not dissolving:
            return
        active_children: dict[str, int] = defaultdict(int)
        for row in rows:
            if row.parent_code not in (None, INVALID) and row.state["dissolved"] is None:
                active_children[row.parent_code] += 1
        ids = list(dissolving)
        for chunk in chunks(ids):
            for code, parent_id in (Organisation.objects.filter(parent_id__in=chunk, dissolved__isnull=True)
                                    .values_list("code", "parent_id")):
                if code not in file_rows:
                    active_children[dissolving[parent_id].code] += 1
            counts = (Member.objects.filter(org_id__in=chunk, left_on__isnull=True)
                      .values("org_id").annotate(n=Count("id")).values_list("org_id", "n"))
            for org_id, n in counts:
                errors.add(dissolving[org_id].number, "撤销日期", f"还有 {n} 名党员，请先办理组织关系转接")
        for row in dissolving.values():
            if active_children.get(row.code):
                errors.add(row.number, "撤销日期", f"还有 {active_children[row.code]} 个下级组织未撤销")

    def _check_scope(self, rows: list[_OrgRow], file_rows: dict[str, _OrgRow], db: dict[str, Organisation],
                     prefix: str, errors: ErrorList) -> None:
        for row in rows:
            if row.existing is not None and not row.existing.path.startswith(prefix):
                errors.add(row.number, "组织编码", NO_RIGHT_ORG)
            elif ((row.existing is None or "parent" in row.changed) and row.path is not None
                  and (not row.path.startswith(prefix) or row.path == prefix)):
                # A new or moved organisation must land strictly inside the manager's subtree.
                errors.add(row.number, "上级组织编码" if row.parent_code else "组织编码", NO_RIGHT_ORG)

    def _check_structure(self, rows: list[_OrgRow], user: Any, errors: ErrorList) -> None:
        """A structural field (kind, parent, 外部单位 …) of an existing organisation changes
        only by a manager of its parent (:func:`lianjian.orgs.permissions.can_change_structure`)."""
        for row in rows:
            if row.existing is None or not row.changed or can_change_structure(user, row.existing):
                continue
            by_header: dict[str, list[str]] = defaultdict(list)
            for name in row.changed:
                if name in STRUCTURAL_FIELDS:
                    by_header[STRUCTURE_COLUMNS[name]].append(name)
            for header, names in by_header.items():
                errors.add(row.number, header, structure_refusal(names))

    def _write(self, rows: list[_OrgRow], moved_extra: list[Organisation], db: dict[str, Organisation], *,
               actor: Any, file_name: str, result: ImportResult) -> None:
        now = timezone.now()
        ids = {code: org.pk for code, org in db.items()}
        audits: list[dict[str, Any]] = []
        names = ("code", *ORG_STATE_FIELDS, "initials", "parent", "path", "depth", "created_at", "updated_at")
        with transaction.atomic():
            # New organisations level by level, so that every parent has its id before its children.
            creates = sorted((r for r in rows if r.existing is None), key=lambda r: r.path.count("/"))  # type: ignore[union-attr]
            level: list[Organisation] = []

            def flush() -> None:
                insert_rows(Organisation, names, [
                    (o.code, *(getattr(o, f) for f in ORG_STATE_FIELDS), initials(o.name), o.parent_id, o.path,
                     o.depth, now, now)
                    for o in level
                ])
                for chunk in chunks([o.code for o in level]):
                    ids.update(Organisation.objects.filter(code__in=chunk).values_list("code", "pk"))
                for org in level:
                    org.pk = ids[org.code]
                    audits.append(audit_row(actor=actor, action=AuditLog.Action.CREATE, obj=org, after=snapshot(org)))
                level.clear()

            for row in creates:
                depth = row.path.count("/") - 2  # type: ignore[union-attr]
                if level and depth != level[-1].depth:
                    flush()
                org = Organisation(code=row.code, **row.state)
                org.parent_id = ids[row.parent_code] if row.parent_code else None
                org.path, org.depth = row.path, depth
                level.append(org)
            if level:
                flush()

            updates: list[Organisation] = []
            for row in rows:
                if row.existing is None or not row.changed:
                    continue
                org = row.existing
                before = snapshot(org)
                for name in ORG_STATE_FIELDS:
                    setattr(org, name, row.state[name])
                org.parent_id = ids[row.parent_code] if row.parent_code else None
                org.path, org.depth = row.path, row.path.count("/") - 2  # type: ignore[union-attr]
                org.updated_at = now
                updates.append(org)
                b, a = diff(before, snapshot(org))
                if a:  # an org that only moved along with its ancestor has no audited change
                    audits.append(audit_row(actor=actor, action=AuditLog.Action.UPDATE, obj=org, before=b, after=a))
            update_rows(Organisation, (*ORG_STATE_FIELDS, "initials", "parent", "path", "depth", "updated_at"), [
                (*(getattr(o, f) for f in ORG_STATE_FIELDS), initials(o.name), o.parent_id, o.path, o.depth, now, o.pk)
                for o in updates
            ])
            update_rows(Organisation, ("path", "depth"), [(o.path, o.depth, o.pk) for o in moved_extra])
            audits.append(audit_row(**self.import_audit(actor=actor, result=result, file_name=file_name)))
            insert_audit(audits, now)

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = Organisation.objects.all() if user is None else Organisation.objects.visible_to(user)
        if org_code:
            qs = qs.filter(path__under=export_root(user, org_code).path)
        names = ["code", "name", "kind", "path", "is_partner", "unit", "professions", "address", "lat", "lon",
                 "strengths", "needs", "founded", "dissolved", "term_start", "term_end", "partner_kind",
                 "is_temporary", "is_joint", "is_functional"]
        return self._export(qs.order_by("path").values_list(*names).iterator(chunk_size=BATCH_SIZE))

    @staticmethod
    def _export(rows: Any) -> Iterator[Sequence[Any]]:
        for (code, name, kind, path, is_partner, unit, professions, address, lat, lon, strengths, needs,
             founded, dissolved, term_start, term_end, partner_kind, is_temp, is_joint, is_func) in rows:
            flags = [label for label, on in zip(FLAG_FIELDS, (is_temp, is_joint, is_func), strict=True) if on]
            yield (code, name, kind, _parent_code(path), is_partner, unit, professions, address, lat, lon,
                   strengths, needs, founded, dissolved, term_start, term_end, partner_kind, flags)


# --- members ------------------------------------------------------------------------------

MEMBER_COLUMNS: tuple[Column, ...] = (
    code_column("人员编号", required=True, note="党员的唯一编号，导入时以此识别：已存在则更新，不存在则新建；字母、数字、下划线、点和短横线，最长 32 位"),
    text_column("姓名", 50, required=True, width=10),
    choice_column("性别", ("男", "女")),
    date_column("出生日期", note="日期，1900-01-01 至今天"),
    code_column("所在组织编码", required=True, note="党员所在党组织的组织编码，须为系统中已有且未撤销的组织；变更即办理组织关系转接并留存记录"),
    choice_column("党员类别", MemberCategory.values, required=True),
    date_column("入党日期", required=True, note="日期，1921-07-01 至今天；入党时应年满十八岁；正式党员入党满一年"),
    date_column("转正日期", note="日期；入党满一年之日，预备期延长的最多再晚一年；预备党员不填"),
    text_column("党内职务", 100, width=16),
    text_column("工作岗位", 100, width=16),
    Column("手机号码", parse_text(20), False, "", private_format(PhoneField), width=14),
    Column("身份证号", parse_text(18), False, "", private_format(IdNumberField), width=22),
    bool_column("流动党员", note="扩展列，选填：是或否，空白视为“否”"),
)
MCOL = {c.header: i for i, c in enumerate(MEMBER_COLUMNS)}
MEMBER_SIMPLE: tuple[tuple[str, str], ...] = (
    ("姓名", "name"), ("性别", "gender"), ("出生日期", "birth_date"), ("党员类别", "category"),
    ("入党日期", "joined_on"), ("转正日期", "confirmed_on"), ("党内职务", "post"), ("工作岗位", "job"),
    ("手机号码", "phone"), ("身份证号", "id_number"), ("流动党员", "is_floating"),
)
MEMBER_STATE_FIELDS = (*(f for _, f in MEMBER_SIMPLE), "org_id", "initials")
MEMBER_WRITE_FIELDS = ("number", *(f for _, f in MEMBER_SIMPLE), "org_id", "initials", "left_on", "left_reason")
MEMBER_DEFAULTS: dict[str, Any] = {
    "name": "", "gender": "", "birth_date": None, "category": "", "joined_on": None, "confirmed_on": None,
    "post": "", "job": "", "phone": "", "id_number": "", "is_floating": False,
}
# Which column each rule of ``member_row_errors`` speaks about.
MEMBER_FIELD_HEADERS = {field_name: header for header, field_name in MEMBER_SIMPLE}


class MemberExcel(ExcelKind):
    """The ``members`` kind: party members, keyed by 人员编号.

    Members are validated and written batch by batch inside one transaction, which is rolled
    back at the end if any row of the file had an error: memory stays flat for very large
    files and nothing is kept of a refused one.
    """

    name = "members"
    label = "党员"
    columns = MEMBER_COLUMNS

    def general_notes(self) -> list[str]:
        return [*super().general_notes(),
                "所在组织须先导入（kind orgs）。变更所在组织编码即办理组织关系转接，系统保留转接记录。",
                "手机号码为 11 位数字且以 1 开头；身份证号须符合国家标准的校验位。",
                "组织管理员只能导入本组织及下级组织的党员。"]

    def apply(self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str) -> ImportResult:
        allowed, prefix = import_scope(user)
        if not allowed:
            return _refused(self, file_name, dry_run)
        errors = sheet.errors
        first = _duplicates(sheet, MCOL["人员编号"], "人员编号")
        orgs = self._load_orgs(sheet, user)
        visible = None if user is None else Member.objects.visible_to(user)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        today = timezone.localdate()
        actor_name = actor.get_username() if actor is not None and getattr(actor, "is_authenticated", False) else "系统"
        rows = sheet.rows
        context = contextlib.nullcontext() if dry_run else transaction.atomic()
        try:
            with context:
                for batch in chunks(rows):
                    plan = self._validate(batch, first, orgs, prefix, visible, errors, result)
                    if not dry_run and not errors:
                        self._write(plan, orgs, actor=actor, actor_name=actor_name, today=today)
                if errors:
                    raise _Rollback
                if not dry_run:
                    audit_record(**self.import_audit(actor=actor, result=result, file_name=file_name))
        except _Rollback:
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
        codes = list({v[MCOL["所在组织编码"]] for _, v in sheet.rows if isinstance(v[MCOL["所在组织编码"]], str)})
        qs = Organisation.objects.all() if user is None else Organisation.objects.visible_to(user)
        for chunk in chunks(codes):
            for info in qs.filter(code__in=chunk).values_list("id", "code", "path", "dissolved", "is_partner"):
                orgs[info[1]] = orgs[info[0]] = info
        return orgs

    def _validate(self, batch: Sequence[tuple[int, tuple[Any, ...]]], first: dict[str, int], orgs: dict[Any, Any],
                  prefix: str | None, visible: Any, errors: ErrorList,
                  result: ImportResult) -> list[tuple[Member, dict[str, Any] | None, list[str], Any]]:
        """Check one batch; returns (member, before snapshot or None for a new one, changed
        fields, old org id when transferred) for every row to write. A row whose key is bad
        or repeated is still checked for its other errors (it is refused anyway); so is a
        row whose key a member outside ``visible`` holds, as a new member, against its own
        values only."""
        numbers = [v[MCOL["人员编号"]] for n, v in batch if first.get(v[MCOL["人员编号"]]) == n]
        existing = {m.number: m for m in Member.objects.filter(number__in=numbers)}
        taken = hidden_keys(existing, visible)
        missing = {m.org_id for m in existing.values()} - orgs.keys()
        if missing:
            for info in Organisation.objects.filter(id__in=missing).values_list("id", "code", "path", "dissolved", "is_partner"):
                orgs[info[0]] = info
        plan: list[tuple[Member, dict[str, Any] | None, list[str], Any]] = []
        for number, values in batch:
            key = values[MCOL["人员编号"]]
            member = existing.get(key) if first.get(key) == number else None
            state: dict[str, Any]
            if member is not None:
                state = {f: getattr(member, f) for f in MEMBER_STATE_FIELDS}
            else:
                state = dict(MEMBER_DEFAULTS, org_id=None)
            for header, field_name in MEMBER_SIMPLE:
                value = values[MCOL[header]]
                if value is not ABSENT:
                    state[field_name] = value
            # A bad 姓名 (empty, too long) leaves the derived initials unknown too, so that
            # the row is refused with the cell's error instead of reaching code that needs them.
            state["initials"] = INVALID if state["name"] is INVALID else initials(state["name"])
            row_ok = True
            if key in taken and first.get(key) == number:
                errors.add(number, "人员编号", KEY_TAKEN)
                row_ok = False
            org_code = values[MCOL["所在组织编码"]]
            old_org = orgs.get(member.org_id) if member is not None else None
            if prefix is not None and old_org is not None and not old_org[2].startswith(prefix):
                errors.add(number, "人员编号", NO_RIGHT_MEMBER)
                row_ok = False
            elif org_code is not INVALID:
                info = orgs.get(org_code)
                if info is None:
                    errors.add(number, "所在组织编码", f"组织 {org_code} 不存在")
                    row_ok = False
                elif prefix is not None and not info[2].startswith(prefix):
                    errors.add(number, "所在组织编码", NO_RIGHT_ORG)
                    row_ok = False
                else:
                    state["org_id"] = info[0]
                    moving = member is None or info[0] != member.org_id
                    if moving and info[3] is not None:
                        errors.add(number, "所在组织编码", f"组织 {org_code} 已撤销")
                        row_ok = False
                    elif member is not None and moving and info[4]:
                        errors.add(number, "所在组织编码", "不能转入外部单位党组织")
                        row_ok = False
                    elif member is not None and moving and member.left_on:
                        errors.add(number, "所在组织编码", "该党员已离开，不能转接")
                        row_ok = False
            else:
                row_ok = False
            if not row_ok or any(state[f] is INVALID for f in MEMBER_STATE_FIELDS):
                row_ok = False
            before: dict[str, Any] | None = None
            changed: list[str] = []
            old_org_id = None
            if member is None:
                member = Member(number=key if isinstance(key, str) else "")
            else:
                changed = [f for f in MEMBER_STATE_FIELDS if state[f] != getattr(member, f)]
                old_org_id = member.org_id
                before = snapshot(member) if changed else {}
            for f in MEMBER_STATE_FIELDS:
                if state[f] is not INVALID:
                    setattr(member, f, state[f])
            problems = member_row_errors(state)
            for field_name, message in problems.items():
                errors.add(number, MEMBER_FIELD_HEADERS.get(field_name, "人员编号"), message)
            if problems:
                row_ok = False
            if not row_ok:
                continue
            if before is None:
                result.created += 1
                plan.append((member, None, [], None))
            elif changed:
                result.updated += 1
                plan.append((member, before, changed, old_org_id if "org_id" in changed else None))
            else:
                result.unchanged += 1
        return plan

    def _write(self, plan: list[tuple[Member, dict[str, Any] | None, list[str], Any]], orgs: dict[Any, Any], *,
               actor: Any, actor_name: str, today: Any) -> None:
        now = timezone.now()
        creates: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        audits: list[dict[str, Any]] = []
        transfers: list[tuple[Any, ...]] = []
        for member, before, _, old_org_id in plan:
            if before is None:
                creates.append((*(getattr(member, f) for f in MEMBER_WRITE_FIELDS), now, now))
                audits.append(audit_row(actor=actor, action=AuditLog.Action.CREATE, obj=member, after=snapshot(member)))
                continue
            updates.append((*(getattr(member, f) for f in MEMBER_WRITE_FIELDS[1:]), now, member.pk))
            b, a = diff(before, snapshot(member))
            b.pop("org_id", None)
            a.pop("org_id", None)
            if a:
                audits.append(audit_row(actor=actor, action=AuditLog.Action.UPDATE, obj=member, before=b, after=a))
            if old_org_id is not None:
                transfers.append((member.pk, old_org_id, member.org_id, today, TRANSFER_REASON, actor_name, now))
                audits.append(audit_row(
                    actor=actor, action=AuditLog.Action.TRANSFER, obj=member, before={"org": orgs[old_org_id][1]},
                    after={"org": orgs[member.org_id][1]}, note=TRANSFER_REASON))
        insert_rows(Member, (*MEMBER_WRITE_FIELDS, "created_at", "updated_at"), creates)
        update_rows(Member, (*MEMBER_WRITE_FIELDS[1:], "updated_at"), updates)
        insert_rows(MemberTransfer, ("member", "from_org", "to_org", "date", "reason", "actor_name", "created_at"), transfers)
        insert_audit(audits, now)

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = (Member.objects.all() if user is None else Member.objects.visible_to(user)).current()
        if org_code:
            root = export_root(user, org_code)
            qs = qs.filter(org__path__under=root.path)
        qs = qs.select_related("org").only(
            "number", "name", "gender", "birth_date", "category", "joined_on", "confirmed_on", "post", "job",
            "phone", "id_number", "is_floating", "org__code", "org__path",
        ).order_by("org__path", "number")
        return self._export(qs.iterator(chunk_size=BATCH_SIZE), user)

    @staticmethod
    def _export(members: Iterator[Member], user: Any) -> Iterator[Sequence[Any]]:
        for m in members:
            yield (m.number, m.name, m.gender, m.birth_date, m.org.code, m.category, m.joined_on, m.confirmed_on,
                   m.post, m.job, private_value(user, m, "phone"), private_value(user, m, "id_number"),
                   m.is_floating)


register(OrgExcel())
register(MemberExcel())
