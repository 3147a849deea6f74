"""The scheme file of shared/docs/assessment.md: JSON ⇄ :class:`~scoring.SchemeSpec` and the model.

``lianjian assess scheme import FILE.json`` and the upload screen read a file with
:func:`parse_scheme_file` (every problem listed at once, in Chinese); ``scheme export`` and
every run's ``scheme_snapshot`` write it with :func:`scheme_to_dict`, so that export →
import round-trips and a snapshot can be scored again (:func:`spec_from_dict`).

The file is exactly the JSON of assessment.md — ``code``, ``name``, ``period``,
``applies_to`` (``{"kind": …}`` or ``{"orgs": [codes]}``), ``dimensions``, ``indicators``
(each with the parameters of its rule only), ``stars`` — plus optional keys that the
platform needs to round-trip a scheme: ``owner`` (the code of the organisation that owns
it), ``pass_line`` (default 60), ``description``, and per indicator ``missing_points``,
``evaluators`` (usernames, ``manual`` indicators only) and ``description``. Export writes an
optional key only when it differs from its default. Unknown keys are errors (a typo such
as ``"flor"`` must not silently drop a parameter).

No Django model import here: the model side is read through its attributes, so this
module stays usable by the pure engine's tests and tools. Texts obey the one text rule of
:func:`lianjian.core.validation.text_problem` (a module importable without settings).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lianjian.assessment.scoring import (
    ALL_PARAMS,
    DEFAULT_STARS,
    HIGHER,
    MANUAL,
    RATIO,
    RULE_PARAMS,
    RULES,
    VETO,
    DimensionSpec,
    IndicatorSpec,
    SchemeSpec,
    validate_scheme,
)
from lianjian.core.validation import text_problem

# Same as lianjian.orgs.models.CODE_RE (kept here so this module needs no Django).
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
ORG_KINDS = ("党委", "党总支", "党支部", "党小组")
SCHEME_KEYS = (
    "code",
    "name",
    "period",
    "applies_to",
    "dimensions",
    "indicators",
    "stars",
    "owner",
    "pass_line",
    "description",
)
DIMENSION_KEYS = ("code", "name", "max")
INDICATOR_KEYS = (
    "code",
    "name",
    "dimension",
    "max",
    "rule",
    *ALL_PARAMS,
    "source",
    "missing_points",
    "evaluators",
    "provider",
    "description",
)
DEFAULT_PASS_LINE = 60.0
MAX_ITEMS = 200


class SchemeFileError(ValueError):
    """A scheme file that cannot be used; ``messages`` lists every problem (Chinese)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class SchemeFile:
    """A parsed scheme file: the spec the engine scores with and what the platform keeps
    beside it (scope, evaluators, texts)."""

    spec: SchemeSpec
    applies_kind: str = ""
    applies_orgs: tuple[str, ...] = ()
    owner: str | None = None
    description: str = ""
    evaluators: dict[str, tuple[str, ...]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        if text not in self.items:
            self.items.append(text)


def _number(value: Any, where: str, problems: _Problems, *, optional: bool = False) -> float | None:
    if value is None:
        if not optional:
            problems.add(f"{where}必填")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.add(f"{where}应为数字")
        return None
    return float(value)


def _text(
    value: Any,
    where: str,
    problems: _Problems,
    max_length: int,
    *,
    required: bool = True,
    multiline: bool = False,
) -> str:
    if value is None:
        if required:
            problems.add(f"{where}必填")
        return ""
    if not isinstance(value, str):
        problems.add(f"{where}应为文本")
        return ""
    text = value.strip()
    if required and not text:
        problems.add(f"{where}不能为空")
    elif len(text) > max_length:
        problems.add(f"{where}不能超过 {max_length} 个字符")
    elif problem := text_problem(text, multiline=multiline):
        problems.add(f"{where}{problem}")
    return text


def _code(value: Any, where: str, problems: _Problems, max_length: int) -> str:
    text = _text(value, where, problems, max_length)
    if text and not CODE_RE.match(text):
        problems.add(f"{where}“{text}”无效：只能包含字母、数字、下划线、点和短横线")
    return text


def _unknown(
    data: Mapping[str, Any], allowed: tuple[str, ...], where: str, problems: _Problems
) -> None:
    for key in data:
        if key not in allowed:
            problems.add(f"{where}未知字段“{key}”")


def _list(value: Any, where: str, problems: _Problems) -> list[Any]:
    if value is None:
        problems.add(f"{where}必填")
        return []
    if not isinstance(value, list):
        problems.add(f"{where}应为列表")
        return []
    if len(value) > MAX_ITEMS:
        problems.add(f"{where}最多 {MAX_ITEMS} 项")
        return []
    return value


def _dimension(data: Any, i: int, problems: _Problems) -> DimensionSpec | None:
    where = f"dimensions 第 {i} 项："
    if not isinstance(data, dict):
        problems.add(f"{where}应为 JSON 对象")
        return None
    _unknown(data, DIMENSION_KEYS, where, problems)
    code = _code(data.get("code"), f"{where}code ", problems, 16)
    name = _text(data.get("name"), f"{where}name ", problems, 100)
    top = _number(data.get("max"), f"{where}max ", problems)
    return DimensionSpec(code, name, top if top is not None else 0.0)


def _steps(value: Any, where: str, problems: _Problems) -> tuple[tuple[str, float], ...]:
    out = []
    for j, step in enumerate(_list(value, f"{where}steps ", problems), start=1):
        if (
            not isinstance(step, list)
            or len(step) != 2
            or not isinstance(step[0], str)
            or isinstance(step[1], bool)
            or not isinstance(step[1], int | float)
            or not math.isfinite(step[1])
        ):
            problems.add(f'{where}steps 第 {j} 项应为 [名称, 分值]，如 ["落地", 8]')
            continue
        out.append((step[0].strip(), float(step[1])))
    return tuple(out)


def _indicator(
    data: Any, i: int, problems: _Problems
) -> tuple[IndicatorSpec, tuple[str, ...], str] | None:
    where = f"indicators 第 {i} 项："
    if not isinstance(data, dict):
        problems.add(f"{where}应为 JSON 对象")
        return None
    code = _code(data.get("code"), f"{where}code ", problems, 16)
    if code:
        where = f"指标 {code}："
    _unknown(data, INDICATOR_KEYS, where, problems)
    name = _text(data.get("name"), f"{where}name ", problems, 100)
    rule = data.get("rule")
    if rule not in RULES:
        problems.add(f"{where}rule 应为 {'、'.join(RULES)} 之一")
        return None
    for param in ALL_PARAMS:
        if param in data and param not in RULE_PARAMS[rule]:
            problems.add(f"{where}规则 {rule} 不使用参数 {param}")
    dimension = data.get("dimension")
    if dimension is not None:
        dimension = _code(dimension, f"{where}dimension ", problems, 16) or None
    top = _number(data.get("max"), f"{where}max ", problems, optional=rule == VETO)
    source = data.get("source")
    if not isinstance(source, str):
        problems.add(f"{where}source 必填" if source is None else f"{where}source 应为文本")
        source = ""
    params: dict[str, Any] = {}
    if rule == RATIO:
        params["target"] = _number(data.get("target"), f"{where}target ", problems)
        params["floor"] = _number(data.get("floor"), f"{where}floor ", problems, optional=True)
        params["direction"] = data.get("direction", HIGHER)
    elif "per" in RULE_PARAMS[rule]:
        params["per"] = _number(data.get("per"), f"{where}per ", problems)
    elif "steps" in RULE_PARAMS[rule]:
        params["steps"] = _steps(data.get("steps"), where, problems)
    missing_points = _number(
        data.get("missing_points"), f"{where}missing_points ", problems, optional=True
    )
    evaluators: tuple[str, ...] = ()
    if "evaluators" in data:
        if rule != MANUAL:
            problems.add(f"{where}只有评议打分（manual）指标可以指定评议人（evaluators）")
        names = []
        for j, item in enumerate(
            _list(data["evaluators"], f"{where}evaluators ", problems), start=1
        ):
            if not isinstance(item, str) or not item.strip():
                problems.add(f"{where}evaluators 第 {j} 项应为用户名")
            elif item.strip() not in names:
                names.append(item.strip())
        evaluators = tuple(names)
    description = _text(
        data.get("description"),
        f"{where}description ",
        problems,
        2000,
        required=False,
        multiline=True,
    )
    spec = IndicatorSpec(
        code, name, dimension, top, rule, source, missing_points=missing_points, **params
    )
    return spec, evaluators, description


def parse_scheme_file(data: Any) -> SchemeFile:
    """Read a scheme file's JSON document; raise :class:`SchemeFileError` listing every
    problem (shape, types, unknown keys, then :func:`scoring.validate_scheme`)."""
    problems = _Problems()
    if not isinstance(data, dict):
        raise SchemeFileError(["方案文件应为 JSON 对象"])
    _unknown(data, SCHEME_KEYS, "", problems)
    code = _code(data.get("code"), "code ", problems, 32)
    name = _text(data.get("name"), "name ", problems, 200)
    period = data.get("period")
    if isinstance(period, int) and not isinstance(period, bool):
        period = str(period)
    if period is None:
        problems.add("period 必填")
        period = ""
    elif not isinstance(period, str):
        problems.add('period 应为文本，如 "2026"、"2026Q3"')
        period = ""
    period = period.strip().upper()
    applies_kind, applies_orgs = "", ()
    applies = data.get("applies_to")
    if applies is None:
        problems.add('applies_to 必填，如 {"kind": "党支部"}')
    elif not isinstance(applies, dict) or not applies:
        problems.add('applies_to 应为 {"kind": "党支部"} 或 {"orgs": [组织编码, …]}')
    else:
        _unknown(applies, ("kind", "orgs"), "applies_to ", problems)
        if "kind" in applies and "orgs" in applies:
            problems.add("applies_to 只能给出 kind 或 orgs 之一")
        if "kind" in applies:
            if applies["kind"] not in ORG_KINDS:
                problems.add(f"applies_to.kind 应为 {'、'.join(ORG_KINDS)} 之一")
            else:
                applies_kind = applies["kind"]
        if "orgs" in applies:
            codes = []
            for j, item in enumerate(_list(applies["orgs"], "applies_to.orgs ", problems), start=1):
                text = _code(item, f"applies_to.orgs 第 {j} 项 ", problems, 32)
                if text and text not in codes:
                    codes.append(text)
            if not codes:
                problems.add("applies_to.orgs 至少列出一个组织编码")
            applies_orgs = tuple(codes)
    dimensions = tuple(
        d
        for i, raw in enumerate(_list(data.get("dimensions"), "dimensions ", problems), start=1)
        if (d := _dimension(raw, i, problems)) is not None
    )
    indicators: list[IndicatorSpec] = []
    evaluators: dict[str, tuple[str, ...]] = {}
    descriptions: dict[str, str] = {}
    providers: dict[str, str] = {}
    for i, raw in enumerate(_list(data.get("indicators"), "indicators ", problems), start=1):
        parsed = _indicator(raw, i, problems)
        if parsed is None:
            continue
        spec, names, text = parsed
        indicators.append(spec)
        if isinstance(raw, dict) and raw.get("provider") is not None:
            where = f"indicators 第 {i} 项 "
            if spec.source != "kpi":
                problems.add(
                    f"{where}只有业务指标（source 为 kpi）可以指定数据提供部门（provider）"
                )
            elif provider := _code(raw["provider"], f"{where}provider ", problems, 32):
                providers[spec.code] = provider
        if names:
            evaluators[spec.code] = names
        if text:
            descriptions[spec.code] = text
    stars: tuple[tuple[float, int], ...] = DEFAULT_STARS
    if "stars" in data:
        bands = []
        for j, band in enumerate(_list(data["stars"], "stars ", problems), start=1):
            if (
                not isinstance(band, list)
                or len(band) != 2
                or any(
                    isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x)
                    for x in band
                )
            ):
                problems.add(f"stars 第 {j} 项应为 [最低总分, 星级]，如 [95, 5]")
                continue
            bands.append((float(band[0]), int(band[1]) if float(band[1]).is_integer() else band[1]))
        stars = tuple(bands)
    pass_line = DEFAULT_PASS_LINE
    if "pass_line" in data:
        pass_line = _number(data["pass_line"], "pass_line ", problems) or 0.0
    owner = data.get("owner")
    if owner is not None:
        owner = _code(owner, "owner ", problems, 32) or None
    description = _text(
        data.get("description"), "description ", problems, 5000, required=False, multiline=True
    )
    spec = SchemeSpec(code, name, period, dimensions, tuple(indicators), stars, pass_line)
    for text in validate_scheme(spec):
        problems.add(text)
    if problems.items:
        raise SchemeFileError(problems.items)
    return SchemeFile(
        spec, applies_kind, applies_orgs, owner, description, evaluators, descriptions, providers
    )


def spec_from_dict(data: Any) -> SchemeSpec:
    """The :class:`SchemeSpec` of a scheme file's JSON (or a run's ``scheme_snapshot``);
    ``ValueError`` (:class:`SchemeFileError`) listing every problem in Chinese."""
    return parse_scheme_file(data).spec


# --- the model side -----------------------------------------------------------------------


def _num(value: float | None) -> float | int | None:
    """A number as a person writes it in JSON: 40, not 40.0."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else float(value)


def _model_rows(scheme: Any) -> tuple[list[Any], list[Any], dict[int, str]]:
    dimensions = list(scheme.dimensions.all())
    indicators = list(
        scheme.indicators.select_related("provider").prefetch_related("evaluators").all()
    )
    return dimensions, indicators, {d.pk: d.code for d in dimensions}


def _indicator_spec(ind: Any, dim_codes: Mapping[int, str]) -> IndicatorSpec:
    params: dict[str, Any] = {}
    if ind.rule == RATIO:
        params = {"target": ind.target, "floor": ind.floor, "direction": ind.direction or HIGHER}
    elif ind.rule in RULE_PARAMS and "per" in RULE_PARAMS[ind.rule]:
        params = {"per": ind.per}
    elif ind.rule in RULE_PARAMS and "steps" in RULE_PARAMS[ind.rule]:
        params = {"steps": tuple((str(s[0]), float(s[1])) for s in (ind.steps or []))}
    return IndicatorSpec(
        ind.code,
        ind.name,
        dim_codes.get(ind.dimension_id),
        ind.max,
        ind.rule,
        ind.source,
        missing_points=ind.missing_points,
        **params,
    )


def spec_from_model(scheme: Any) -> SchemeSpec:
    """The :class:`SchemeSpec` of a :class:`~lianjian.assessment.models.Scheme` as it is
    stored now (not validated: pass it to ``validate_scheme``). Three queries."""
    dimensions, indicators, dim_codes = _model_rows(scheme)
    return SchemeSpec(
        scheme.code,
        scheme.name,
        scheme.period,
        tuple(DimensionSpec(d.code, d.name, d.max) for d in dimensions),
        tuple(_indicator_spec(i, dim_codes) for i in indicators),
        tuple((float(t), int(s)) for t, s in (scheme.stars or [])),
        scheme.pass_line,
    )


def scheme_to_dict(scheme: Any) -> dict[str, Any]:
    """A stored scheme as its scheme file (assessment.md): what ``scheme export`` writes and
    what a run keeps as ``scheme_snapshot``. :func:`parse_scheme_file` reads it back to the
    same scheme. Five queries at most."""
    dimensions, indicators, dim_codes = _model_rows(scheme)
    org_codes = list(scheme.applies_orgs.order_by("code").values_list("code", flat=True))
    applies: dict[str, Any] = {"orgs": org_codes} if org_codes else {"kind": scheme.applies_kind}
    out: dict[str, Any] = {
        "code": scheme.code,
        "name": scheme.name,
        "period": scheme.period,
        "applies_to": applies,
        "dimensions": [{"code": d.code, "name": d.name, "max": _num(d.max)} for d in dimensions],
        "indicators": [],
        "stars": [[_num(t), int(s)] for t, s in (scheme.stars or [])],
    }
    for ind in indicators:
        item: dict[str, Any] = {"code": ind.code, "name": ind.name}
        if ind.dimension_id is not None:
            item["dimension"] = dim_codes[ind.dimension_id]
        if ind.rule != VETO or ind.max:
            item["max"] = _num(ind.max)
        item["rule"] = ind.rule
        spec = _indicator_spec(ind, dim_codes)
        if ind.rule == RATIO:
            item["target"] = _num(spec.target)
            if spec.floor is not None:
                item["floor"] = _num(spec.floor)
            item["direction"] = spec.direction
        elif "per" in RULE_PARAMS.get(ind.rule, ()):
            item["per"] = _num(spec.per)
        elif "steps" in RULE_PARAMS.get(ind.rule, ()):
            item["steps"] = [[label, _num(points)] for label, points in spec.steps]
        item["source"] = ind.source
        if ind.missing_points is not None:
            item["missing_points"] = _num(ind.missing_points)
        if ind.rule == MANUAL:
            item["evaluators"] = sorted(u.get_username() for u in ind.evaluators.all())
        if ind.provider_id is not None:
            item["provider"] = ind.provider.code
        if ind.description:
            item["description"] = ind.description
        out["indicators"].append(item)
    if scheme.owner_id is not None:
        out["owner"] = scheme.owner.code
    if scheme.pass_line != DEFAULT_PASS_LINE:
        out["pass_line"] = _num(scheme.pass_line)
    if scheme.description:
        out["description"] = scheme.description
    return out
