"""``field__under=prefix``: the subtree lookup behind every scope query; and
``field__icontains_indexed=text``, ``icontains`` that an index serves for short texts.

Semantically the same as ``startswith``. It exists because SQLite never uses an index for
``LIKE 'prefix%'`` (measured: 206 ms → under 1 ms for a 2,000-branch subtree on 400,000
members, docs/benchmarks.md), while a range ``prefix <= x < prefix′`` is an index range scan
under SQLite's binary collation. PostgreSQL keeps ``LIKE`` (its ``varchar_pattern_ops``
index serves it; a range would be wrong under a linguistic collation).

``icontains_indexed`` is ``icontains`` (same rows on every database). On PostgreSQL, for a
text of one or two characters — too short for the trigram index — it adds the condition
``lianjian_short_grams(col::text) @> ARRAY[UPPER(text)]``, which every matching row meets
and which the GIN index of migration orgs 0007 serves (the member search: 213 ms → 2 ms for
“张伟” over 400,000 members). The index exists for ``orgs_member.name`` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import CharField, Lookup
from django.db.models.lookups import IContains, StartsWith

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

    # django-stubs types a lookup by its right-hand side; Django's Lookup cannot be
    # subscripted at run time.
    _TextLookup = Lookup[str]
else:
    _TextLookup = Lookup


@CharField.register_lookup
class Under(_TextLookup):
    lookup_name = "under"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _AsSqlType:
        if connection.vendor != "sqlite" or not isinstance(self.rhs, str) or not self.rhs:
            return StartsWith(self.lhs, self.rhs).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        upper = self.rhs[:-1] + chr(ord(self.rhs[-1]) + 1)
        return f"({lhs} >= %s AND {lhs} < %s)", (*lhs_params, self.rhs, *lhs_params, upper)


@CharField.register_lookup
class IContainsIndexed(_TextLookup):
    lookup_name = "icontains_indexed"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _AsSqlType:
        sql, params = IContains(self.lhs, self.rhs).as_sql(compiler, connection)
        if connection.vendor != "postgresql" or not isinstance(self.rhs, str):
            return sql, params
        if not 1 <= len(self.rhs) <= 2:
            return sql, params  # three characters or more: the trigram index serves the LIKE
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # The LIKE first: a row scan (if the planner chose one) then rarely calls the function.
        return (
            f"({sql} AND lianjian_short_grams(({lhs})::text) @> ARRAY[UPPER(%s)]::text[])",
            (*params, *lhs_params, self.rhs),
        )
