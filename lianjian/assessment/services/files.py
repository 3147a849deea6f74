"""Scheme files (assessment.md): create or update a whole scheme from one file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from lianjian.assessment.models import (
    Scheme,
)
from lianjian.assessment.scheme_file import (
    SchemeFileError,
    parse_scheme_file,
)
from lianjian.assessment.services.schemes import (
    dimension_delete,
    dimension_save,
    indicator_delete,
    indicator_save,
    scheme_create,
    scheme_update,
)
from lianjian.core.messages import KEY_TAKEN
from lianjian.core.scope import CHANGE, may, scope_of
from lianjian.orgs.models import Organisation


def _may_manage_org(actor: Any, org: Organisation | None) -> bool:
    """The system (``actor`` None) may; a user when they manage ``org``."""
    return actor is None or may(actor, CHANGE, org)


def _named(
    orgs: QuerySet[Organisation], codes: Sequence[str], field: str, problems: list[str]
) -> dict[str, Organisation]:
    """The organisations among ``orgs`` that ``codes`` name, by code; a problem for every
    code that names none (one query, none when there are no codes)."""
    found = {o.code: o for o in orgs.filter(code__in=set(codes))} if codes else {}
    problems += [f"{field}：组织 {code} 不存在" for code in codes if code not in found]
    return found


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
    found = _named(orgs, parsed.applies_orgs, "applies_to.orgs", problems)
    applies = [found[code] for code in parsed.applies_orgs if code in found]
    found = _named(orgs, list(parsed.providers.values()), "provider", problems)
    providers = {ind: found[code] for ind, code in parsed.providers.items() if code in found}
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
    if existing is None:
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
    for old in list(indicators.values()):
        if old.code not in {i.code for i in spec.indicators}:
            indicator_delete(actor, old)
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
