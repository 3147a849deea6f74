"""What the two stored tallies of a scope share (``ComplianceTally`` for the compliance
matrix, ``ActivityTally`` for the statistics page): each row carries a copy of its
organisation's ``path``, so a scope is an index range over the tally table alone, and the
question "is any organisation of the scope missing its row?" is answered by two counts,
not by an anti-join of the whole scope."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Count, Max, Model, QuerySet, Subquery

from lianjian.core.scope import scoped
from lianjian.orgs.models import Organisation

_T = TypeVar("_T", bound=Model)


def in_scope(
    rows: QuerySet[_T], user: Any, root: Organisation | None, *, subtree: bool = True
) -> QuerySet[_T]:
    """The tally ``rows`` of the organisations that
    :func:`~lianjian.activities.selectors.compliance_scope` gives for ``user`` (None = the
    system: all) under ``root`` (only ``root`` itself unless ``subtree``), read on the
    rows' own path copies — the same conditions on the same paths."""
    if user is not None:
        rows = scoped(rows).visible_to(user)
    if root is None:
        return rows
    return rows.filter(path__under=root.path) if subtree else rows.filter(path=root.path)


def missing(orgs: QuerySet[Organisation], rows: QuerySet[Any]) -> list[int]:
    """The ids of ``orgs`` without a row in ``rows`` — the tallies of one year (and rule
    set) of the same scope (:func:`in_scope`). One query when none is missing: a row's path
    is its organisation's (a move deletes the rows), so the rows of a scope belong to
    organisations of that scope, and equal counts mean none is missing. Otherwise one more
    query, the anti-join (a row left with an old path is then counted again and rewritten
    with the current one)."""
    tallied = rows.order_by().values("year").annotate(c=Count("pk")).values("c")
    # Max of a constant: aggregate() takes aggregates only; the subquery runs once.
    counts = orgs.order_by().aggregate(n=Count("pk"), t=Max(Subquery(tallied)))
    if counts["n"] == (counts["t"] or 0):
        return []
    return list(orgs.exclude(pk__in=rows.values("org_id")).order_by().values_list("pk", flat=True))
