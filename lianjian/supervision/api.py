"""``/api/v1/supervision/...``: batches, items (with their measures and the 销号 loop),
measures, leads and recommendations, with the screens' visibility.

Reads go through ``visible_to`` (out of scope → 404 like a missing object); a write on a
visible row the caller may not do is 403 (the service's ``PermissionDenied``), a step the
state or the closing gate does not allow 400 with the reason; nothing changes on a refusal.
Every read of a lead, listed or single, is recorded (``services.lead_read``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.params.functions import Path

from lianjian.accounts.http import caller
from lianjian.core.api_utils import MAX_ID, READ_ERRORS, WRITE_ERRORS, paginate
from lianjian.core.scope import get_visible_or_404, require
from lianjian.core.validation import today
from lianjian.orgs.models import Member, Organisation
from lianjian.supervision import selectors, services
from lianjian.supervision.models import Batch, Item, Lead, Measure, Recommendation
from lianjian.supervision.pickers import ledger_members
from lianjian.supervision.schemas import (
    SupervisionBatchIn,
    SupervisionBatchListOut,
    SupervisionBatchListParams,
    SupervisionBatchOut,
    SupervisionFollowUpIn,
    SupervisionItemActIn,
    SupervisionItemDetailOut,
    SupervisionItemIn,
    SupervisionItemListOut,
    SupervisionItemListParams,
    SupervisionLeadIn,
    SupervisionLeadListOut,
    SupervisionLeadListParams,
    SupervisionLeadOut,
    SupervisionLeadSettleIn,
    SupervisionMeasureIn,
    SupervisionMeasureOut,
    SupervisionMeasureStepIn,
    SupervisionRecommendationListOut,
    SupervisionRecommendationListParams,
    SupervisionRecommendationOut,
    SupervisionRecommendationReplyIn,
)
from lianjian.supervision.selectors import reachable_orgs

# A path id beyond the database integer answers 422, never a 500 (tests/test_edges_rules.py).
BoundedId: Any = Path(..., ge=1, le=MAX_ID)

router = Router(tags=["监督台账"])


def batch_out(b: Batch) -> dict[str, Any]:
    return {
        "code": b.code,
        "title": b.title,
        "source": b.source,
        "issuing_body": b.issuing_body,
        "issuing_org": b.issuing_org.code,
        "inspected_org": b.inspected_org.code,
        "feedback_date": b.feedback_date,
        "report_due": b.report_due,
        "published_on": b.published_on,
    }


def item_out(i: Item, day: Any) -> dict[str, Any]:
    c = selectors.item_colour(i, day)
    return {
        "id": i.pk,
        "batch": i.batch.code,
        "number": i.number,
        "description": i.description,
        "tags": i.tags,
        "flags": selectors.flags(i, day),
        "responsible_org": i.responsible_org.code,
        "kind": i.kind,
        "deadline": i.deadline,
        "state": i.state,
        "colour": str(c) if c is not None else None,
        "closable": selectors.closable(i),
        "closed_on": i.closed_on,
        "progress": i.progress,
        "results": i.results,
    }


def measure_out(m: Measure) -> dict[str, Any]:
    return {
        "id": m.pk,
        "item": m.item_id,
        "text": m.text,
        "owner": m.owner,
        "deadline": m.deadline,
        "state": m.state,
    }


def item_detail_out(item: Item) -> dict[str, Any]:
    i = selectors.item_rows(Item.objects.filter(pk=item.pk)).get()
    return {**item_out(i, today()), "measures": [measure_out(m) for m in i.measures.all()]}


def lead_out(lead: Lead, day: Any) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "org": lead.org.code,
        "from_body": lead.from_body,
        "to_body": lead.to_body,
        "transferred_on": lead.transferred_on,
        "case": lead.case,
        "result": lead.result,
        "feedback_on": lead.feedback_on,
        "colour": str(selectors.lead_colour(lead, day)),
    }


@router.get("/batches", response={200: SupervisionBatchListOut, **READ_ERRORS}, summary="监督批次")
def supervision_batch_list(
    request: HttpRequest, params: Query[SupervisionBatchListParams]
) -> dict[str, Any]:
    """Batches the caller may see, latest feedback first."""
    items, count = paginate(selectors.batch_list(caller(request), params), params)
    return {"items": [batch_out(b) for b in items], "count": count}


@router.get(
    "/batches/{code}", response={200: SupervisionBatchOut, **READ_ERRORS}, summary="批次详情"
)
def batch_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    batch = get_visible_or_404(
        Batch.objects.select_related("issuing_org", "inspected_org"), caller(request), code=code
    )
    return batch_out(batch)


def _org(user: Any, code: str, label: str) -> Organisation:
    org = reachable_orgs(user).filter(code=code).first()
    if org is None:
        raise HttpError(400, f"{label}不存在：{code}")
    return org


def _member(user: Any, number: str | None, label: str) -> Member | None:
    if not number:
        return None
    member = ledger_members(user, {}).filter(number=number).first()
    if member is None:
        raise HttpError(400, f"{label}不存在：{number}")
    return member


@router.post("/batches", response={201: SupervisionBatchOut, **WRITE_ERRORS}, summary="新建批次")
def batch_create(request: HttpRequest, payload: SupervisionBatchIn) -> Status[dict[str, Any]]:
    """A new batch by the body its source belongs to (专项检查/自查: a manager of the
    inspected organisation); 403 otherwise. The report due date is derived."""
    user = caller(request)
    fields = payload.model_dump()
    fields["issuing_org"] = _org(user, fields["issuing_org"], "下发组织")
    fields["inspected_org"] = _org(user, fields["inspected_org"], "被检查组织")
    batch = services.batch_create(actor=user, **fields)
    return Status(201, batch_out(batch))


@router.post(
    "/batches/{code}/items",
    response={201: SupervisionItemDetailOut, **WRITE_ERRORS},
    summary="新增问题",
)
def item_create(
    request: HttpRequest, code: str, payload: SupervisionItemIn
) -> Status[dict[str, Any]]:
    """A new item (待整改) of a batch, by its issuing body."""
    user = caller(request)
    batch = get_visible_or_404(Batch, user, code=code)
    require(user, "change", batch, services.DENIED_BODY)
    fields = payload.model_dump()
    fields["responsible_org"] = _org(user, fields["responsible_org"], "责任组织")
    fields["responsible_leader"] = _member(user, fields["responsible_leader"], "责任领导")
    fields["responsible_person"] = _member(user, fields["responsible_person"], "责任人")
    item = services.item_create(actor=user, batch=batch, **fields)
    return Status(201, item_detail_out(item))


@router.get("/items", response={200: SupervisionItemListOut, **READ_ERRORS}, summary="问题台账")
def supervision_item_list(
    request: HttpRequest, params: Query[SupervisionItemListParams]
) -> dict[str, Any]:
    """Items the caller may see (a branch: its own), with the list's filters."""
    day = today()
    items, count = paginate(selectors.item_list(caller(request), params, day), params)
    return {"items": [item_out(i, day) for i in items], "count": count}


@router.get(
    "/items/{item_id}", response={200: SupervisionItemDetailOut, **READ_ERRORS}, summary="问题详情"
)
def item_detail(request: HttpRequest, item_id: int) -> dict[str, Any]:
    return item_detail_out(get_visible_or_404(Item, caller(request), pk=item_id))


@router.post(
    "/items/{item_id}/measures",
    response={201: SupervisionMeasureOut, **WRITE_ERRORS},
    summary="新增整改措施",
)
def measure_add(
    request: HttpRequest, payload: SupervisionMeasureIn, item_id: int = BoundedId
) -> Status[dict[str, Any]]:
    """The responsible unit adds a measure (a 待整改 item starts)."""
    user = caller(request)
    item = get_visible_or_404(Item.objects.select_related("batch"), user, pk=item_id)
    measure = services.measure_add(actor=user, item=item, **payload.model_dump())
    return Status(201, measure_out(measure))


@router.post(
    "/items/{item_id}/actions",
    response={200: SupervisionItemDetailOut, **WRITE_ERRORS},
    summary="办理问题",
)
def item_act(
    request: HttpRequest, payload: SupervisionItemActIn, item_id: int = BoundedId
) -> dict[str, Any]:
    """One step of the item: ``start``/``resume``/``apply`` (the unit), ``accept``/``return``
    (the issuing body; return needs a reason), ``confirm``/``reopen`` (回头看; reopen needs a
    reason). 申请销号 and 同意销号 need every measure 已核验."""
    user = caller(request)
    item = get_visible_or_404(Item, user, pk=item_id)
    services.item_act(actor=user, item=item, action=payload.action, reason=payload.reason)
    return item_detail_out(item)


@router.post(
    "/measures/{measure_id}/state",
    response={200: SupervisionMeasureOut, **WRITE_ERRORS},
    summary="推进整改措施",
)
def measure_step(
    request: HttpRequest, payload: SupervisionMeasureStepIn, measure_id: int = BoundedId
) -> dict[str, Any]:
    """未开始 → 推进中 → 已完成 (the unit) → 已核验 (the issuing body)."""
    user = caller(request)
    measure = get_visible_or_404(Measure.objects.select_related("item__batch"), user, pk=measure_id)
    return measure_out(services.measure_step(actor=user, measure=measure, state=payload.state))


@router.get("/leads", response={200: SupervisionLeadListOut, **READ_ERRORS}, summary="问题线索")
def supervision_lead_list(
    request: HttpRequest, params: Query[SupervisionLeadListParams]
) -> dict[str, Any]:
    """Leads of the bodies involved only; each lead returned is recorded as read."""
    user = caller(request)
    day = today()
    rows, count = paginate(selectors.lead_list(user, params, day), params)
    services.leads_read(reader=user, leads=rows, via="api")
    return {"items": [lead_out(lead, day) for lead in rows], "count": count}


@router.get(
    "/leads/{lead_id}", response={200: SupervisionLeadOut, **READ_ERRORS}, summary="线索详情"
)
def lead_detail(request: HttpRequest, lead_id: int) -> dict[str, Any]:
    user = caller(request)
    lead = get_visible_or_404(selectors.visible_leads(user).select_related("org"), user, pk=lead_id)
    services.lead_read(reader=user, lead=lead, via="api")
    return lead_out(lead, today())


@router.post("/leads", response={201: SupervisionLeadOut, **WRITE_ERRORS}, summary="移交线索")
def lead_create(request: HttpRequest, payload: SupervisionLeadIn) -> Status[dict[str, Any]]:
    """移交线索 by a body the caller acts as over the organisation (403 otherwise); the
    source item, if given, must be one the caller sees (400 otherwise)."""
    user = caller(request)
    fields = payload.model_dump()
    fields["org"] = _org(user, fields["org"], "所属组织")
    item_id = fields.pop("item_id")
    item = None
    if item_id is not None:
        item = (
            Item.objects.restrict(user, "view").select_related("batch").filter(pk=item_id).first()
        )
        if item is None:
            raise HttpError(400, f"来源问题不存在：{item_id}")
    lead = services.lead_create(actor=user, item=item, **fields)
    return Status(201, lead_out(lead, today()))


@router.post(
    "/leads/{lead_id}/settle",
    response={200: SupervisionLeadOut, **WRITE_ERRORS},
    summary="登记线索处置结果",
)
def lead_settle(
    request: HttpRequest, payload: SupervisionLeadSettleIn, lead_id: int = BoundedId
) -> dict[str, Any]:
    """The receiving body records the result and the feedback date (settles the lead); 403
    for the handing-over body, 400 when already settled."""
    user = caller(request)
    lead = get_visible_or_404(selectors.visible_leads(user).select_related("org"), user, pk=lead_id)
    lead = services.lead_settle(actor=user, lead=lead, **payload.model_dump())
    return lead_out(lead, today())


@router.get(
    "/recommendations",
    response={200: SupervisionRecommendationListOut, **READ_ERRORS},
    summary="监督建议",
)
def supervision_recommendation_list(
    request: HttpRequest, params: Query[SupervisionRecommendationListParams]
) -> dict[str, Any]:
    rows, count = paginate(selectors.recommendation_list(caller(request), params), params)
    return {"items": [recommendation_out(r) for r in rows], "count": count}


def recommendation_out(r: Recommendation) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "issuer_org": r.issuer_org.code,
        "recipient": r.recipient.code,
        "text": r.text,
        "reply_due": r.reply_due,
        "reply": r.reply,
        "replied_on": r.replied_on,
        "follow_up": r.follow_up,
    }


def _recommendation(user: Any, rec_id: int) -> Recommendation:
    return get_visible_or_404(
        Recommendation.objects.select_related("issuer_org", "recipient"), user, pk=rec_id
    )


@router.post(
    "/recommendations/{rec_id}/reply",
    response={200: SupervisionRecommendationOut, **WRITE_ERRORS},
    summary="回复监督建议",
)
def recommendation_reply(
    request: HttpRequest, payload: SupervisionRecommendationReplyIn, rec_id: int = BoundedId
) -> dict[str, Any]:
    """The recipient organisation's managers reply, once (403 for the issuing body)."""
    user = caller(request)
    rec = services.recommendation_reply(
        actor=user, rec=_recommendation(user, rec_id), **payload.model_dump()
    )
    return recommendation_out(rec)


@router.post(
    "/recommendations/{rec_id}/follow-up",
    response={200: SupervisionRecommendationOut, **WRITE_ERRORS},
    summary="督办监督建议",
)
def recommendation_follow_up(
    request: HttpRequest, payload: SupervisionFollowUpIn, rec_id: int = BoundedId
) -> dict[str, Any]:
    """The issuing body adds a dated follow-up note (403 for the recipient)."""
    user = caller(request)
    rec = services.recommendation_follow_up(
        actor=user, rec=_recommendation(user, rec_id), note=payload.note
    )
    return recommendation_out(rec)
