"""The scoring engine of 双维度考核 — pure Python, no Django (shared/docs/assessment.md).

A scheme is plain data (:class:`SchemeSpec`: dimensions, indicators, star bands, pass
line); an organisation's inputs are a mapping ``{indicator code: value}``. This module
turns them into points, dimension points, a total, stars, 否决 and ranks:

* ``ratio``: r = value/target (``higher``) or target/value (``lower``); r ≥ 1 → max;
  floor ≤ r < 1 → max·r; r < floor → 0. A missing ``floor`` is 0. Under ``lower`` a value
  ≤ 0 is as good as it gets (0 complaints, 0 % loss) and scores the max; under ``higher``
  a negative value gives a negative r and scores 0.
* ``per_item``: min(max, count × per); a negative count scores 0.
* ``stepped``: the value is the number of the highest step reached (0 = none, fractions
  are cut off, numbers beyond the last step mean the last step); the points of that step.
* ``deduct``: max(0, max − occurrences × per); negative occurrences count as none.
* ``manual``: the mean of the evaluators' scores (a sequence); each is clamped to 0…max
  (the service refuses anything else; the clamp keeps the engine total on any input).
* ``veto``: no points; a value > 0 is an occurrence and voids the rating (no stars, 否决).

A missing value (``None``, an empty score list, NaN) is *missing*: it scores
``missing_points`` (default 0) and never silently a full score. A missing veto value is
not an occurrence. A dimension's points are capped at its ``max``; the total is the sum of
the dimensions. Everything is computed with full precision; rounding to 2 decimals is for
display only.

Comparisons of totals (star bands, the pass line, ties in :func:`rank`) use the total
rounded to :data:`TIE_DECIMALS` = 9 decimals: the same points added in a different order
can differ in the last bits of a float (0.1 + 0.2 ≠ 0.3), which must not split a tie or
miss a band by 1e-14; 9 decimals is far below any difference a rubric can mean (points
are given to 2 decimals) and far above float noise for totals in the hundreds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeGuard, TypeVar

from lianjian.assessment.periods import parse_period

RATIO, PER_ITEM, STEPPED, DEDUCT, MANUAL, VETO = (
    "ratio",
    "per_item",
    "stepped",
    "deduct",
    "manual",
    "veto",
)
RULES = (RATIO, PER_ITEM, STEPPED, DEDUCT, MANUAL, VETO)
RULE_LABELS = {
    RATIO: "比率",
    PER_ITEM: "按项计分",
    STEPPED: "分档计分",
    DEDUCT: "扣分",
    MANUAL: "评议打分",
    VETO: "一票否决",
}
SOURCES = (
    "kpi",
    "compliance_rate",
    "joint_activities",
    "joint_person_times",
    "manual",
    "key_task_rate",
    "key_task_progress",
    "decision_post_evaluated",
    "carrier_count",
    "carrier_review",
    "project_awards",
    "rectification_on_time",
    "member_points",
)
HIGHER, LOWER = "higher", "lower"
TIE_DECIMALS = 9
# Every number of points in a scheme (maxima, points per item, steps, star thresholds, the
# pass line) is at most this: the screens never accept more, no rubric needs more, and it
# keeps every sum finite (a scheme file with a maximum of 1e308 would overflow a run).
MAX_POINTS = 1000.0
# The parameters each rule reads; any other rule parameter given for it is an error in a
# scheme file and is cleared by the services.
RULE_PARAMS: dict[str, tuple[str, ...]] = {
    RATIO: ("target", "floor", "direction"),
    PER_ITEM: ("per",),
    STEPPED: ("steps",),
    DEDUCT: ("per",),
    MANUAL: (),
    VETO: (),
}
ALL_PARAMS = ("target", "floor", "direction", "per", "steps")
DEFAULT_STARS: tuple[tuple[float, int], ...] = (
    (95.0, 5),
    (90.0, 4),
    (80.0, 3),
    (70.0, 2),
    (60.0, 1),
)


@dataclass(frozen=True)
class DimensionSpec:
    """A dimension (维度): its points are the sum of its indicators', capped at ``max``."""

    code: str
    name: str
    max: float


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator (指标): one rule with its parameters, one source, in one dimension.

    A ``veto`` has no dimension and no max (it gives no points). ``steps`` are
    ``((label, points), …)`` in order; ``missing_points`` is what a missing value scores
    (None = 0).
    """

    code: str
    name: str
    dimension: str | None
    max: float | None
    rule: str
    source: str
    target: float | None = None
    floor: float | None = None
    direction: str = HIGHER
    per: float | None = None
    steps: tuple[tuple[str, float], ...] = ()
    missing_points: float | None = None


@dataclass(frozen=True)
class SchemeSpec:
    """A scheme (考核方案) as the engine sees it. ``stars`` are ``((min total, stars), …)``,
    highest first; below the lowest band there are no stars."""

    code: str
    name: str
    period: str
    dimensions: tuple[DimensionSpec, ...]
    indicators: tuple[IndicatorSpec, ...]
    stars: tuple[tuple[float, int], ...] = DEFAULT_STARS
    pass_line: float = 60.0


class IndicatorScore(NamedTuple):
    """One indicator of one organisation: the value scored (the mean for ``manual``, None
    when missing), the points, whether the value was missing, whether it vetoed.

    A named tuple rather than a frozen dataclass: a State Grid-scale run makes 720,000 of
    them, and a tuple is several times cheaper to build."""

    value: float | None
    points: float
    missing: bool
    vetoed: bool = False


@dataclass(frozen=True)
class OrgScore:
    """One organisation's result: ``total`` (sum of the capped dimensions), ``dimensions``
    ``{code: points}``, ``indicators`` ``{code: IndicatorScore}``, ``vetoed``, ``stars``
    (None when vetoed or below every band) and ``passed`` (total ≥ pass line, not vetoed)."""

    total: float
    dimensions: dict[str, float] = field(default_factory=dict)
    indicators: dict[str, IndicatorScore] = field(default_factory=dict)
    vetoed: bool = False
    stars: int | None = None
    passed: bool = False


# --- validation ---------------------------------------------------------------------------


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate_indicator(ind: IndicatorSpec, dimensions: Mapping[str, DimensionSpec]) -> list[str]:
    """Every problem of one indicator's rule, source, dimension and parameters (Chinese)."""
    problems: list[str] = []
    where = f"指标 {ind.code or '（无编码）'}"
    if not ind.code:
        problems.append("指标编码不能为空")
    if not (ind.name or "").strip():
        problems.append(f"{where}：指标名称不能为空")
    if ind.rule not in RULES:
        problems.append(f"{where}：计分规则“{ind.rule}”无效，应为 {'、'.join(RULES)} 之一")
        return problems
    if ind.source not in SOURCES:
        problems.append(f"{where}：数据来源“{ind.source}”无效，应为 {'、'.join(SOURCES)} 之一")
    elif (ind.rule == MANUAL) != (ind.source == "manual"):
        problems.append(f"{where}：评议打分（manual）规则须与评议打分来源（manual）配合使用")
    if ind.rule == VETO:
        if ind.max not in (None, 0):
            problems.append(f"{where}：一票否决指标不计分，不应设置分值")
        if ind.dimension is not None and ind.dimension not in dimensions:
            problems.append(f"{where}：维度 {ind.dimension} 不存在")
        if ind.missing_points not in (None, 0):
            problems.append(f"{where}：一票否决指标不计分，不应设置缺数时得分")
        return problems
    if ind.dimension is None:
        problems.append(f"{where}：须属于一个维度")
    elif ind.dimension not in dimensions:
        problems.append(f"{where}：维度 {ind.dimension} 不存在")
    if not _is_number(ind.max) or ind.max <= 0:
        problems.append(f"{where}：分值应为大于 0 的数字")
        top = None
    elif ind.max > MAX_POINTS:
        problems.append(f"{where}：分值不能超过 {MAX_POINTS:g}")
        top = None
    else:
        top = float(ind.max)
    if ind.missing_points is not None:
        if not _is_number(ind.missing_points) or ind.missing_points < 0:
            problems.append(f"{where}：缺数时得分应为不小于 0 的数字")
        elif top is not None and ind.missing_points > top:
            problems.append(f"{where}：缺数时得分不能超过分值 {top:g}")
    if ind.rule == RATIO:
        if not _is_number(ind.target) or ind.target <= 0:
            problems.append(f"{where}：比率规则的目标值（target）应为大于 0 的数字")
        if ind.floor is not None and (not _is_number(ind.floor) or not 0 <= ind.floor < 1):
            problems.append(f"{where}：最低比率（floor）应在 0 到 1 之间（不含 1），如 0.6")
        if ind.direction not in (HIGHER, LOWER):
            problems.append(
                f"{where}：方向（direction）应为 higher（越高越好）或 lower（越低越好）"
            )
    elif ind.rule in (PER_ITEM, DEDUCT):
        label = "每项分值" if ind.rule == PER_ITEM else "每次扣分"
        if not _is_number(ind.per) or ind.per <= 0:
            problems.append(f"{where}：{label}（per）应为大于 0 的数字")
        elif ind.per > MAX_POINTS:
            problems.append(f"{where}：{label}（per）不能超过 {MAX_POINTS:g}")
    elif ind.rule == STEPPED:
        if not ind.steps:
            problems.append(f"{where}：分档计分至少需要一个档位（steps）")
        previous = -math.inf
        for i, step in enumerate(ind.steps, start=1):
            if not isinstance(step, tuple | list) or len(step) != 2:
                problems.append(f"{where}：第 {i} 档应为 [名称, 分值]")
                continue
            label, points = step
            if not isinstance(label, str) or not label.strip():
                problems.append(f"{where}：第 {i} 档的名称不能为空")
            if not _is_number(points) or points < 0:
                problems.append(f"{where}：第 {i} 档的分值应为不小于 0 的数字")
                continue
            if top is not None and points > top:
                problems.append(f"{where}：第 {i} 档的分值 {points:g} 超过指标分值 {top:g}")
            if points < previous:
                problems.append(f"{where}：第 {i} 档的分值不能低于上一档（档位应从低到高排列）")
            previous = points
    return problems


def validate_scheme(spec: SchemeSpec) -> list[str]:
    """Every problem of a scheme, in Chinese, in reading order; ``[]`` when it can be run.

    Checks: code, name and period; dimensions (unique codes, 0 < max ≤ 1000); indicators
    (unique codes, a known rule and source, a dimension for every non-veto indicator,
    0 < max ≤ 1000, each rule's parameters); star bands (thresholds and star counts strictly
    decreasing, stars ≥ 1, 0 ≤ thresholds ≤ 1000); the pass line (0 … 1000). Indicator maxima may add up to more
    than their dimension's max: the dimension cap absorbs the excess, as rubrics intend.
    """
    problems: list[str] = []
    if not (spec.code or "").strip():
        problems.append("方案编码不能为空")
    if not (spec.name or "").strip():
        problems.append("方案名称不能为空")
    try:
        parse_period(spec.period)
    except ValueError as exc:
        problems.append(f"考核期间：{exc}")
    dimensions: dict[str, DimensionSpec] = {}
    for dim in spec.dimensions:
        if not dim.code:
            problems.append("维度编码不能为空")
        elif dim.code in dimensions:
            problems.append(f"维度编码 {dim.code} 重复")
        if not (dim.name or "").strip():
            problems.append(f"维度 {dim.code}：维度名称不能为空")
        if not _is_number(dim.max) or dim.max <= 0:
            problems.append(f"维度 {dim.code}：满分应为大于 0 的数字")
        elif dim.max > MAX_POINTS:
            problems.append(f"维度 {dim.code}：满分不能超过 {MAX_POINTS:g}")
        dimensions.setdefault(dim.code, dim)
    if not spec.indicators:
        problems.append("方案至少需要一个指标")
    seen: set[str] = set()
    for ind in spec.indicators:
        if ind.code and ind.code in seen:
            problems.append(f"指标编码 {ind.code} 重复")
        seen.add(ind.code)
        problems.extend(validate_indicator(ind, dimensions))
    problems.extend(validate_stars(spec.stars))
    if not _is_number(spec.pass_line) or spec.pass_line < 0:
        problems.append("合格线应为不小于 0 的数字")
    elif spec.pass_line > MAX_POINTS:
        problems.append(f"合格线不能超过 {MAX_POINTS:g}")
    return problems


def validate_stars(stars: Sequence[Any]) -> list[str]:
    """Problems of star bands ``[[min total, stars], …]``: highest first, both strictly
    decreasing, stars whole numbers ≥ 1, thresholds ≥ 0. An empty list means no stars."""
    problems: list[str] = []
    last: tuple[float, int] | None = None
    for i, band in enumerate(stars, start=1):
        if not isinstance(band, tuple | list) or len(band) != 2:
            problems.append(f"星级第 {i} 档应为 [最低总分, 星级]")
            continue
        threshold, count = band
        if not _is_number(threshold) or threshold < 0:
            problems.append(f"星级第 {i} 档的最低总分应为不小于 0 的数字")
            continue
        if threshold > MAX_POINTS:
            problems.append(f"星级第 {i} 档的最低总分不能超过 {MAX_POINTS:g}")
            continue
        if not _is_number(count) or count != int(count) or count < 1:
            problems.append(f"星级第 {i} 档的星级应为不小于 1 的整数")
            continue
        if last is not None and not (threshold < last[0] and count < last[1]):
            problems.append(f"星级第 {i} 档：各档应按最低总分和星级从高到低排列，且不能重复")
        last = (threshold, int(count))
    return problems


# --- scoring ------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _clamp(points: float, top: float) -> float:
    return min(max(points, 0.0), top)


def rule_function(ind: IndicatorSpec) -> Callable[[Any], IndicatorScore]:
    """``ind``'s rule with its parameters bound: value → :class:`IndicatorScore`. The one
    implementation of the rules (module docstring); :func:`score_indicator` and
    :func:`scorer` use it, so a run prepares each indicator once for all organisations."""
    rule = ind.rule
    if rule == VETO:

        def veto(value: Any) -> IndicatorScore:
            if value is None or value != value:
                return IndicatorScore(None, 0.0, True, False)
            number = float(value)
            return IndicatorScore(number, 0.0, False, number > 0)

        return veto
    top = float(ind.max or 0.0)
    absent = IndicatorScore(None, _missing_points(ind, top), True)
    if rule == MANUAL:

        def manual(value: Any) -> IndicatorScore:
            scores = [] if value is None else [float(s) for s in value if not _missing(s)]
            if not scores:
                return absent
            mean = math.fsum(scores) / len(scores)
            return IndicatorScore(
                mean, _clamp(math.fsum(_clamp(s, top) for s in scores) / len(scores), top), False
            )

        return manual
    if rule == RATIO:
        target = float(ind.target or 0.0)
        floor = float(ind.floor or 0.0)
        lower = ind.direction == LOWER

        def points(number: float) -> float:
            if lower:
                r = math.inf if number <= 0 else target / number
            else:
                r = number / target if target > 0 else 0.0
            if r >= 1:
                return top
            return top * r if r >= floor else 0.0
    elif rule == PER_ITEM:
        per = float(ind.per or 0.0)

        def points(number: float) -> float:
            return _clamp(number * per, top)
    elif rule == STEPPED:
        steps = [float(p) for _, p in ind.steps]

        def points(number: float) -> float:
            reached = len(steps) if number >= len(steps) else int(number) if number >= 1 else 0
            return _clamp(steps[reached - 1], top) if reached else 0.0
    elif rule == DEDUCT:
        per = float(ind.per or 0.0)

        def points(number: float) -> float:
            return _clamp(top - max(number, 0.0) * per, top)
    else:
        raise ValueError(f"unknown rule {rule!r}")

    def scored(value: Any) -> IndicatorScore:
        if value is None or value != value:  # None or NaN: missing
            return absent
        number = float(value)
        return IndicatorScore(number, points(number), False)

    return scored


def score_indicator(ind: IndicatorSpec, value: Any) -> IndicatorScore:
    """Score one value under ``ind``'s rule (module docstring). ``value`` is a number or
    None; for ``manual`` a sequence of evaluator scores (empty = missing)."""
    return rule_function(ind)(value)


def _missing_points(ind: IndicatorSpec, top: float) -> float:
    return _clamp(float(ind.missing_points), top) if ind.missing_points is not None else 0.0


def stars_for(total: float, stars: Sequence[tuple[float, int]]) -> int | None:
    """The stars of the highest band ``total`` reaches (compared at 9 decimals), else None."""
    key = round(total, TIE_DECIMALS)
    for threshold, count in sorted(stars, key=lambda band: -band[0]):
        if key >= threshold:
            return int(count)
    return None


def scorer(spec: SchemeSpec) -> Callable[[Mapping[str, Any]], OrgScore]:
    """:func:`score_org` for one scheme, prepared once: a run scores 37,000 organisations."""
    plan = [
        (ind.code, rule_function(ind), ind.dimension if ind.rule != VETO else None)
        for ind in spec.indicators
    ]
    caps = [(d.code, float(d.max)) for d in spec.dimensions]
    bands = sorted(spec.stars, key=lambda band: -band[0])
    pass_line = spec.pass_line

    def score(values: Mapping[str, Any]) -> OrgScore:
        indicators: dict[str, IndicatorScore] = {}
        sums: dict[str | None, list[float]] = {code: [] for code, _ in caps}
        vetoed = False
        get = values.get
        for code, fn, dimension in plan:
            result = fn(get(code))
            indicators[code] = result
            if result.vetoed:
                vetoed = True
            if dimension in sums:
                sums[dimension].append(result.points)
        dimensions = {code: min(math.fsum(sums[code]), top) for code, top in caps}
        total = math.fsum(dimensions.values())
        stars = None if vetoed else stars_for(total, bands)
        passed = not vetoed and round(total, TIE_DECIMALS) >= pass_line
        return OrgScore(total, dimensions, indicators, vetoed, stars, passed)

    return score


def score_org(spec: SchemeSpec, values: Mapping[str, Any]) -> OrgScore:
    """Score one organisation: ``values`` maps indicator codes to values (absent = missing).

    Indicators are scored in the scheme's order; dimension points are the sum of their
    indicators' points capped at the dimension's max; the total is the sum of the
    dimensions; any vetoing indicator voids the rating (no stars, not passed)."""
    return scorer(spec)(values)


K = TypeVar("K")


def rank(totals: Mapping[K, tuple[float, bool]]) -> dict[K, int]:
    """1-based competition ranks (1, 2, 2, 4 …) by total, highest first; equal totals (at 9
    decimals) share a rank; vetoed organisations rank after all others, among themselves
    by total. ``totals`` maps any key to ``(total, vetoed)``."""
    ordered = sorted(
        totals.items(), key=lambda item: (item[1][1], -round(item[1][0], TIE_DECIMALS))
    )
    ranks: dict[K, int] = {}
    previous: tuple[bool, float] | None = None
    current = 0
    for position, (key, (total, vetoed)) in enumerate(ordered, start=1):
        marker = (vetoed, round(total, TIE_DECIMALS))
        if marker != previous:
            current, previous = position, marker
        ranks[key] = current
    return ranks
