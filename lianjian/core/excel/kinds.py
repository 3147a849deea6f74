"""Importable kinds: :class:`ExcelKind`, the registry that finds them in the apps'
``excel.py`` modules, and the two entry points :func:`import_file` and :func:`export_file`."""

from __future__ import annotations

import abc
import contextlib
import gc
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from django.db import IntegrityError
from django.db.models import Model, QuerySet

from lianjian.core.conflicts import import_conflict_message, is_lost_race
from lianjian.core.excel.bulk import chunks
from lianjian.core.excel.columns import Column, ExcelFileError
from lianjian.core.excel.limits import ReadLimits
from lianjian.core.excel.reading import Sheet, read_sheet
from lianjian.core.excel.writing import write_workbook
from lianjian.core.scope import scoped

logger = logging.getLogger(__name__)
K = TypeVar("K")
M = TypeVar("M", bound=Model)

# The notes every kind's template starts with (a kind with notes of its own repeats them).
HEADER_NOTE = "第一行为表头，列的顺序不限；带 * 的列为必填列，表头中的 * 可写可不写。"
ALL_OR_NOTHING_NOTE = (
    "所有行先全部检查：只要有一处错误，整个文件都不会导入，并列出全部错误（第N行 列名：原因）。"
)


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a refused file, would do)."""

    kind: str
    file_name: str
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return f"新建 {self.created} 条，更新 {self.updated} 条，未变 {self.unchanged} 条"


class ExcelKind(abc.ABC):
    """An importable/exportable kind. Subclasses set ``name``, ``label``, ``columns`` and
    implement :meth:`apply` and :meth:`export_rows`.

    ``apply`` validates every row of a parsed sheet and, only when no row has an error and
    ``dry_run`` is false, writes all of them in one transaction. ``user`` limits what may be
    written (None = the system, everything); ``actor`` is recorded in the audit log.
    """

    name: str = ""
    label: str = ""
    columns: tuple[Column, ...] = ()

    def general_notes(self) -> list[str]:
        return [
            HEADER_NOTE,
            "从第二行起每行一条记录；空白行会被忽略。",
            ALL_OR_NOTHING_NOTE,
            "编码已存在的行会更新原有记录；文件中没有的列保持原值不变。重复导入同一文件不会产生变化。",
        ]

    def import_audit(self, *, actor: Any, result: ImportResult, file_name: str) -> dict[str, Any]:
        """Arguments of the one audit row every applied import writes, whatever it changed
        (for ``audit_row`` or ``audit_record``)."""
        return {
            "actor": actor,
            "action": "import",
            "target": "import",
            "target_id": self.name,
            "target_repr": f"{self.label}导入：{file_name}",
            "after": {
                "kind": self.name,
                "file": file_name,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
            "note": f"导入{self.label}（{self.name}），文件 {file_name}：{result.summary()}",
        }

    def column(self, header: str) -> Column:
        for column in self.columns:
            if column.header == header:
                return column
        raise KeyError(header)

    @abc.abstractmethod
    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        """Validate every row, then write all of them or nothing."""

    @abc.abstractmethod
    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        """Stored values in column order for everything ``user`` may see (None = all),
        limited to the subtree of ``org_code``; an unknown or invisible code raises
        :class:`ExcelFileError`."""


class ListExport(abc.ABC):
    """A kind whose export can also follow a list screen ("导出 Excel" on a filtered list):
    mixed into an :class:`ExcelKind` (``class MemberExcel(ListExport, ExcelKind)``)."""

    #: The list's name in :data:`lianjian.core.filters.LISTS`.
    list_name: str = ""

    @abc.abstractmethod
    def export_list_rows(self, *, user: Any, rows: Any) -> Iterator[Sequence[Any]]:
        """Stored values in column order for ``rows``, the queryset the list's one selector
        answered for the user and the filter (so the file holds what the screen shows)."""


_REGISTRY: dict[str, ExcelKind] = {}
_discovered = False


def register(kind: ExcelKind) -> ExcelKind:
    """Make ``kind`` available to the CLI and the screens under ``kind.name``."""
    _REGISTRY[kind.name] = kind
    return kind


def _discover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("excel")
        _discovered = True


def get_kind(name: str) -> ExcelKind | None:
    _discover()
    return _REGISTRY.get(name)


def all_kinds() -> list[ExcelKind]:
    _discover()
    return list(_REGISTRY.values())


def hidden_keys(found: dict[K, M], visible: QuerySet[Any] | None) -> set[K]:
    """Take out of ``found`` (key → stored record) the records outside ``visible`` (None:
    the system, which sees everything) and return their keys.

    The one rule of every import about records the importer may not see (docs/security.md
    §6): a row is validated against a stored record only when the importer may see it. A
    key held by a hidden record is answered with :data:`KEY_TAKEN` alone, and the row is
    checked as a new one, against its own values and what the importer sees, so that no
    message depends on anything the hidden record holds."""
    if visible is None or not found:
        return set()
    seen: set[Any] = set()
    for chunk in chunks([record.pk for record in found.values()]):
        seen.update(visible.filter(pk__in=chunk).values_list("pk", flat=True))
    hidden = {key for key, record in found.items() if record.pk not in seen}
    for key in hidden:
        del found[key]
    return hidden


def refused_keys(
    queryset: QuerySet[Any], user: Any, action: str, keys: Iterable[K], *, key: str = "pk"
) -> set[K]:
    """The ``keys`` (values of the field ``key``) of the rows of ``queryset`` that ``user`` may not
    ``action`` (None: the system, which may do everything).

    The one permission check of an import, as NetBox's bulk import makes it: every record
    the file touches is asked at once, through :mod:`lianjian.core.scope`
    (``restrict(user, action)``), in one query per :data:`BATCH_SIZE` keys — never a rule of
    its own. Call it with records the importer may see (:func:`hidden_keys` first), so that a
    refusal names only what the importer sees."""
    wanted = set(keys)
    if user is None or not wanted:
        return set()
    allowed: set[Any] = set()
    permitted = scoped(queryset).restrict(user, action)
    for chunk in chunks(list(wanted)):
        allowed.update(permitted.filter(**{f"{key}__in": chunk}).values_list(key, flat=True))
    return wanted - allowed


def import_file(
    kind: ExcelKind,
    source: str | Path | IO[bytes],
    *,
    file_name: str,
    actor: Any = None,
    user: Any = None,
    dry_run: bool = False,
    limits: ReadLimits | None = None,
) -> ImportResult:
    """Read ``source`` within ``limits`` (default :meth:`ReadLimits.default`; the screens pass
    :meth:`ReadLimits.screen`) and import it as ``kind``; bad files come back as a result
    with errors.

    A key that another write takes between the check and the write (a unique-key race)
    makes the kind's transaction roll back; the file is then checked again, which lists each
    taken key as :data:`KEY_TAKEN` (or, should nothing be wrong any more, says the data
    changed meanwhile) — nothing is imported either way."""
    with collector_paused():
        return _import_file(
            kind,
            source,
            file_name=file_name,
            actor=actor,
            user=user,
            dry_run=dry_run,
            limits=limits,
        )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the duration of an import: an import holds
    millions of small objects (cells, rows, audit snapshots) until it ends, none of them in
    a cycle, and the collector would scan them again and again as more are allocated (about
    a tenth of an import's time). Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import_file(
    kind: ExcelKind,
    source: str | Path | IO[bytes],
    *,
    file_name: str,
    actor: Any,
    user: Any,
    dry_run: bool,
    limits: ReadLimits | None,
) -> ImportResult:
    try:
        sheet = read_sheet(source, kind.columns, limits=limits)
    except ExcelFileError as exc:
        return ImportResult(
            kind=kind.name, file_name=file_name, dry_run=dry_run, errors=exc.messages
        )
    try:
        return kind.apply(sheet, actor=actor, user=user, dry_run=dry_run, file_name=file_name)
    except IntegrityError as exc:
        if not is_lost_race(exc):
            raise  # not a race: a bug, reported as such
        logger.warning("Import of %s (%s) refused by the database: %s", kind.name, file_name, exc)
        if hasattr(source, "seek"):
            source.seek(0)
        again = kind.apply(
            read_sheet(source, kind.columns, limits=limits),
            actor=actor,
            user=user,
            dry_run=True,
            file_name=file_name,
        )
        return ImportResult(
            kind=kind.name,
            file_name=file_name,
            dry_run=dry_run,
            errors=again.errors or [import_conflict_message(exc)],
        )


def export_file(
    kind: ExcelKind, dest: str | Path | IO[bytes], *, user: Any = None, org_code: str | None = None
) -> int:
    """Write what ``user`` may see of ``kind`` to ``dest``; returns the number of data rows."""
    return write_workbook(
        dest, kind.columns, kind.export_rows(user=user, org_code=org_code), title=kind.label
    )


def kind_for_list(list_name: str) -> ExcelKind | None:
    """The Excel kind that exports the rows of the list screen ``list_name``, if any."""
    return next(
        (k for k in all_kinds() if isinstance(k, ListExport) and k.list_name == list_name), None
    )


def export_list_file(kind: ExcelKind, dest: str | Path | IO[bytes], *, user: Any, rows: Any) -> int:
    """Write ``rows`` (a list selector's answer) of ``kind`` to ``dest``; returns the number
    of data rows."""
    if not isinstance(kind, ListExport):
        raise ExcelFileError(f"{kind.label}不能按列表筛选导出")
    return write_workbook(
        dest, kind.columns, kind.export_list_rows(user=user, rows=rows), title=kind.label
    )
