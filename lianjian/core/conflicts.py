"""A write the database refused because of a concurrent one, said in Chinese.

Services check unique keys before they write (``编号已存在``), but two requests can pass
that check at the same moment; the database's unique index then refuses the second insert
with an ``IntegrityError``. That is a lost race, not a bug, and every edge answers it with
the one text built here — never a 500 and never a value of the row that won:

* the API: ``lianjian.api`` answers 409 ``{"detail": conflict_message(exc)}``;
* the screens: :class:`lianjian.core.middleware.ConflictMiddleware` answers a 409 page;
* imports: :func:`lianjian.core.excel.import_file` lists ``import_conflict_message(exc)``;
* the CLI: ``lianjian.cli`` prints it and exits 1.

The write that lost has been rolled back (services and imports write in one transaction),
so "未保存" is true. The text names the key's fields by their verbose names, found from the
table and columns (or the constraint) the database reports; ``core`` imports no domain model.

Only lost races are translated (:func:`is_lost_race`): a duplicate key, or a referenced row
that another request removed. A CHECK or NOT NULL refusal means a value slipped past the
validation of an edge — a bug, left to the error handling of bugs (logged, 500) so that
it is seen and fixed where the value came in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models

GENERIC_REASON = "数据已被他人同时修改"
UNIQUE_REASON = "{fields}与他人同时提交的记录重复"
MESSAGE_TAIL = "，本次提交未保存，请刷新后重试"
IMPORT_TAIL = "，整个文件未导入任何数据；请重新导入（已存在的记录会按文件更新）"

# PostgreSQL: "Key (org_id, period, indicator_code)=(…) already exists."
_PG_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)=")
# SQLite: "UNIQUE constraint failed: orgs_organisation.code" or "… failed: index 'name'".
_SQLITE_COLUMNS = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w.]+(?:, [\w.]+)*)$")
_SQLITE_INDEX = re.compile(r"UNIQUE constraint failed: index '(?P<name>[^']+)'")
_PG_UNIQUE = "23505"
_PG_EXCLUSION = "23P01"
_PG_FOREIGN_KEY = "23503"
_SQLITE_RACES = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")


def _model_of_table(table: str) -> type[models.Model] | None:
    for model in apps.get_models():
        if model._meta.db_table == table:
            return model
    return None


def _custom_message(constraint: Any) -> str | None:
    message = constraint.violation_error_message
    if message == constraint.default_violation_error_message:
        return None
    return str(message).rstrip("。")


def _columns(model: type[models.Model], names: Iterable[str]) -> list[str]:
    """The database columns of the fields ``names`` of ``model`` (a constraint's fields)."""
    out = []
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, models.Field) and field.column:
            out.append(field.column)
    return out


def _key_reason(model: type[models.Model], columns: list[str]) -> str:
    """The reason for a clash on ``columns`` of ``model``: the message of the unique
    constraint over exactly those columns when it has one, else the fields' names."""
    by_column = {getattr(f, "column", None): f for f in model._meta.concrete_fields}
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        same_key = bool(fields) and set(_columns(model, fields)) == set(columns)
        if same_key and (message := _custom_message(constraint)):
            return message
    labels = [str(by_column[c].verbose_name) if c in by_column else c for c in columns]
    return UNIQUE_REASON.format(fields="、".join(labels))


def _constraint_reason(name: str) -> str | None:
    """The reason for a clash on the model constraint called ``name`` (None: not one of ours)."""
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name:
                fields = getattr(constraint, "fields", ())
                columns = _columns(model, fields)
                return _custom_message(constraint) or (
                    _key_reason(model, columns) if columns else None
                )
    return None


def _unique_reason(exc: BaseException) -> str | None:
    """The reason of a unique (or exclusion) violation, None for any other refusal."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:  # PostgreSQL (psycopg)
        sqlstate = getattr(cause, "sqlstate", None)
        if sqlstate not in (_PG_UNIQUE, _PG_EXCLUSION):
            return None
        if diag.constraint_name and (reason := _constraint_reason(diag.constraint_name)):
            return reason
        match = _PG_KEY.match(diag.message_detail or "")
        model = _model_of_table(diag.table_name or "")
        if (
            sqlstate == _PG_UNIQUE and match and model is not None
        ):  # an exclusion's "key" is an expression
            return _key_reason(model, [c.strip().strip('"') for c in match["columns"].split(",")])
        return GENERIC_REASON
    text = str(exc)
    if match := _SQLITE_INDEX.search(text):
        return _constraint_reason(match["name"]) or GENERIC_REASON
    if match := _SQLITE_COLUMNS.search(text):
        pairs = [c.split(".", 1) for c in match["columns"].split(", ")]
        model = _model_of_table(pairs[0][0]) if all(len(p) == 2 for p in pairs) else None
        return _key_reason(model, [p[1] for p in pairs]) if model is not None else GENERIC_REASON
    return None


def is_lost_race(exc: BaseException) -> bool:
    """Whether the database refused a write because of a concurrent one: a unique or
    exclusion constraint (the same key written twice) or a foreign key (a referenced row
    removed meanwhile)."""
    cause = exc.__cause__
    if getattr(cause, "diag", None) is not None:  # PostgreSQL (psycopg)
        return getattr(cause, "sqlstate", None) in (_PG_UNIQUE, _PG_EXCLUSION, _PG_FOREIGN_KEY)
    return str(exc).startswith(_SQLITE_RACES)


def conflict_reason(exc: BaseException) -> str:
    """What clashed, e.g. ``活动编号与他人同时提交的记录重复``; any other refusal of the
    database (a row that disappeared under a foreign key …) reads ``数据已被他人同时修改``."""
    return _unique_reason(exc) or GENERIC_REASON


def conflict_message(exc: BaseException) -> str:
    """The answer to a refused single write (API detail, screen message, CLI line)."""
    return conflict_reason(exc) + MESSAGE_TAIL


def import_conflict_message(exc: BaseException) -> str:
    """The error an import lists when its all-or-nothing write was refused."""
    return "导入时" + conflict_reason(exc) + IMPORT_TAIL
