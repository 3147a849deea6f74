"""API of 岗区队: ``/api/v1/carriers`` — the registry (the screen's one filter), the figures
as of a date, a carrier with its members and reviews, 申报, the lifecycle's transitions,
复核 and 一票否决.

Scope as everywhere: reads through ``visible_to`` (out of scope → 404, as if missing); an
organisation, member or 班组 named in a body that the caller cannot see is refused with 400
as if it did not exist; the services decide who may act (403) and whether the state allows
it (``ValidationError`` → 400 with the reason). Nothing changes on a refusal.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError

from lianjian.accounts.http import caller
from lianjian.accounts.models import User
from lianjian.alliances.models import Alliance
from lianjian.carriers import selectors, services
from lianjian.carriers.models import Carrier, WorkGroup
from lianjian.carriers.schemas import (
    CarrierDetailOut,
    CarrierIn,
    CarrierPage,
    CarrierParams,
    CarrierTransitionIn,
    FiguresOut,
    ReviewIn,
    VetoIn,
)
from lianjian.core.api_utils import (
    READ_ERRORS,
    WRITE_ERRORS,
    FilterDate,
    named_in_body,
    paginate,
)
from lianjian.core.validation import today
from lianjian.keytasks.models import KeyTask
from lianjian.orgs.models import Member, Organisation

router = Router(tags=["岗区队"])


def carrier_out(c: Carrier) -> dict[str, Any]:
    return {
        "id": c.pk,
        "code": c.code,
        "kind": c.kind,
        "name": c.name,
        "org": c.org.code,
        "org_name": c.org.name,
        "theme": c.theme,
        "leader": c.leader.number if c.leader else None,
        "leader_name": c.leader.name if c.leader else None,
        "post_name": c.post_name,
        "area": c.area,
        "duties": c.duties,
        "commitments": c.commitments,
        "alliance": c.alliance.code if c.alliance else None,
        "plaque_no": c.plaque_no,
        "established": c.established,
        "end_date": c.end_date,
        "lat": c.lat,
        "lon": c.lon,
        "state": c.state,
        "state_reason": c.state_reason,
        "work_groups": [g.code for g in c.work_groups.all()],
        "key_tasks": [t.code for t in c.key_tasks.all()],
    }


def detail_out(c: Carrier) -> dict[str, Any]:
    return {
        **carrier_out(c),
        "members": [
            {
                "name": m.name,
                "kind": m.kind,
                "member": m.member.number if m.member else None,
                "masses": m.masses,
            }
            for m in c.memberships.all()
            if m.left_on is None
        ],
        "reviews": [
            {
                "period": r.period,
                "preset": r.preset,
                "day": r.day,
                "score": r.score,
                "band": r.band,
                "state_after": r.state_after,
                "scores": r.scores,
            }
            for r in c.reviews.all()
        ],
    }


def _visible(user: User, code: str) -> Carrier:
    found = selectors.carrier_detail(Carrier.objects.visible_to(user)).filter(code=code).first()
    if found is None:
        raise Http404
    return found


@router.get("", response={200: CarrierPage, **READ_ERRORS}, summary="岗区队")
def carrier_list(request: HttpRequest, params: Query[CarrierParams]) -> dict[str, Any]:
    """The carriers the caller sees (示范岗、责任区、突击队、服务队)."""
    rows = selectors.with_links(selectors.carrier_list(caller(request), params))
    items, count = paginate(rows, params)
    return {"items": [carrier_out(c) for c in items], "count": count}


@router.get("/figures", response={200: list[FiguresOut], **READ_ERRORS}, summary="岗区队统计")
def carrier_figures(
    request: HttpRequest, on: FilterDate | None = None, org: str | None = None
) -> list[dict[str, Any]]:
    """Ever named, active, withdrawn and completed per kind and in all (``全部``) on ``on``
    (default today), among the carriers the caller sees (of ``org``'s subtree when given)."""
    user = caller(request)
    organisation = None
    if org:
        organisation = Organisation.objects.visible_to(user).filter(code=org).first()
        if organisation is None:
            raise Http404
    figs = selectors.figures(user, on or today(), organisation)
    return [{"kind": k, **vars(f)} for k, f in figs.items()]


@router.get("/{code}", response={200: CarrierDetailOut, **READ_ERRORS}, summary="岗区队详情")
def carrier_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return detail_out(_visible(caller(request), code))


@router.post("", response={201: CarrierDetailOut, **WRITE_ERRORS}, summary="申报岗区队")
def carrier_create(request: HttpRequest, payload: CarrierIn) -> Status[Any]:
    """申报 for an organisation the caller manages; the carrier starts in 申报."""
    user = caller(request)
    org = named_in_body(Organisation, user, payload.org, "组织", "无权为「{}」申报岗区队")
    leader = None
    if payload.leader:
        leader = Member.objects.visible_to(user).filter(number=payload.leader).first()
        if leader is None:
            raise HttpError(400, f"党员不存在：{payload.leader}")
    groups = list(WorkGroup.objects.visible_to(user).filter(code__in=payload.work_groups))
    missing = sorted(set(payload.work_groups) - {g.code for g in groups})
    if missing:
        raise HttpError(400, f"班组不存在：{'、'.join(missing)}")
    tasks = list(KeyTask.objects.visible_to(user).filter(code__in=payload.key_tasks))
    unknown = sorted(set(payload.key_tasks) - {t.code for t in tasks})
    if unknown:
        raise HttpError(400, f"关键任务不存在：{'、'.join(unknown)}")
    alliance = None
    if payload.alliance:
        alliance = Alliance.objects.visible_to(user).filter(code=payload.alliance).first()
        if alliance is None:
            raise HttpError(400, f"联建不存在：{payload.alliance}")
    data = payload.model_dump(
        exclude={"code", "kind", "org", "leader", "work_groups", "alliance", "key_tasks"}
    )
    carrier = services.declare(
        user,
        kind=payload.kind,
        org=org,
        code=payload.code or "",
        fields={**data, "leader": leader, "alliance": alliance},
        work_groups=groups,
        key_tasks=tasks,
    )
    return Status(201, detail_out(_visible(user, carrier.code)))


@router.post(
    "/{code}/transition",
    response={200: CarrierDetailOut, **WRITE_ERRORS},
    summary="岗区队状态变更（提交、审核、审批、公示异议、命名、任务完成、作废…）",
)
def carrier_transition(
    request: HttpRequest, code: str, payload: CarrierTransitionIn
) -> dict[str, Any]:
    user = caller(request)
    services.transition(user, _visible(user, code), payload.action, reason=payload.reason)
    return detail_out(_visible(user, code))


@router.post(
    "/{code}/reviews", response={200: CarrierDetailOut, **WRITE_ERRORS}, summary="岗区队复核"
)
def carrier_review(request: HttpRequest, code: str, payload: ReviewIn) -> dict[str, Any]:
    """Item scores of a preset for a period; ≥90 优秀, <70 摘牌 (rules.PRESETS)."""
    user = caller(request)
    services.record_review(
        user,
        _visible(user, code),
        preset=payload.preset,
        period=payload.period,
        scores=payload.scores,
        note=payload.note,
    )
    return detail_out(_visible(user, code))


@router.post("/{code}/vetoes", response={200: CarrierDetailOut, **WRITE_ERRORS}, summary="一票否决")
def carrier_veto(request: HttpRequest, code: str, payload: VetoIn) -> dict[str, Any]:
    """A 责任事故 or 违纪 withdraws the title at once, whatever the score."""
    user = caller(request)
    services.record_veto(
        user,
        _visible(user, code),
        kind=payload.kind,
        description=payload.description,
        day=payload.day,
    )
    return detail_out(_visible(user, code))
