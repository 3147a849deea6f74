"""API of 党员积分: ``/api/v1/points/schemes`` (list), ``/points/entries`` (the ledger),
``/points/claims`` (list, file a claim, a review step).

Scope as everywhere: a member lists only their own entries and claims; a claim out of
scope answers 404; a review step on a visible claim the caller may not review answers 403;
a step the state does not allow, 400 with the reason. Nothing changes on any refusal.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.params.functions import Path

from lianjian.accounts.http import caller
from lianjian.core.api_utils import MAX_ID, READ_ERRORS, WRITE_ERRORS, paginate
from lianjian.core.scope import get_visible_or_404, scope_of
from lianjian.orgs.models import Member
from lianjian.points import selectors, services
from lianjian.points.models import PointsClaim, PointsEntry, PointsRule, PointsScheme
from lianjian.points.schemas import (
    ClaimIn,
    ClaimListOut,
    ClaimListParams,
    ClaimOut,
    EntryListOut,
    EntryListParams,
    PointsSchemeListOut,
    SchemeListParams,
    StepIn,
    StepName,
)

router = Router(tags=["党员积分"])
ClaimId: Any = Path(..., ge=1, le=MAX_ID, description="申报 id")


def scheme_out(s: PointsScheme) -> dict[str, Any]:
    return {
        "code": s.code,
        "name": s.name,
        "org": s.org.code,
        "year": s.year,
        "period": s.period,
        "version": s.version,
    }


def entry_out(e: PointsEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "scheme": e.scheme.code,
        "member": e.member.number,
        "member_name": e.member.name,
        "rule": e.rule.code,
        "rule_text": e.rule.text,
        "period": e.period,
        "happened_on": e.happened_on,
        "points": float(e.points),
        "source": e.source,
        "record": e.record_key,
        "claim": e.claim_id,
        "status": e.status,
        "reason": e.reason,
        "withdrawn_reason": e.withdrawn_reason,
    }


def claim_out(c: PointsClaim) -> dict[str, Any]:
    return {
        "id": c.pk,
        "scheme": c.scheme.code,
        "member": c.member.number,
        "member_name": c.member.name,
        "rule": c.rule.code,
        "rule_text": c.rule.text,
        "points": float(c.rule.points),
        "happened_on": c.happened_on,
        "period": c.period,
        "text": c.text,
        "evidence": c.evidence,
        "state": c.state,
        "public_until": c.public_until,
        "reason": c.reason,
    }


@router.get("/schemes", response={200: PointsSchemeListOut, **READ_ERRORS}, summary="积分办法")
def scheme_list(request: HttpRequest, params: Query[SchemeListParams]) -> dict[str, Any]:
    """Schemes the caller may see (of their organisations and the ones scoring them)."""
    items, count = paginate(selectors.scheme_list(caller(request), params), params)
    return {"items": [scheme_out(s) for s in items], "count": count}


@router.get("/entries", response={200: EntryListOut, **READ_ERRORS}, summary="积分台账")
def entry_list(request: HttpRequest, params: Query[EntryListParams]) -> dict[str, Any]:
    """Ledger entries the caller may see (a member: only their own), newest first."""
    items, count = paginate(selectors.entry_list(caller(request), params), params)
    return {"items": [entry_out(e) for e in items], "count": count}


@router.get("/claims", response={200: ClaimListOut, **READ_ERRORS}, summary="积分申报")
def claim_list(request: HttpRequest, params: Query[ClaimListParams]) -> dict[str, Any]:
    """Claims the caller may see (a member: only their own), newest first."""
    items, count = paginate(selectors.claim_list(caller(request), params), params)
    return {"items": [claim_out(c) for c in items], "count": count}


@router.post("/claims", response={201: ClaimOut, **WRITE_ERRORS}, summary="申报积分")
def claim_create(request: HttpRequest, payload: ClaimIn) -> Status[Any]:
    """File a claim for oneself (``member`` left out) or, as a manager, for a member of an
    organisation one manages. A scheme or member out of sight is refused as unknown."""
    user = caller(request)
    scheme = PointsScheme.objects.restrict(user).filter(code=payload.scheme).first()
    if scheme is None:
        raise HttpError(400, f"积分办法 {payload.scheme} 不存在")
    rule = PointsRule.objects.filter(scheme=scheme, code=payload.rule).first()
    if rule is None:
        raise HttpError(400, f"规则 {payload.rule} 不存在")
    if payload.member:
        member = Member.objects.visible_to(user).filter(number=payload.member).first()
    else:
        own = scope_of(user).member_id
        member = Member.objects.filter(pk=own).first() if own else None
    if member is None:
        raise HttpError(
            400, "请指定党员（人员编号）" if not payload.member else f"党员 {payload.member} 不存在"
        )
    claim = services.file_claim(
        actor=user,
        member=member,
        rule=rule,
        happened_on=payload.happened_on,
        text=payload.text,
        evidence=payload.evidence,
    )
    return Status(201, claim_out(claim))


@router.post(
    "/claims/{claim_id}/{action}", response={200: ClaimOut, **WRITE_ERRORS}, summary="审核申报"
)
def claim_step(
    request: HttpRequest, action: StepName, payload: StepIn, claim_id: int = ClaimId
) -> dict[str, Any]:
    """A review step: ``group`` 党小组初核, ``committee`` 支委会审定, ``publish`` 公示,
    ``object`` 异议退回 (reason), ``effective`` 公示期满生效, ``reject`` 驳回 (reason)."""
    user = caller(request)
    claim = get_visible_or_404(PointsClaim, user, pk=claim_id)
    claim = services.claim_step(actor=user, claim=claim, action=action, reason=payload.reason)
    return claim_out(
        PointsClaim.objects.select_related("scheme", "member", "rule").get(pk=claim.pk)
    )
