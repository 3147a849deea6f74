"""The kind template: what every import does the same way, whatever its rows hold.

An :class:`~lianjian.core.excel.kinds.ExcelKind` ``apply`` follows one shape, and the steps
that are the same for every kind live here, once:

1. *who may import* — :func:`refused_result` answers a file from an account that may not
   import at all (the question itself is the kind's: ``orgs.excel.may_import``);
2. *duplicates* — :func:`first_rows` maps each key to the row it first appears on and marks
   every later row with that key;
3. *lookups* — :func:`by_code` and :func:`ordered_codes` load, a batch at a time, the rows a
   file names and the ordered codes linked to them (co-organisers, owners);
4. *the state of a row* — :func:`row_state` starts from the stored record (or the defaults of
   a new one) and lays the file's present cells over it; :func:`resolve_code` turns a code
   cell into the id of a row found, or an error, :func:`resolve_list` a list cell into rows;
5. *counting and all-or-nothing* — :func:`changes` says whether a row changes its record,
   :func:`count_rows` counts new, changed and unchanged rows; :func:`refuse_on_errors` empties
   the counts and lists every error when any row has one; :func:`conclude` is the three for a
   kind that writes in bulk;
   :func:`through_services` writes through the services in one transaction that a refused row
   (or a dry run) rolls back, :func:`validation_errors` turning a service's refusal into row
   errors;
6. *bulk writing* — :func:`ids_by_code` reads back the keys of rows just bulk-inserted;
   :func:`in_batches` feeds an export a batch at a time (see :mod:`.bulk` for the writes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet

from lianjian.core.excel.bulk import BATCH_SIZE, chunks
from lianjian.core.excel.columns import ABSENT, INVALID
from lianjian.core.excel.reading import ErrorList, Sheet
from lianjian.core.messages import KEY_TAKEN

if TYPE_CHECKING:
    from lianjian.core.excel.kinds import ExcelKind, ImportResult

T = TypeVar("T")

#: The answer to a file from an account that may not import anything.
NOT_ALLOWED = "当前账户无权导入数据"


def refused_result(kind: ExcelKind, file_name: str, dry_run: bool) -> ImportResult:
    """The result of a file refused as a whole: the account may not import."""
    from lianjian.core.excel.kinds import ImportResult

    return ImportResult(kind=kind.name, file_name=file_name, dry_run=dry_run, errors=[NOT_ALLOWED])


def first_rows(sheet: Sheet, key_ix: int, header: str, *, what: str = "") -> dict[Any, int]:
    """Key (the value of column ``key_ix``) → the row it first appears on; every later row
    with the same key gets the error ``与第N行重复`` (followed by ``what``, which says what
    makes two rows the same when that is more than the one column)."""
    first: dict[Any, int] = {}
    for number, values in sheet.rows:
        key = values[key_ix]
        if key is INVALID:
            continue
        if key in first:
            sheet.errors.add(number, header, f"与第{first[key]}行重复{what}")
        else:
            first[key] = number
    return first


def by_code(qs: QuerySet[Any], codes: Iterable[str], *, field: str = "code") -> dict[str, Any]:
    """The rows of ``qs`` whose ``field`` is one of ``codes``, by that value, a batch at a time."""
    out: dict[str, Any] = {}
    for chunk in chunks(sorted(set(codes))):
        for obj in qs.filter(**{f"{field}__in": chunk}):
            out[getattr(obj, field)] = obj
    return out


def ordered_codes(
    qs: QuerySet[Any], owner: str, code: str, ids: Sequence[int], *, order: str = "position"
) -> dict[int, list[str]]:
    """Owner id → the ``code`` values of its rows in ``qs`` (a link table: an activity's
    organisations, a problem's owners), in the order of ``order``; owners without any row
    are left out."""
    out: dict[int, list[str]] = {}
    for chunk in chunks(list(ids)):
        for owner_id, value in (
            qs.filter(**{f"{owner}__in": chunk}).order_by(owner, order).values_list(owner, code)
        ):
            out.setdefault(owner_id, []).append(value)
    return out


def row_state(
    current: Model | None,
    fields: Sequence[str],
    defaults: Mapping[str, Any],
    values: Sequence[Any],
    columns: Mapping[str, int],
    cells: Iterable[tuple[str, str]],
) -> dict[str, Any]:
    """The field values a row leaves: those of ``current`` (the stored record; None: the
    ``defaults`` of a new one), with every cell of ``cells`` ((column header, field name))
    whose column is in the file laid over them."""
    if current is not None:
        state = {name: getattr(current, name) for name in fields}
    else:
        state = dict(defaults)
    for header, name in cells:
        value = values[columns[header]]
        if value is not ABSENT:
            state[name] = value
    return state


def resolve_code(
    value: Any,
    found: Mapping[str, Any],
    errors: ErrorList,
    number: int,
    header: str,
    missing: str,
) -> Any:
    """The id of the row named by an optional code cell: :data:`ABSENT` when the column is
    not in the file, None for an empty cell, :data:`INVALID` (with an error ``missing``
    formatted with ``code``) for a code not among ``found`` or a cell that did not parse."""
    if value is ABSENT or value is INVALID:
        return value
    if not value:
        return None
    row = found.get(value)
    if row is None:
        errors.add(number, header, missing.format(code=value))
        return INVALID
    return row.pk


def resolve_list(
    codes: Any,
    found: Mapping[str, T],
    errors: ErrorList,
    number: int,
    header: str,
    missing: str,
) -> list[T]:
    """The rows named by a list cell (``codes``), in its order; a code not among ``found``
    adds the error ``missing`` (formatted with ``code``) and is left out. A cell that did not
    parse (:data:`INVALID`) names nothing."""
    listed: list[T] = []
    if codes is INVALID:
        return listed
    for code in codes:
        row = found.get(code)
        if row is None:
            errors.add(number, header, missing.format(code=code))
        else:
            listed.append(row)
    return listed


def changes(
    current: Model,
    state: Mapping[str, Any],
    fields: Sequence[str],
    codes: Sequence[str] = (),
    stored_codes: Sequence[str] = (),
) -> bool:
    """Whether a row changes the stored record ``current``: a field of ``fields`` differs, or
    the linked codes (``codes``, e.g. an activity's organisations) are not those stored."""
    return any(state[name] != getattr(current, name) for name in fields) or list(codes) != list(
        stored_codes
    )


def count_rows(result: ImportResult, rows: Iterable[tuple[bool, bool]]) -> None:
    """Count ``rows`` ((whether the row is new, whether it changes a stored record)) into
    ``result``: created, updated, unchanged."""
    for new, changed in rows:
        if new:
            result.created += 1
        elif changed:
            result.updated += 1
        else:
            result.unchanged += 1


def refuse_on_errors(result: ImportResult, errors: ErrorList) -> bool:
    """All or nothing: when any row has an error, the file imports nothing — the counts are
    emptied and every error is listed. Whether the file was refused."""
    if not errors:
        return False
    result.created = result.updated = result.unchanged = 0
    result.errors = errors.messages()
    return True


def conclude(
    result: ImportResult,
    errors: ErrorList,
    rows: Iterable[tuple[bool, bool]],
    *,
    dry_run: bool,
    write: Callable[[], None],
) -> ImportResult:
    """The end of a checked file written in bulk: count ``rows`` (:func:`count_rows`); all or
    nothing (:func:`refuse_on_errors`); unless refused or a dry run, ``write()`` (which is one
    transaction)."""
    count_rows(result, rows)
    if not refuse_on_errors(result, errors) and not dry_run:
        write()
    return result


class _Rollback(Exception):
    """Raised inside :func:`through_services` to undo every write of a refused file."""


def through_services(
    kind: ExcelKind,
    write: Callable[[], None],
    *,
    actor: Any,
    dry_run: bool,
    file_name: str,
    errors: ErrorList,
    result: ImportResult,
) -> None:
    """Write a checked file through the services, all or nothing: ``write`` applies the rows
    (counting them into ``result``, a service's refusal added to ``errors``) in one
    transaction, which is rolled back when any row was refused or for a dry run; an applied
    file gets the kind's one import audit row. Nothing is written when ``errors`` already
    holds a problem."""
    from lianjian.core.audit import audit_record

    if not errors:
        try:
            with transaction.atomic():
                write()
                if not errors and not dry_run:
                    audit_record(
                        **kind.import_audit(actor=actor, result=result, file_name=file_name)
                    )
                if errors or dry_run:
                    raise _Rollback
        except _Rollback:
            pass
    refuse_on_errors(result, errors)


def validation_errors(
    errors: ErrorList,
    number: int,
    exc: ValidationError,
    headers: Mapping[str, str],
    default: str,
    *,
    new: bool,
    unnamed: str = "__all__",
) -> None:
    """Add a service's refusal ``exc`` to row ``number``: each message under the column of
    its field (``headers``, else ``default``; a message without a field counts as field
    ``unnamed``). A new row whose code is refused lost a race for the code (it was free when
    checked): it reads :data:`KEY_TAKEN`."""
    messages = exc.message_dict.items() if hasattr(exc, "error_dict") else [(unnamed, exc.messages)]
    for name, texts in messages:
        if name == "code" and new:
            texts = [KEY_TAKEN]
        for text in texts:
            errors.add(number, headers.get(name, default), text)


def ids_by_code(model: type[Model], codes: Sequence[str]) -> dict[str, int]:
    """Code → primary key of ``model``'s rows with ``codes`` (rows just bulk-inserted)."""
    ids: dict[str, int] = {}
    for chunk in chunks(list(codes)):
        ids.update(model._default_manager.filter(code__in=chunk).values_list("code", "pk"))
    return ids


def in_batches(
    objects: Iterable[T], rows: Callable[[list[T]], Iterator[Sequence[Any]]], size: int = BATCH_SIZE
) -> Iterator[Sequence[Any]]:
    """The export rows of ``objects``, made by ``rows`` a batch of ``size`` at a time (so that
    what a batch looks up is one query per batch, and memory stays flat)."""
    batch: list[T] = []
    for obj in objects:
        batch.append(obj)
        if len(batch) == size:
            yield from rows(batch)
            batch = []
    yield from rows(batch)
