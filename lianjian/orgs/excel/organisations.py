"""The ``orgs`` kind: party organisations, keyed by 组织编码 (docs/excel.md)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from lianjian.core.audit import audit_row, diff, snapshot
from lianjian.core.excel import (
    ABSENT,
    BATCH_SIZE,
    INVALID,
    KEY_TAKEN,
    ErrorList,
    ExcelKind,
    ImportResult,
    Sheet,
    chunks,
    first_rows,
    hidden_keys,
    insert_audit,
    insert_rows,
    refresh_statistics,
    refused_keys,
    refused_result,
    update_rows,
)
from lianjian.core.models import AuditLog
from lianjian.core.scope import scope_of
from lianjian.orgs.excel.common import (
    FLAG_FIELDS,
    NO_RIGHT_ORG,
    export_root,
    may_import,
)
from lianjian.orgs.excel.org_columns import (
    EXPORT_FIELDS,
    OCOL,
    ORG_COLUMNS,
    ORG_DEFAULTS,
    ORG_FIELD_HEADERS,
    ORG_LIST_FIELDS,
    ORG_SIMPLE,
    ORG_STATE_FIELDS,
    STRUCTURE_COLUMNS,
)
from lianjian.orgs.excel.tree import OrgRow, parent_code_of, resolve_paths
from lianjian.orgs.figures import refresh_for  # bulk writes skip save(): orgs.figures
from lianjian.orgs.models import (
    Member,
    Organisation,
    org_row_errors,
)
from lianjian.orgs.permissions import STRUCTURAL_FIELDS, can_change_structure, structure_refusal
from lianjian.orgs.pinyin import initials
from lianjian.orgs.rules import (
    children_nesting_problems,
    dissolve_problems,
    nesting_problem,
    parent_dissolved_problem,
)


class OrgExcel(ExcelKind):
    """The ``orgs`` kind: party organisations, keyed by 组织编码."""

    name = "orgs"
    label = "党组织"
    columns = ORG_COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "上级组织可以在同一文件的后面几行中才定义；上级关系不能形成循环。",
            "修改上级组织编码会把该组织连同全部下级组织一起移到新的上级之下。",
            "组织管理员只能导入本组织及下级组织的数据；本组织的组织类型、上级组织、是否外部单位、外部单位类别、"
            "组织标识、成立日期和撤销日期只能由上级组织的管理员修改。",
        ]

    # The whole org file is held in memory: even a large company has tens of thousands of
    # organisations, and parent links may point forward in the file.
    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if not may_import(user):
            return refused_result(self, file_name, dry_run)
        errors = sheet.errors
        first = first_rows(sheet, OCOL["组织编码"], "组织编码")
        db, taken, hidden_parents = self._load(sheet, first, user)
        rows = self._rows(sheet, first, db, taken)
        for row in rows:
            if row.code in taken:
                errors.add(row.number, "组织编码", KEY_TAKEN)
        file_rows = {r.code: r for r in rows}
        self._check_rows(rows, file_rows, db, hidden_parents, errors, timezone.localdate())
        moved_extra = resolve_paths(rows, file_rows, db, errors)
        self._check_db_children(rows, file_rows, errors)
        if user is not None:
            self._check_scope(rows, file_rows, user, errors)
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

    def _load(
        self, sheet: Sheet, first: dict[str, int], user: Any
    ) -> tuple[dict[str, Organisation], set[str], set[str]]:
        """(the organisations of the file's codes and of the parents it names that ``user``
        may see, plus the current parents of those rows; the file's codes held by hidden
        organisations; the hidden current parents, which only their own child may name)."""
        visible = None if user is None else Organisation.objects.visible_to(user)
        db: dict[str, Organisation] = {}
        for chunk in chunks(list(first)):
            for org in Organisation.objects.filter(code__in=chunk):
                db[org.code] = org
        taken = hidden_keys(db, visible)
        current_parents = {
            code for code in (parent_code_of(org.path) for org in db.values()) if code
        }
        wanted = {values[OCOL["上级组织编码"]] for _, values in sheet.rows} | current_parents
        parents: dict[str, Organisation] = {}
        for chunk in chunks(
            [c for c in wanted if isinstance(c, str) and c and c not in db and c not in taken]
        ):
            for org in Organisation.objects.filter(code__in=chunk):
                parents[org.code] = org
        unseen = dict(parents)
        hidden_keys(parents, visible)
        hidden_parents = {
            code for code in unseen if code not in parents and code in current_parents
        }
        db.update(parents)
        db.update((code, unseen[code]) for code in hidden_parents)
        return db, taken, hidden_parents

    def _rows(
        self, sheet: Sheet, first: dict[str, int], db: dict[str, Organisation], taken: set[str]
    ) -> list[OrgRow]:
        rows: list[OrgRow] = []
        for number, values in sheet.rows:
            code = values[OCOL["组织编码"]]
            if code is INVALID or first.get(code) != number:
                # Still checked for its other errors, under a key no real code can take.
                code = f"\0{number}"
            # A code held by a hidden organisation: a new row as far as the checks go.
            existing = None if code in taken else db.get(code)
            if existing is not None:
                state = {f: getattr(existing, f) for f in ORG_STATE_FIELDS}
                parent_code: Any = parent_code_of(existing.path)
            else:
                state = {
                    f: (list(v) if isinstance(v, list) else v) for f, v in ORG_DEFAULTS.items()
                }
                parent_code = None
            for header, field_name in ORG_SIMPLE:
                value = values[OCOL[header]]
                if value is not ABSENT:
                    state[field_name] = (
                        list(value)
                        if field_name in ORG_LIST_FIELDS and value is not INVALID
                        else value
                    )
            flags = values[OCOL["组织标识"]]
            if flags is not ABSENT:
                for label, field_name in FLAG_FIELDS.items():
                    state[field_name] = INVALID if flags is INVALID else label in flags
            parent = values[OCOL["上级组织编码"]]
            if parent is not ABSENT:
                parent_code = parent or None
            row = OrgRow(number, code, existing, state, parent_code)
            if existing is not None:
                row.changed = [f for f in ORG_STATE_FIELDS if state[f] != getattr(existing, f)]
                if parent_code != parent_code_of(existing.path):
                    row.changed.append("parent")
            rows.append(row)
        return rows

    def _check_rows(
        self,
        rows: list[OrgRow],
        file_rows: dict[str, OrgRow],
        db: dict[str, Organisation],
        hidden_parents: set[str],
        errors: ErrorList,
        on: datetime.date,
    ) -> None:
        """Every row's own fields (``org_row_errors``, measured from the day ``on``, asked
        once: the clock is not read per row) and its parent."""
        for row in rows:
            s, n = row.state, row.number
            for field_name, message in org_row_errors(s, on=on).items():
                errors.add(n, ORG_FIELD_HEADERS[field_name], message)
            parent_code = row.parent_code
            if parent_code is INVALID or parent_code is None:
                continue
            if parent_code == row.code:
                errors.add(n, "上级组织编码", "上级组织不能是本组织")
                row.parent_code = INVALID
                continue
            parent_row = file_rows.get(parent_code)
            parent_db = db.get(parent_code)
            if parent_code in hidden_parents and (
                row.existing is None or parent_code != parent_code_of(row.existing.path)
            ):
                parent_db = None  # only its own child may name a parent the importer cannot see
            if parent_row is not None:
                parent_kind, parent_dissolved = (
                    parent_row.state["kind"],
                    parent_row.state["dissolved"],
                )
            elif parent_db is not None:
                parent_kind, parent_dissolved = parent_db.kind, parent_db.dissolved
            else:
                errors.add(n, "上级组织编码", f"上级组织 {parent_code} 不存在")
                row.parent_code = INVALID
                continue
            problem = nesting_problem(s["kind"], parent_kind, is_partner=s["is_partner"])
            if problem:
                errors.add(n, "上级组织编码", problem)
            if row.existing is None or "parent" in row.changed:
                problem = parent_dissolved_problem(
                    parent_code, dissolved=s["dissolved"], parent_dissolved=parent_dissolved
                )
                if problem:
                    errors.add(n, "上级组织编码", problem)

    def _check_db_children(
        self, rows: list[OrgRow], file_rows: dict[str, OrgRow], errors: ErrorList
    ) -> None:
        """Kind changes must suit the children left in the database; dissolving needs none
        active and no current member (as :func:`lianjian.orgs.services.org_dissolve`)."""
        by_id = {r.existing.pk: r for r in rows if r.existing is not None}
        kind_changed = [
            pk for pk, r in by_id.items() if "kind" in r.changed and r.state["kind"] is not INVALID
        ]
        for chunk in chunks(kind_changed):
            children: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
            for code, kind, is_partner, parent_id in Organisation.objects.filter(
                parent_id__in=chunk
            ).values_list("code", "kind", "is_partner", "parent_id"):
                if code not in file_rows:  # a child in the file is checked against its own row
                    children[parent_id].append((code, kind, is_partner))
            for parent_id, kids in children.items():
                row = by_id[parent_id]
                for problem in children_nesting_problems(row.state["kind"], kids):
                    errors.add(row.number, "组织类型", problem)
        dissolving = {
            pk: r
            for pk, r in by_id.items()
            if r.existing is not None
            and r.existing.dissolved is None
            and r.state["dissolved"] not in (None, INVALID)
        }
        if not dissolving:
            return
        active_children: dict[str, int] = defaultdict(int)
        for row in rows:
            if row.parent_code not in (None, INVALID) and row.state["dissolved"] is None:
                active_children[row.parent_code] += 1
        members: dict[int, int] = {}
        for chunk in chunks(list(dissolving)):
            for code, parent_id in Organisation.objects.filter(
                parent_id__in=chunk, dissolved__isnull=True
            ).values_list("code", "parent_id"):
                if code not in file_rows:
                    active_children[dissolving[parent_id].code] += 1
            members.update(
                Member.objects.filter(org_id__in=chunk, left_on__isnull=True)
                .values("org_id")
                .annotate(n=Count("id"))
                .values_list("org_id", "n")
            )
        for pk, row in dissolving.items():
            for problem in dissolve_problems(
                members=members.get(pk, 0), active_children=active_children[row.code]
            ):
                errors.add(row.number, "撤销日期", problem)

    def _check_scope(
        self, rows: list[OrgRow], file_rows: dict[str, OrgRow], user: Any, errors: ErrorList
    ) -> None:
        """One aggregate check of every organisation the file touches (core.excel
        ``refused_keys``): the organisations it changes, and for each new or moved one the
        stored organisation it lands under (its nearest ancestor not created by the file),
        which the importer must manage; a new top-level organisation needs the whole tree."""
        anchors: dict[int, str | None] = {}
        for row in rows:
            if (row.existing is None or "parent" in row.changed) and row.path is not None:
                ancestors = row.path.strip("/").split("/")[:-1]
                anchors[row.number] = next(
                    (
                        code
                        for code in reversed(ancestors)
                        if code not in file_rows or file_rows[code].existing is not None
                    ),
                    None,
                )
        touched = {row.code for row in rows if row.existing is not None}
        touched.update(code for code in anchors.values() if code is not None)
        refused = refused_keys(Organisation.objects.all(), user, "change", touched, key="code")
        everything = scope_of(user).everything
        for row in rows:
            anchor = anchors.get(row.number, "")
            if row.existing is not None and row.code in refused:
                errors.add(row.number, "组织编码", NO_RIGHT_ORG)
            elif anchor in refused or (anchor is None and not everything):
                # A new or moved organisation must land strictly inside the importer's subtree.
                errors.add(
                    row.number, "上级组织编码" if row.parent_code else "组织编码", NO_RIGHT_ORG
                )

    def _check_structure(self, rows: list[OrgRow], user: Any, errors: ErrorList) -> None:
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

    def _write(
        self,
        rows: list[OrgRow],
        moved_extra: list[Organisation],
        db: dict[str, Organisation],
        *,
        actor: Any,
        file_name: str,
        result: ImportResult,
    ) -> None:
        now = timezone.now()
        ids = {code: org.pk for code, org in db.items()}
        audits: list[dict[str, Any]] = []
        names = (
            "code",
            *ORG_STATE_FIELDS,
            "initials",
            "parent",
            "path",
            "depth",
            "created_at",
            "updated_at",
        )
        with transaction.atomic():
            # New organisations level by level, so that every parent has its id before its children.
            creates = sorted(
                (r for r in rows if r.existing is None), key=lambda r: r.final_path.count("/")
            )
            level: list[Organisation] = []

            def flush() -> None:
                insert_rows(
                    Organisation,
                    names,
                    [
                        (
                            o.code,
                            *(getattr(o, f) for f in ORG_STATE_FIELDS),
                            initials(o.name),
                            o.parent_id,
                            o.path,
                            o.depth,
                            now,
                            now,
                        )
                        for o in level
                    ],
                )
                for chunk in chunks([o.code for o in level]):
                    ids.update(
                        Organisation.objects.filter(code__in=chunk).values_list("code", "pk")
                    )
                for org in level:
                    org.pk = ids[org.code]
                    audits.append(
                        audit_row(
                            actor=actor, action=AuditLog.Action.CREATE, obj=org, after=snapshot(org)
                        )
                    )
                level.clear()

            for row in creates:
                depth = row.final_path.count("/") - 2
                if level and depth != level[-1].depth:
                    flush()
                org = Organisation(code=row.code, **row.state)
                org.parent_id = ids[row.parent_code] if row.parent_code else None
                org.path, org.depth = row.final_path, depth
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
                org.path, org.depth = row.final_path, row.final_path.count("/") - 2
                org.updated_at = now
                updates.append(org)
                b, a = diff(before, snapshot(org))
                if a:  # an org that only moved along with its ancestor has no audited change
                    audits.append(
                        audit_row(
                            actor=actor, action=AuditLog.Action.UPDATE, obj=org, before=b, after=a
                        )
                    )
            update_rows(
                Organisation,
                (*ORG_STATE_FIELDS, "initials", "parent", "path", "depth", "updated_at"),
                [
                    (
                        *(getattr(o, f) for f in ORG_STATE_FIELDS),
                        initials(o.name),
                        o.parent_id,
                        o.path,
                        o.depth,
                        now,
                        o.pk,
                    )
                    for o in updates
                ],
            )
            update_rows(
                Organisation, ("path", "depth"), [(o.path, o.depth, o.pk) for o in moved_extra]
            )
            refresh_for(
                [*(ids[r.code] for r in creates), *(o.pk for o in (*updates, *moved_extra))]
            )
            audits.append(
                audit_row(**self.import_audit(actor=actor, result=result, file_name=file_name))
            )
            insert_audit(audits, now)

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = Organisation.objects.all() if user is None else Organisation.objects.visible_to(user)
        if org_code:
            qs = qs.filter(path__under=export_root(user, org_code).path)
        names = (*EXPORT_FIELDS, *FLAG_FIELDS.values())
        return self._export(qs.order_by("path").values_list(*names).iterator(chunk_size=BATCH_SIZE))

    @staticmethod
    def _export(rows: Any) -> Iterator[Sequence[Any]]:
        """The columns in order: the stored values, the parent's code in place of the path,
        and the flags (临时, 联合, 功能型) as one list."""
        size = len(EXPORT_FIELDS)
        path_ix = EXPORT_FIELDS.index("path")
        for values in rows:
            row = list(values[:size])
            row[path_ix] = parent_code_of(row[path_ix])
            flags = [label for label, on in zip(FLAG_FIELDS, values[size:], strict=True) if on]
            yield (*row, flags)
