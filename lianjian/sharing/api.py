"""API endpoints: ``/api/v1/resources``, ``/api/v1/bookings`` and ``/api/v1/needs``.

Handlers only parse, check scope, call one service and shape the answer. Reads go through
``visible_to`` (out of scope → 404, as if absent); writes check ``core.scope.may`` before
anything is written (visible but not allowed → 403). Codes named in a request body that the
caller cannot see answer 400 "…不存在", like the other routers. A booking that overlaps a
pending or approved one answers **409** with the reason; other refused bookings 400.
Contact phones are personal numbers, shown by the one masking rule (:mod:`lianjian.core.masking`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from lianjian.accounts.http import caller
from lianjian.accounts.models import User
from lianjian.activities.models import Activity
from lianjian.activities.selectors import TZ
from lianjian.core.api_utils import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    named_in_body,
    paginate,
)
from lianjian.core.masking import private_value
from lianjian.core.scope import CHANGE, get_visible_or_404, manages_any, may, require
from lianjian.orgs.models import Organisation
from lianjian.sharing import selectors, services
from lianjian.sharing.expiry import expire_due
from lianjian.sharing.models import Booking, Need, Resource
from lianjian.sharing.schemas import (
    BookingCreateIn,
    BookingListOut,
    BookingListParams,
    BookingOut,
    NeedCreateIn,
    NeedDetailOut,
    NeedListOut,
    NeedListParams,
    ReasonIn,
    ResourceCreateIn,
    ResourceListOut,
    ResourceListParams,
    ResourceOut,
    ResourceUpdateIn,
)

resources_router = Router(tags=["共享资源"])
bookings_router = Router(tags=["资源预约"])
needs_router = Router(tags=["需求清单"])

BOOKING_WRITE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 409: ErrorOut}
BookingId = Path(..., ge=1, le=MAX_ID, description="预约 id")


def _aware(value: datetime.datetime) -> datetime.datetime:
    return value.replace(tzinfo=TZ) if timezone.is_naive(value) else value


# ---- resources ------------------------------------------------------------------------


def resource_out(r: Resource, user: User) -> dict[str, Any]:
    return {
        "id": r.pk,
        "code": r.code,
        "name": r.name,
        "kind": r.kind,
        "owner": r.owner.code,
        "owner_name": r.owner.name,
        "sharing": r.sharing,
        "tags": list(r.tags),
        "description": r.description,
        "capacity": r.capacity,
        "address": r.address,
        "lat": r.lat,
        "lon": r.lon,
        "opening_hours": r.opening_hours,
        "equipment": list(r.equipment),
        "expertise": list(r.expertise),
        "member": r.member.number if r.member_id else None,
        "contact": r.contact,
        "phone": private_value(user, r, "contact_phone"),
        "is_active": r.is_active,
    }


def _visible_resource(user: User, code: str) -> Resource:
    return get_visible_or_404(
        Resource.objects.select_related("owner", "member__org"), user, code=code
    )


def _owner(user: User, code: str) -> Organisation:
    return named_in_body(Organisation, user, code, "所属组织", "无权登记「{}」的资源")


def _resource_fields(user: User, data: dict[str, Any]) -> dict[str, Any]:
    if "owner" in data:
        data["owner"] = _owner(user, data["owner"])
    if "phone" in data:
        data["contact_phone"] = data.pop("phone")
    return data


@resources_router.get("", response={200: ResourceListOut, **READ_ERRORS}, summary="资源列表")
def resource_list(request: HttpRequest, params: Query[ResourceListParams]) -> dict[str, Any]:
    """Resources the caller may see (own scope plus what others share with it), by code."""
    user = caller(request)
    items, count = paginate(selectors.resource_list(user, params), params)
    return {"items": [resource_out(r, user) for r in items], "count": count}


@resources_router.get("/{code}", response={200: ResourceOut, **READ_ERRORS}, summary="资源详情")
def resource_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    user = caller(request)
    return resource_out(_visible_resource(user, code), user)


@resources_router.post("", response={201: ResourceOut, **WRITE_ERRORS}, summary="登记资源")
def resource_create(request: HttpRequest, payload: ResourceCreateIn) -> Status:
    """Create a resource owned by an organisation the caller manages."""
    user = caller(request)
    if not manages_any(user):
        raise HttpError(403, "无权登记资源")
    fields = _resource_fields(user, payload.dict())
    resource = services.resource_create(actor=user, **fields)
    return Status(201, resource_out(_visible_resource(user, resource.code), user))


@resources_router.patch("/{code}", response={200: ResourceOut, **WRITE_ERRORS}, summary="修改资源")
def resource_update(request: HttpRequest, code: str, payload: ResourceUpdateIn) -> dict[str, Any]:
    """Change the fields sent; a new owner must be an organisation the caller manages."""
    user = caller(request)
    resource = _visible_resource(user, code)
    if not may(user, CHANGE, resource):
        raise HttpError(403, "无权修改该资源")
    fields = _resource_fields(user, payload.dict(exclude_unset=True))
    if fields:
        services.resource_update(actor=user, resource=resource, **fields)
    return resource_out(_visible_resource(user, code), user)


# ---- bookings -------------------------------------------------------------------------


def booking_out(b: Booking) -> dict[str, Any]:
    return {
        "id": b.pk,
        "resource": b.resource.code,
        "resource_name": b.resource.name,
        "owner": b.resource.owner.code,
        "org": b.org.code,
        "org_name": b.org.name,
        "start": timezone.localtime(b.start, TZ),
        "end": timezone.localtime(b.end, TZ),
        "hours": round(b.hours, 2),
        "purpose": b.purpose,
        "expected_people": b.expected_people,
        "activity": b.activity.code if b.activity_id else None,
        "status": b.status,
        "reason": b.reason,
        "requested_by": b.requested_by_name,
        "decided_by": b.decided_by_name,
        "decided_at": timezone.localtime(b.decided_at, TZ) if b.decided_at else None,
        "created_at": timezone.localtime(b.created_at, TZ),
    }


def _booking_rows(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    return qs.select_related("resource", "resource__owner", "org", "activity")


def _visible_booking(user: User, booking_id: int) -> Booking:
    return get_visible_or_404(_booking_rows(Booking.objects.all()), user, pk=booking_id)


def _booking_for(
    request: HttpRequest, booking_id: int, action: str, refusal: str
) -> tuple[User, Booking]:
    """The caller and the booking they act on: out of scope → 404, may not ``action`` → 403."""
    user = caller(request)
    booking = _visible_booking(user, booking_id)
    require(user, action, booking, refusal)
    return user, booking


def _clash_is_409(call: Any) -> Any:
    try:
        return call()
    except services.BookingClash:
        raise HttpError(409, services.CLASH) from None


@bookings_router.get("", response={200: BookingListOut, **READ_ERRORS}, summary="预约列表")
def booking_list(request: HttpRequest, params: Query[BookingListParams]) -> dict[str, Any]:
    """Bookings the caller may see (both sides), latest start first."""
    expire_due()
    items, count = paginate(selectors.booking_list(caller(request), params), params)
    return {"items": [booking_out(b) for b in items], "count": count}


@bookings_router.get("/{booking_id}", response={200: BookingOut, **READ_ERRORS}, summary="预约详情")
def booking_detail(request: HttpRequest, booking_id: int = BookingId) -> dict[str, Any]:
    expire_due()
    return booking_out(_visible_booking(caller(request), booking_id))


@bookings_router.post("", response={201: BookingOut, **BOOKING_WRITE_ERRORS}, summary="申请预约")
def booking_create(request: HttpRequest, payload: BookingCreateIn) -> Status:
    """Request a resource for an organisation the caller manages (待审批). 409 when the slot
    overlaps a pending or approved booking; 400 for closed hours, capacity, a past slot or a
    resource not shared with the organisation."""
    user = caller(request)
    if not manages_any(user):
        raise HttpError(403, "无权申请预约")
    resource = named_in_body(
        Resource.objects.select_related("owner"), user, payload.resource, "资源"
    )
    org = named_in_body(Organisation, user, payload.org, "预约组织", "无权以「{}」的名义预约")
    activity = named_in_body(Activity, user, payload.activity, "活动") if payload.activity else None
    booking = _clash_is_409(
        lambda: services.booking_request(
            actor=user,
            resource=resource,
            org=org,
            start=_aware(payload.start),
            end=_aware(payload.end),
            purpose=payload.purpose,
            expected_people=payload.expected_people,
            activity=activity,
        )
    )
    return Status(201, booking_out(_visible_booking(user, booking.pk)))


@bookings_router.post(
    "/{booking_id}/approve", response={200: BookingOut, **BOOKING_WRITE_ERRORS}, summary="批准预约"
)
def booking_approve(request: HttpRequest, booking_id: int = BookingId) -> dict[str, Any]:
    """待审批 → 已批准 (the resource owner's managers)."""
    user, booking = _booking_for(request, booking_id, "decide", "无权审批该预约")
    _clash_is_409(lambda: services.booking_approve(actor=user, booking=booking))
    return booking_out(_visible_booking(user, booking_id))


@bookings_router.post(
    "/{booking_id}/decline", response={200: BookingOut, **WRITE_ERRORS}, summary="拒绝预约"
)
def booking_decline(
    request: HttpRequest, payload: ReasonIn, booking_id: int = BookingId
) -> dict[str, Any]:
    """待审批 → 已拒绝 with a reason (required)."""
    user, booking = _booking_for(request, booking_id, "decide", "无权审批该预约")
    services.booking_decline(actor=user, booking=booking, reason=payload.reason)
    return booking_out(_visible_booking(user, booking_id))


@bookings_router.post(
    "/{booking_id}/cancel", response={200: BookingOut, **WRITE_ERRORS}, summary="取消预约"
)
def booking_cancel(
    request: HttpRequest, payload: ReasonIn, booking_id: int = BookingId
) -> dict[str, Any]:
    """待审批 or 已批准 → 已取消 (the requesting side, before the start)."""
    user, booking = _booking_for(request, booking_id, "cancel", "无权取消该预约")
    services.booking_cancel(actor=user, booking=booking, reason=payload.reason)
    return booking_out(_visible_booking(user, booking_id))


# ---- needs ----------------------------------------------------------------------------


def need_out(n: Need) -> dict[str, Any]:
    return {
        "id": n.pk,
        "code": n.code,
        "org": n.org.code,
        "org_name": n.org.name,
        "title": n.title,
        "description": n.description,
        "tags": list(n.tags),
        "sharing": n.sharing,
        "status": n.status,
        "needed_by": n.needed_by,
        "contact": n.contact,
        "created_at": timezone.localtime(n.created_at, TZ),
    }


def need_detail_out(n: Need, user: User) -> dict[str, Any]:
    matches = n.matches.select_related("resource", "org").order_by("-created_at", "-id")
    resources, orgs = selectors.suggestions(n, user=user)
    return {
        **need_out(n),
        "matches": [
            {
                "id": m.pk,
                "target_type": "resource" if m.resource_id else "org",
                "target": m.resource.code if m.resource_id else m.org.code,  # type: ignore[union-attr]
                "target_name": m.target_name,
                "status": m.status,
                "shared_tags": list(m.shared_tags),
                "distance_km": m.distance_km,
                "note": m.note,
                "matched_by": m.matched_by_name,
                "created_at": timezone.localtime(m.created_at, TZ),
            }
            for m in matches
        ],
        "suggestions": [
            {
                "target_type": what,
                "target": s.obj.code,
                "target_name": s.obj.name,
                "shared_tags": list(s.suggestion.shared),
                "distance_km": round(s.suggestion.distance_km, 1)
                if s.suggestion.distance_km is not None
                else None,
            }
            for what, found in (("resource", resources), ("org", orgs))
            for s in found
        ],
    }


def _visible_need(user: User, code: str) -> Need:
    return get_visible_or_404(Need.objects.select_related("org"), user, code=code)


@needs_router.get("", response={200: NeedListOut, **READ_ERRORS}, summary="需求列表")
def need_list(request: HttpRequest, params: Query[NeedListParams]) -> dict[str, Any]:
    """Needs the caller may see, newest first."""
    items, count = paginate(selectors.need_list(caller(request), params), params)
    return {"items": [need_out(n) for n in items], "count": count}


@needs_router.get("/{code}", response={200: NeedDetailOut, **READ_ERRORS}, summary="需求详情")
def need_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """One need with its matches and the current suggestions (tags first, then distance)."""
    user = caller(request)
    return need_detail_out(_visible_need(user, code), user)


@needs_router.post("", response={201: NeedDetailOut, **WRITE_ERRORS}, summary="发布需求")
def need_create(request: HttpRequest, payload: NeedCreateIn) -> Status:
    """Post a need (待对接) of an organisation the caller manages."""
    user = caller(request)
    if not manages_any(user):
        raise HttpError(403, "无权发布需求")
    fields = payload.dict()
    if not fields["tags"]:
        raise HttpError(400, "tags：请至少填写一个标签，用于匹配资源和合作单位")
    fields["org"] = named_in_body(
        Organisation, user, fields["org"], "提出组织", "无权以「{}」的名义发布需求"
    )
    need = services.need_create(actor=user, **fields)
    return Status(201, need_detail_out(_visible_need(user, need.code), user))
