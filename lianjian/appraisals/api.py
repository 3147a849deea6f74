"""API of 民主评议党员: ``/api/v1/appraisals`` — the list (the screen's one filter), one
appraisal with what the caller may see of it, and the writes: 新建, the steps, 个人自评,
互评, 评定 and the decision meeting.

Scope as everywhere: an appraisal outside the caller's scope answers 404 (as if missing);
a step the caller may not take answers 403; a refusal of the rules (state, quota, once per
pair …) 400 with the reason; nothing changes on a refusal. A member never receives others'
votes nor the tally: ``tally`` is null unless the caller manages the branch, and ``me``
carries only the caller's own ratings.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError

from lianjian.accounts.http import caller
from lianjian.accounts.models import User
from lianjian.appraisals import rules, selectors, services
from lianjian.appraisals.models import Appraisal, Participant
from lianjian.appraisals.schemas import (
    AppraisalDetail,
    AppraisalIn,
    AppraisalListParams,
    AppraisalPage,
    AppraisalTransitionIn,
    DecisionIn,
    MeetingIn,
    SelfAssessmentIn,
    VoteIn,
)
from lianjian.core.api_utils import READ_ERRORS, WRITE_ERRORS, paginate
from lianjian.core.scope import get_visible_or_404
from lianjian.orgs.models import Organisation

router = Router(tags=["民主评议党员"])


def appraisal_out(a: Appraisal, full: int, probationary: int) -> dict[str, Any]:
    return {
        "code": a.code,
        "title": a.title,
        "branch": a.branch.code,
        "branch_name": a.branch.name,
        "year": a.year,
        "held_on": a.held_on,
        "state": a.state,
        "meeting": a.meeting.code if a.meeting_id is not None and a.meeting else None,
        "void_reason": a.void_reason,
        "full_count": full,
        "probationary_count": probationary,
        "excellent_quota": rules.excellent_quota(full),
    }


def _visible(user: User, code: str) -> Appraisal:
    return get_visible_or_404(
        Appraisal.objects.select_related("branch", "meeting"), user, code=code
    )


def _participant(a: Appraisal, number: str) -> Participant:
    found = Participant.objects.filter(appraisal=a, member__number=number).first()
    if found is None:
        raise HttpError(400, f"该党员不在本次评议中：{number}")
    return found


def detail_out(user: User, a: Appraisal) -> dict[str, Any]:
    p = selectors.progress(user, a)
    out = appraisal_out(a, p.full_count, p.probationary_count)
    out["participants"] = [
        {
            "member": r.participant.member.number,
            "name": r.participant.name,
            "category": r.participant.category,
            "self_assessed": r.self_assessed,
            "votes_cast": r.votes_cast if p.show_tally else None,
        }
        for r in p.rows
    ]
    out["tally"] = (
        [
            {
                "member": r.participant.member.number,
                "name": r.participant.name,
                **r.tally.counts,
                "total": r.tally.total,
                "decision": r.decision.grade if r.decision else None,
            }
            for r in p.rows
            if r.tally is not None
        ]
        if p.show_tally
        else None
    )
    mine = selectors.my_part(user, a)
    out["me"] = (
        {
            "member": mine.participant.member.number,
            "category": mine.participant.category,
            "self_assessment": mine.self_text,
            "rated": [o.member.number for o, given in mine.others if given],
            "to_rate": [o.member.number for o, given in mine.others if not given],
            "result": mine.decision.grade if mine.decision else None,
            "feedback": mine.decision.feedback if mine.decision else None,
        }
        if mine is not None
        else None
    )
    return out


@router.get("", response={200: AppraisalPage, **READ_ERRORS}, summary="民主评议列表")
def appraisal_list(request: HttpRequest, params: Query[AppraisalListParams]) -> dict[str, Any]:
    """The appraisals the caller sees (the branches in their scope; a member: their own)."""
    items, count = paginate(selectors.appraisal_list(caller(request), params), params)
    return {
        "items": [appraisal_out(a, a.full_count, a.probationary_count) for a in items],  # type: ignore[attr-defined]
        "count": count,
    }


@router.get("/{code}", response={200: AppraisalDetail, **READ_ERRORS}, summary="民主评议详情")
def appraisal_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """Participants and progress; the tally for the branch's managers; the caller's own part."""
    user = caller(request)
    return detail_out(user, _visible(user, code))


@router.post("", response={201: AppraisalDetail, **WRITE_ERRORS}, summary="新建民主评议")
def appraisal_create(request: HttpRequest, payload: AppraisalIn) -> Status[Any]:
    """A new appraisal (准备) of a branch the caller manages, with its participants as of
    ``held_on``."""
    user = caller(request)
    branch = Organisation.objects.visible_to(user).filter(code=payload.branch).first()
    if branch is None:
        raise HttpError(400, f"党支部不存在：{payload.branch}")
    a = services.appraisal_create(
        actor=user, branch=branch, year=payload.year, held_on=payload.held_on, title=payload.title
    )
    return Status(201, detail_out(user, _visible(user, a.code)))


@router.post(
    "/{code}/transition", response={200: AppraisalDetail, **WRITE_ERRORS}, summary="评议步骤"
)
def appraisal_transition(
    request: HttpRequest, code: str, payload: AppraisalTransitionIn
) -> dict[str, Any]:
    """``start`` 开始测评, ``close`` 结束测评, ``publish`` 发布结果, ``void`` 作废 (with ``reason``)."""
    user = caller(request)
    a = _visible(user, code)
    if payload.action == "start":
        services.appraisal_start(actor=user, appraisal=a)
    elif payload.action == "close":
        services.appraisal_close_rating(actor=user, appraisal=a)
    elif payload.action == "publish":
        services.appraisal_publish(actor=user, appraisal=a)
    else:
        services.appraisal_void(actor=user, appraisal=a, reason=payload.reason)
    return detail_out(user, _visible(user, code))


@router.put(
    "/{code}/self-assessment",
    response={200: AppraisalDetail, **WRITE_ERRORS},
    summary="填写个人自评",
)
def self_assessment(request: HttpRequest, code: str, payload: SelfAssessmentIn) -> dict[str, Any]:
    """The caller's own 个人自评, while rating is open (测评中)."""
    user = caller(request)
    a = _visible(user, code)
    services.self_assess(actor=user, appraisal=a, text=payload.text)
    return detail_out(user, a)


@router.post("/{code}/votes", response={200: AppraisalDetail, **WRITE_ERRORS}, summary="互评")
def vote(request: HttpRequest, code: str, payload: VoteIn) -> dict[str, Any]:
    """The caller rates one other 正式党员, once, while rating is open."""
    user = caller(request)
    a = _visible(user, code)
    services.vote_cast(
        actor=user, appraisal=a, votee=_participant(a, payload.member), grade=payload.grade
    )
    return detail_out(user, a)


@router.post(
    "/{code}/decisions", response={200: AppraisalDetail, **WRITE_ERRORS}, summary="评定等次"
)
def decision(request: HttpRequest, code: str, payload: DecisionIn) -> dict[str, Any]:
    """The branch's grade and feedback for one 正式党员 (quota: 优秀 ≤ ⌊正式党员÷3⌋; nobody
    grades themself)."""
    user = caller(request)
    a = _visible(user, code)
    services.decide(
        actor=user,
        appraisal=a,
        participant=_participant(a, payload.member),
        grade=payload.grade,
        feedback=payload.feedback,
    )
    return detail_out(user, a)


@router.post(
    "/{code}/meeting", response={200: AppraisalDetail, **WRITE_ERRORS}, summary="记录评议会议"
)
def meeting(request: HttpRequest, code: str, payload: MeetingIn) -> dict[str, Any]:
    """The decision meeting (→ 已决定): an activity 民主评议党员 the branch already recorded
    for the year (``activity``), or a new one at ``start``."""
    user = caller(request)
    a = _visible(user, code)
    activity = None
    if payload.activity:
        activity = services.meeting_candidates(a).filter(code=payload.activity).first()
        if activity is None:
            raise HttpError(400, f"评议会议不存在或不可选：{payload.activity}")
    services.record_meeting(
        actor=user,
        appraisal=a,
        start=payload.start,
        activity=activity,
        venue=payload.venue,
        minutes=payload.minutes,
    )
    return detail_out(user, _visible(user, code))
