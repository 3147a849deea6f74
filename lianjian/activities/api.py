"""API endpoints: ``/api/v1/activities`` (list, detail, create) and ``/api/v1/compliance``.

Scope as everywhere: ``Activity.objects.visible_to`` for reads (out of scope → 404), the
host must be an organisation the caller manages for a create (visible but not managed →
403). Co-organisers must be visible to the caller or belong to the alliance named.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, StringConstraints

from lianjian.accounts.http import caller
from lianjian.activities import selectors, services
from lianjian.activities.models import Activity, ActivityOrg, ActivityStatus
from lianjian.activities.schemas import ActivityFilter, ComplianceFilter, RuleFilter, TypeName
from lianjian.activities.selectors import TZ
from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.core.api_utils import (
    READ_ERRORS,
    WRITE_ERRORS,
    Code,
    KeysetListOut,
    KeysetPageParams,
    PageParams,
    named_in_body,
    paginate,
    paginate_keyset,
    text,
)
from lianjian.core.scope import CHANGE, get_visible_or_404, require
from lianjian.orgs.models import Organisation

router = Router(tags=["活动"])
compliance_router = Router(tags=["组织生活合规"])


def _text(max_length: int, *, required: bool = False, multiline: bool = False) -> Any:
    return text(max_length, required=required, multiline=multiline)


class ActivityListParams(ActivityFilter, KeysetPageParams):
    pass


class ActivityOut(Schema):
    id: int
    code: str
    type: str
    sub_kind: str
    host: str
    orgs: list[str]
    alliance: str | None
    start: datetime.datetime
    end: datetime.datetime | None
    venue: str
    topic: str
    lecturer: str
    host_person: str
    recorder: str
    status: str
    return_reason: str
    void_reason: str = Field(..., description="作废原因（已作废的记录）")
    for_year: int = Field(..., description="所属年度：活动计入组织生活的年度")
    expected_count: int | None
    present_count: int | None
    is_valid: bool


class AttendanceOut(Schema):
    member_id: int
    member: str
    name: str
    status: str
    reason: str
    method: str
    checked_in_at: datetime.datetime | None


class ActivityDetailOut(ActivityOut):
    minutes: str
    attendance: list[AttendanceOut]


class ActivityListOut(KeysetListOut):
    items: list[ActivityOut]
    count: int


class ActivityCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = Field(
        "", description="活动编号；空白则自动生成"
    )
    type: TypeName
    orgs: list[Code] = Field(..., min_length=1, max_length=50, description="组织编码，主办组织在前")
    start: datetime.datetime = Field(..., description="开始时间；不带时区时按北京时间")
    end: datetime.datetime | None = None
    topic: _text(200, required=True)
    venue: _text(200) = ""
    minutes: _text(20000, multiline=True) = ""
    lecturer: _text(50) = ""
    host_person: _text(50) = ""
    recorder: _text(50) = ""
    sub_kind: _text(20) = ""
    alliance: Code | None = None
    expected_count: int | None = Field(None, ge=0, le=100000)
    present_count: int | None = Field(None, ge=0, le=100000)
    for_year: int | None = Field(
        None,
        ge=1921,
        le=2200,
        description=(
            "所属年度；不填为开始时间所在年份。组织生活会、民主评议党员在 1–3 月召开的可填上一年度"
        ),
    )


class VoidIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: _text(300, required=True) = Field(..., description="作废原因")


# The matrix's filter (``selectors.compliance_list``), with ``year`` required.
class ComplianceParams(ComplianceFilter):
    year: int = Field(..., ge=1900, le=2200, description="年份")


class RuleListParams(RuleFilter, PageParams):
    pass


class RuleOut(Schema):
    id: int
    activity_type: str = Field(..., description="活动类型")
    org_kind: str = Field(..., description="适用组织类型")
    frequency: str = Field(..., description="周期：月度、季度、半年、年度")
    required: int = Field(..., description="每期至少次数")
    min_full_members: int | None = Field(
        ..., description="正式党员人数下限（按每期第一天的党员计算）；空为不限"
    )
    active: bool
    note: str


class RuleListOut(Schema):
    items: list[RuleOut]
    count: int


class ComplianceRowOut(Schema):
    org: str
    rule: str
    period: str
    required: int
    held: int
    status: str


class ComplianceOut(Schema):
    year: int
    results: list[ComplianceRowOut]


def _codes(ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for activity_id, code in (
        ActivityOrg.objects.filter(activity_id__in=ids)
        .order_by("activity_id", "position")
        .values_list("activity_id", "org__code")
    ):
        out.setdefault(activity_id, []).append(code)
    return out


def activity_out(a: Activity, codes: list[str]) -> dict[str, Any]:
    return {
        "id": a.pk,
        "code": a.code,
        "type": a.type,
        "sub_kind": a.sub_kind,
        "host": a.host.code,
        "orgs": codes,
        "alliance": a.alliance.code if a.alliance_id else None,
        "start": timezone.localtime(a.start, TZ),
        "end": timezone.localtime(a.end, TZ) if a.end else None,
        "venue": a.venue,
        "topic": a.topic,
        "lecturer": a.lecturer,
        "host_person": a.host_person,
        "recorder": a.recorder,
        "status": a.status,
        "return_reason": a.return_reason,
        "void_reason": a.void_reason,
        "for_year": a.for_year,
        "expected_count": a.expected_count,
        "present_count": a.present_count,
        "is_valid": a.is_valid,
    }


def activity_detail_out(a: Activity) -> dict[str, Any]:
    rows = a.attendances.select_related("member").order_by("member__number")
    return {
        **activity_out(a, _codes([a.pk]).get(a.pk, [])),
        "minutes": a.minutes,
        "attendance": [
            {
                "member_id": r.member_id,
                "member": r.member.number,
                "name": r.member.name,
                "status": r.status,
                "reason": r.reason,
                "method": r.method,
                "checked_in_at": r.checked_in_at,
            }
            for r in rows
        ],
    }


@router.get("", response={200: ActivityListOut, **READ_ERRORS}, summary="活动列表")
def activity_list(request: HttpRequest, params: Query[ActivityListParams]) -> dict[str, Any]:
    """Activities the caller may see, newest first (voided records only with
    ``status=已作废``); an organisation out of scope answers 404. ``next`` continues the
    walk (``?after=``)."""
    try:
        qs = selectors.activity_list(caller(request), params)
    except Organisation.DoesNotExist:
        raise Http404 from None
    items, count, following = paginate_keyset(qs, params, selectors.ACTIVITY_LIST_KEY)
    codes = _codes([a.pk for a in items])
    return {
        "items": [activity_out(a, codes.get(a.pk, [])) for a in items],
        "count": count,
        "next": following,
    }


@router.get("/{code}", response={200: ActivityDetailOut, **READ_ERRORS}, summary="活动详情")
def activity_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """One activity with its attendance list."""
    activity = (
        Activity.objects.visible_to(caller(request))
        .select_related("host", "alliance")
        .filter(code=code)
        .first()
    )
    if activity is None:
        raise Http404
    return activity_detail_out(activity)


@router.post("", response={201: ActivityDetailOut, **WRITE_ERRORS}, summary="登记活动")
def activity_create(request: HttpRequest, payload: ActivityCreateIn) -> Status:
    """Record an activity (草稿) held by ``orgs[0]``, which the caller must manage."""
    user = caller(request)
    if len(set(payload.orgs)) != len(payload.orgs):
        raise HttpError(400, "orgs：同一组织不能重复列出")
    visible = Organisation.objects.visible_to(user)
    host = visible.filter(code=payload.orgs[0]).first()
    if host is None:
        raise HttpError(400, f"主办组织不存在：{payload.orgs[0]}")
    if not Organisation.objects.manageable_by(user).filter(pk=host.pk).exists():
        raise HttpError(403, f"无权在主办组织「{host.name}」中登记活动")
    alliance = None
    allowed: set[int] = set()
    if payload.alliance:
        alliance = named_in_body(Alliance, user, payload.alliance, "联建")
        allowed = set(
            AllianceMember.objects.filter(alliance=alliance, left_on__isnull=True).values_list(
                "org_id", flat=True
            )
        )
        allowed.add(alliance.lead_id)
    found = {o.code: o for o in Organisation.objects.filter(code__in=payload.orgs[1:])}
    visible_ids = set(visible.filter(code__in=payload.orgs[1:]).values_list("pk", flat=True))
    co_orgs = []
    for code in payload.orgs[1:]:
        org = found.get(code)
        if org is None or (org.pk not in visible_ids and org.pk not in allowed):
            raise HttpError(400, f"协办组织不存在：{code}")
        co_orgs.append(org)
    if payload.code and Activity.objects.filter(code=payload.code).exists():
        raise HttpError(400, f"code：活动编号已存在：{payload.code}")
    fields = payload.dict(exclude={"orgs", "alliance", "code"})
    for name in ("start", "end"):
        if fields[name] is not None and timezone.is_naive(fields[name]):
            fields[name] = fields[name].replace(tzinfo=TZ)
    activity = services.activity_record(
        actor=user,
        host=host,
        co_orgs=co_orgs,
        alliance=alliance,
        code=payload.code,
        status=ActivityStatus.DRAFT,
        **fields,
    )
    activity = Activity.objects.select_related("host", "alliance").get(pk=activity.pk)
    return Status(201, activity_detail_out(activity))


@router.post("/{code}/void", response={200: ActivityDetailOut, **WRITE_ERRORS}, summary="作废活动")
def activity_void(request: HttpRequest, code: str, payload: VoidIn) -> dict[str, Any]:
    """作废 a draft or returned record entered by mistake, with a reason: the host's managers
    (out of scope → 404, visible but not managed → 403). The record is kept, marked 已作废."""
    user = caller(request)
    activity = get_visible_or_404(Activity, user, code=code)
    require(user, CHANGE, activity, "无权作废该活动（须为主办组织的管理员）")
    services.activity_void(actor=user, activity=activity, reason=payload.reason)
    return activity_detail_out(
        Activity.objects.select_related("host", "alliance").get(pk=activity.pk)
    )


@compliance_router.get("/rules", response={200: RuleListOut, **READ_ERRORS}, summary="组织生活规则")
def rule_list(request: HttpRequest, params: Query[RuleListParams]) -> dict[str, Any]:
    """The organisational-life rules (everyone reads them), in rule order."""
    items, count = paginate(selectors.rule_list(params), params)
    return {
        "items": [
            {
                "id": r.pk,
                "activity_type": r.activity_type,
                "org_kind": r.org_kind,
                "frequency": r.frequency,
                "required": r.required,
                "min_full_members": r.min_full_members,
                "active": r.active,
                "note": r.note,
            }
            for r in items
        ],
        "count": count,
    }


@compliance_router.get("", response={200: ComplianceOut, **READ_ERRORS}, summary="组织生活合规")
def compliance(request: HttpRequest, params: Query[ComplianceParams]) -> dict[str, Any]:
    """Compliance rows (contracts §4) for the organisations the caller may see, or the
    subtree of ``org`` (404 when not visible) — the rows of the matrix for the same filter."""
    try:
        result = selectors.compliance_list(caller(request), params, today=timezone.localdate())
    except Organisation.DoesNotExist:
        raise Http404 from None
    return {"year": result.year, "results": [r.as_contract() for r in result.rows]}
