"""API endpoints for alliances (``/api/v1/alliances``) and their agreements (``/api/v1/agreements``).

Handlers only parse, check scope, call one service and shape the answer, exactly as
:mod:`lianjian.orgs.api`. Scope comes from ``Alliance.objects.visible_to/manageable_by``:
an alliance (or an agreement of an alliance) outside the caller's scope answers 404 like
one that does not exist; a visible alliance the caller may not change answers 403 on a
write, checked before anything is written. Of member organisations an alliance shows only
what it shares — code, name, kind, unit, liaison — never anything of their members.

Codes named in a request body: the lead must be visible (else 400 "…不存在") and
manageable (else 403); other members may be any organisation the caller sees or any
partner (外部单位) organisation, as on the screens; agreement parties must be current
members of the alliance, and a code that is not is refused without saying whether it exists.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from lianjian.accounts.http import caller
from lianjian.accounts.models import User
from lianjian.alliances import selectors, services
from lianjian.alliances.models import (
    Agreement,
    AgreementFile,
    Alliance,
    AllianceMember,
    AllianceType,
)
from lianjian.alliances.schemas import (
    AgreementCreateIn,
    AgreementDetailOut,
    AgreementListOut,
    AgreementListParams,
    AgreementRenewIn,
    AgreementStatusIn,
    AllianceCreateIn,
    AllianceDetailOut,
    AllianceListOut,
    AllianceListParams,
    AllianceMemberIn,
    AllianceUpdateIn,
)
from lianjian.core.api_utils import MAX_ID, READ_ERRORS, WRITE_ERRORS, named_in_body, paginate
from lianjian.core.masking import private_value
from lianjian.core.scope import get_visible_or_404, manages_any
from lianjian.orgs.models import Organisation

alliances_router = Router(tags=["联建"])
agreements_router = Router(tags=["联建协议"])

NO_RIGHT_ALLIANCE = "无权修改该联建"


def _today() -> datetime.date:
    return timezone.localdate()


def _codes_text(codes: list[str]) -> str:
    return "、".join(codes)


# ---- shaping --------------------------------------------------------------------------


def alliance_out(a: Alliance) -> dict[str, Any]:
    """The list fields of an alliance from :func:`selectors.alliance_rows` (type, lead, counts loaded)."""
    return {
        "id": a.pk,
        "code": a.code,
        "name": a.name,
        "type": a.type.name,
        "theme": a.theme,
        "lead": a.lead.code,
        "lead_name": a.lead.name,
        "sponsor": a.sponsor,
        "sponsor_title": a.sponsor_title,
        "guidance": list(a.guidance),
        "status": a.status,
        "founded": a.founded,
        "description": a.description,
        "members": a.n_members,  # type: ignore[attr-defined]
        "partners": a.n_partners,  # type: ignore[attr-defined]
    }


def membership_out(m: AllianceMember, lead_id: int, user: User) -> dict[str, Any]:
    """What an alliance shares of a member organisation; the liaison phone as ``user`` may see it."""
    o = m.org
    return {
        "org": o.code,
        "name": o.name,
        "kind": o.kind,
        "unit": o.unit,
        "is_partner": o.is_partner,
        "partner_kind": o.partner_kind,
        "is_lead": o.pk == lead_id,
        "joined_on": m.joined_on,
        "left_on": m.left_on,
        "liaison": m.liaison,
        "liaison_phone": private_value(user, m, "liaison_phone"),
        "liaison_post": m.liaison_post,
    }


def alliance_detail_out(alliance: Alliance, user: User) -> dict[str, Any]:
    """An alliance with its current and past members and its agreement counts."""
    row = selectors.alliance_rows(Alliance.objects.filter(pk=alliance.pk)).get()
    current = selectors.current_members(row)
    past = selectors.past_members(row).order_by("-left_on", "org__code")
    figures = selectors.alliance_figures(row)
    return {
        **alliance_out(row),
        "current_members": [membership_out(m, row.lead_id, user) for m in current],
        "past_members": [membership_out(m, row.lead_id, user) for m in past],
        "agreements": figures["agreements"],
        "active_agreements": figures["active_agreements"],
    }


def agreement_out(ag: Agreement) -> dict[str, Any]:
    """The list fields of an agreement from :func:`selectors.agreement_rows`."""
    successor = getattr(ag, "successor", None)
    return {
        "id": ag.pk,
        "alliance": ag.alliance.code,
        "alliance_name": ag.alliance.name,
        "title": ag.title,
        "status": ag.status,
        "signed_on": ag.signed_on,
        "start": ag.start,
        "end": ag.end,
        "parties": [
            {"code": p.code, "name": p.name, "is_partner": p.is_partner} for p in ag.parties.all()
        ],
        "predecessor": ag.predecessor_id,
        "successor": successor.pk if successor is not None else None,
    }


def agreement_detail_out(agreement: Agreement) -> dict[str, Any]:
    ag = (
        selectors.agreement_rows(Agreement.objects.filter(pk=agreement.pk))
        .prefetch_related("goals")
        .get()
    )
    files = AgreementFile.objects.filter(agreement=ag).order_by("id")
    return {
        **agreement_out(ag),
        "terms": ag.terms,
        "goals": [
            {
                "text": g.text,
                "target": float(g.target) if g.target is not None else None,
                "unit": g.unit,
            }
            for g in ag.goals.all()
        ],
        "files": [
            {
                "id": f.pk,
                "name": f.name,
                "size": f.size,
                "content_type": f.content_type,
                "uploaded_by": f.uploaded_by,
                "uploaded_at": f.uploaded_at,
            }
            for f in files
        ],
    }


# ---- scope checks ---------------------------------------------------------------------


def _visible_alliance(user: User, code: str) -> Alliance:
    return get_visible_or_404(Alliance.objects.select_related("type", "lead"), user, code=code)


def _require_manage(user: User, alliance: Alliance) -> None:
    if not Alliance.objects.manageable_by(user).filter(pk=alliance.pk).exists():
        raise HttpError(403, NO_RIGHT_ALLIANCE)


def _alliance_type(name: str) -> AllianceType:
    found = AllianceType.objects.filter(name=name).first()
    if found is None:
        names = "、".join(AllianceType.objects.values_list("name", flat=True))
        raise HttpError(400, f"联建类型不存在：{name}（可选：{names}）")
    return found


def _lead_org(user: User, code: str) -> Organisation:
    """The lead a request body names: visible (else 400) and manageable (else 403)."""
    return named_in_body(Organisation, user, code, "牵头组织", "无权以「{}」作为牵头组织")


def _member_orgs(user: User, codes: list[str]) -> list[Organisation]:
    """Organisations that may join an alliance of ``user``: visible ones and partner ones."""
    codes = list(dict.fromkeys(codes))
    if not codes:
        return []
    candidates = Organisation.objects.filter(
        Q(pk__in=Organisation.objects.visible_to(user).values("pk")) | Q(is_partner=True)
    )
    found = {o.code: o for o in candidates.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise HttpError(400, f"成员组织不存在：{_codes_text(missing)}")
    return [found[c] for c in codes]


def _visible_agreement(user: User, agreement_id: int) -> Agreement:
    visible = Alliance.objects.visible_to(user).values("pk")
    agreement = (
        Agreement.objects.select_related("alliance")
        .filter(alliance__in=visible, pk=agreement_id)
        .first()
    )
    if agreement is None:
        raise Http404
    return agreement


# ---- alliances ------------------------------------------------------------------------


@alliances_router.get("", response={200: AllianceListOut, **READ_ERRORS}, summary="联建列表")
def alliance_list(request: HttpRequest, params: Query[AllianceListParams]) -> dict[str, Any]:
    """Alliances with at least one member organisation the caller may see, by code."""
    items, count = paginate(selectors.alliance_list(caller(request), params), params)
    return {"items": [alliance_out(a) for a in items], "count": count}


@alliances_router.get(
    "/{code}", response={200: AllianceDetailOut, **READ_ERRORS}, summary="联建详情"
)
def alliance_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """One alliance with its member organisations (liaisons included) and agreement counts."""
    user = caller(request)
    return alliance_detail_out(_visible_alliance(user, code), user)


@alliances_router.post("", response={201: AllianceDetailOut, **WRITE_ERRORS}, summary="新建联建")
def alliance_create(request: HttpRequest, payload: AllianceCreateIn) -> Status:
    """Create an alliance led by an organisation the caller manages; the lead and
    ``members`` join on ``founded``."""
    user = caller(request)
    if not manages_any(user):
        raise HttpError(403, "无权新建联建")
    fields = payload.dict()
    fields["type"] = _alliance_type(fields["type"])
    fields["lead"] = _lead_org(user, fields["lead"])
    members = _member_orgs(user, fields.pop("members"))
    alliance = services.alliance_create(actor=user, members=members, **fields)
    return Status(201, alliance_detail_out(alliance, user))


@alliances_router.patch(
    "/{code}", response={200: AllianceDetailOut, **WRITE_ERRORS}, summary="修改联建"
)
def alliance_update(request: HttpRequest, code: str, payload: AllianceUpdateIn) -> dict[str, Any]:
    """Change the fields sent; a new lead must be managed by the caller and becomes a member."""
    user = caller(request)
    alliance = _visible_alliance(user, code)
    _require_manage(user, alliance)
    fields = payload.dict(exclude_unset=True)
    if "type" in fields:
        fields["type"] = _alliance_type(fields["type"])
    if "lead" in fields:
        fields["lead"] = _lead_org(user, fields["lead"])
    if fields:
        services.alliance_update(actor=user, alliance=alliance, **fields)
    return alliance_detail_out(alliance, user)


@alliances_router.post(
    "/{code}/members", response={201: AllianceDetailOut, **WRITE_ERRORS}, summary="添加成员组织"
)
def alliance_member_add(request: HttpRequest, code: str, payload: AllianceMemberIn) -> Status:
    """Add an organisation the caller sees, or a partner organisation, with its liaison."""
    user = caller(request)
    alliance = _visible_alliance(user, code)
    _require_manage(user, alliance)
    fields = payload.dict()
    (org,) = _member_orgs(user, [fields.pop("org")])
    fields["joined_on"] = fields["joined_on"] or _today()
    services.alliance_member_add(actor=user, alliance=alliance, org=org, **fields)
    return Status(201, alliance_detail_out(alliance, user))


# ---- agreements -----------------------------------------------------------------------


AgreementId = Path(..., ge=1, le=MAX_ID, description="协议 id")


@agreements_router.get("", response={200: AgreementListOut, **READ_ERRORS}, summary="联建协议列表")
def agreement_list(request: HttpRequest, params: Query[AgreementListParams]) -> dict[str, Any]:
    """Agreements of the alliances the caller may see, latest start first."""
    items, count = paginate(selectors.agreement_list(caller(request), params, _today()), params)
    return {"items": [agreement_out(ag) for ag in items], "count": count}


@agreements_router.get(
    "/{agreement_id}", response={200: AgreementDetailOut, **READ_ERRORS}, summary="联建协议详情"
)
def agreement_detail(request: HttpRequest, agreement_id: int = AgreementId) -> dict[str, Any]:
    """One agreement with its terms, goals and the list of attached scans."""
    return agreement_detail_out(_visible_agreement(caller(request), agreement_id))


@agreements_router.post(
    "", response={201: AgreementDetailOut, **WRITE_ERRORS}, summary="新建联建协议"
)
def agreement_create(request: HttpRequest, payload: AgreementCreateIn) -> Status:
    """Create a draft (草拟) agreement of an alliance the caller manages."""
    user = caller(request)
    fields = payload.dict()
    alliance = named_in_body(Alliance, user, fields.pop("alliance"), "联建")
    _require_manage(user, alliance)
    codes = list(dict.fromkeys(fields.pop("parties")))
    members = {
        o.code: o
        for o in Organisation.objects.filter(
            code__in=codes,
            alliance_memberships__alliance=alliance,
            alliance_memberships__left_on__isnull=True,
        )
    }
    strangers = [c for c in codes if c not in members]
    if strangers:
        raise HttpError(400, f"签约方须为本联建的现有成员：{_codes_text(strangers)}")
    agreement = services.agreement_create(
        actor=user, alliance=alliance, parties=[members[c] for c in codes], **fields
    )
    return Status(201, agreement_detail_out(agreement))


@agreements_router.post(
    "/{agreement_id}/status",
    response={200: AgreementDetailOut, **WRITE_ERRORS},
    summary="变更协议状态",
)
def agreement_status(
    request: HttpRequest, payload: AgreementStatusIn, agreement_id: int = AgreementId
) -> dict[str, Any]:
    """Move an agreement along 草拟 → 已签署 → 生效 → 到期, or terminate it (终止)."""
    user = caller(request)
    agreement = _visible_agreement(user, agreement_id)
    _require_manage(user, agreement.alliance)
    services.agreement_set_status(
        actor=user, agreement=agreement, status=payload.status, on=payload.on
    )
    return agreement_detail_out(agreement)


@agreements_router.post(
    "/{agreement_id}/renew", response={201: AgreementDetailOut, **WRITE_ERRORS}, summary="续签协议"
)
def agreement_renew(
    request: HttpRequest, payload: AgreementRenewIn, agreement_id: int = AgreementId
) -> Status:
    """Renew (续签): a new draft with the same parties and goals; an agreement renews once."""
    user = caller(request)
    agreement = _visible_agreement(user, agreement_id)
    _require_manage(user, agreement.alliance)
    new = services.agreement_renew(
        actor=user,
        agreement=agreement,
        start=payload.start,
        end=payload.end,
        title=payload.title or None,
    )
    return Status(201, agreement_detail_out(new))
