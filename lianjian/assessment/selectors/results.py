"""A run's results for the screens: its snapshot, the ranking, the company picture."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import FloatField, QuerySet, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from lianjian.assessment.models import (
    AssessmentResult,
    AssessmentRun,
)
from lianjian.assessment.periods import parse_period
from lianjian.core.filters import search

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


def live_run(user: Any, pk: Any) -> AssessmentRun | None:
    """The version ``pk`` as ``user`` may see it and not voided (downloads, objections, the
    Word report and its kept file), else None — the caller answers 404."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        AssessmentRun.objects.visible_to(user)
        .select_related("scheme", "scheme__owner", "created_by", "published_by", "voided_by")
        .filter(pk=key, voided_at__isnull=True)
        .first()
    )


def period_label(text: str) -> str:
    try:
        return parse_period(text).label
    except ValueError:
        return text


def dimensions_of(run: AssessmentRun) -> list[dict[str, Any]]:
    """The run's dimensions as they were: ``[{"code", "name", "max"}]``."""
    return list(run.scheme_snapshot.get("dimensions", []))


def indicators_of(run: AssessmentRun) -> list[dict[str, Any]]:
    return list(run.scheme_snapshot.get("indicators", []))


def star_text(stars: int | None) -> str:
    return "★" * stars if stars else ""


# --- the ranking --------------------------------------------------------------------------

# The results list's order and keyset (core.paging.paginate_keyset, GET
# /api/v1/assessment/results): the (run, rank, id) index gives it, so no page sorts the
# run's rows. A run stores its rows by rank then organisation code
# (services.runs.assessment_run), so within a shared rank the id follows the code.
RESULT_LIST_KEY = ("rank", "id")


def result_list(
    user: Any, run: AssessmentRun, *, under: str | None = None
) -> QuerySet[AssessmentResult]:
    """The rows of ``run`` that ``user`` may see (``under``: only the organisations whose
    tree path starts there), in :data:`RESULT_LIST_KEY` order."""
    qs = AssessmentResult.objects.visible_to(user).filter(run=run).select_related("org")
    if under is not None:
        qs = qs.filter(org__path__under=under)
    return qs.order_by(*RESULT_LIST_KEY)


# A dimension order (``sort``): highest points first, a result without that dimension last
# (its points read as this floor, so the key is never NULL and a cursor can carry it), then
# the ranking's own order. No index gives a JSON value's order: every page (the first as a
# deep one) sorts the run's visible rows once, and no page reads more than that.
RANKING_DIMENSION_KEY = ("-dim_points", "rank", "id")
_NO_POINTS = -1e300


def ranking_key(run: AssessmentRun, sort: str = "") -> tuple[str, ...]:
    """The order (and keyset, core.paging.paginate_keyset) of :func:`ranking`:
    :data:`RESULT_LIST_KEY` (the index), or :data:`RANKING_DIMENSION_KEY` when ``sort`` is
    one of the run's dimension codes."""
    if sort and sort in {d["code"] for d in dimensions_of(run)}:
        return RANKING_DIMENSION_KEY
    return RESULT_LIST_KEY


def ranking(
    run: AssessmentRun, user: Any, *, q: str = "", stars: str = "", passed: str = "", sort: str = ""
) -> QuerySet[AssessmentResult]:
    """The run's results the user may see, filtered (search by organisation code or name,
    star level or 否决, passed or not) and ordered by rank, or by one dimension's points
    (``sort`` = a dimension code of the run; highest first), in :func:`ranking_key` order."""
    qs = AssessmentResult.objects.visible_to(user).filter(run=run).select_related("org")
    if q:
        qs = search(qs, q, "org__code__icontains", "org__name__icontains")
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
    key = ranking_key(run, sort)
    if key == RANKING_DIMENSION_KEY:
        points = Cast(KT(f"dimensions__{sort}"), FloatField())
        return qs.annotate(
            dim_points=Coalesce(points, Value(_NO_POINTS), output_field=FloatField())
        ).order_by(*key)
    return qs.order_by(*key)


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
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
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
    points: list[list[Any]] = [
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
