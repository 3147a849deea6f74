"""Trend over periods, and one organisation's breakdown of a result."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from lianjian.activities.models import Activity
from lianjian.assessment.models import (
    AssessmentResult,
    AssessmentRun,
    KpiValue,
    Rule,
    Scheme,
    Source,
)
from lianjian.assessment.selectors.results import (
    dimensions_of,
    indicators_of,
    pearson,
    period_label,
    pick_axes,
)
from lianjian.orgs.models import Organisation

# --- trend over periods -------------------------------------------------------------------


def counting_runs(scheme: Scheme, user: Any) -> list[AssessmentRun]:
    """Per period the version that counts among those the user may see and not voided
    (published, else the latest draft — drafts for the scheme's owners only), oldest period
    first. One query."""
    chosen: dict[str, AssessmentRun] = {}
    for run in (
        AssessmentRun.objects.visible_to(user)
        .filter(scheme=scheme, voided_at__isnull=True)
        .order_by("period", "-is_published", "-version")
    ):
        chosen.setdefault(run.period, run)
    return list(chosen.values())


def trend(scheme: Scheme, user: Any, *, org: Organisation | None = None) -> dict[str, Any]:
    """Per period (counting version): organisations, mean total, mean score rate (% of the
    maximum) per dimension, r between the scatter's two dimensions, stars ≥ 3 and vetoes —
    over the visible results, or one organisation's figures with ``org``. Two queries."""
    runs = counting_runs(scheme, user)
    if not runs:
        return {"periods": [], "dimensions": [], "rows": [], "axes": (None, None)}
    latest_dims = dimensions_of(runs[-1])
    order = {d["code"]: i for i, d in enumerate(latest_dims)}
    dims: dict[str, dict[str, Any]] = {}
    for run in runs:
        for d in dimensions_of(run):
            dims.setdefault(d["code"], d)
    dimensions = sorted(dims.values(), key=lambda d: order.get(d["code"], len(order)))
    dx, dy = pick_axes(latest_dims or dimensions)
    qs = AssessmentResult.objects.visible_to(user).filter(run__in=[r.pk for r in runs])
    if org is not None:
        qs = qs.filter(org=org)
    by_run: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for item in qs.values_list("run_id", "total", "stars", "vetoed", "dimensions", "rank"):
        by_run[item[0]].append(item)
    rows = []
    for run in runs:
        items = by_run.get(run.pk, [])
        maxima = {d["code"]: d["max"] for d in dimensions_of(run)}
        rates: dict[str, float | None] = {}
        for d in dimensions:
            top = maxima.get(d["code"])
            values = [i[4].get(d["code"], 0.0) for i in items]
            rates[d["code"]] = (sum(values) / len(values) / top * 100) if values and top else None
        r = None
        if dx and dy and org is None:
            r = pearson(
                [i[4].get(dx["code"], 0.0) for i in items],
                [i[4].get(dy["code"], 0.0) for i in items],
            )
        rows.append(
            {
                "run": run,
                "period": run.period,
                "label": period_label(run.period),
                "n": len(items),
                "mean_total": (sum(i[1] for i in items) / len(items)) if items else None,
                "rates": rates,
                "r": r,
                "good": sum(1 for i in items if (i[2] or 0) >= 3),
                "vetoed": sum(1 for i in items if i[3]),
                "rank": items[0][5] if org is not None and items else None,
            }
        )
    return {
        "periods": [r["label"] for r in rows],
        "dimensions": dimensions,
        "rows": rows,
        "axes": (dx, dy),
    }


# --- one organisation's breakdown ---------------------------------------------------------


@dataclass
class Line:
    """One indicator of a breakdown: the stored figures and the records behind them."""

    spec: dict[str, Any]
    value: Any
    points: float | None
    missing: bool
    evidence: dict[str, Any]
    display: str = ""
    activities: list[Activity] = field(default_factory=list)
    hidden_activities: int = 0
    replaced_by: tuple[int, float] | None = None


def _display(spec: dict[str, Any], value: Any, missing: bool) -> str:
    """The value as a reader expects it: a rate as a percentage, a step by its label."""
    if missing or value is None:
        return "缺数"
    if not isinstance(value, int | float):
        return str(value)
    source, rule = spec.get("source"), spec.get("rule")
    if source in (
        Source.COMPLIANCE_RATE,
        Source.KEY_TASK_RATE,
        Source.KEY_TASK_PROGRESS,
        Source.DECISION_POST_EVALUATED,
    ):
        return f"{value * 100:.1f}%"
    if rule == Rule.STEPPED:
        steps = spec.get("steps") or []
        step = int(value)
        label = steps[step - 1][0] if 0 < step <= len(steps) else "未达档"
        return f"第 {step} 档（{label}）" if 0 < step <= len(steps) else label
    if rule in (Rule.DEDUCT, Rule.VETO):
        return f"{value:g} 次"
    if source in (Source.JOINT_ACTIVITIES,):
        return f"{value:g} 次"
    if source == Source.JOINT_PERSON_TIMES:
        return f"{value:g} 人次"
    return f"{round(value, 4):g}"


def value_text(spec: dict[str, Any], value: Any) -> str:
    """A value of an indicator (its snapshot ``spec``) as a reader expects it; None is 缺数."""
    return _display(spec, value, value is None)


def breakdown(result: AssessmentResult, user: Any) -> dict[str, Any]:
    """Dimension → indicator → value → evidence for one result, with the activities named by
    the evidence (those the user may see) and the organisation's figures in the scheme's
    other periods. At most five queries after the result itself."""
    run = result.run
    specs = indicators_of(run)
    stored = result.indicators or {}
    lines: dict[str, Line] = {}
    activity_ids: set[int] = set()
    for spec in specs:
        item = stored.get(spec["code"], {})
        evidence = item.get("evidence") or {}
        line = Line(
            spec=spec,
            value=item.get("value"),
            points=item.get("points"),
            missing=bool(item.get("missing")),
            evidence=evidence,
        )
        line.display = _display(spec, line.value, line.missing)
        activity_ids.update(int(i) for i in evidence.get("activities", []) if str(i).isdigit())
        lines[spec["code"]] = line
    if activity_ids:
        found = {
            a.pk: a
            for a in Activity.objects.visible_to(user).filter(pk__in=activity_ids).order_by("start")
        }
        for line in lines.values():
            ids = [int(i) for i in line.evidence.get("activities", []) if str(i).isdigit()]
            line.activities = [found[i] for i in ids if i in found]
            line.hidden_activities = len(ids) - len(line.activities)
    kpi_ids = {
        int(line.evidence["kpi"]): line
        for line in lines.values()
        if str(line.evidence.get("kpi", "")).isdigit()
    }
    if kpi_ids:
        # A value corrected after the run points to a newer batch: say so, the run keeps what it scored.
        for pk, batch_id, value in KpiValue.objects.filter(pk__in=kpi_ids).values_list(
            "pk", "batch_id", "value"
        ):
            line = kpi_ids[pk]
            if batch_id != line.evidence.get("batch"):
                line.replaced_by = (batch_id, value)
    groups = []
    for dim in dimensions_of(run):
        members = [lines[s["code"]] for s in specs if s.get("dimension") == dim["code"]]
        raw = sum(line.points or 0 for line in members)
        groups.append(
            {
                "dimension": dim,
                "lines": members,
                "points": result.dimensions.get(dim["code"], 0.0),
                "raw": raw,
                "capped": raw > dim["max"] + 1e-9,
            }
        )
    vetoes = [lines[s["code"]] for s in specs if not s.get("dimension")]
    history = trend(run.scheme, user, org=result.org)["rows"]
    count = AssessmentResult.objects.filter(run=run).count()
    return {"groups": groups, "vetoes": vetoes, "history": history, "count": count}
