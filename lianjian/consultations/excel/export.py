"""The export of problems: stored values in column order, with their owners."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from lianjian.consultations.models import (
    Problem,
    ProblemOwner,
)
from lianjian.core.excel import (
    in_batches,
    ordered_codes,
)


def _owner_codes(ids: list[int]) -> dict[int, list[str]]:
    """Problem id → the codes of its owners, the leading owner first."""
    return ordered_codes(ProblemOwner.objects.all(), "problem_id", "org__code", ids)


def export_rows(qs: Any) -> Iterator[Sequence[Any]]:
    """Stored values of the problems of ``qs`` in column order, 2,000 at a time."""
    qs = qs.select_related("raised_by", "alliance").order_by("code")

    def rows(items: list[Problem]) -> Iterator[Sequence[Any]]:
        owners = _owner_codes([p.pk for p in items])
        for p in items:
            yield (
                p.code,
                p.title,
                p.raised_by.code,
                p.category,
                p.urgency,
                p.alliance.code if p.alliance is not None else None,
                p.description,
                owners.get(p.pk, []),
                p.responsible,
                p.deadline,
                p.state,
                p.raised_on,
                p.solved_on,
                p.resolution,
            )

    return in_batches(qs.iterator(chunk_size=2000), rows, 2000)
