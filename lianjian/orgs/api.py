"""API endpoints for organisations (``/api/v1/orgs``) and members (``/api/v1/members``).

Handlers only parse, check scope, call one service or selector and shape the answer.
Scope comes from ``visible_to``/``manageable_by`` and nowhere else: an object outside the
caller's scope answers 404 exactly like one that does not exist; a visible object the
caller may not change answers 403 on a write, and is checked before anything is written.
A code named in a request body (``parent``, ``org``, ``to_org``) that the caller cannot
see answers 400 "…不存在", again the same as for a code that does not exist.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from lianjian.accounts.http import caller
from lianjian.accounts.models import User
from lianjian.core.api_utils import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    named_in_body,
    paginate,
    paginate_keyset,
)
from lianjian.core.masking import may_see_private, private_values
from lianjian.core.scope import CHANGE, get_visible_or_404, require
from lianjian.orgs import selectors, services
from lianjian.orgs.models import Member, MemberTransfer, Organisation
from lianjian.orgs.schemas import (
    MemberCreateIn,
    MemberDetailOut,
    MemberListOut,
    MemberListParams,
    MemberTransferIn,
    MemberUpdateIn,
    OrgCreateIn,
    OrgDetailOut,
    OrgDissolveIn,
    OrgListOut,
    OrgListParams,
    OrgUpdateIn,
)
from lianjian.orgs.selectors import OrgStats, with_warnings

orgs_router = Router(tags=["党组织"])
members_router = Router(tags=["党员"])


# An organisation's own fields as the API shows them: those the audit log records, and
# its place in the tree; the parent is shown by its code (org_out).
ORG_FIELDS = (
    "id",
    "path",
    "depth",
    *(name for name in Organisation.AUDIT_FIELDS if name != "parent_id"),
)
MEMBER_FIELDS = (
    "id",
    "number",
    "name",
    "initials",
    "gender",
    "birth_date",
    "category",
    "joined_on",
    "confirmed_on",
    "post",
    "job",
    "is_floating",
    "left_on",
    "left_reason",
)


def _today() -> datetime.date:
    return timezone.localdate()


# ---- shaping --------------------------------------------------------------------------


def org_out(org: Organisation) -> dict[str, Any]:
    """The list fields of an organisation; ``org.parent`` must be loaded with it."""
    data = {name: getattr(org, name) for name in ORG_FIELDS}
    data["parent"] = org.parent.code if org.parent_id else None
    return data


def org_detail_out(org: Organisation) -> dict[str, Any]:
    stats: OrgStats = with_warnings([org])[org.pk]
    return {
        **org_out(org),
        "members": stats.members,
        "full_members": stats.full_members,
        "committee_members": stats.committee_members,
        "warnings": [{"code": w.code, "level": w.level, "text": w.text} for w in stats.warnings],
    }


def member_out(member: Member, user: User) -> dict[str, Any]:
    """The fields of a member, personal numbers masked unless ``user`` may see them."""
    data = {name: getattr(member, name) for name in MEMBER_FIELDS}
    data.update(private_values(user, member))
    data["masked"] = not may_see_private(user, member)
    data["org"] = member.org.code
    data["org_name"] = member.org.name
    return data


def member_detail_out(member: Member, user: User) -> dict[str, Any]:
    transfers = MemberTransfer.objects.filter(member=member).select_related("from_org", "to_org")
    return {
        **member_out(member, user),
        "transfers": [
            {
                "date": t.date,
                "from_org": t.from_org.code,
                "to_org": t.to_org.code,
                "reason": t.reason,
                "actor_name": t.actor_name,
            }
            for t in transfers
        ],
    }


# ---- scope checks ---------------------------------------------------------------------


def _visible_org(user: User, code: str) -> Organisation:
    return get_visible_or_404(Organisation.objects.select_related("parent"), user, code=code)


def _require_manage_org(user: User, org: Organisation) -> None:
    require(user, CHANGE, org, "无权修改该组织")


def _referenced_org(user: User, code: str, label: str) -> Organisation:
    """The organisation a request body names, which the caller must be able to change."""
    return named_in_body(Organisation, user, code, label, f"无权在{label}「{{}}」中操作")


def _visible_member(user: User, member_id: int) -> Member:
    return get_visible_or_404(Member.objects.select_related("org"), user, pk=member_id)


def _require_manage_member(user: User, member: Member) -> None:
    require(user, CHANGE, member, "无权修改该党员信息")


# ---- organisations --------------------------------------------------------------------


@orgs_router.get("", response={200: OrgListOut, **READ_ERRORS}, summary="党组织列表")
def org_list(request: HttpRequest, params: Query[OrgListParams]) -> dict[str, Any]:
    """Organisations the caller may see, in tree order (by path)."""
    qs = selectors.org_list(caller(request), params)
    items, count = paginate(qs, params)
    return {"items": [org_out(o) for o in items], "count": count}


@orgs_router.get("/{code}", response={200: OrgDetailOut, **READ_ERRORS}, summary="党组织详情")
def org_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """One organisation with its member counts and rule warnings."""
    return org_detail_out(_visible_org(caller(request), code))


@orgs_router.post("", response={201: OrgDetailOut, **WRITE_ERRORS}, summary="新建党组织")
def org_create(request: HttpRequest, payload: OrgCreateIn) -> Status:
    """Create an organisation under ``parent`` (which the caller must manage); only an
    admin may create a top-level one."""
    user = caller(request)
    fields = payload.dict()
    if fields["parent"] is None:
        if not user.is_admin:
            raise HttpError(403, "只有系统管理员可以创建顶级组织")
    else:
        fields["parent"] = _referenced_org(user, fields["parent"], "上级组织")
    org = services.org_create(actor=user, **fields)
    return Status(201, org_detail_out(org))


@orgs_router.patch("/{code}", response={200: OrgDetailOut, **WRITE_ERRORS}, summary="修改党组织")
def org_update(request: HttpRequest, code: str, payload: OrgUpdateIn) -> dict[str, Any]:
    """Change the fields sent; a new ``parent`` moves the whole subtree."""
    user = caller(request)
    org = _visible_org(user, code)
    _require_manage_org(user, org)
    fields = payload.dict(exclude_unset=True)
    if not fields:
        return org_detail_out(org)
    if "parent" in fields:
        if fields["parent"] is None:
            if org.parent_id is not None and not user.is_admin:
                raise HttpError(403, "只有系统管理员可以设置顶级组织")
        else:
            fields["parent"] = _referenced_org(user, fields["parent"], "上级组织")
    org = services.org_update(actor=user, org=org, **fields)
    return org_detail_out(org)


@orgs_router.post(
    "/{code}/dissolve", response={200: OrgDetailOut, **WRITE_ERRORS}, summary="撤销党组织"
)
def org_dissolve(request: HttpRequest, code: str, payload: OrgDissolveIn) -> dict[str, Any]:
    """Dissolve (撤销) an organisation that has no current members and no active sub-organisations."""
    user = caller(request)
    org = _visible_org(user, code)
    _require_manage_org(user, org)
    org = services.org_dissolve(
        actor=user, org=org, date=payload.date or _today(), reason=payload.reason
    )
    return org_detail_out(org)


# ---- members --------------------------------------------------------------------------


MemberId = Path(..., ge=1, le=MAX_ID, description="党员 id")


@members_router.get("", response={200: MemberListOut, **READ_ERRORS}, summary="党员列表")
def member_list(request: HttpRequest, params: Query[MemberListParams]) -> dict[str, Any]:
    """Members the caller may see, by number; ``next`` continues the walk (``?after=``)."""
    user = caller(request)
    qs = selectors.member_list(user, params)
    items, count, following = paginate_keyset(qs, params, selectors.MEMBER_LIST_KEY)
    return {"items": [member_out(m, user) for m in items], "count": count, "next": following}


@members_router.get(
    "/{member_id}", response={200: MemberDetailOut, **READ_ERRORS}, summary="党员详情"
)
def member_detail(request: HttpRequest, member_id: int = MemberId) -> dict[str, Any]:
    """One member with their transfer history."""
    user = caller(request)
    return member_detail_out(_visible_member(user, member_id), user)


@members_router.post("", response={201: MemberDetailOut, **WRITE_ERRORS}, summary="新建党员")
def member_create(request: HttpRequest, payload: MemberCreateIn) -> Status:
    """Create a member in ``org``, which the caller must manage."""
    user = caller(request)
    fields = payload.dict()
    fields["org"] = _referenced_org(user, fields["org"], "所在组织")
    member = services.member_create(actor=user, **fields)
    return Status(201, member_detail_out(member, user))


@members_router.patch(
    "/{member_id}", response={200: MemberDetailOut, **WRITE_ERRORS}, summary="修改党员信息"
)
def member_update(
    request: HttpRequest, payload: MemberUpdateIn, member_id: int = MemberId
) -> dict[str, Any]:
    """Change the fields sent; moving to another organisation is ``POST …/transfer``."""
    user = caller(request)
    member = _visible_member(user, member_id)
    _require_manage_member(user, member)
    fields = payload.dict(exclude_unset=True)
    if fields:
        member = services.member_update(actor=user, member=member, **fields)
    return member_detail_out(member, user)


@members_router.post(
    "/{member_id}/transfer",
    response={200: MemberDetailOut, **WRITE_ERRORS},
    summary="组织关系转接",
)
def member_transfer(
    request: HttpRequest, payload: MemberTransferIn, member_id: int = MemberId
) -> dict[str, Any]:
    """Move a member to ``to_org``; the caller must manage both the member and ``to_org``."""
    user = caller(request)
    member = _visible_member(user, member_id)
    _require_manage_member(user, member)
    to_org = _referenced_org(user, payload.to_org, "转入组织")
    services.member_transfer(
        actor=user,
        member=member,
        to_org=to_org,
        date=payload.date or _today(),
        reason=payload.reason,
    )
    return member_detail_out(member, user)
