"""Whether a stored version still matches its inputs — a read, nothing is written.

It re-collects every source for every organisation of the version (close to a minute at
national scale), so it runs as a background task, never in a web request
(:mod:`lianjian.assessment.services.stale_checks`); the results screen shows the stored
reading (:func:`changes_to_json` / :func:`changes_from_json`).

A version keeps the values it scored (``AssessmentResult.indicators``). When an input has
changed since — a KPI value corrected, an activity approved later, a compliance period
closed, an evaluator's score changed, anything the sources read — collecting the same
scheme snapshot's values today gives other numbers. :func:`staleness` says which, per
organisation: the indicator values then and now, and the total and stars then and now
(scored with the version's own snapshot, so only the inputs differ).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from lianjian.assessment import sources
from lianjian.assessment.models import AssessmentResult, AssessmentRun
from lianjian.assessment.scheme_file import spec_from_dict
from lianjian.assessment.scoring import scorer
from lianjian.assessment.selectors import value_text
from lianjian.orgs.models import Organisation


@dataclass
class InputChange:
    code: str
    name: str
    old: Any
    new: Any
    old_text: str = ""
    new_text: str = ""


@dataclass
class OrgChange:
    """One organisation whose inputs moved since the version was computed."""

    code: str
    name: str
    old_total: float
    new_total: float
    old_stars: int | None
    new_stars: int | None
    old_vetoed: bool
    new_vetoed: bool
    inputs: list[InputChange] = field(default_factory=list)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def staleness(run: AssessmentRun, *, today: datetime.date | None = None) -> list[OrgChange]:
    """The organisations of ``run`` whose inputs differ today from what the run scored,
    by code. Empty when the version is current. A fixed number of queries (the sources')."""
    spec = spec_from_dict(run.scheme_snapshot)
    names = {i.code: i.name for i in spec.indicators}
    specs = {i["code"]: i for i in run.scheme_snapshot.get("indicators", [])}
    results = list(
        AssessmentResult.objects.filter(run=run).select_related("org").order_by("org__code")
    )
    if not results:
        return []
    orgs = Organisation.objects.filter(pk__in=[r.org_id for r in results])
    values = sources.collect(run.scheme, run.period, orgs, spec=spec, today=today)
    score = scorer(spec)
    out: list[OrgChange] = []
    for result in results:
        # Compared as the engine reads them (an evaluators' mean, not the list of scores).
        s = score({code: pair[0] for code, pair in values.get(result.org_id, {}).items()})
        stored = result.indicators or {}
        inputs = []
        for ind in spec.indicators:
            item = stored.get(ind.code) or {}
            old = None if item.get("missing") else item.get("value")
            now = s.indicators.get(ind.code)
            new = None if now is None or now.missing else now.value
            if not _same(old, new):
                shown = specs.get(ind.code, {})
                inputs.append(
                    InputChange(
                        ind.code,
                        names[ind.code],
                        old,
                        new,
                        value_text(shown, old),
                        value_text(shown, new),
                    )
                )
        if not inputs:
            continue
        out.append(
            OrgChange(
                result.org.code,
                result.org.name,
                result.total,
                s.total,
                result.stars,
                s.stars,
                result.vetoed,
                s.vetoed,
                inputs,
            )
        )
    return out


def changes_to_json(changes: list[OrgChange]) -> list[dict[str, Any]]:
    """``changes`` as stored on a :class:`~lianjian.assessment.models.StaleCheck` (plain
    JSON: the values as the engine read them and as the breakdown shows them)."""
    return [asdict(c) for c in changes]


def changes_from_json(data: list[dict[str, Any]]) -> list[OrgChange]:
    """The stored form back as :class:`OrgChange` rows (what the notice shows)."""
    return [
        OrgChange(
            **{k: v for k, v in item.items() if k != "inputs"},
            inputs=[InputChange(**i) for i in item.get("inputs", [])],
        )
        for item in data
    ]
