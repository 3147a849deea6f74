"""API endpoints: ``/api/v1/problems`` (list, detail, raise, and the transitions) and
``/api/v1/meetings`` (list, detail, create).

Scope as everywhere: ``visible_to`` for reads (out of scope → 404 like a missing object);
for a transition the caller must hold the role it needs (``permissions``, else 403), then
the state must allow it (else 400 with the reason); nothing changes on any refusal. Codes
named in a body: an organisation or alliance the caller cannot see is refused with 400 as if
it did not exist; a visible raising organisation the caller does not manage is 403.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.errors import HttpError

from lianjian.accounts.http import caller
from lianjian.accounts.models import User
from lianjian.alliances.models import Alliance
from lianjian.consultations import rules, selectors, services
from lianjian.consultations.models import JointMeeting, Problem
from lianjian.consultations.schemas import (
    AssignIn,
    ConfirmIn,
    MeetingCreateIn,
    MeetingDetailOut,
    MeetingListOut,
    MeetingListParams,
    ProblemCreateIn,
    ProblemDetailOut,
    ProblemListOut,
    ProblemListParams,
    ProgressIn,
    ReopenIn,
    SolveIn,
)
from lianjian.core.api_utils import READ_ERRORS, WRITE_ERRORS, named_in_body, paginate
from lianjian.core.scope import CHANGE, get_visible_or_404, may, require
from lianjian.orgs.models import Member, Organisation

problems_router = Router(tags=["事务共商：问题清单"])
meetings_router = Router(tags=["事务共商：联席会议"])

TZ = timezone.get_default_timezone()


# ---- shaping --------------------------------------------------------------------------


def problem_out(p: Problem, today: Any) -> dict[str, Any]:
    """The list fields of a problem loaded with :func:`selectors.problem_rows`."""
    return {
        "id": p.pk,
        "code": p.code,
        "title": p.title,
        "category": p.category,
        "urgency": p.urgency,
        "alliance": p.alliance.code if p.alliance_id else None,
        "raised_by": p.raised_by.code,
        "raised_by_name": p.raised_by.name,
        "raised_on": p.raised_on,
        "owners": [link.org.code for link in p.owner_links.all()],
        "responsible": p.responsible,
        "deadline": p.deadline,
        "meeting": p.meeting.code if p.meeting_id else None,
        "state": p.state,
        "colour": p.colour(today),
        "assigned_on": p.assigned_on,
        "solved_on": p.solved_on,
        "closed_on": p.closed_on,
        "reopened": p.reopened,
    }


def problem_detail_out(problem: Problem) -> dict[str, Any]:
    p = selectors.problem_rows(Problem.objects.filter(pk=problem.pk)).get()
    return {
        **problem_out(p, timezone.localdate()),
        "description": p.description,
        "resolution": p.resolution,
        "events": [
            {
                "at": timezone.localtime(e.at, TZ),
                "kind": e.kind,
                "actor": e.actor_name,
                "org": e.org.code if e.org_id else None,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "text": e.text,
            }
            for e in selectors.timeline(p)
        ],
    }


def meeting_out(m: JointMeeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "code": m.code,
        "alliance": m.alliance.code,
        "alliance_name": m.alliance.name,
        "title": m.title,
        "start": timezone.localtime(m.start, TZ),
        "place": m.place,
        "convener": m.convener.code,
        "host_person": m.host_person,
        "recorder": m.recorder,
        "status": m.status,
    }


def meeting_detail_out(meeting: JointMeeting) -> dict[str, Any]:
    m = JointMeeting.objects.select_related("alliance", "convener").get(pk=meeting.pk)
    agenda = m.agenda.select_related("problem").order_by("position")
    attendees = m.attendees.select_related("org", "member").order_by("position")
    return {
        **meeting_out(m),
        "minutes": m.minutes,
        "decisions": m.decisions,
        "agenda": [
            {
                "position": a.position,
                "title": a.title,
                "problem": a.problem.code if a.problem_id else None,
            }
            for a in agenda
        ],
        "attendees": [
            {
                "org": a.org.code,
                "org_name": a.org.name,
                "name": a.name,
                "post": a.post,
                "member": a.member.number if a.member_id else None,
            }
            for a in attendees
        ],
    }


# ---- problems -------------------------------------------------------------------------


def _visible_problem(user: User, code: str) -> Problem:
    return get_visible_or_404(selectors.problem_rows(Problem.objects.all()), user, code=code)


def _problem_for(request: HttpRequest, code: str, action: str) -> tuple[User, Problem]:
    """The caller and the problem they take a step of: out of scope → 404, a step they
    may not take → 403."""
    user = caller(request)
    problem = _visible_problem(user, code)
    require(user, action, problem, f"无权对该问题执行“{rules.ACTION_LABELS[action]}”")
    return user, problem


@problems_router.get("", response={200: ProblemListOut, **READ_ERRORS}, summary="问题清单")
def problem_list(request: HttpRequest, params: Query[ProblemListParams]) -> dict[str, Any]:
    """Problems the caller may see, newest first, with the list's filters."""
    today = timezone.localdate()
    items, count = paginate(selectors.problem_list(caller(request), params, today), params)
    return {"items": [problem_out(p, today) for p in items], "count": count}


@problems_router.get("/{code}", response={200: ProblemDetailOut, **READ_ERRORS}, summary="问题详情")
def problem_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """One problem with its description, resolution and timeline."""
    return problem_detail_out(_visible_problem(caller(request), code))


@problems_router.post("", response={201: ProblemDetailOut, **WRITE_ERRORS}, summary="提出问题")
def problem_create(request: HttpRequest, payload: ProblemCreateIn) -> Status:
    """Raise a problem (待研究) for an organisation the caller manages."""
    user = caller(request)
    org = named_in_body(
        Organisation, user, payload.raised_by, "提出组织", "无权以「{}」的名义提出问题"
    )
    alliance = named_in_body(Alliance, user, payload.alliance, "联建") if payload.alliance else None
    problem = services.problem_raise(
        actor=user,
        raised_by=org,
        alliance=alliance,
        title=payload.title,
        category=payload.category,
        urgency=payload.urgency,
        description=payload.description,
        raised_on=payload.raised_on,
        code=payload.code,
    )
    return Status(201, problem_detail_out(problem))


@problems_router.post(
    "/{code}/assign", response={200: ProblemDetailOut, **WRITE_ERRORS}, summary="分派（调整分派）"
)
def problem_assign(request: HttpRequest, code: str, payload: AssignIn) -> dict[str, Any]:
    """Set owners, a responsible person and a deadline: 待研究 → 已分派 (or change them)."""
    user, problem = _problem_for(request, code, "assign")
    if len(set(payload.owners)) != len(payload.owners):
        raise HttpError(400, "owners：同一组织不能重复列出")
    if problem.alliance_id:
        allowed = Organisation.objects.filter(pk__in=services.alliance_org_ids(problem.alliance))
    else:
        allowed = Organisation.objects.visible_to(user).filter(is_partner=False)
    found = {o.code: o for o in allowed.filter(code__in=payload.owners)}
    missing = [c for c in payload.owners if c not in found]
    if missing:
        raise HttpError(400, f"责任组织不存在或不是本联建的成员单位：{'、'.join(missing)}")
    meeting = None
    if payload.meeting:
        meeting = (
            JointMeeting.objects.visible_to(user)
            .filter(code=payload.meeting, alliance_id=problem.alliance_id)
            .first()
        )
        if meeting is None:
            raise HttpError(400, f"研究会议不存在或不是本联建的会议：{payload.meeting}")
    services.problem_assign(
        actor=user,
        problem=problem,
        owners=[found[c] for c in payload.owners],
        deadline=payload.deadline,
        responsible=payload.responsible,
        meeting=meeting,
        note=payload.note,
    )
    return problem_detail_out(problem)


@problems_router.post(
    "/{code}/progress", response={200: ProblemDetailOut, **WRITE_ERRORS}, summary="报送办理进展"
)
def problem_progress(request: HttpRequest, code: str, payload: ProgressIn) -> dict[str, Any]:
    """An owner organisation the caller manages reports progress (→ 办理中)."""
    user, problem = _problem_for(request, code, "progress")
    owned = [link.org for link in problem.owner_links.all() if may(user, CHANGE, link.org)]
    org = owned[0]
    if payload.org:
        org = next((o for o in owned if o.code == payload.org), None)
        if org is None:
            raise HttpError(400, f"org：{payload.org} 不是您管理的责任组织")
    services.problem_progress(actor=user, problem=problem, org=org, text=payload.text)
    return problem_detail_out(problem)


@problems_router.post(
    "/{code}/solve", response={200: ProblemDetailOut, **WRITE_ERRORS}, summary="办结"
)
def problem_solve(request: HttpRequest, code: str, payload: SolveIn) -> dict[str, Any]:
    """The owners report the problem solved (→ 待确认)."""
    user, problem = _problem_for(request, code, "solve")
    owned = [link.org for link in problem.owner_links.all() if may(user, CHANGE, link.org)]
    services.problem_solve(
        actor=user,
        problem=problem,
        resolution=payload.resolution,
        solved_on=payload.solved_on,
        org=owned[0] if owned else None,
    )
    return problem_detail_out(problem)


@problems_router.post(
    "/{code}/confirm", response={200: ProblemDetailOut, **WRITE_ERRORS}, summary="确认销号"
)
def problem_confirm(request: HttpRequest, code: str, payload: ConfirmIn) -> dict[str, Any]:
    """The raising organisation confirms the fix (待确认 → 已销号)."""
    user, problem = _problem_for(request, code, "confirm")
    services.problem_confirm(actor=user, problem=problem, note=payload.note)
    return problem_detail_out(problem)


@problems_router.post(
    "/{code}/reopen", response={200: ProblemDetailOut, **WRITE_ERRORS}, summary="退回重新办理"
)
def problem_reopen(request: HttpRequest, code: str, payload: ReopenIn) -> dict[str, Any]:
    """The raising organisation sends a solved problem back (待确认 → 办理中) with a reason."""
    user, problem = _problem_for(request, code, "reopen")
    services.problem_reopen(actor=user, problem=problem, reason=payload.reason)
    return problem_detail_out(problem)


# ---- meetings -------------------------------------------------------------------------


@meetings_router.get("", response={200: MeetingListOut, **READ_ERRORS}, summary="联席会议列表")
def meeting_list(request: HttpRequest, params: Query[MeetingListParams]) -> dict[str, Any]:
    """Meetings of the alliances the caller sees, latest first."""
    items, count = paginate(selectors.meeting_list(caller(request), params), params)
    return {"items": [meeting_out(m) for m in items], "count": count}


@meetings_router.get(
    "/{code}", response={200: MeetingDetailOut, **READ_ERRORS}, summary="联席会议详情"
)
def meeting_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """One meeting with its agenda, attendees, minutes and decisions."""
    meeting = JointMeeting.objects.visible_to(caller(request)).filter(code=code).first()
    if meeting is None:
        raise Http404
    return meeting_detail_out(meeting)


@meetings_router.post("", response={201: MeetingDetailOut, **WRITE_ERRORS}, summary="登记联席会议")
def meeting_create(request: HttpRequest, payload: MeetingCreateIn) -> Status:
    """Plan a meeting (筹备中) of an alliance the caller manages, or convened by an
    organisation of the alliance the caller manages."""
    user = caller(request)
    alliance = (
        Alliance.objects.visible_to(user)
        .select_related("lead")
        .filter(code=payload.alliance)
        .first()
    )
    if alliance is None:
        raise HttpError(400, f"联建不存在：{payload.alliance}")
    members = services.alliance_org_ids(alliance)
    convener = alliance.lead
    if payload.convener:
        convener = Organisation.objects.filter(code=payload.convener, pk__in=members).first()
        if convener is None:
            raise HttpError(400, f"召集单位不是本联建的成员单位：{payload.convener}")
    if not (may(user, CHANGE, alliance.lead) or may(user, CHANGE, convener)):
        raise HttpError(403, "无权为该联建登记联席会议")
    codes = {a.problem for a in payload.agenda if a.problem}
    problems = {
        p.code: p
        for p in Problem.objects.visible_to(user).filter(alliance=alliance, code__in=codes)
    }
    agenda = []
    for item in payload.agenda:
        problem = None
        if item.problem:
            problem = problems.get(item.problem)
            if problem is None:
                raise HttpError(400, f"agenda：问题不存在或不属于本联建：{item.problem}")
        title = item.title or (f"研究：{problem.title}" if problem else "")
        if not title:
            raise HttpError(400, "agenda：议题不能为空")
        agenda.append(services.Agenda(title=title[:200], problem=problem))
    orgs = {
        o.code: o
        for o in Organisation.objects.filter(
            pk__in=members, code__in={a.org for a in payload.attendees}
        )
    }
    attendees = []
    for person in payload.attendees:
        org = orgs.get(person.org)
        if org is None:
            raise HttpError(400, f"attendees：参会单位不是本联建的成员单位：{person.org}")
        # Only a member record the caller may see is linked: the link must not reveal others.
        found = list(
            Member.objects.visible_to(user).current().filter(org=org, name=person.name)[:2]
        )
        attendees.append(
            services.Attendee(
                org=org,
                name=person.name,
                post=person.post,
                member=found[0] if len(found) == 1 else None,
            )
        )
    start = (
        payload.start if not timezone.is_naive(payload.start) else payload.start.replace(tzinfo=TZ)
    )
    meeting = services.meeting_create(
        actor=user,
        alliance=alliance,
        title=payload.title,
        start=start,
        convener=convener,
        agenda=agenda,
        attendees=attendees,
        code=payload.code,
        place=payload.place,
        host_person=payload.host_person,
        recorder=payload.recorder,
        minutes=payload.minutes,
        decisions=payload.decisions,
    )
    return Status(201, meeting_detail_out(meeting))
