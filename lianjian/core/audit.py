"""Audit: one call records a change of data.

Services call :func:`audit_record` inside their transaction, so a failed write leaves no
audit row and a written change always has one. :func:`snapshot` turns a model instance
into JSON-safe values, masking every personal-number field the model declares
(:mod:`lianjian.core.masking`), so no number reaches the log in clear.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypedDict, TypeVar, Unpack

from django.db import models

from lianjian.core.masking import sensitive_fields
from lianjian.core.models import AuditLog

FIELD_LABELS: dict[str, str] = {}

M = TypeVar("M", bound=models.Model)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    return value


@functools.cache
def _private_fields(model: type[models.Model]) -> dict[str, Any]:
    """:func:`sensitive_fields` of ``model``, asked once per model (imports snapshot every row)."""
    return sensitive_fields(model)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audited fields of ``obj`` as JSON values; foreign keys by their ``_id``/code.

    Declared personal numbers (``PhoneField``, ``IdNumberField``) are always stored masked,
    whoever the actor is: the log is read by people who may not see them.
    """
    names = list(fields) if fields is not None else list(getattr(obj, "AUDIT_FIELDS", ()))
    return snapshot_values(type(obj), {name: getattr(obj, name) for name in names}, names)


def snapshot_values(
    model: type[models.Model], values: Mapping[str, Any], fields: Iterable[str] | None = None
) -> dict[str, Any]:
    """:func:`snapshot` of a ``model`` record given as field values by name (``values``
    holds every audited field), for bulk writes that build no instance (imports)."""
    names = tuple(fields if fields is not None else getattr(model, "AUDIT_FIELDS", ()))
    return snapshot_columns(model, {name: (values[name],) for name in names}, 1, names)[0]


# Values that are their own JSON form: a column holding only these is kept as it is.
_PLAIN_TYPES = frozenset({str, int, bool, float, type(None)})
# Values converted once per distinct value (a column repeats its dates).
_HASHABLE_TYPES = frozenset({str, int, bool, float, type(None), datetime.date, datetime.datetime})


def snapshot_columns(
    model: type[models.Model],
    columns: Mapping[str, Sequence[Any]],
    count: int,
    fields: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """:func:`snapshot_values` of ``count`` records given column by column (``columns``:
    field name → the records' values), for imports that audit tens of thousands of rows:
    each column is masked and converted once (per distinct value), not value by value."""
    private = _private_fields(model)
    names = tuple(fields if fields is not None else getattr(model, "AUDIT_FIELDS", ()))
    converted: list[Sequence[Any]] = []
    for name in names:
        column = columns[name]
        if name in private:
            column = list(map(private[name].mask, column))
        kinds = set(map(type, column))
        if kinds <= _PLAIN_TYPES:
            converted.append(column)
        elif kinds <= _HASHABLE_TYPES:
            plain = {value: _plain(value) for value in set(column)}
            converted.append(list(map(plain.__getitem__, column)))
        else:
            converted.append(list(map(_plain, column)))
    if not names:
        return [{} for _ in range(count)]
    return [dict(zip(names, row, strict=True)) for row in zip(*converted, strict=True)]


def target_type(obj_or_model: models.Model | type[models.Model]) -> str:
    return obj_or_model._meta.label_lower


class AuditDetails(TypedDict, total=False):
    """What an audit row says beyond who and what kind of change (:func:`audit_row`)."""

    obj: models.Model | None
    target: str
    target_id: str
    target_repr: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str


def audit_record(*, actor: Any, action: str, **details: Unpack[AuditDetails]) -> AuditLog:
    """Write one audit row. ``actor`` may be None for system jobs (demo data, migrations)."""
    return AuditLog.objects.create(**audit_row(actor=actor, action=action, **details))


def audit_row(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    target: str = "",
    target_id: str = "",
    target_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> dict[str, Any]:
    """The fields of one audit row, for callers that bulk-create many (imports)."""
    if obj is not None:
        target = target or target_type(obj)
        target_id = target_id or str(getattr(obj, "audit_key", obj.pk))
        target_repr = target_repr or str(obj)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return {
        "actor": actor if is_user else None,
        "actor_name": (actor.get_username() if is_user else "系统"),
        "action": action,
        "target_type": target,
        "target_id": target_id[:64],
        "target_repr": target_repr[:300],
        "before": before,
        "after": after,
        "note": note[:500],
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as (before, after); empty dicts when nothing changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def audited_create(*, actor: Any, obj: M) -> M:
    """Validate a new row (``full_clean``: the model's rules and constraints), save it and
    write its creation audit row. Call inside the service's transaction."""
    obj.full_clean()
    obj.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=obj, after=snapshot(obj))
    return obj


def audited_update(*, actor: Any, obj: M, fields: Mapping[str, Any], lock: bool = False) -> M:
    """Set ``fields`` on a row, validate it (``full_clean``), save it and audit the fields
    that changed (no audit row when nothing did). With ``lock`` the row is read again
    under ``SELECT … FOR UPDATE`` first, so concurrent edits serialise and the audit's
    "before" is the committed state. Call inside the service's transaction."""
    if lock:
        obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    before = snapshot(obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    b, a = diff(before, snapshot(obj))
    if a:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=obj, before=b, after=a)
    return obj
