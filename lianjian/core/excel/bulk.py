"""Bulk writes of imports: plain INSERT/UPDATE (COPY on PostgreSQL) in batches, the audit
rows of an import, and the planner statistics after a large one."""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

# Rows per database round trip: big enough to amortise a query, small enough to stay under
# SQLite's host-parameter limit and to keep memory flat.
BATCH_SIZE = 2000


def chunks(items: Sequence[Any], size: int = BATCH_SIZE) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- bulk writes --------------------------------------------------------------------------
# Imports write hundreds of thousands of rows. Django's bulk_create/bulk_update compile every
# value of every object through the ORM (and bulk_update builds CASE expressions), which
# costs several times the database's own work; these two helpers adapt each column once
# and hand plain tuples to the driver's executemany. They bypass model save() and signals,
# so callers pass complete, already validated rows (including timestamps).


def _json_adapter(model_field: Field[Any, Any]) -> Callable[[Any], Any]:
    return lambda value: model_field.get_db_prep_save(value, connection)


def _adapters(
    model: type[Model], names: Sequence[str], ready: Collection[str] = ()
) -> tuple[list[str], list[Callable[[Any], Any] | None]]:
    ops = connection.ops
    columns: list[str] = []
    adapters: list[Callable[[Any], Any] | None] = []
    for name in names:
        model_field = model._meta.get_field(name)
        if not isinstance(model_field, Field):
            raise TypeError(f"{model.__name__}.{name} is not a column")
        columns.append(ops.quote_name(str(model_field.column)))
        internal = model_field.get_internal_type()
        if name in ready:
            adapters.append(None)
            continue
        # Dates and timestamps repeat across an import's rows (every row's created_at is
        # the same instant): each distinct value is adapted once.
        if internal == "DateTimeField":
            adapters.append(functools.lru_cache(maxsize=4096)(ops.adapt_datetimefield_value))
        elif internal == "DateField":
            adapters.append(functools.lru_cache(maxsize=65536)(ops.adapt_datefield_value))
        elif internal == "JSONField":
            adapters.append(_json_adapter(model_field))
        else:
            adapters.append(None)
    return columns, adapters


def _adapt(
    rows: Sequence[Sequence[Any]], adapters: list[Callable[[Any], Any] | None]
) -> list[tuple[Any, ...]]:
    """The driver's values of ``rows``: column by column, and only the columns that need an
    adapter (a call per adapted value, none per plain one)."""
    if all(adapter is None for adapter in adapters):
        return [tuple(row) for row in rows]
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i, adapter in enumerate(adapters):
        if adapter is not None:
            columns[i] = [None if v is None else adapter(v) for v in columns[i]]
    return list(zip(*columns, strict=True))


def insert_rows(
    model: type[Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ready: Collection[str] = (),
) -> None:
    """INSERT ``rows`` (values in the order of field ``names``) into ``model``'s table; the
    values of the fields named in ``ready`` are already what the driver takes (JSON text)."""
    if not rows:
        return
    columns, adapters = _adapters(model, names, ready)
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        # COPY is several times faster than one INSERT per row on PostgreSQL. It runs on the
        # driver's cursor, so Django's error wrapper is applied by hand: a unique violation
        # must arrive as django.db.IntegrityError, like from any other write.
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for chunk in chunks(rows):
                for values in _adapt(chunk, adapters):
                    copy.write_row(values)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for chunk in chunks(rows):
            cursor.executemany(sql, _adapt(chunk, adapters))


def update_rows(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE ``model`` rows by primary key: each row holds the new values of ``names``, then the pk."""
    if not rows:
        return
    columns, adapters = _adapters(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(str(model._meta.pk.column))
    sql = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} WHERE {pk} = %s"
    adapters.append(None)
    with connection.cursor() as cursor:
        for chunk in chunks(rows):
            cursor.executemany(sql, _adapt(chunk, adapters))


def refresh_statistics(*models: type[Model], written: int) -> None:
    """After a large import, let the planner know the tables' new sizes: PostgreSQL's
    autovacuum may not have got to them (it may plan the next export as if the tables were
    empty), and SQLite never gathers statistics by itself (docs/benchmarks.md)."""
    if (
        connection.vendor not in ("postgresql", "sqlite")
        or written < 10_000
        or connection.in_atomic_block
    ):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Sampled statistics (as PRAGMA optimize gathers them): a full ANALYZE reads
            # every index of a 400,000-row table, which costs as much as the import's writes.
            cursor.execute("PRAGMA analysis_limit = 2000")
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


AUDIT_COLUMNS = (
    "at",
    "actor",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "before",
    "after",
    "note",
)


def insert_audit(rows: Sequence[dict[str, Any]], at: datetime.datetime) -> None:
    """Write audit rows built with :func:`lianjian.core.audit.audit_row`, all stamped ``at``.

    ``before`` and ``after`` are encoded here as Django's ``JSONField`` encodes them
    (``json.dumps``, no custom encoder), with one encoder for the whole batch: through the
    field, each value cost a chain of calls that outweighed the encoding itself."""
    from lianjian.core.models import AuditLog

    actor_ids = {id(r["actor"]): (r["actor"].pk if r["actor"] is not None else None) for r in rows}
    encode = _JSON.encode
    insert_rows(
        AuditLog,
        AUDIT_COLUMNS,
        [
            (
                at,
                actor_ids[id(r["actor"])],
                r["actor_name"],
                r["action"],
                r["target_type"],
                r["target_id"],
                r["target_repr"],
                None if r["before"] is None else encode(r["before"]),
                None if r["after"] is None else encode(r["after"]),
                r["note"],
            )
            for r in rows
        ],
        ready=("before", "after"),
    )


_JSON = json.JSONEncoder()
