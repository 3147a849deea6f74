"""Helpers shared by the assessment services: refusals, field and number checks, periods."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError

from lianjian.assessment.entry import scheme_periods
from lianjian.assessment.models import (
    Scheme,
)
from lianjian.assessment.periods import KIND_LABELS, parse_period, period_problem
from lianjian.core.validation import HISTORY

EXAMPLES = {"year": "2026", "half": "2026H1", "quarter": "2026Q3", "month": "2026-07"}


def fail(*messages: str) -> None:
    raise ValidationError(list(messages))


def unknown_fields(fields: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")


def number_ok(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# --- periods ----------------------------------------------------


def check_period(scheme: Scheme, period: str) -> str:
    """The canonical text of ``period`` for a run or a score of ``scheme``: of the scheme's
    period kind, and begun already (``HISTORY``: nothing is scored ahead of time)."""
    try:
        p = parse_period(period)
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from None
    if p.kind != scheme.period_kind:
        kind = scheme.period_kind
        raise ValidationError(
            {
                "period": f"该方案为{KIND_LABELS[kind]}考核，期间应为{KIND_LABELS[kind]}期间，如 {EXAMPLES[kind]}"
            }
        )
    problem = period_problem(p, HISTORY)
    if problem:
        raise ValidationError({"period": problem})
    if p.text not in scheme_periods(scheme):
        raise ValidationError(
            {
                "period": f"期间“{p.text}”不是该方案的考核期间，该方案的考核期间为："
                f"{'、'.join(scheme_periods(scheme))}"
            }
        )
    return p.text


# --- schemes ------------------------------------------------------------------------------
