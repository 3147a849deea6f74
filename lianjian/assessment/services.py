"""Writes of 双维度考核: schemes, KPI values, evaluator scores, runs and publishing.

Every function is atomic and audited (``core.audit``) and refuses bad input with a Django
``ValidationError`` in Chinese, changing nothing. ``actor`` is the acting user (None = the
system: the command line, the demo). Scope is the caller's job — views and the API look
objects up through ``visible_to``/``manageable_by`` first — except where a docstring says
otherwise: :func:`scheme_import` (the file decides what it touches) and
:func:`manual_score_set` (only the indicator's evaluators score).

Editing a scheme is always allowed, also after runs: a run keeps its own snapshot of the
scheme (``scheme_snapshot``) and the inputs it scored, so a published ranking never changes
silently; running again makes a new version.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from lianjian.assessment import sources
from lianjian.assessment.entry import KpiEntry, scheme_orgs, scheme_periods
from lianjian.assessment.models import (
    AssessmentResult,
    AssessmentRun,
    Dimension,
    Indicator,
    KpiBatch,
    KpiValue,
    ManualScore,
    Rule,
    Scheme,
    Source,
)
from lianjian.assessment.periods import KIND_LABELS, Period, parse_period, period_problem
from lianjian.assessment.scheme_file import (
    SchemeFileError,
    parse_scheme_file,
    scheme_to_dict,
    spec_from_model,
)
from lianjian.assessment.scoring import (
    DEFAULT_STARS,
    HIGHER,
    MAX_POINTS,
    RULE_PARAMS,
    DimensionSpec,
    IndicatorSpec,
    rank,
    scorer,
    validate_indicator,
    validate_scheme,
    validate_stars,
)
from lianjian.core.audit import audit_record, audit_row, diff, snapshot
from lianjian.core.excel import chunks, insert_audit, insert_rows, update_rows
from lianjian.core.messages import KEY_TAKEN
from lianjian.core.models import AuditLog
from lianjian.core.scope import CHANGE, may, scope_of
from lianjian.core.validation import HISTORY
from lianjian.orgs.models import CODE_RE, Organisation

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
INDICATOR_FIELDS = (
    "code",
    "name",
    "dimension",
    "max",
    "rule",
    "source",
    "target",
    "floor",
    "direction",
    "per",
    "steps",
    "missing_points",
    "provider",
    "description",
    "position",
)
KPI_CODE_MAX = 16
KPI_VALUE_LIMIT = 1e12
EXAMPLES = {"year": "2026", "half": "2026H1", "quarter": "2026Q3", "month": "2026-07"}


def _fail(*messages: str) -> None:
    raise ValidationError(list(messages))


def _unknown_fields(fields: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")


def _number_ok(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# --- organisations a scheme applies to ----------------------------------------------------


def _check_period(scheme: Scheme, period: str) -> str:
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
    if not _number_ok(scheme.pass_line) or scheme.pass_line < 0:
        errors.setdefault("pass_line", []).append("合格线应为不小于 0 的数字")
    elif scheme.pass_line > MAX_POINTS:
        errors.setdefault("pass_line", []).append(f"合格线不能超过 {MAX_POINTS:g}")
    if scheme.owner_id is not None and scheme.owner.is_partner:
        errors.setdefault("owner", []).append("制定单位不能是外部单位")
    if applies_orgs is not None:
        if not applies_orgs and not scheme.applies_kind:
            errors.setdefault("applies_kind", []).append("请选择适用的组织类型，或列出适用的组织")
        if applies_orgs and scheme.applies_kind:
            errors.setdefault("applies_kind", []).append("适用组织类型与适用组织只能选其一")
        for org in applies_orgs:
            if org.is_partner:
                errors.setdefault("applies_orgs", []).append(f"外部单位 {org.code} 不参加考核")
            elif scheme.owner_id is not None and not org.path.startswith(scheme.owner.path):
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
    _unknown_fields(fields, SCHEME_FIELDS)
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
    _unknown_fields(fields, SCHEME_FIELDS)
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
        _fail("该方案已有考核结果，不能删除")
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


@transaction.atomic
def dimension_save(
    actor: Any, scheme: Scheme, dimension: Dimension | None = None, **fields: Any
) -> Dimension:
    """Create (``dimension`` None) or change a dimension: ``code``, ``name``, ``max`` (> 0), ``position``."""
    _unknown_fields(fields, DIMENSION_FIELDS)
    creating = dimension is None
    if dimension is None:
        dimension = Dimension(scheme=scheme)
    elif dimension.scheme_id != scheme.pk:
        raise ValueError("dimension of another scheme")
    before = {} if creating else snapshot(dimension, DIMENSION_FIELDS)
    for name, value in fields.items():
        setattr(dimension, name, value)
    errors: dict[str, list[str]] = {}
    try:
        dimension.full_clean(exclude=["scheme"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "max" not in errors and (not _number_ok(dimension.max) or dimension.max <= 0):
        errors["max"] = ["满分应为大于 0 的数字"]
    elif "max" not in errors and dimension.max > MAX_POINTS:
        errors["max"] = [f"满分不能超过 {MAX_POINTS:g}"]
    if (
        "code" not in errors
        and Dimension.objects.filter(scheme=scheme, code=dimension.code)
        .exclude(pk=dimension.pk)
        .exists()
    ):
        errors["code"] = [f"维度编码 {dimension.code} 已存在"]
    if errors:
        raise ValidationError(errors)
    dimension.save()
    after = snapshot(dimension, DIMENSION_FIELDS)
    b, a = diff(before, after)
    if a:
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE if creating else AuditLog.Action.UPDATE,
            obj=dimension,
            target_id=f"{scheme.code}/{dimension.code}",
            before=b or None,
            after=a,
        )
    return dimension


@transaction.atomic
def dimension_delete(actor: Any, dimension: Dimension) -> None:
    """Delete a dimension; refused while indicators belong to it (move or delete them first)."""
    if Indicator.objects.filter(dimension=dimension).exists():
        _fail("该维度下还有指标，请先删除或移到其他维度")
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
    _unknown_fields(fields, INDICATOR_FIELDS)
    creating = indicator is None
    if indicator is None:
        indicator = Indicator(scheme=scheme)
    elif indicator.scheme_id != scheme.pk:
        raise ValueError("indicator of another scheme")
    before = {} if creating else _indicator_state(indicator)
    for name, value in fields.items():
        setattr(indicator, name, value)
    _normalise_params(indicator)
    users = list(evaluators)
    errors: dict[str, list[str]] = {}
    try:
        indicator.full_clean(exclude=["scheme", "evaluators"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    dimension = indicator.dimension if indicator.dimension_id else None
    if dimension is not None and dimension.scheme_id != scheme.pk:
        errors.setdefault("dimension", []).append("所选维度不属于该方案")
    if (
        "code" not in errors
        and Indicator.objects.filter(scheme=scheme, code=indicator.code)
        .exclude(pk=indicator.pk)
        .exists()
    ):
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
    after = _indicator_state(indicator)
    b, a = diff(before, after)
    if a:
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE if creating else AuditLog.Action.UPDATE,
            obj=indicator,
            target_id=f"{scheme.code}/{indicator.code}",
            before=b or None,
            after=a,
        )
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


def _may_manage_org(actor: Any, org: Organisation | None) -> bool:
    """The system (``actor`` None) may; a user when they manage ``org``."""
    return actor is None or may(actor, CHANGE, org)


@transaction.atomic
def scheme_import(data: dict[str, Any], *, actor: Any) -> tuple[Scheme, bool]:
    """Create or update the scheme of a scheme file (assessment.md); returns (scheme, created).

    Dimensions and indicators are matched by code: existing ones are updated in place (so
    evaluator scores given for an indicator survive a re-import), new ones created, those
    no longer in the file deleted. ``owner`` and ``applies_to.orgs`` codes must exist;
    ``evaluators`` must be active accounts. Scope is checked here, since only the file says
    what is touched: the system (``actor`` None) and admins may import anything; a manager
    only a scheme owned inside their subtree (an existing one and the file's ``owner``);
    members nothing. What the actor cannot see is not looked at (docs/security.md §6): a
    code held by a scheme they cannot see answers ``code：该编号不可用（已被占用）`` and
    nothing else about it, an organisation they cannot see reads as unknown. Every problem
    is listed in one ``ValidationError``.
    """
    try:
        parsed = parse_scheme_file(data)
    except SchemeFileError as exc:
        raise ValidationError(exc.messages) from None
    spec = parsed.spec
    problems: list[str] = []
    limited = actor is not None and not scope_of(actor).everything
    orgs = Organisation.objects.visible_to(actor) if limited else Organisation.objects.all()
    owner = None
    if parsed.owner:
        owner = orgs.filter(code=parsed.owner).first()
        if owner is None:
            problems.append(f"owner：组织 {parsed.owner} 不存在")
    existing = (
        Scheme.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(code=spec.code)
        .first()
    )
    if (
        limited
        and existing is not None
        and not Scheme.objects.visible_to(actor).filter(pk=existing.pk).exists()
    ):
        problems.insert(0, f"code：{KEY_TAKEN}")  # the key's line first, as in every import
        existing = None  # checked from here on as a new scheme
    if limited:
        if existing is not None and not _may_manage_org(actor, existing.owner):
            problems.append(f"无权修改方案 {spec.code}")
        elif not _may_manage_org(actor, owner) and (owner is not None or not parsed.owner):
            problems.append("owner：请填写本人管理范围内的制定单位组织编码")
    applies: list[Organisation] = []
    if parsed.applies_orgs:
        found = {o.code: o for o in orgs.filter(code__in=parsed.applies_orgs)}
        for code in parsed.applies_orgs:
            if code in found:
                applies.append(found[code])
            else:
                problems.append(f"applies_to.orgs：组织 {code} 不存在")
    providers: dict[str, Organisation] = {}
    if parsed.providers:
        found_providers = {o.code: o for o in orgs.filter(code__in=set(parsed.providers.values()))}
        for ind_code, org_code in parsed.providers.items():
            if org_code in found_providers:
                providers[ind_code] = found_providers[org_code]
            else:
                problems.append(f"provider：组织 {org_code} 不存在")
    users: dict[str, Any] = {}
    names = {n for group in parsed.evaluators.values() for n in group}
    if names:
        users = {
            u.get_username(): u
            for u in get_user_model().objects.filter(username__in=names, is_active=True)
        }
        for name in sorted(names - set(users)):
            problems.append(f"evaluators：用户 {name} 不存在或已停用")
    if problems:
        raise ValidationError(problems)
    fields = {
        "name": spec.name,
        "period": spec.period,
        "owner": owner,
        "applies_kind": parsed.applies_kind,
        "applies_orgs": applies,
        "stars": [[t, s] for t, s in spec.stars],
        "pass_line": spec.pass_line,
        "description": parsed.description,
    }
    created = existing is None
    if created:
        scheme = scheme_create(actor, code=spec.code, **fields)
    else:
        scheme = scheme_update(actor, existing, **fields)
    dims = {d.code: d for d in scheme.dimensions.all()}
    for position, d in enumerate(spec.dimensions):
        dims[d.code] = dimension_save(
            actor, scheme, dims.get(d.code), code=d.code, name=d.name, max=d.max, position=position
        )
    keep_dims = {d.code for d in spec.dimensions}
    indicators = {i.code: i for i in scheme.indicators.all()}
    for ind in list(indicators.values()):
        if ind.code not in {i.code for i in spec.indicators}:
            indicator_delete(actor, ind)
    for position, ind in enumerate(spec.indicators):
        indicator_save(
            actor,
            scheme,
            indicators.get(ind.code),
            evaluators=[users[n] for n in parsed.evaluators.get(ind.code, ())],
            code=ind.code,
            name=ind.name,
            dimension=dims[ind.dimension] if ind.dimension else None,
            max=ind.max,
            rule=ind.rule,
            source=ind.source,
            target=ind.target,
            floor=ind.floor,
            direction=ind.direction,
            per=ind.per,
            steps=[[label, points] for label, points in ind.steps],
            missing_points=ind.missing_points,
            provider=providers.get(ind.code),
            description=parsed.descriptions.get(ind.code, ""),
            position=position,
        )
    for code, dim in dims.items():
        if code not in keep_dims:
            dimension_delete(actor, dim)
    return scheme, created


# --- KPI values ---------------------------------------------------------------------------


@dataclass
class KpiRow:
    """One KPI to write: (organisation, period, indicator code, value)."""

    org: Organisation
    period: str
    indicator_code: str
    value: float


@dataclass
class KpiWrite:
    """What a KPI write did: the batch recorded (None when nothing changed), counts, and the
    values written or found unchanged, in input order (when ``fetch`` was asked for)."""

    batch: KpiBatch | None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    values: list[KpiValue] = field(default_factory=list)


def kpi_codes() -> dict[str, set[str]]:
    """Indicator codes that take an imported value — those of ``kpi`` indicators of any
    scheme — each with the rules that score it (to refuse what no rule can mean)."""
    codes: dict[str, set[str]] = {}
    for code, rule in (
        Indicator.objects.filter(source=Source.KPI).values_list("code", "rule").distinct()
    ):
        codes.setdefault(code, set()).add(rule)
    return codes


# Rules whose value counts something (items, occurrences, the step reached): a negative
# value is a typo, and the engine would score it as none — full points for a deduction.
COUNT_RULES = {Rule.PER_ITEM, Rule.STEPPED, Rule.DEDUCT, Rule.VETO}


def kpi_value_problem(code: str, value: float, known: dict[str, set[str]]) -> str:
    """Why ``value`` cannot be the value of the KPI ``code`` (empty when it can): the value
    of an indicator scored as a count (items, occurrences, a step) is never negative."""
    if value < 0 and known.get(code, set()) & COUNT_RULES:
        return f"指标 {code} 的数值是次数或档位序号，不能为负数"
    return ""


def kpi_period_problem(period: Period) -> str:
    """Why no KPI value can be recorded for ``period``, or "": a value is measured, so its
    period has begun (``HISTORY``) — a KPI for 2099 is refused."""
    return period_problem(period, HISTORY)


def kpi_row_problems(
    org: Organisation | None, period: Any, code: Any, value: Any, known: dict[str, set[str]]
) -> list[tuple[str, str]]:
    """(field, reason) for every problem of one KPI row; shared by the form, the API and Excel."""
    problems: list[tuple[str, str]] = []
    if org is not None and org.is_partner:
        problems.append(("org", f"外部单位 {org.code} 不参加考核"))
    try:
        parsed = parse_period(period if isinstance(period, str) else "")
    except ValueError as exc:
        problems.append(("period", str(exc)))
    else:
        if reason := kpi_period_problem(parsed):
            problems.append(("period", reason))
    if not isinstance(code, str) or not CODE_RE.match(code) or len(code) > KPI_CODE_MAX:
        problems.append(
            ("indicator_code", "指标编码只能包含字母、数字、下划线、点和短横线，最长 16 位")
        )
    elif code not in known:
        problems.append(
            (
                "indicator_code",
                f"指标编码 {code} 不是任何考核方案中的业务指标（数据来源为“业务指标（导入）”）",
            )
        )
    if not _number_ok(value) or abs(value) > KPI_VALUE_LIMIT:
        problems.append(("value", "数值应为有限的数字（绝对值不超过 10¹²）"))
    elif isinstance(code, str) and (reason := kpi_value_problem(code, value, known)):
        problems.append(("value", reason))
    return problems


def kpi_write(
    actor: Any,
    rows: Sequence[KpiRow],
    *,
    channel: str,
    file_name: str = "",
    note: str = "",
    fetch: bool = True,
) -> KpiWrite:
    """Upsert validated KPI rows as one :class:`KpiBatch` (who, when, channel): a new key is
    created, a different value replaces the old one and points to the new batch, an equal
    value is left alone with its batch (the record it drills down to). Writes one audit row
    per change and one summary row. Call inside a transaction."""
    now = timezone.now()
    keys = {(r.org.pk, r.period, r.indicator_code) for r in rows}
    existing: dict[tuple[int, str, str], tuple[int, float]] = {}
    org_ids = sorted({k[0] for k in keys})
    codes = sorted({k[2] for k in keys})
    periods = sorted({k[1] for k in keys})
    for chunk in chunks(org_ids, 1000):
        for pk, org_id, period, code, value in KpiValue.objects.filter(
            org_id__in=chunk, period__in=periods, indicator_code__in=codes
        ).values_list("pk", "org_id", "period", "indicator_code", "value"):
            if (org_id, period, code) in keys:
                existing[(org_id, period, code)] = (pk, value)
    result = KpiWrite(batch=None)
    creates: list[KpiRow] = []
    updates: list[tuple[KpiRow, int, float]] = []
    for row in rows:
        found = existing.get((row.org.pk, row.period, row.indicator_code))
        if found is None:
            creates.append(row)
        elif found[1] != row.value:
            updates.append((row, found[0], found[1]))
        else:
            result.unchanged += 1
    result.created, result.updated = len(creates), len(updates)
    if creates or updates:
        is_user = actor is not None and getattr(actor, "is_authenticated", False)
        batch = KpiBatch.objects.create(
            channel=channel,
            file_name=file_name[:200],
            row_count=len(creates) + len(updates),
            created_by=actor if is_user else None,
            created_by_name=(actor.get_full_name() or actor.get_username()) if is_user else "系统",
        )
        result.batch = batch
        insert_rows(
            KpiValue,
            ("org_id", "period", "indicator_code", "value", "batch_id", "updated_at"),
            [(r.org.pk, r.period, r.indicator_code, r.value, batch.pk, now) for r in creates],
        )
        update_rows(
            KpiValue,
            ("value", "batch_id", "updated_at"),
            [(r.value, batch.pk, now, pk) for r, pk, _ in updates],
        )
        label = KpiBatch.Channel(channel).label
        audits = [
            audit_row(
                actor=actor,
                action=AuditLog.Action.CREATE,
                target="assessment.kpivalue",
                target_id=f"{r.org.code}/{r.period}/{r.indicator_code}",
                target_repr=f"{r.org.name} {r.period} {r.indicator_code}",
                after={"value": r.value, "batch_id": batch.pk},
                note=f"{label}{note}",
            )
            for r in creates
        ]
        audits += [
            audit_row(
                actor=actor,
                action=AuditLog.Action.UPDATE,
                target="assessment.kpivalue",
                target_id=f"{r.org.code}/{r.period}/{r.indicator_code}",
                target_repr=f"{r.org.name} {r.period} {r.indicator_code}",
                before={"value": old},
                after={"value": r.value, "batch_id": batch.pk},
                note=f"{label}{note}",
            )
            for r, _, old in updates
        ]
        insert_audit(audits, now)
    if fetch:
        by_key = {}
        for chunk in chunks(org_ids, 1000):
            for kpi in KpiValue.objects.filter(
                org_id__in=chunk, period__in=periods, indicator_code__in=codes
            ).select_related("org", "batch"):
                by_key[(kpi.org_id, kpi.period, kpi.indicator_code)] = kpi
        result.values = [by_key[(r.org.pk, r.period, r.indicator_code)] for r in rows]
    return result


@transaction.atomic
def kpi_set_many(
    actor: Any,
    rows: Sequence[tuple[Organisation, str, str, Any]],
    *,
    channel: str = KpiBatch.Channel.API,
    note: str = "",
) -> KpiWrite:
    """Set several KPI values in one batch (the API's list POST). ``rows`` are (organisation,
    period, indicator code, value); every problem of every row is listed (``第N条 …``) and
    nothing is written when any row is wrong; a key listed twice is an error. Only those
    :class:`~lianjian.assessment.entry.KpiEntry` allows may enter a row — the scheme's
    owners or the indicator's data provider, never the assessed (``PermissionDenied``
    naming every refused row; nothing written)."""
    known = kpi_codes()
    errors: list[str] = []
    clean: list[KpiRow] = []
    seen: dict[tuple[int, str, str], int] = {}
    single = len(rows) == 1
    for n, (org, period, code, value) in enumerate(rows, start=1):
        period = period.strip().upper() if isinstance(period, str) else period
        code = code.strip() if isinstance(code, str) else code
        problems = kpi_row_problems(org, period, code, value, known)
        if problems and single:
            raise ValidationError({name: [reason] for name, reason in problems})
        errors += [f"第{n}条 {name}：{reason}" for name, reason in problems]
        if problems:
            continue
        key = (org.pk, period, code)
        if key in seen:
            errors.append(f"第{n}条：与第{seen[key]}条重复（同一组织、期间和指标编码）")
            continue
        seen[key] = n
        clean.append(KpiRow(org, period, code, float(value)))
    if errors:
        _fail(*errors)
    entry = KpiEntry(actor)
    refused = [
        f"第{n}条：{reason}" if not single else reason
        for n, r in enumerate(clean, start=1)
        if (reason := entry.refusal(r.org, r.period, r.indicator_code))
    ]
    if refused:
        raise PermissionDenied("；".join(refused))
    return kpi_write(actor, clean, channel=channel, note=note)


def kpi_set(
    actor: Any,
    *,
    org: Organisation,
    period: str,
    indicator_code: str,
    value: Any,
    channel: str = KpiBatch.Channel.FORM,
    note: str = "",
) -> KpiValue:
    """Set one KPI value of (organisation, period, indicator code), recorded as one batch
    (form or API) with who and when; an unchanged value keeps its batch. The indicator code
    must be that of a ``kpi`` indicator of some scheme (a typo must not pass silently)."""
    return kpi_set_many(
        actor, [(org, period, indicator_code, value)], channel=channel, note=note
    ).values[0]


# --- evaluator scores ---------------------------------------------------------------------


@transaction.atomic
def manual_score_set(
    actor: Any,
    *,
    indicator: Indicator,
    org: Organisation,
    period: str,
    score: Any,
    comment: str = "",
) -> ManualScore:
    """The actor's score (评议打分) of ``org`` on a ``manual`` indicator for ``period``:
    0 ≤ score ≤ the indicator's max; a second call replaces the actor's own score (each
    evaluator scores once). Only the indicator's evaluators may score (``PermissionDenied``
    otherwise); the organisation must be one the scheme assesses for that period."""
    if indicator.rule != Rule.MANUAL:
        _fail("该指标不是评议打分指标")
    if actor is None or not indicator.evaluators.filter(pk=actor.pk).exists():
        raise PermissionDenied("您不是该指标的评议人")
    own = getattr(actor, "org_id", None)
    if own is not None and own == org.pk:
        _fail(f"评议人不能为本人所在的组织（{org.name}）打分")
    scheme = indicator.scheme
    period = _check_period(scheme, period)
    if not scheme_orgs(scheme, period).filter(pk=org.pk).exists():
        _fail(f"{org.name} 不在该方案{period}期间的考核范围内")
    errors: dict[str, str] = {}
    if not _number_ok(score) or not 0 <= score <= (indicator.max or 0):
        errors["score"] = f"评分应在 0 到 {indicator.max or 0:g} 之间"
    comment = (comment or "").strip()
    if len(comment) > 500:
        errors["comment"] = "评语不能超过 500 个字符"
    if errors:
        raise ValidationError(errors)
    row = (
        ManualScore.objects.select_for_update()
        .filter(indicator=indicator, org=org, period=period, evaluator=actor)
        .first()
    )
    target_id = f"{scheme.code}/{indicator.code}/{org.code}/{period}/{actor.get_username()}"
    if row is None:
        row = ManualScore.objects.create(
            indicator=indicator,
            org=org,
            period=period,
            evaluator=actor,
            score=float(score),
            comment=comment,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=row,
            target_id=target_id,
            after=snapshot(row),
        )
        return row
    before = snapshot(row)
    row.score, row.comment = float(score), comment
    row.save(update_fields=["score", "comment", "updated_at"])
    b, a = diff(before, snapshot(row))
    if a:
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=row,
            target_id=target_id,
            before=b,
            after=a,
        )
    return row


# --- runs ---------------------------------------------------------------------------------

RESULT_COLUMNS = (
    "run_id",
    "org_id",
    "total",
    "stars",
    "vetoed",
    "passed",
    "rank",
    "dimensions",
    "indicators",
)


@transaction.atomic
def assessment_run(
    actor: Any, scheme: Scheme, period: str, *, note: str = "", today: datetime.date | None = None
) -> AssessmentRun:
    """Run ``scheme`` for ``period`` (of the scheme's period kind) and store it as the next
    version: the scheme file as a snapshot, and per organisation of :func:`scheme_orgs` the
    total, dimensions, indicators (value, points, missing, evidence), stars, 否决, passed
    and rank. The scheme must be valid (every problem listed) and apply to at least one
    organisation. ``today`` (default: the local date) is passed to the sources."""
    scheme = (
        Scheme.objects.select_for_update(of=("self",)).select_related("owner").get(pk=scheme.pk)
    )
    period = _check_period(scheme, period)
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": "说明不能超过 300 个字符"})
    spec = spec_from_model(scheme)
    problems = validate_scheme(spec)
    if problems:
        _fail(*problems)
    orgs = scheme_orgs(scheme, period)
    codes = dict(orgs.values_list("pk", "code"))
    if not codes:
        _fail(f"方案在{period}期间没有适用的组织")
    values = sources.collect(scheme, period, orgs, spec=spec, today=today)
    score = scorer(spec)
    scores = {}
    for org_id in codes:
        found = values.get(org_id, {})
        scores[org_id] = score({code: pair[0] for code, pair in found.items()})
    ranks = rank({org_id: (s.total, s.vetoed) for org_id, s in scores.items()})
    version = (
        AssessmentRun.objects.filter(scheme=scheme, period=period).aggregate(v=Max("version"))["v"]
        or 0
    ) + 1
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    run = AssessmentRun.objects.create(
        scheme=scheme,
        period=period,
        version=version,
        scheme_snapshot=scheme_to_dict(scheme),
        org_count=len(codes),
        note=note,
        created_by=actor if is_user else None,
    )
    rows = []
    for org_id, s in scores.items():
        found = values.get(org_id, {})
        indicators = {
            code: {
                "value": r.value,
                "points": r.points,
                "missing": r.missing,
                "evidence": found[code][1] if code in found else None,
            }
            for code, r in s.indicators.items()
        }
        rows.append(
            (
                run.pk,
                org_id,
                s.total,
                s.stars,
                s.vetoed,
                s.passed,
                ranks[org_id],
                s.dimensions,
                indicators,
            )
        )
    insert_rows(AssessmentResult, RESULT_COLUMNS, rows)
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=run,
        target_id=f"{scheme.code}/{period}/v{version}",
        after={
            "scheme": scheme.code,
            "period": period,
            "version": version,
            "org_count": len(codes),
            "vetoed": sum(1 for s in scores.values() if s.vetoed),
        },
        note=note,
    )
    return run


@transaction.atomic
def run_publish(actor: Any, run: AssessmentRun) -> AssessmentRun:
    """Publish ``run`` as the version that counts for its scheme and period; the version
    published before (if any) is unpublished. Publishing the published version changes nothing."""
    run = AssessmentRun.objects.select_for_update().select_related("scheme").get(pk=run.pk)
    if run.voided_at is not None:
        _fail("该版本已作废，不能发布")
    if run.is_published:
        return run
    previous = list(
        AssessmentRun.objects.select_for_update().filter(
            scheme_id=run.scheme_id, period=run.period, is_published=True
        )
    )
    AssessmentRun.objects.filter(pk__in=[p.pk for p in previous]).update(is_published=False)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    run.is_published, run.published_by, run.published_at = (
        True,
        actor if is_user else None,
        timezone.now(),
    )
    run.save(update_fields=["is_published", "published_by", "published_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=run,
        target_id=f"{run.scheme.code}/{run.period}/v{run.version}",
        before={"published_version": previous[0].version if previous else None},
        after={"published_version": run.version},
        note="发布考核结果",
    )
    return run
