"""API of 党员积分: ``/api/v1/points/schemes`` (list), ``/points/entries`` (the ledger),
``/points/claims`` (list, file a claim, a review step), ``/points/schemes/{code}/standings``
(members' categories and exemption: list, and set one member's).

Scope as everywhere: a member lists only their own entries and claims; a claim out of
scope answers 404; a review step on a visible claim the caller may not review answers 403;
a step the state does not allow, 400 with the reason. A member's category is their
managers' business: a member sees only their own and never sets it (403); a member the
caller may not see, or whose category they may not see, answers 404. Nothing changes on any
refusal.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.params.functions import Path

from lianjian.accounts.http import caller
from lianjian.core.api_utils import MAX_ID, READ_ERRORS, WRITE_ERRORS, paginate, paginate_keyset
from lianjian.core.scope import VIEW, get_visible_or_404, may, scope_of
from lianjian.orgs.models import Member
from lianjian.points import selectors, services
from lianjian.points.models import (
    MemberStanding,
    PointsCategory,
    PointsClaim,
    PointsEntry,
    PointsRule,
    PointsScheme,
)
from lianjian.points.schemas import (
    ClaimIn,
    ClaimListOut,
    ClaimListParams,
    ClaimOut,
    EntryListOut,
    EntryListParams,
    PointsSchemeListOut,
    SchemeListParams,
    StandingIn,
    StandingListOut,
    StandingListParams,
    StandingOut,
    StepIn,
    StepName,
)

router = Router(tags=["党员积分"])
ClaimId: Any = Path(..., ge=1, le=MAX_ID, description="申报 id")
SchemeCode: Any = Path(..., max_length=32, description="积分办法编码")
MemberNumber: Any = Path(..., max_length=32, description="人员编号")


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
    """Ledger entries the caller may see (a member: only their own), newest first;
    ``next`` continues the walk (``?after=``)."""
    items, count, following = paginate_keyset(
        selectors.entry_list(caller(request), params), params, selectors.ENTRY_LIST_KEY
    )
    return {"items": [entry_out(e) for e in items], "count": count, "next": following}


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


def standing_out(scheme: PointsScheme, member: Member, s: MemberStanding | None) -> dict[str, Any]:
    category = s.category if s else PointsCategory.ORDINARY
    exempt = s.exempt if s else False
    return {
        "scheme": scheme.code,
        "year": scheme.year,
        "member": member.number,
        "member_name": member.name,
        "org": member.org.code,
        "category": category,
        "exempt": exempt,
        "reason": s.reason if s else "",
        "scored": not (exempt or category in scheme.exempt_categories),
    }


def _standing_target(user: Any, code: str, number: str) -> tuple[PointsScheme, Member]:
    """The scheme and the member whose category ``user`` may see, else 404 (a member out of
    sight, out of the scheme's organisation, or another member's category for a member)."""
    scheme = get_visible_or_404(PointsScheme.objects.select_related("org"), user, code=code)
    member = get_visible_or_404(
        Member.objects.select_related("org").filter(org__path__under=scheme.org.path),
        user,
        number=number,
    )
    if not may(user, VIEW, MemberStanding(member=member)):
        raise HttpError(404, "未找到")
    return scheme, member


@router.get(
    "/schemes/{code}/standings",
    response={200: StandingListOut, **READ_ERRORS},
    summary="党员积分类别",
)
def standing_list(
    request: HttpRequest, params: Query[StandingListParams], code: str = SchemeCode
) -> dict[str, Any]:
    """The categories set for the scheme's year (members without a row are 普通 and
    scored), of the members the caller may see them for (a member: their own), by number."""
    user = caller(request)
    scheme = get_visible_or_404(PointsScheme.objects.select_related("org"), user, code=code)
    qs = selectors.standing_list(user, scheme, org=params.org)
    items, count = paginate(qs, params)
    return {"items": [standing_out(scheme, s.member, s) for s in items], "count": count}


@router.get(
    "/schemes/{code}/standings/{number}",
    response={200: StandingOut, **READ_ERRORS},
    summary="某党员的积分类别",
)
def standing_detail(
    request: HttpRequest, code: str = SchemeCode, number: str = MemberNumber
) -> dict[str, Any]:
    """A member's category for the scheme's year (普通 when none was set)."""
    user = caller(request)
    scheme, member = _standing_target(user, code, number)
    standing = MemberStanding.objects.filter(member=member, year=scheme.year).first()
    return standing_out(scheme, member, standing)


@router.put(
    "/schemes/{code}/standings/{number}",
    response={200: StandingOut, **WRITE_ERRORS},
    summary="设置党员积分类别",
)
def standing_set(
    request: HttpRequest, payload: StandingIn, code: str = SchemeCode, number: str = MemberNumber
) -> dict[str, Any]:
    """Set a member's category and exemption for the scheme's year (the managers of the
    member's organisation; never one's own: 403). Exempting needs a reason (400)."""
    user = caller(request)
    scheme, member = _standing_target(user, code, number)
    standing = services.set_standing(
        actor=user,
        member=member,
        year=scheme.year,
        category=payload.category,
        exempt=payload.exempt,
        reason=payload.reason,
    )
    return standing_out(scheme, member, standing)
