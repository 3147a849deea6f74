"""API of 揭榜挂帅: ``/api/v1/calls``, ``/api/v1/bids`` and ``/api/v1/projects`` — the
lists with their one filter, details, creation and the transitions, the project board's
figures, stages, metrics and awards.

Scope as everywhere: reads through ``visible_to`` (out of scope → 404, as if missing; another
bidder's bid is 404 until it wins); a code named in a body that the caller cannot see is
refused with 400 as if it did not exist; the services decide who may act (403) and whether
the state allows it (400 with the reason). Nothing changes on a refusal. A project's
progress and colour are its key task's (``task``; ``/api/v1/tasks/{code}``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.params.functions import Path

from lianjian.accounts.http import caller
from lianjian.accounts.models import User
from lianjian.alliances.models import Alliance
from lianjian.core.api_utils import MAX_ID, READ_ERRORS, WRITE_ERRORS, named_in_body, paginate
from lianjian.core.scope import get_visible_or_404
from lianjian.orgs.models import Member, Organisation
from lianjian.projects import rules, selectors, services
from lianjian.projects.models import Award, Bid, Call, Project
from lianjian.projects.schemas import (
    AdvanceIn,
    AwardIn,
    AwardOut,
    AwardVoidIn,
    BidActionIn,
    BidIn,
    BidOut,
    BidParams,
    CallActionIn,
    CallIn,
    CallOut,
    CallParams,
    DashboardOut,
    MetricIn,
    ProjectOut,
    ProjectParams,
    Strict,
)

calls_router = Router(tags=["揭榜挂帅：榜单"])
bids_router = Router(tags=["揭榜挂帅：揭榜"])
projects_router = Router(tags=["揭榜挂帅：项目"])

AwardId: Any = Path(..., ge=1, le=MAX_ID, description="获奖记录 id")


class CallPage(Strict):
    items: list[CallOut]
    count: int


class BidPage(Strict):
    items: list[BidOut]
    count: int


class ProjectPage(Strict):
    items: list[ProjectOut]
    count: int


# ---- shaping --------------------------------------------------------------------------


def call_out(c: Call) -> dict[str, Any]:
    return {
        "id": c.pk,
        "code": c.code,
        "title": c.title,
        "problem": c.problem,
        "issuer": c.issuer.code,
        "issuer_name": c.issuer.name,
        "kind": c.kind,
        "theme": c.theme,
        "budget": c.budget,
        "deadline": c.deadline,
        "criteria": c.criteria,
        "state": rules.shown_call_state(c.state, c.deadline, timezone.localdate()),
        "published_on": c.published_on,
        "reviewed_on": c.reviewed_on,
        "eligible_orgs": [o.code for o in c.eligible_orgs.all()],
        "eligible_alliances": [a.code for a in c.eligible_alliances.all()],
    }


def bid_out(b: Bid) -> dict[str, Any]:
    project = getattr(b, "project", None) if hasattr(b, "project") else None
    return {
        "id": b.pk,
        "code": b.code,
        "call": b.call.code,
        "call_title": b.call.title,
        "bidder_org": b.bidder_org.code,
        "bidder_name": b.bidder_org.name,
        "alliance": b.alliance.code if b.alliance_id is not None and b.alliance else None,
        "lead": b.lead.number,
        "lead_name": b.lead.name,
        "team": [m.number for m in b.team.all()],
        "team_names": b.team_names,
        "plan": b.plan,
        "expected_results": b.expected_results,
        "budget_asked": b.budget_asked,
        "planned_end": b.planned_end,
        "state": b.state,
        "state_reason": b.state_reason,
        "submitted_on": b.submitted_on,
        "defence_on": b.defence_on,
        "project": project.code if project is not None else None,
    }


def award_out(a: Award) -> dict[str, Any]:
    return {
        "id": a.pk,
        "level": a.level,
        "name": a.name,
        "issued_by": a.issued_by,
        "awarded_on": a.awarded_on,
        "voided": a.voided,
        "void_reason": a.void_reason,
        "certificates": len(a.certificates.all()),
    }


def projects_out(projects: list[Project]) -> list[dict[str, Any]]:
    status = selectors.statuses(projects, timezone.localdate())
    out = []
    for p in projects:
        s = status.get(p.pk)
        out.append(
            {
                "id": p.pk,
                "code": p.code,
                "name": p.task.name,
                "kind": p.kind,
                "call": p.call.code,
                "bid": p.bid.code,
                "owner_org": p.task.owner_org.code,
                "owner_name": p.task.owner.name if p.task.owner else "",
                "task": p.task.code,
                "stage": p.stage,
                "grade": p.grade,
                "started_on": p.started_on,
                "progress": s.progress if s else None,
                "colour": (s.colour if s else "") or "",
                "awards": [award_out(a) for a in p.awards.all()],
                "metrics": [
                    {"name": m.name, "unit": m.unit, "value": m.value} for m in p.metrics.all()
                ],
            }
        )
    return out


# ---- lookups --------------------------------------------------------------------------


def _call(user: User, code: str) -> Call:
    return get_visible_or_404(
        Call.objects.select_related("issuer").prefetch_related(
            "eligible_orgs", "eligible_alliances"
        ),
        user,
        code=code,
    )


def _bid(user: User, code: str) -> Bid:
    return get_visible_or_404(selectors.bid_rows(Bid.objects.all()), user, code=code)


def _project(user: User, code: str) -> Project:
    return get_visible_or_404(selectors.project_rows(Project.objects.all()), user, code=code)


def _members(user: User, numbers: list[str], label: str) -> list[Member]:
    numbers = list(dict.fromkeys(numbers))
    found = {
        m.number: m
        for m in Member.objects.visible_to(user).select_related("org").filter(number__in=numbers)
    }
    missing = [n for n in numbers if n not in found]
    if missing:
        raise HttpError(400, f"{label}不存在：{'、'.join(missing)}")
    return [found[n] for n in numbers]


def _orgs(user: User, codes: list[str]) -> list[Organisation]:
    codes = list(dict.fromkeys(codes))
    found = {o.code: o for o in Organisation.objects.visible_to(user).filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise HttpError(400, f"可揭榜组织不存在：{'、'.join(missing)}")
    return [found[c] for c in codes]


def _alliances(user: User, codes: list[str]) -> list[Alliance]:
    codes = list(dict.fromkeys(codes))
    found = {a.code: a for a in Alliance.objects.visible_to(user).filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise HttpError(400, f"联建网不存在：{'、'.join(missing)}")
    return [found[c] for c in codes]


# ---- calls ----------------------------------------------------------------------------


@calls_router.get("", response={200: CallPage, **READ_ERRORS}, summary="榜单")
def call_list(request: HttpRequest, params: Query[CallParams]) -> dict[str, Any]:
    """The calls the caller sees: their own organisation's (drafts for its managers) and the
    published ones open to them."""
    items, count = paginate(
        selectors.call_list(caller(request), params, timezone.localdate()), params
    )
    return {"items": [call_out(c) for c in items], "count": count}


@calls_router.get("/{code}", response={200: CallOut, **READ_ERRORS}, summary="榜单详情")
def call_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return call_out(_call(caller(request), code))


@calls_router.post("", response={201: CallOut, **WRITE_ERRORS}, summary="新建榜单（草拟）")
def call_create(request: HttpRequest, payload: CallIn) -> Status[Any]:
    user = caller(request)
    data = payload.model_dump()
    issuer = named_in_body(
        Organisation, user, data.pop("issuer"), "发榜组织", "无权以「{}」的名义发榜"
    )
    orgs = _orgs(user, data.pop("eligible_orgs"))
    alliances = _alliances(user, data.pop("eligible_alliances"))
    call = services.call_create(
        actor=user,
        issuer=issuer,
        eligible_orgs=orgs,
        eligible_alliances=alliances,
        code=data.pop("code") or "",
        **data,
    )
    return Status(201, call_out(_call(user, call.code)))


@calls_router.post(
    "/{code}/transition", response={200: CallOut, **WRITE_ERRORS}, summary="发布或截止榜单"
)
def call_transition(request: HttpRequest, code: str, payload: CallActionIn) -> dict[str, Any]:
    user = caller(request)
    services.call_transition(user, _call(user, code), payload.action)
    return call_out(_call(user, code))


# ---- bids -----------------------------------------------------------------------------


@bids_router.get("", response={200: BidPage, **READ_ERRORS}, summary="揭榜")
def bid_list(request: HttpRequest, params: Query[BidParams]) -> dict[str, Any]:
    """The bids the caller sees: their own side's, those on calls they issue, and the
    winning bids of the calls they see (other bidders' bids are never listed)."""
    items, count = paginate(selectors.bid_list(caller(request), params), params)
    return {"items": [bid_out(b) for b in items], "count": count}


@bids_router.get("/{code}", response={200: BidOut, **READ_ERRORS}, summary="揭榜详情")
def bid_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return bid_out(_bid(caller(request), code))


@bids_router.post("", response={201: BidOut, **WRITE_ERRORS}, summary="揭榜")
def bid_create(request: HttpRequest, payload: BidIn) -> Status[Any]:
    user = caller(request)
    data = payload.model_dump()
    call = (
        Call.objects.visible_to(user).select_related("issuer").filter(code=data.pop("call")).first()
    )
    if call is None:
        raise HttpError(400, f"榜单不存在：{payload.call}")
    bidder = named_in_body(
        Organisation, user, data.pop("bidder_org"), "揭榜组织", "无权以「{}」的名义揭榜"
    )
    alliance_code = data.pop("alliance")
    alliance = _alliances(user, [alliance_code])[0] if alliance_code else None
    lead = _members(user, [data.pop("lead")], "负责人")[0]
    team = _members(user, data.pop("team"), "团队党员")
    bid = services.bid_submit(
        actor=user,
        call=call,
        bidder_org=bidder,
        alliance=alliance,
        lead=lead,
        team=team,
        code=data.pop("code") or "",
        **data,
    )
    return Status(201, bid_out(_bid(user, bid.code)))


@bids_router.post(
    "/{code}/transition",
    response={200: BidOut, **WRITE_ERRORS},
    summary="揭榜状态变更（入围、答辩、中榜、未中、撤回）",
)
def bid_transition(request: HttpRequest, code: str, payload: BidActionIn) -> dict[str, Any]:
    """中榜 (``award``) also creates the project as a key task of the issuer's list."""
    user = caller(request)
    bid = _bid(user, code)
    if payload.action == "award":
        services.bid_award(user, bid, payload.reason)
    else:
        services.bid_transition(user, bid, payload.action, payload.reason, payload.on)
    return bid_out(_bid(user, code))


# ---- projects -------------------------------------------------------------------------


@projects_router.get("", response={200: ProjectPage, **READ_ERRORS}, summary="揭榜项目")
def project_list(request: HttpRequest, params: Query[ProjectParams]) -> dict[str, Any]:
    items, count = paginate(selectors.project_list(caller(request), params), params)
    return {"items": projects_out(list(items)), "count": count}


@projects_router.get(
    "/dashboard", response={200: DashboardOut, **READ_ERRORS}, summary="项目看板：按获奖级别统计"
)
def project_dashboard(request: HttpRequest) -> dict[str, Any]:
    d = selectors.dashboard(caller(request), timezone.localdate())
    return {"levels": d.levels, "kinds": d.kinds, "stages": d.stages, "open_calls": d.open_calls}


@projects_router.get("/{code}", response={200: ProjectOut, **READ_ERRORS}, summary="项目详情")
def project_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return projects_out([_project(caller(request), code)])[0]


@projects_router.post(
    "/{code}/advance", response={200: ProjectOut, **WRITE_ERRORS}, summary="进入下一阶段"
)
def project_advance(request: HttpRequest, code: str, payload: AdvanceIn) -> dict[str, Any]:
    user = caller(request)
    services.project_advance(
        user, _project(user, code), note=payload.note, grade=payload.grade or "", on=payload.on
    )
    return project_detail(request, code)


@projects_router.post(
    "/{code}/metrics", response={200: ProjectOut, **WRITE_ERRORS}, summary="登记成果指标"
)
def project_metric(request: HttpRequest, code: str, payload: MetricIn) -> dict[str, Any]:
    user = caller(request)
    services.metric_save(
        user, _project(user, code), name=payload.name, unit=payload.unit, value=payload.value
    )
    return project_detail(request, code)


@projects_router.post(
    "/{code}/awards", response={201: AwardOut, **WRITE_ERRORS}, summary="登记获奖（证书在页面上传）"
)
def project_award(request: HttpRequest, code: str, payload: AwardIn) -> Status[Any]:
    user = caller(request)
    award = services.award_add(user, _project(user, code), **payload.model_dump())
    return Status(201, award_out(award))


@projects_router.post(
    "/{code}/awards/{award_id}/void",
    response={200: AwardOut, **WRITE_ERRORS},
    summary="作废获奖记录",
)
def award_void(
    request: HttpRequest, code: str, payload: AwardVoidIn, award_id: int = AwardId
) -> dict[str, Any]:
    user = caller(request)
    project = _project(user, code)
    award = get_visible_or_404(Award.objects.filter(project=project), user, pk=award_id)
    services.award_void(user, award, payload.reason)
    return award_out(award)
