"""Reads that shape assessment data for the screens and the Word report.

Every function takes the user and reads through the ``visible_to`` querysets, so a branch
sees its own row of a ranking (with the scheme-wide rank) and a manager their subtree.
Each issues a fixed number of queries whatever the number of organisations (pinned in
``tests/test_assessment_selectors.py``). Results are read from the stored run — its scheme
snapshot names the dimensions and indicators as they were when the run was made — so a
page shows exactly what was computed, never a recomputation.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from lianjian.activities.models import Activity
from lianjian.assessment.models import (
    AssessmentResult,
    AssessmentRun,
    Indicator,
    KpiBatch,
    KpiValue,
    ManualScore,
    Objection,
    Rule,
    Scheme,
    Source,
)
from lianjian.assessment.periods import parse_period
from lianjian.assessment.schemas import KpiFilter, ObjectionFilter, SchemeFilter
from lianjian.core.models import AuditLog
from lianjian.orgs.models import Organisation

STAR_FILTERS = {
    "5": "五星",
    "4": "四星",
    "3": "三星",
    "2": "二星",
    "1": "一星",
    "0": "无星级",
    "veto": "否决",
}
LEADERS = 5


# --- runs and their scheme snapshot -------------------------------------------------------


def period_label(text: str) -> str:
    try:
        return parse_period(text).label
    except ValueError:
        return text


def runs_by_period(scheme: Scheme, user: Any) -> list[tuple[str, list[AssessmentRun]]]:
    """The versions of a scheme the user may see (its owners: all, voided ones marked; the
    others: published ones), newest period first, newest version first. One query."""
    out: dict[str, list[AssessmentRun]] = {}
    for run in (
        AssessmentRun.objects.visible_to(user)
        .filter(scheme=scheme)
        .select_related("created_by", "published_by", "voided_by")
        .order_by("-period", "-version")
    ):
        out.setdefault(run.period, []).append(run)
    return list(out.items())


def dimensions_of(run: AssessmentRun) -> list[dict[str, Any]]:
    """The run's dimensions as they were: ``[{"code", "name", "max"}]``."""
    return list(run.scheme_snapshot.get("dimensions", []))


def indicators_of(run: AssessmentRun) -> list[dict[str, Any]]:
    return list(run.scheme_snapshot.get("indicators", []))


def star_text(stars: int | None) -> str:
    return "★" * stars if stars else ""


# --- the ranking --------------------------------------------------------------------------


def ranking(
    run: AssessmentRun, user: Any, *, q: str = "", stars: str = "", passed: str = "", sort: str = ""
) -> QuerySet[AssessmentResult]:
    """The run's results the user may see, filtered (search by organisation code or name,
    star level or 否决, passed or not) and ordered by rank, or by one dimension's points
    (``sort`` = a dimension code of the run; highest first)."""
    qs = AssessmentResult.objects.visible_to(user).filter(run=run).select_related("org")
    if q:
        qs = qs.filter(Q(org__code__icontains=q) | Q(org__name__icontains=q))
    if stars == "veto":
        qs = qs.filter(vetoed=True)
    elif stars == "0":
        qs = qs.filter(stars__isnull=True, vetoed=False)
    elif stars in STAR_FILTERS:
        qs = qs.filter(stars=int(stars))
    if passed == "yes":
        qs = qs.filter(passed=True)
    elif passed == "no":
        qs = qs.filter(passed=False)
    if sort in {d["code"] for d in dimensions_of(run)}:
        qs = qs.annotate(dim_points=Cast(KT(f"dimensions__{sort}"), FloatField())).order_by(
            F("dim_points").desc(nulls_last=True), "rank", "org__code"
        )
    else:
        qs = qs.order_by("rank", "org__code")
    return qs


# --- the company picture: distribution, leaders and laggards, scatter ---------------------


@dataclass(frozen=True)
class Row:
    """One organisation's result, light enough to hold tens of thousands in memory."""

    result_id: int
    code: str
    name: str
    total: float
    stars: int | None
    vetoed: bool
    passed: bool
    rank: int
    dimensions: dict[str, float]


def result_rows(run: AssessmentRun, user: Any) -> list[Row]:
    """The visible results of a run as :class:`Row`, by rank. One query."""
    values = (
        AssessmentResult.objects.visible_to(user)
        .filter(run=run)
        .order_by("rank", "org__code")
        .values_list(
            "pk",
            "org__code",
            "org__name",
            "total",
            "stars",
            "vetoed",
            "passed",
            "rank",
            "dimensions",
        )
    )
    return [Row(*v) for v in values]


def distribution(rows: list[Row]) -> list[tuple[str, str, int]]:
    """(filter key, label, count): 五星 … 一星, 无星级, 否决 — every organisation in one bucket."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts["veto" if row.vetoed else str(row.stars or 0)] += 1
    return [(key, label, counts[key]) for key, label in STAR_FILTERS.items()]


def leaders_and_laggards(
    rows: list[Row], dimensions: list[dict[str, Any]], n: int = LEADERS
) -> list[dict[str, Any]]:
    """Per dimension the ``n`` highest and ``n`` lowest organisations by its points (ties by
    code), and the mean. Vetoed organisations are included: a veto voids the stars, not
    the points a dimension measured. The two lists never overlap, and an organisation that
    scores as much as a listed leader is never called a laggard (when most organisations
    share the top score, the laggards are only those below it; when all do, there are none)."""
    out = []
    for dim in dimensions:
        code = dim["code"]
        scored = sorted(
            ((row.dimensions.get(code, 0.0), row) for row in rows), key=lambda p: (-p[0], p[1].code)
        )
        top = scored[:n]
        lowest_leader = round(top[-1][0], 9) if top else math.inf
        rest = [p for p in scored[len(top) :] if round(p[0], 9) < lowest_leader]
        bottom = sorted(rest, key=lambda p: (p[0], p[1].code))[:n]
        mean = sum(p[0] for p in scored) / len(scored) if scored else None
        out.append({"dimension": dim, "leaders": top, "laggards": bottom, "mean": mean})
    return out


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r of two equally long series; None with fewer than 3 points or no spread
    (a constant series has no correlation to state)."""
    if len(xs) < 3 or len(xs) != len(ys):
        return None
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if float(np.std(x)) == 0.0 or float(np.std(y)) == 0.0:
        return None
    r = float(np.corrcoef(x, y)[0, 1])
    return None if math.isnan(r) else r


def correlation_words(r: float | None) -> str:
    """A plain Chinese reading of r, always saying that it is not causation."""
    if r is None:
        return "组织数不足 3 个或得分没有差异，无法计算相关系数。"
    size = abs(r)
    strength = (
        "几乎不相关"
        if size < 0.1
        else "弱"
        if size < 0.3
        else "中等程度"
        if size < 0.5
        else "较强"
        if size < 0.7
        else "强"
    )
    if size < 0.1:
        reading = "两个维度的得分几乎不相关"
    else:
        reading = f"两个维度的得分呈{strength}{'正' if r > 0 else '负'}相关"
    return (
        f"皮尔逊相关系数 r = {r:.2f}：{reading}。这只是相关关系，"
        "不说明一个维度的得分导致了另一个维度的得分。"
    )


def pick_axes(
    dimensions: list[dict[str, Any]], x: str = "", y: str = ""
) -> tuple[dict | None, dict | None]:
    """The two dimensions of the scatter: as asked, else the one named 党建… and the one named
    业务…, else the first two."""
    by_code = {d["code"]: d for d in dimensions}
    dx = (
        by_code.get(x)
        or next((d for d in dimensions if "党建" in d["name"]), None)
        or (dimensions[0] if dimensions else None)
    )
    dy = by_code.get(y) or next(
        (d for d in dimensions if "业务" in d["name"] and d is not dx), None
    )
    if dy is None or dy is dx:
        dy = next((d for d in dimensions if d is not dx), None)
    return dx, dy


def scatter(rows: list[Row], dx: dict[str, Any], dy: dict[str, Any]) -> dict[str, Any]:
    """Points (x, y, code, name, stars, vetoed, result id) of two dimensions and their r."""
    points = [
        [
            row.dimensions.get(dx["code"], 0.0),
            row.dimensions.get(dy["code"], 0.0),
            row.code,
            row.name,
            row.stars or 0,
            row.vetoed,
            row.result_id,
        ]
        for row in rows
    ]
    r = pearson([p[0] for p in points], [p[1] for p in points])
    return {"points": points, "r": r, "words": correlation_words(r), "n": len(points)}


# --- what changed in the scheme between two versions -------------------------------------

_PARAM_LABELS = (
    ("name", "名称"),
    ("dimension", "维度"),
    ("max", "分值"),
    ("rule", "计分规则"),
    ("source", "数据来源"),
    ("target", "目标值"),
    ("floor", "最低比率"),
    ("direction", "方向"),
    ("per", "每项（次）分值"),
    ("steps", "档位"),
    ("missing_points", "缺数时得分"),
    ("evaluators", "评议人"),
)


def _shown(value: Any) -> str:
    if value is None:
        return "无"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    if isinstance(value, list):
        return (
            "、".join(
                f"{v[0]}:{v[1]:g}"
                if isinstance(v, list) and len(v) == 2 and isinstance(v[1], int | float)
                else str(v)
                for v in value
            )
            or "无"
        )
    return str(value)


def scheme_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two runs' scheme snapshots, one Chinese sentence per change
    (dimensions, indicators and their rule parameters, star bands, pass line): the reason
    a score can move while its input value stayed the same."""
    lines: list[str] = []
    old_dims = {d["code"]: d for d in old.get("dimensions", [])}
    new_dims = {d["code"]: d for d in new.get("dimensions", [])}
    for code in new_dims.keys() - old_dims.keys():
        lines.append(
            f"新增维度 {new_dims[code]['name']}（{code}），满分 {_shown(new_dims[code]['max'])}"
        )
    for code in old_dims.keys() - new_dims.keys():
        lines.append(f"删除维度 {old_dims[code]['name']}（{code}）")
    for code in old_dims.keys() & new_dims.keys():
        if old_dims[code].get("max") != new_dims[code].get("max"):
            lines.append(
                f"维度 {new_dims[code]['name']}（{code}）满分 {_shown(old_dims[code].get('max'))} → "
                f"{_shown(new_dims[code].get('max'))}"
            )
    old_inds = {i["code"]: i for i in old.get("indicators", [])}
    new_inds = {i["code"]: i for i in new.get("indicators", [])}
    for code in [c for c in new_inds if c not in old_inds]:
        lines.append(f"新增指标 {code} {new_inds[code]['name']}")
    for code in [c for c in old_inds if c not in new_inds]:
        lines.append(f"删除指标 {code} {old_inds[code]['name']}")
    for code in [c for c in new_inds if c in old_inds]:
        a, b = old_inds[code], new_inds[code]
        moved = [
            f"{label} {_shown(a.get(key))} → {_shown(b.get(key))}"
            for key, label in _PARAM_LABELS
            if a.get(key) != b.get(key)
        ]
        if moved:
            lines.append(f"指标 {code} {b['name']}：" + "；".join(moved))
    if [list(x) for x in old.get("stars", [])] != [list(x) for x in new.get("stars", [])]:

        def bands(stars: list) -> str:
            return "、".join(f"≥{_shown(t)}分{s}星" for t, s in stars) or "不评星级"

        lines.append(f"星级划分 {bands(old.get('stars', []))} → {bands(new.get('stars', []))}")
    if old.get("pass_line", 60) != new.get("pass_line", 60):
        lines.append(
            f"合格线 {_shown(old.get('pass_line', 60))} → {_shown(new.get('pass_line', 60))}"
        )
    return lines


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
    by_run: dict[int, list[tuple]] = defaultdict(list)
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
    if source == Source.COMPLIANCE_RATE:
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


# --- KPI values, batches, evaluators' work ------------------------------------------------


def kpi_values(user: Any, f: KpiFilter) -> QuerySet[KpiValue]:
    """Visible KPI values with their batch that match ``f`` (``org``: that organisation's
    subtree, nothing when the user cannot see it), ordered by organisation code, period and
    indicator code — the one filter of the KPI screen and ``GET /api/v1/assessment/kpis``."""
    qs = KpiValue.objects.visible_to(user).select_related("org", "batch")
    if f.q:
        qs = qs.filter(Q(org__code__icontains=f.q) | Q(org__name__icontains=f.q))
    if f.org:
        root = Organisation.objects.visible_to(user).filter(code=f.org).only("path").first()
        if root is None:
            return qs.none()
        qs = qs.filter(org__path__under=root.path)
    if f.period:
        qs = qs.filter(period=f.period.upper())
    if f.indicator_code:
        qs = qs.filter(indicator_code__iexact=f.indicator_code)
    if f.channel:
        qs = qs.filter(batch__channel=f.channel)
    if f.batch is not None:
        qs = qs.filter(batch_id=f.batch)
    return qs.order_by("org__code", "period", "indicator_code")


def visible_batch(user: Any, pk: int) -> KpiBatch | None:
    """A batch the user may open: one they delivered, or one that delivers (or delivered,
    before a later batch replaced it) a value of an organisation they may see."""
    batch = KpiBatch.objects.filter(pk=pk).select_related("created_by").first()
    if batch is None:
        return None
    if (
        batch.created_by_id == user.pk
        or KpiValue.objects.visible_to(user).filter(batch=batch).exists()
        or batch_replaced(user, batch, limit=1)[1]
    ):
        return batch
    return None


REPLACED_LIMIT = 200
# kpi_write stamps a batch's audit rows with the time it started, just before it creates the
# batch; reading the audit log only in the hour before the batch keeps this on the ``at`` index.
BATCH_AUDIT_WINDOW = datetime.timedelta(hours=1)


def batch_replaced(
    user: Any, batch: KpiBatch, *, q: str = "", limit: int = REPLACED_LIMIT
) -> tuple[list[dict[str, Any]], int]:
    """Values this batch delivered that a later batch has since replaced — the numbers an
    older result version scored and links to — as ``({"kpi": current KpiValue, "value":
    value delivered by this batch}, …)`` for organisations the user may see (``q``: code or
    name), at most ``limit``, and how many there are. Read from the batch's audit rows
    (``core.audit``): the KpiValue row itself now holds the newer value. Three queries."""
    audits = AuditLog.objects.filter(
        target_type="assessment.kpivalue",
        at__gte=batch.created_at - BATCH_AUDIT_WINDOW,
        at__lte=batch.created_at,
        after__batch_id=batch.pk,
    )
    if q and "/" not in q:
        exact = Organisation.objects.filter(code=q).exists()
        if exact:
            audits = audits.filter(target_id__startswith=f"{q}/")
    delivered: dict[tuple[str, str, str], Any] = {}
    for target_id, after in audits.values_list("target_id", "after").order_by("target_id"):
        parts = target_id.split("/")
        if len(parts) == 3 and isinstance(after, dict):
            delivered[(parts[0], parts[1], parts[2])] = after.get("value")
    if not delivered:
        return [], 0
    qs = (
        KpiValue.objects.visible_to(user)
        .exclude(batch=batch)
        .select_related("org", "batch")
        .filter(
            org__code__in={k[0] for k in delivered},
            period__in={k[1] for k in delivered},
            indicator_code__in={k[2] for k in delivered},
        )
    )
    if q:
        qs = qs.filter(Q(org__code__icontains=q) | Q(org__name__icontains=q))
    rows = [
        {"kpi": kpi, "value": delivered[key]}
        for kpi in qs.order_by("org__path", "period", "indicator_code")
        if (key := (kpi.org.code, kpi.period, kpi.indicator_code)) in delivered
    ]
    return rows[:limit], len(rows)


def review_indicators(user: Any) -> QuerySet[Indicator]:
    """The 评议打分 indicators the user is an evaluator of, in schemes they may see."""
    return (
        Indicator.objects.filter(
            rule=Rule.MANUAL, evaluators=user, scheme__in=Scheme.objects.visible_to(user)
        )
        .select_related("scheme", "dimension")
        .order_by("-scheme__period", "scheme__code", "position", "id")
    )


def my_score_counts(user: Any, indicators: list[Indicator]) -> dict[tuple[int, str], int]:
    """(indicator id, period) → how many organisations the user has scored. One query."""
    rows = (
        ManualScore.objects.filter(evaluator=user, indicator__in=[i.pk for i in indicators])
        .values_list("indicator_id", "period")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(i, p): n for i, p, n in rows}


def my_scores(
    user: Any, indicator: Indicator, period: str, orgs: list[Organisation]
) -> dict[int, ManualScore]:
    """The user's own scores for these organisations (never another evaluator's). One query."""
    return {
        s.org_id: s
        for s in ManualScore.objects.filter(
            evaluator=user, indicator=indicator, period=period, org__in=[o.pk for o in orgs]
        )
    }


# --- schemes ------------------------------------------------------------------------------


def scheme_list(user: Any, f: SchemeFilter) -> QuerySet[Scheme]:
    """The schemes ``user`` may see that match ``f``, newest period first, then by code —
    the one filter of the scheme screen and ``GET /api/v1/assessment/schemes`` (each edge
    adds its own counts)."""
    qs = Scheme.objects.visible_to(user).select_related("owner")
    if f.q:
        qs = qs.filter(Q(code__icontains=f.q) | Q(name__icontains=f.q))
    if f.period:
        qs = qs.filter(period=f.period.upper())
    if f.period_kind:
        qs = qs.filter(period_kind=f.period_kind)
    if f.owner:
        qs = qs.filter(owner__code=f.owner)
    return qs.order_by("-period", "code")


# --- objections (申诉) ----------------------------------------------------------------------

OBJECTION_STATUSES = dict(Objection.Status.choices)


def objections(user: Any, f: ObjectionFilter) -> QuerySet[Objection]:
    """Objections the user may see (those of the organisations they see, and those their
    side answers), filtered by status, organisation code or name or indicator code, and
    ``side`` (``answer``: those the user's side answers; ``mine``: those the user raised);
    newest first — the one filter of the objection screen and ``GET /api/v1/assessment/objections``."""
    qs = Objection.objects.visible_to(user).select_related(
        "org", "scheme", "raised_by", "answered_by", "kpi", "result", "result__run"
    )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.q:
        qs = qs.filter(
            Q(org__code__icontains=f.q)
            | Q(org__name__icontains=f.q)
            | Q(indicator_code__iexact=f.q)
        )
    if f.side == "answer":
        qs = qs.filter(pk__in=Objection.objects.restrict(user, "answer").values("pk")).exclude(
            org_id=getattr(user, "org_id", None) or 0
        )
    elif f.side == "mine":
        qs = qs.filter(raised_by=user)
    return qs.order_by("-raised_at", "-id")


def objection_counts(user: Any) -> dict[str, int]:
    """Open objections the user's side answers, and open ones the user raised. Two queries."""
    answer = (
        Objection.objects.restrict(user, "answer")
        .filter(status=Objection.Status.OPEN)
        .exclude(org_id=user.org_id)
        .count()
    )
    mine = Objection.objects.filter(raised_by=user, status=Objection.Status.OPEN).count()
    return {"answer": answer, "mine": mine}


# The three lists of this app, each served by its screen and its API through one filter and
# one selector: (name, screen, API path, filter, row key, selector) as core.filters'
# ``register_list`` takes them. tests/test_assessment_lists.py checks screen == API for each;
# they join the shared registry once tests/test_list_filters.py's fixture holds assessment data.
ASSESSMENT_LISTS = (
    ("schemes", "assessment:scheme_list", "/assessment/schemes", SchemeFilter, "code", scheme_list),
    ("kpis", "assessment:kpi_list", "/assessment/kpis", KpiFilter, "id", kpi_values),
    (
        "objections",
        "assessment:objection_list",
        "/assessment/objections",
        ObjectionFilter,
        "id",
        objections,
    ),
)
