"""The final place of each organisation of an ``orgs`` import: one file row's state
(:class:`OrgRow`) and the paths every row and every moved descendant end up with
(:func:`resolve_paths`), with the cycles and too-deep trees the file would make."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from lianjian.core.excel import INVALID, ErrorList, chunks
from lianjian.orgs.excel.common import MAX_PATH
from lianjian.orgs.models import Organisation


def parent_code_of(path: str) -> str | None:
    codes = path.strip("/").split("/")
    return codes[-2] if len(codes) > 1 else None


class OrgRow:
    """One file row's final state of an organisation, with what it replaces."""

    __slots__ = ("number", "code", "existing", "state", "parent_code", "path", "changed")

    def __init__(
        self,
        number: int,
        code: str,
        existing: Organisation | None,
        state: dict[str, Any],
        parent_code: Any,
    ) -> None:
        self.number = number
        self.code = code
        self.existing = existing
        self.state = state
        self.parent_code = parent_code
        self.path: str | None = None
        self.changed: list[str] = []

    @property
    def final_path(self) -> str:
        """The resolved path of a row that is written (a file with an unresolved one is refused)."""
        if self.path is None:
            raise ValueError(f"row {self.number}: the path of {self.code} is unresolved")
        return self.path


def resolve_paths(
    rows: list[OrgRow], file_rows: dict[str, OrgRow], db: dict[str, Organisation], errors: ErrorList
) -> list[Organisation]:
    """Final paths of every file row, and the organisations outside the file whose path
    changes because an ancestor moved (returned with their new path and depth set)."""
    db_parent: dict[str, str | None] = {}

    def learn(path: str) -> None:
        codes = path.strip("/").split("/")
        for i, code in enumerate(codes):
            db_parent.setdefault(code, codes[i - 1] if i else None)

    for org in db.values():
        learn(org.path)
    moved = [
        r
        for r in rows
        if r.existing is not None and "parent" in r.changed and r.parent_code is not INVALID
    ]
    descendants: list[Organisation] = []
    for chunk in chunks(moved, 200):
        query = Q()
        for r in chunk:
            query |= Q(path__under=r.existing.path)
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
                cyclic.update(chain[chain.index(code) :])
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
        if (
            row.existing is not None
            and row.path is not None
            and row.path != row.existing.path
            and "parent" not in row.changed
        ):
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
                        new_path = anchor + "".join(f"{p}/" for p in parts[i + 1 :])
                    break
        if new_path is not None and new_path != org.path:
            org.path, org.depth = new_path, new_path.count("/") - 2
            changed.append(org)
    return changed
