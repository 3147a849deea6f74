"""Schemes, their dimensions and their indicators: create, change, delete (audited)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from lianjian.assessment.models import (
    AssessmentRun,
    Dimension,
    Indicator,
    ManualScore,
    Rule,
    Scheme,
    Source,
)
from lianjian.assessment.scheme_file import (
    scheme_to_dict,
)
from lianjian.assessment.scoring import (
    DEFAULT_STARS,
    HIGHER,
    MAX_POINTS,
    RULE_PARAMS,
    DimensionSpec,
    IndicatorSpec,
    validate_indicator,
    validate_stars,
)
from lianjian.assessment.services.common import fail, number_ok, unknown_fields
from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.models import AuditLog
from lianjian.orgs.models import Organisation

SCHEME_FIELDS = (
    "code",
    "name",
    "period",
    "owner",
    "applies_kind",
    "applies_orgs",
    "stars",
    "pass_line",
    "description",
)
DIMENSION_FIELDS = ("code", "name", "max", "position")
# The indicator's audited fields (relations by name, not id) and its description.
INDICATOR_FIELDS = (*(f.removesuffix("_id") for f in Indicator.AUDIT_FIELDS), "description")


def _scheme_state(scheme: Scheme) -> dict[str, Any]:
    state = snapshot(scheme)
    state["applies_orgs"] = (
        sorted(scheme.applies_orgs.values_list("code", flat=True)) if scheme.pk else []
    )
    return state


def _check_scheme(scheme: Scheme, applies_orgs: Sequence[Organisation] | None) -> None:
    errors: dict[str, list[str]] = {}
    try:
        scheme.full_clean(exclude=["applies_orgs"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    stars = scheme.stars
    if not isinstance(stars, list):
        errors.setdefault("stars", []).append("星级划分应为 [[最低总分, 星级], …]")
    else:
        problems = validate_stars(stars)
        if problems:
            errors.setdefault("stars", []).extend(problems)
    if not number_ok(scheme.pass_line) or scheme.pass_line < 0:
        errors.setdefault("pass_line", []).append("合格线应为不小于 0 的数字")
    elif scheme.pass_line > MAX_POINTS:
        errors.setdefault("pass_line", []).append(f"合格线不能超过 {MAX_POINTS:g}")
    owner = scheme.owner if scheme.owner_id is not None else None
    if owner is not None and owner.is_partner:
        errors.setdefault("owner", []).append("制定单位不能是外部单位")
    if applies_orgs is not None:
        if not applies_orgs and not scheme.applies_kind:
            errors.setdefault("applies_kind", []).append("请选择适用的组织类型，或列出适用的组织")
        if applies_orgs and scheme.applies_kind:
            errors.setdefault("applies_kind", []).append("适用组织类型与适用组织只能选其一")
        for org in applies_orgs:
            if org.is_partner:
                errors.setdefault("applies_orgs", []).append(f"外部单位 {org.code} 不参加考核")
            elif owner is not None and not org.path.startswith(owner.path):
                errors.setdefault("applies_orgs", []).append(
                    f"组织 {org.code} 不在制定单位的下级组织中"
                )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def scheme_create(actor: Any, **fields: Any) -> Scheme:
    """Create a scheme with no dimensions or indicators yet. Fields: ``code``, ``name``,
    ``period``, ``owner``, ``applies_kind`` or ``applies_orgs`` (organisations), ``stars``
    (default 95/90/80/70/60), ``pass_line`` (default 60), ``description``."""
    unknown_fields(fields, SCHEME_FIELDS)
    applies_orgs = list(fields.pop("applies_orgs", None) or [])
    fields.setdefault("stars", [list(b) for b in DEFAULT_STARS])
    scheme = Scheme(**fields)
    if isinstance(scheme.period, str):
        scheme.period = scheme.period.strip().upper()
    _check_scheme(scheme, applies_orgs)
    scheme.save()
    scheme.applies_orgs.set(applies_orgs)
    audit_record(
        actor=actor, action=AuditLog.Action.CREATE, obj=scheme, after=_scheme_state(scheme)
    )
    return scheme


@transaction.atomic
def scheme_update(actor: Any, scheme: Scheme, **fields: Any) -> Scheme:
    """Change a scheme's own fields (not its dimensions or indicators); ``applies_orgs``
    replaces the list. Past runs are untouched (they keep their snapshot)."""
    unknown_fields(fields, SCHEME_FIELDS)
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    before = _scheme_state(scheme)
    applies_orgs = list(fields.pop("applies_orgs")) if "applies_orgs" in fields else None
    for name, value in fields.items():
        setattr(scheme, name, value)
    if isinstance(scheme.period, str):
        scheme.period = scheme.period.strip().upper()
    if applies_orgs is None:
        applies_orgs = list(scheme.applies_orgs.all())
    _check_scheme(scheme, applies_orgs)
    scheme.save()
    scheme.applies_orgs.set(applies_orgs)
    b, a = diff(before, _scheme_state(scheme))
    if a:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=scheme, before=b, after=a)
    return scheme


@transaction.atomic
def scheme_delete(actor: Any, scheme: Scheme) -> None:
    """Delete a scheme with its dimensions, indicators and evaluator scores; refused once it
    has been run (results refer to it — edit it instead, or write a new scheme)."""
    if AssessmentRun.objects.filter(scheme=scheme).exists():
        fail("该方案已有考核结果，不能删除")
    before = scheme_to_dict(scheme)
    scores = ManualScore.objects.filter(indicator__scheme=scheme).count()
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        obj=scheme,
        before=before,
        note=f"同时删除评议打分 {scores} 条" if scores else "",
    )
    ManualScore.objects.filter(indicator__scheme=scheme).delete()
    scheme.delete()


# --- dimensions and indicators ------------------------------------------------------------

_Part = TypeVar("_Part", Dimension, Indicator)


def _own_part(model: type[_Part], scheme: Scheme, part: _Part | None) -> _Part:
    """``part`` (a dimension or indicator of ``scheme``), or a new one when None."""
    if part is None:
        return model(scheme=scheme)
    if part.scheme_id != scheme.pk:
        raise ValueError(f"{model.__name__.lower()} of another scheme")
    return part


def _part_errors(part: Dimension | Indicator, exclude: list[str]) -> dict[str, list[str]]:
    """The model's own checks of a dimension or indicator, by field."""
    try:
        part.full_clean(exclude=exclude)
    except ValidationError as exc:
        return dict(exc.message_dict)
    return {}


def _code_taken(part: Dimension | Indicator, scheme: Scheme) -> bool:
    """Whether another dimension (indicator) of the scheme has this one's code."""
    return type(part).objects.filter(scheme=scheme, code=part.code).exclude(pk=part.pk).exists()


def _audit_part(
    actor: Any,
    part: Dimension | Indicator,
    scheme: Scheme,
    creating: bool,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """One audit row for a created or changed dimension or indicator (none when unchanged)."""
    b, a = diff(before, after)
    if a:
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE if creating else AuditLog.Action.UPDATE,
            obj=part,
            target_id=f"{scheme.code}/{part.code}",
            before=b or None,
            after=a,
        )


@transaction.atomic
def dimension_save(
    actor: Any, scheme: Scheme, dimension: Dimension | None = None, **fields: Any
) -> Dimension:
    """Create (``dimension`` None) or change a dimension: ``code``, ``name``, ``max`` (> 0), ``position``."""
    unknown_fields(fields, DIMENSION_FIELDS)
    creating = dimension is None
    dimension = _own_part(Dimension, scheme, dimension)
    before = {} if creating else snapshot(dimension, DIMENSION_FIELDS)
    for name, value in fields.items():
        setattr(dimension, name, value)
    errors = _part_errors(dimension, ["scheme"])
    if "max" not in errors and (not number_ok(dimension.max) or dimension.max <= 0):
        errors["max"] = ["满分应为大于 0 的数字"]
    elif "max" not in errors and dimension.max > MAX_POINTS:
        errors["max"] = [f"满分不能超过 {MAX_POINTS:g}"]
    if "code" not in errors and _code_taken(dimension, scheme):
        errors["code"] = [f"维度编码 {dimension.code} 已存在"]
    if errors:
        raise ValidationError(errors)
    dimension.save()
    _audit_part(actor, dimension, scheme, creating, before, snapshot(dimension, DIMENSION_FIELDS))
    return dimension


@transaction.atomic
def dimension_delete(actor: Any, dimension: Dimension) -> None:
    """Delete a dimension; refused while indicators belong to it (move or delete them first)."""
    if Indicator.objects.filter(dimension=dimension).exists():
        fail("该维度下还有指标，请先删除或移到其他维度")
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        obj=dimension,
        target_id=f"{dimension.scheme.code}/{dimension.code}",
        before=snapshot(dimension, DIMENSION_FIELDS),
    )
    dimension.delete()


def _normalise_params(ind: Indicator) -> None:
    """Clear the parameters the indicator's rule does not read, so that what is stored is
    what scores (and what the scheme file shows)."""
    used = RULE_PARAMS.get(ind.rule, ())
    if "target" not in used:
        ind.target = ind.floor = None
        ind.direction = ""
    elif not ind.direction:
        ind.direction = HIGHER
    if "per" not in used:
        ind.per = None
    if "steps" not in used:
        ind.steps = []
    else:
        ind.steps = [
            [str(s[0]).strip(), s[1]] if isinstance(s, list | tuple) and len(s) == 2 else s
            for s in (ind.steps or [])
        ]
    if ind.rule == Rule.VETO:
        ind.max = None if not ind.max else ind.max


def _indicator_state(ind: Indicator) -> dict[str, Any]:
    state = snapshot(ind)
    state["evaluators"] = sorted(u.get_username() for u in ind.evaluators.all()) if ind.pk else []
    return state


def _indicator_spec(ind: Indicator, dim_code: str | None) -> IndicatorSpec:
    steps = ind.steps if isinstance(ind.steps, list) else [ind.steps]
    return IndicatorSpec(
        ind.code,
        ind.name,
        dim_code,
        ind.max,
        ind.rule,
        ind.source,
        target=ind.target,
        floor=ind.floor,
        direction=ind.direction or HIGHER,
        per=ind.per,
        steps=tuple(tuple(s) if isinstance(s, list) else s for s in steps),
        missing_points=ind.missing_points,
    )


@transaction.atomic
def indicator_save(
    actor: Any,
    scheme: Scheme,
    indicator: Indicator | None = None,
    *,
    evaluators: Iterable[Any] = (),
    **fields: Any,
) -> Indicator:
    """Create (``indicator`` None) or change an indicator. Fields: ``code``, ``name``,
    ``dimension`` (a Dimension of this scheme; None only for a veto), ``max``, ``rule``,
    ``source``, the rule's parameters (``target``/``floor``/``direction``, ``per``, ``steps``
    ``[[label, points], …]``; the others are cleared), ``missing_points``, ``description``,
    ``position``. ``evaluators`` (users) are set for a ``manual`` indicator and must be empty
    for any other. The rule's parameters are checked with ``scoring.validate_indicator``."""
    unknown_fields(fields, INDICATOR_FIELDS)
    creating = indicator is None
    indicator = _own_part(Indicator, scheme, indicator)
    before = {} if creating else _indicator_state(indicator)
    for name, value in fields.items():
        setattr(indicator, name, value)
    _normalise_params(indicator)
    users = list(evaluators)
    errors = _part_errors(indicator, ["scheme", "evaluators"])
    dimension = indicator.dimension if indicator.dimension_id else None
    if dimension is not None and dimension.scheme_id != scheme.pk:
        errors.setdefault("dimension", []).append("所选维度不属于该方案")
    if "code" not in errors and _code_taken(indicator, scheme):
        errors.setdefault("code", []).append(f"指标编码 {indicator.code} 已存在")
    if users and indicator.rule != Rule.MANUAL:
        errors.setdefault("evaluators", []).append("只有评议打分指标可以指定评议人")
    if indicator.provider_id is not None and indicator.source != Source.KPI:
        errors.setdefault("provider", []).append(
            "只有数据来源为“业务指标（导入）”的指标可以指定数据提供部门"
        )
    elif (provider := indicator.provider) is not None and provider.is_partner:
        errors.setdefault("provider", []).append("数据提供部门不能是外部单位")
    if not errors:
        dims = {d.code: DimensionSpec(d.code, d.name, d.max) for d in scheme.dimensions.all()}
        problems = validate_indicator(
            _indicator_spec(indicator, dimension.code if dimension else None), dims
        )
        if problems:
            errors.setdefault("__all__", []).extend(problems)
    if errors:
        raise ValidationError(errors)
    indicator.save()
    if indicator.rule == Rule.MANUAL or not creating:
        indicator.evaluators.set(users)
    _audit_part(actor, indicator, scheme, creating, before, _indicator_state(indicator))
    return indicator


@transaction.atomic
def indicator_delete(actor: Any, indicator: Indicator) -> None:
    """Delete an indicator and the evaluator scores given for it (past runs keep theirs in
    their results)."""
    scores = ManualScore.objects.filter(indicator=indicator).count()
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        obj=indicator,
        target_id=f"{indicator.scheme.code}/{indicator.code}",
        before=_indicator_state(indicator),
        note=f"同时删除评议打分 {scores} 条" if scores else "",
    )
    indicator.delete()


# --- scheme files -------------------------------------------------------------------------
