"""API of the 三重一大 register: ``/api/v1/decisions`` (the register, an item, and the steps
submit, studies, decision, execution, evaluation, archive) and ``/api/v1/decision-lists``
(the 事项清单 and their lines).

As on the screens: a row outside the caller's scope answers 404; a visible row the caller
may not change 403 (only the board office keeps the register); a refused step 400 with
the reason, nothing changed. The execution owner's organisation sees the item and its
execution, not its studies, decisions or post-evaluation.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.params import functions as param_functions

from lianjian.accounts.http import caller
from lianjian.accounts.models import User
from lianjian.core.api_utils import MAX_ID, READ_ERRORS, WRITE_ERRORS, paginate
from lianjian.core.scope import get_visible_or_404, may, require
from lianjian.decisions import selectors, services
from lianjian.decisions.models import DecisionItem, Execution, MatterList
from lianjian.decisions.pickers import register_orgs_for
from lianjian.decisions.schemas import (
    Body,
    Category,
    DecisionExecutionIn,
    DecisionItemIn,
    DecisionListParams,
    DecisionRecordIn,
    ExecutionPatch,
    Name50,
    Name200,
    PostEvaluationIn,
    PriorStudyIn,
)

items_router = Router(tags=["三重一大"])
lists_router = Router(tags=["三重一大"])
LineId: Any = param_functions.Path(..., ge=1, le=MAX_ID, description="清单条目 id")


class MatterLineOut(Schema):
    id: int
    category: str
    matter: str
    threshold: Decimal | None = Field(..., description="金额起点（万元，含）；空为不限金额")
    needs_prior_study: bool
    body: str
    active: bool
    withdrawn_reason: str


class MatterListOut(Schema):
    code: str
    organisation: str = Field(..., description="组织编码")
    level: str
    year: int
    title: str
    reviewed_on: datetime.date | None
    lines: list[MatterLineOut]


class PriorStudyOut(Schema):
    round: int
    meeting: str
    meeting_date: datetime.date
    members: int
    present: int
    recusals: list[str]
    opinions: list[dict[str, str]]
    outcome: str
    note: str


class DecisionRecordOut(Schema):
    meeting: str
    meeting_date: datetime.date
    body: str
    opinions: str
    resolution: str
    conditions: str
    result: str


class LinkedKeyTaskOut(Schema):
    code: str
    name: str
    colour: str = Field(..., description="关键任务三色预警：green、yellow、red 或空")


class DecisionExecutionOut(Schema):
    owner_org: str
    owner_name: str
    started_on: datetime.date
    deviations: str
    key_tasks: list[LinkedKeyTaskOut]


class PostEvaluationOut(Schema):
    evaluator: str
    evaluated_on: datetime.date
    dimensions: dict[str, str]
    conclusion: str
    action: str
    lessons: str
    follow_up: str | None


class DecisionItemOut(Schema):
    number: str
    title: str
    organisation: str
    matter_list: str
    year: int
    category: str
    amount: Decimal | None
    department: str
    sponsor: str
    line: int | None = Field(..., description="路由所依据的清单条目 id")
    needs_prior_study: bool
    body: str = Field(..., description="决策主体")
    state: str
    materials: dict[str, str]
    decided_on: datetime.date | None
    post_evaluation_due: datetime.date | None
    post_evaluation_colour: str = Field(..., description="后评估三色预警；未到后评估阶段为空")
    follows: str | None
    studies: list[PriorStudyOut] | None = Field(None, description="执行单位看不到")
    decisions: list[DecisionRecordOut] | None = None
    execution: DecisionExecutionOut | None = None
    evaluation: PostEvaluationOut | None = None


class DecisionItemPage(Schema):
    count: int
    items: list[DecisionItemOut]


def _colour(item: DecisionItem, on: datetime.date) -> str:
    colour = selectors.evaluation_colour(item, on)
    return "" if colour is None else colour.value


def item_out(item: DecisionItem, on: datetime.date) -> dict[str, Any]:
    return {
        "number": item.number,
        "title": item.title,
        "organisation": item.organisation.code,
        "matter_list": item.matter_list.code,
        "year": item.matter_list.year,
        "category": item.category,
        "amount": item.amount,
        "department": item.department,
        "sponsor": item.sponsor,
        "line": item.line_id,
        "needs_prior_study": item.needs_prior_study,
        "body": item.body,
        "state": item.state,
        "materials": dict(item.materials or {}),
        "decided_on": item.decided_on,
        "post_evaluation_due": item.post_evaluation_due,
        "post_evaluation_colour": _colour(item, on),
        "follows": item.follows.number if item.follows_id and item.follows else None,
    }


def item_full(user: User, item: DecisionItem) -> dict[str, Any]:
    """An item with the records the caller may see."""
    on = timezone.localdate()
    full = may(user, "view_all", item)
    page = selectors.item_page(item, full, on)
    out = item_out(item, on)
    execution = getattr(item, "execution", None)
    if execution is not None:
        out["execution"] = {
            "owner_org": execution.owner_org.code,
            "owner_name": execution.owner_name,
            "started_on": execution.started_on,
            "deviations": execution.deviations,
            "key_tasks": [{"code": t.code, "name": t.name, "colour": c} for t, c in page.tasks],
        }
    if full:
        out["studies"] = [
            {f: getattr(s, f) for f in PriorStudyOut.model_fields} for s in page.studies
        ]
        out["decisions"] = [
            {f: getattr(d, f) for f in DecisionRecordOut.model_fields} for d in page.decisions
        ]
        evaluation = getattr(item, "evaluation", None)
        if evaluation is not None:
            out["evaluation"] = {
                "evaluator": evaluation.evaluator,
                "evaluated_on": evaluation.evaluated_on,
                "dimensions": dict(evaluation.dimensions or {}),
                "conclusion": evaluation.conclusion,
                "action": evaluation.action,
                "lessons": evaluation.lessons,
                "follow_up": evaluation.follow_up.number if evaluation.follow_up else None,
            }
    return out


def _visible_item(user: User, number: str) -> DecisionItem:
    qs = DecisionItem.objects.select_related("organisation", "matter_list", "follows")
    return get_visible_or_404(qs, user, number=number)


@items_router.get("", response={200: DecisionItemPage, **READ_ERRORS}, summary="三重一大事项台账")
def decision_list(request: HttpRequest, params: Query[DecisionListParams]) -> dict[str, Any]:
    """The items the caller sees, filtered as on the register screen."""
    rows, count = paginate(selectors.item_list(caller(request), params), params)
    on = timezone.localdate()
    return {"count": count, "items": [item_out(i, on) for i in rows]}


@items_router.get(
    "/{number}", response={200: DecisionItemOut, **READ_ERRORS}, summary="三重一大事项"
)
def decision_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    user = caller(request)
    return item_full(user, _visible_item(user, number))


@items_router.post("", response={201: DecisionItemOut, **WRITE_ERRORS}, summary="新建三重一大事项")
def item_create(request: HttpRequest, payload: DecisionItemIn) -> Status[Any]:
    """A draft under a 事项清单 the caller keeps, routed by it at once."""
    user = caller(request)
    ml = MatterList.objects.visible_to(user).filter(code=payload.matter_list).first()
    if ml is None:
        raise HttpError(400, f"事项清单不存在：{payload.matter_list}")
    item = services.item_create(
        actor=user,
        matter_list=ml,
        number=payload.number,
        title=payload.title,
        category=payload.category,
        amount=payload.amount,
        department=payload.department,
        sponsor=payload.sponsor,
        materials=payload.materials.model_dump() if payload.materials else {},
    )
    return Status(201, item_full(user, _visible_item(user, item.number)))


@items_router.post(
    "/{number}/submit",
    response={200: DecisionItemOut, **WRITE_ERRORS},
    summary="提交（按清单路由）",
)
def item_submit(request: HttpRequest, number: str) -> dict[str, Any]:
    user = caller(request)
    services.item_submit(actor=user, item=_visible_item(user, number))
    return item_full(user, _visible_item(user, number))


@items_router.post(
    "/{number}/studies", response={201: DecisionItemOut, **WRITE_ERRORS}, summary="记录党委前置研究"
)
def study_create(request: HttpRequest, number: str, payload: PriorStudyIn) -> Status[Any]:
    user = caller(request)
    data = payload.model_dump()
    services.study_record(actor=user, item=_visible_item(user, number), **data)
    return Status(201, item_full(user, _visible_item(user, number)))


@items_router.post(
    "/{number}/decision", response={201: DecisionItemOut, **WRITE_ERRORS}, summary="记录决策"
)
def decision_create(request: HttpRequest, number: str, payload: DecisionRecordIn) -> Status[Any]:
    user = caller(request)
    services.decision_record(actor=user, item=_visible_item(user, number), **payload.model_dump())
    return Status(201, item_full(user, _visible_item(user, number)))


@items_router.post(
    "/{number}/execution", response={201: DecisionItemOut, **WRITE_ERRORS}, summary="开始执行"
)
def execution_create(
    request: HttpRequest, number: str, payload: DecisionExecutionIn
) -> Status[Any]:
    user = caller(request)
    item = _visible_item(user, number)
    data = payload.model_dump()
    require(user, "change", item, services.NOT_BOARD)
    owner = register_orgs_for(user).filter(code=data.pop("owner_org")).first()
    if owner is None:
        raise HttpError(400, f"责任单位不存在：{payload.owner_org}")
    services.execution_start(actor=user, item=item, owner_org=owner, **data)
    return Status(201, item_full(user, _visible_item(user, number)))


@items_router.patch(
    "/{number}/execution",
    response={200: DecisionItemOut, **WRITE_ERRORS},
    summary="修改执行情况（关联关键任务、执行偏差）",
)
def execution_update(request: HttpRequest, number: str, payload: ExecutionPatch) -> dict[str, Any]:
    user = caller(request)
    item = _visible_item(user, number)
    execution = Execution.objects.filter(item=item).select_related("item").first()
    if execution is None:
        raise HttpError(400, "事项尚未开始执行")
    services.execution_update(
        actor=user, execution=execution, **payload.model_dump(exclude_unset=True)
    )
    return item_full(user, _visible_item(user, number))


@items_router.post(
    "/{number}/finish",
    response={200: DecisionItemOut, **WRITE_ERRORS},
    summary="执行完成（待后评估）",
)
def item_finish(request: HttpRequest, number: str) -> dict[str, Any]:
    user = caller(request)
    services.execution_finish(actor=user, item=_visible_item(user, number))
    return item_full(user, _visible_item(user, number))


@items_router.post(
    "/{number}/evaluation", response={201: DecisionItemOut, **WRITE_ERRORS}, summary="记录后评估"
)
def evaluation_create(request: HttpRequest, number: str, payload: PostEvaluationIn) -> Status[Any]:
    user = caller(request)
    data = payload.model_dump()
    dims = {
        k: data.pop(k) for k in ("objectives", "process", "benefits", "impact", "sustainability")
    }
    services.evaluation_record(
        actor=user,
        item=_visible_item(user, number),
        dimensions=dims,
        follow_up_title=data.pop("follow_up_title"),
        **data,
    )
    return Status(201, item_full(user, _visible_item(user, number)))


@items_router.post(
    "/{number}/archive", response={200: DecisionItemOut, **WRITE_ERRORS}, summary="归档"
)
def item_archive(request: HttpRequest, number: str) -> dict[str, Any]:
    user = caller(request)
    services.item_archive(actor=user, item=_visible_item(user, number))
    return item_full(user, _visible_item(user, number))


# --- 事项清单 -------------------------------------------------------------------------------


class MatterListIn(Schema):
    code: str = Field("", max_length=32, description="清单编码；留空自动生成")
    organisation: str = Field(..., max_length=32, description="组织编码")
    level: str = Field("公司", max_length=20)
    year: int = Field(..., ge=2000, le=2100)
    title: Name200
    reviewed_on: datetime.date | None = None


class MatterLineIn(Schema):
    category: Category
    matter: Name200
    threshold: Decimal | None = Field(None, ge=0, le=10**9, description="金额起点（万元，含）")
    needs_prior_study: bool = True
    body: Body


class LineWithdrawIn(Schema):
    reason: Name50


def matter_list_out(ml: MatterList) -> dict[str, Any]:
    return {
        "code": ml.code,
        "organisation": ml.organisation.code,
        "level": ml.level,
        "year": ml.year,
        "title": ml.title,
        "reviewed_on": ml.reviewed_on,
        "lines": [
            {f: getattr(line, f) for f in MatterLineOut.model_fields}
            for line in ml.lines.order_by("category", "threshold", "id")
        ],
    }


def _visible_list(user: User, code: str) -> MatterList:
    return get_visible_or_404(MatterList.objects.select_related("organisation"), user, code=code)


@lists_router.get("/{code}", response={200: MatterListOut, **READ_ERRORS}, summary="事项清单")
def matter_list_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return matter_list_out(_visible_list(caller(request), code))


@lists_router.post("", response={201: MatterListOut, **WRITE_ERRORS}, summary="新建事项清单")
def matter_list_create(request: HttpRequest, payload: MatterListIn) -> Status[Any]:
    user = caller(request)
    org = register_orgs_for(user).filter(code=payload.organisation).first()
    if org is None:
        raise HttpError(400, f"组织不存在或不在您的决策管理范围内：{payload.organisation}")
    ml = services.matter_list_create(
        actor=user, **payload.model_dump(exclude={"organisation"}), organisation=org
    )
    return Status(201, matter_list_out(ml))


@lists_router.post(
    "/{code}/lines", response={201: MatterListOut, **WRITE_ERRORS}, summary="添加清单条目"
)
def line_create(request: HttpRequest, code: str, payload: MatterLineIn) -> Status[Any]:
    user = caller(request)
    ml = _visible_list(user, code)
    services.line_add(actor=user, matter_list=ml, **payload.model_dump())
    return Status(201, matter_list_out(ml))


@lists_router.post(
    "/{code}/lines/{line_id}/withdraw",
    response={200: MatterListOut, **WRITE_ERRORS},
    summary="撤回清单条目",
)
def line_withdraw(
    request: HttpRequest, code: str, line_id: int = LineId, *, payload: LineWithdrawIn
) -> dict[str, Any]:
    user = caller(request)
    ml = _visible_list(user, code)
    line = ml.lines.filter(pk=line_id).first()
    if line is None:
        raise Http404
    services.line_withdraw(actor=user, line=line, reason=payload.reason)
    return matter_list_out(ml)
