"""Writes to the problem list and joint meetings. Every function is atomic and audited.

Callers check scope (``visible_to``) and role (:mod:`~lianjian.consultations.permissions`)
first; the services enforce the record's own rules under a row lock: the transition must be
legal in the current state (:mod:`~lianjian.consultations.rules`), organisations named must
belong to the alliance, dates must make sense. A refusal raises ``ValidationError`` with a
Chinese message before anything is written. Every change of a problem appends a
:class:`ProblemEvent` to its timeline and writes one audit row, and keeps the inbox in step
(:mod:`~lianjian.consultations.reminders`): a to-do for whoever's move it is now, the
to-dos of the move just made marked done.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.consultations import reminders, rules
from lianjian.consultations.models import (
    AgendaItem,
    JointMeeting,
    MeetingAttendee,
    MeetingStatus,
    Problem,
    ProblemEvent,
    ProblemOwner,
    field_label,
)
from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.codes import next_code
from lianjian.core.models import AuditLog
from lianjian.notifications.reminders import deliver
from lianjian.orgs.models import Member, Organisation, validate_code

MAX_OWNERS = 20


def today() -> datetime.date:
    return timezone.localdate()


def alliance_org_ids(alliance: Alliance) -> set[int]:
    """The organisations that take part in ``alliance`` now: current members and the lead."""
    ids = set(
        AllianceMember.objects.filter(alliance=alliance, left_on__isnull=True).values_list(
            "org_id", flat=True
        )
    )
    ids.add(alliance.lead_id)
    return ids


def problem_code_new(year: int) -> str:
    """The next free 问题编号 of ``year``: ``WT-2026-001``, ``-002`` … (reserved for the
    calling transaction, see :func:`lianjian.core.codes.next_code`)."""
    return next_code(Problem, f"WT-{year}-")


def meeting_code_new(year: int) -> str:
    """The next free 会议编号 of ``year``: ``LX-2026-001`` …"""
    return next_code(JointMeeting, f"LX-{year}-")


def _save_new(obj: Problem | JointMeeting, code: str, make_code: Any) -> None:
    """Insert ``obj`` under ``code`` or, when none was given, the next generated code (two
    people creating at the same moment queue at the allocator and get two codes)."""
    if code:
        try:
            validate_code(code)
        except ValidationError as exc:
            raise ValidationError({"code": exc.messages}) from None
        if type(obj).objects.filter(code=code).exists():
            raise ValidationError({"code": f"编号已存在：{code}"})
        obj.code = code
    else:
        obj.code = make_code()
    obj.save()


def _event(
    problem: Problem,
    kind: str,
    actor: Any,
    *,
    before: str,
    text: str = "",
    org: Organisation | None = None,
) -> ProblemEvent:
    """Append to the timeline; ``before`` is the state before the change (the from/to pair
    stays empty when the state did not change)."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return ProblemEvent.objects.create(
        problem=problem,
        at=timezone.now(),
        kind=kind,
        actor=actor if is_user else None,
        actor_name=(actor.display_name if is_user else "系统"),
        org=org,
        from_state=before if before != problem.state else "",
        to_state=problem.state if before != problem.state else "",
        text=text,
    )


def _owner_codes(problem: Problem) -> list[str]:
    return list(
        ProblemOwner.objects.filter(problem=problem)
        .order_by("position")
        .values_list("org__code", flat=True)
    )


def _problem_snapshot(problem: Problem) -> dict[str, Any]:
    out = snapshot(problem)
    out["owners"] = _owner_codes(problem)
    return out


def _locked(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().get(pk=problem.pk)


def _text(value: str, label: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({label: "不能为空"})
    if len(value) > max_length:
        raise ValidationError({label: f"不能超过 {max_length} 个字符"})
    return value


def _refresh(problem: Problem, fresh: Problem) -> None:
    """Copy the written row onto the caller's instance so that it sees the new state."""
    for name in Problem.AUDIT_FIELDS:
        setattr(problem, name, getattr(fresh, name))
    problem.updated_at = fresh.updated_at


# --- problems ------------------------------------------------------------------------------


@transaction.atomic
def problem_raise(
    *,
    actor: Any,
    raised_by: Organisation,
    title: str,
    category: str,
    alliance: Alliance | None = None,
    urgency: str = "一般",
    description: str = "",
    raised_on: datetime.date | None = None,
    code: str = "",
) -> Problem:
    """Put a problem raised by ``raised_by`` on the list (待研究). With an ``alliance``, the
    raising organisation must take part in it. ``code`` defaults to the next 问题编号."""
    if raised_by.dissolved:
        raise ValidationError({"raised_by": rules.dissolved_raiser_problem(raised_by.name)})
    if alliance is not None and raised_by.pk not in alliance_org_ids(alliance):
        raise ValidationError(
            {"raised_by": f"“{raised_by.name}”不是联建“{alliance.name}”的成员单位"}
        )
    raised_on = raised_on or today()
    problem = Problem(
        title=_text(title, "title", 200),
        category=category,
        urgency=urgency,
        description=_text(description, "description", 5000, required=False),
        alliance=alliance,
        raised_by=raised_by,
        raised_on=raised_on,
        state=rules.PENDING,
        code=code or "WT-NEW",
    )
    problem.full_clean(exclude=["code"])
    _save_new(problem, code, lambda: problem_code_new(raised_on.year))
    _event(
        problem,
        ProblemEvent.Kind.RAISED,
        actor,
        before="",
        org=raised_by,
        text=problem.description[:500],
    )
    audit_record(
        actor=actor, action=AuditLog.Action.CREATE, obj=problem, after=_problem_snapshot(problem)
    )
    # Those who assign it (the ``assign`` rule of ``Problem.SCOPE``): the alliance's lead's managers, else the
    # managers above the raising organisation.
    deciders = (
        [alliance.lead]
        if alliance is not None
        else [raised_by.parent]
        if raised_by.parent_id
        else []
    )
    deliver([reminders.raised_reminder(problem, reminders.managers_of(deciders))])
    return problem


EDITABLE = ("title", "category", "urgency", "description")


@transaction.atomic
def problem_update(*, actor: Any, problem: Problem, **fields: Any) -> Problem:
    """Correct the title, category, urgency or description while the problem is 待研究."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    fresh = _locked(problem)
    if not rules.allowed("edit", fresh.state):
        raise ValidationError(rules.refusal("edit", fresh.state))
    before = _problem_snapshot(fresh)
    for name, value in fields.items():
        setattr(fresh, name, value)
    fresh.title = _text(fresh.title, "title", 200)
    fresh.description = _text(fresh.description, "description", 5000, required=False)
    fresh.full_clean()
    fresh.save()
    b, a = diff(before, _problem_snapshot(fresh))
    if a:
        _event(
            fresh,
            ProblemEvent.Kind.EDITED,
            actor,
            before=fresh.state,
            text="修改了" + "、".join(field_label(k) for k in a),
        )
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=fresh, before=b, after=a)
    _refresh(problem, fresh)
    return problem


@transaction.atomic
def problem_assign(
    *,
    actor: Any,
    problem: Problem,
    owners: Sequence[Organisation],
    deadline: datetime.date,
    responsible: str = "",
    meeting: JointMeeting | None = None,
    note: str = "",
) -> Problem:
    """Assign owners (the first leads), a responsible person and a deadline (待研究 → 已分派),
    or change them later (调整分派, the state stays). Owners must take part in the alliance;
    ``meeting``, the meeting that studied it, must be of the same alliance and gets the
    problem on its agenda if it is not there yet."""
    fresh = _locked(problem)
    new_state = _next(fresh, "assign")
    owners = list(owners)
    if not owners:
        raise ValidationError({"owners": "请至少指定一个责任组织"})
    if len({o.pk for o in owners}) != len(owners):
        raise ValidationError({"owners": "同一组织不能重复列为责任组织"})
    if len(owners) > MAX_OWNERS:
        raise ValidationError({"owners": f"责任组织最多 {MAX_OWNERS} 个"})
    gone = rules.dissolved_owners_problem([o.name for o in owners if o.dissolved])
    if gone:
        raise ValidationError({"owners": gone})
    if fresh.alliance_id is not None:
        members = alliance_org_ids(fresh.alliance)
        strangers = [o.name for o in owners if o.pk not in members]
        if strangers:
            raise ValidationError(
                {"owners": f"责任组织须为本联建的成员单位：{'、'.join(strangers)}"}
            )
    if deadline is None:
        raise ValidationError({"deadline": "请填写办理期限"})
    if deadline < today():
        raise ValidationError({"deadline": "办理期限不能早于今天"})
    if meeting is not None and meeting.alliance_id != fresh.alliance_id:
        raise ValidationError({"meeting": "研究会议须为本联建的联席会议"})
    before = _problem_snapshot(fresh)
    kind = (
        ProblemEvent.Kind.ASSIGNED if fresh.state == rules.PENDING else ProblemEvent.Kind.REASSIGNED
    )
    old_state = fresh.state
    fresh.state, fresh.deadline = new_state, deadline
    fresh.responsible = _text(responsible, "responsible", 50, required=False)
    if meeting is not None:
        fresh.meeting = meeting
    if fresh.assigned_on is None:
        fresh.assigned_on = today()
    fresh.full_clean()
    fresh.save()
    ProblemOwner.objects.filter(problem=fresh).delete()
    ProblemOwner.objects.bulk_create(
        [ProblemOwner(problem=fresh, org=o, position=i) for i, o in enumerate(owners)]
    )
    if (
        meeting is not None
        and not AgendaItem.objects.filter(meeting=meeting, problem=fresh).exists()
    ):
        last = (
            AgendaItem.objects.filter(meeting=meeting)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        AgendaItem.objects.create(
            meeting=meeting,
            position=(last or 0) + 1,
            title=f"研究：{fresh.title}"[:200],
            problem=fresh,
        )
    after = _problem_snapshot(fresh)
    summary = f"责任组织：{'、'.join(o.name for o in owners)}；办理期限 {deadline:%Y-%m-%d}"
    if fresh.responsible:
        summary += f"；责任人 {fresh.responsible}"
    if meeting is not None:
        summary += f"；经{meeting.title}研究"
    note = _text(note, "note", 1000, required=False)
    _event(fresh, kind, actor, before=old_state, text=f"{summary}。{note}" if note else summary)
    b, a = diff(before, after)
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=fresh, before=b, after=a, note=kind
    )
    users = reminders.managers_of(owners)
    # To-dos about another deadline no longer hold; owners taken off have nothing left to do.
    reminders.close_tasks(
        fresh.code, ("assign", "yellow", "red"), unless_suffix=f":{deadline:%Y-%m-%d}"
    )
    reminders.close_tasks(fresh.code, ("assign", "reopen"), unless_users=users)
    reminders.close_tasks(fresh.code, ("raised",))
    deliver([reminders.owner_reminder(fresh, owners, users, kind="assign", today=today())])
    _refresh(problem, fresh)
    return problem


def _next(problem: Problem, action: str) -> str:
    try:
        return rules.next_state(action, problem.state)
    except rules.IllegalTransition as exc:
        raise ValidationError(str(exc)) from None


@transaction.atomic
def problem_progress(*, actor: Any, problem: Problem, org: Organisation, text: str) -> ProblemEvent:
    """An owner organisation reports progress (已分派/办理中 → 办理中)."""
    fresh = _locked(problem)
    new_state = _next(fresh, "progress")
    if not ProblemOwner.objects.filter(problem=fresh, org=org).exists():
        raise ValidationError({"org": f"“{org.name}”不是该问题的责任组织"})
    text = _text(text, "text", 2000)
    old = fresh.state
    if new_state != old:
        fresh.state = new_state
        fresh.save(update_fields=["state", "updated_at"])
    event = _event(fresh, ProblemEvent.Kind.PROGRESS, actor, before=old, org=org, text=text)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=fresh,
        before={"state": old},
        after={"state": fresh.state, "progress": text[:200], "org": org.code},
        note="报送进展",
    )
    _refresh(problem, fresh)
    return event


@transaction.atomic
def problem_solve(
    *,
    actor: Any,
    problem: Problem,
    resolution: str,
    solved_on: datetime.date | None = None,
    org: Organisation | None = None,
) -> Problem:
    """The owners mark the problem solved with how (已分派/办理中 → 待确认)."""
    fresh = _locked(problem)
    new_state = _next(fresh, "solve")
    resolution = _text(resolution, "resolution", 5000)
    solved_on = solved_on or today()
    before = _problem_snapshot(fresh)
    old = fresh.state
    fresh.state, fresh.solved_on, fresh.resolution = new_state, solved_on, resolution
    fresh.full_clean()
    fresh.save()
    _event(fresh, ProblemEvent.Kind.SOLVED, actor, before=old, org=org, text=resolution)
    b, a = diff(before, _problem_snapshot(fresh))
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=fresh, before=b, after=a, note="办结"
    )
    reminders.close_tasks(fresh.code, reminders.OWNER_TASKS)
    deliver([reminders.confirm_reminder(fresh, reminders.managers_of([fresh.raised_by]))])
    _refresh(problem, fresh)
    return problem


@transaction.atomic
def problem_confirm(*, actor: Any, problem: Problem, note: str = "") -> Problem:
    """The raising organisation confirms the fix (待确认 → 已销号)."""
    fresh = _locked(problem)
    new_state = _next(fresh, "confirm")
    note = _text(note, "note", 1000, required=False)
    old = fresh.state
    fresh.state, fresh.closed_on = new_state, today()
    fresh.save(update_fields=["state", "closed_on", "updated_at"])
    _event(fresh, ProblemEvent.Kind.CONFIRMED, actor, before=old, org=fresh.raised_by, text=note)
    reminders.close_tasks(fresh.code, ("confirm",))
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=fresh,
        before={"state": old, "closed_on": None},
        after={"state": fresh.state, "closed_on": fresh.closed_on.isoformat()},
        note=note or "确认销号",
    )
    _refresh(problem, fresh)
    return problem


@transaction.atomic
def problem_reopen(*, actor: Any, problem: Problem, reason: str) -> Problem:
    """The raising organisation is not satisfied: back to 办理中 with a reason; the solved
    date and resolution are cleared (the timeline keeps them)."""
    fresh = _locked(problem)
    new_state = _next(fresh, "reopen")
    reason = _text(reason, "reason", 1000)
    before = _problem_snapshot(fresh)
    old = fresh.state
    fresh.state, fresh.solved_on, fresh.resolution = new_state, None, ""
    fresh.reopened += 1
    fresh.full_clean()
    fresh.save()
    _event(fresh, ProblemEvent.Kind.REOPENED, actor, before=old, org=fresh.raised_by, text=reason)
    b, a = diff(before, _problem_snapshot(fresh))
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=fresh,
        before=b,
        after=a,
        note=f"退回重新办理：{reason}",
    )
    reminders.close_tasks(fresh.code, ("confirm",))
    owners = [
        link.org
        for link in ProblemOwner.objects.filter(problem=fresh)
        .select_related("org")
        .order_by("position")
    ]
    deliver(
        [
            reminders.owner_reminder(
                fresh,
                owners,
                reminders.managers_of(owners),
                kind="reopen",
                today=today(),
                reason=reason,
            )
        ]
    )
    _refresh(problem, fresh)
    return problem


# --- meetings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendee:
    """One attendee as the forms and the API give it: organisation, name, post, and the
    member record when the person is one."""

    org: Organisation
    name: str
    post: str = ""
    member: Member | None = None


@dataclass(frozen=True)
class Agenda:
    title: str
    problem: Problem | None = None


MEETING_FIELDS = (
    "title",
    "start",
    "place",
    "convener",
    "host_person",
    "recorder",
    "minutes",
    "decisions",
)


def _check_meeting(
    meeting: JointMeeting, agenda: Sequence[Agenda] | None, attendees: Sequence[Attendee] | None
) -> None:
    orgs = alliance_org_ids(meeting.alliance)
    if meeting.convener_id not in orgs:
        raise ValidationError({"convener": "召集单位须为本联建的成员单位"})
    if agenda is not None:
        seen: set[int] = set()
        for item in agenda:
            if not item.title.strip():
                raise ValidationError({"agenda": "议题不能为空"})
            if len(item.title) > 200:
                raise ValidationError({"agenda": "议题不能超过 200 个字符"})
            if item.problem is not None:
                if item.problem.alliance_id != meeting.alliance_id:
                    raise ValidationError({"agenda": f"问题 {item.problem.code} 不属于本联建"})
                if item.problem.pk in seen:
                    raise ValidationError({"agenda": f"问题 {item.problem.code} 在议程中重复"})
                seen.add(item.problem.pk)
    if attendees is not None:
        for person in attendees:
            if person.org.pk not in orgs:
                raise ValidationError(
                    {"attendees": f"参会单位“{person.org.name}”不是本联建的成员单位"}
                )
            if not person.name.strip():
                raise ValidationError({"attendees": "参会人员姓名不能为空"})
            if person.member is not None and person.member.org_id != person.org.pk:
                raise ValidationError({"attendees": f"{person.name}不是“{person.org.name}”的党员"})


def _meeting_snapshot(meeting: JointMeeting) -> dict[str, Any]:
    out = snapshot(meeting)
    out["agenda"] = [
        f"{p.code}｜{t}" if p else t
        for t, p in (
            (i.title, i.problem)
            for i in meeting.agenda.select_related("problem").order_by("position")
        )
    ]
    out["attendees"] = [
        f"{a.org.code}｜{a.name}"
        for a in meeting.attendees.select_related("org").order_by("position")
    ]
    return out


def _write_lists(
    meeting: JointMeeting, agenda: Sequence[Agenda] | None, attendees: Sequence[Attendee] | None
) -> None:
    if agenda is not None:
        AgendaItem.objects.filter(meeting=meeting).delete()
        AgendaItem.objects.bulk_create(
            [
                AgendaItem(
                    meeting=meeting, position=i, title=item.title.strip(), problem=item.problem
                )
                for i, item in enumerate(agenda, start=1)
            ]
        )
    if attendees is not None:
        MeetingAttendee.objects.filter(meeting=meeting).delete()
        MeetingAttendee.objects.bulk_create(
            [
                MeetingAttendee(
                    meeting=meeting,
                    position=i,
                    org=a.org,
                    member=a.member,
                    name=a.name.strip()[:50],
                    post=a.post.strip()[:50],
                )
                for i, a in enumerate(attendees, start=1)
            ]
        )


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    alliance: Alliance,
    title: str,
    start: datetime.datetime,
    convener: Organisation,
    agenda: Sequence[Agenda] = (),
    attendees: Sequence[Attendee] = (),
    code: str = "",
    **fields: Any,
) -> JointMeeting:
    """Plan a joint meeting of ``alliance`` (筹备中) convened by one of its organisations,
    with its ordered agenda and attendees. ``code`` defaults to the next 会议编号."""
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    meeting = JointMeeting(
        alliance=alliance,
        title=_text(title, "title", 200),
        start=start,
        convener=convener,
        status=MeetingStatus.PREPARING,
        code=code or "LX-NEW",
        **fields,
    )
    meeting.full_clean(exclude=["code"])
    _check_meeting(meeting, agenda, attendees)
    year = timezone.localtime(start).year
    _save_new(meeting, code, lambda: meeting_code_new(year))
    _write_lists(meeting, agenda, attendees)
    audit_record(
        actor=actor, action=AuditLog.Action.CREATE, obj=meeting, after=_meeting_snapshot(meeting)
    )
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor: Any,
    meeting: JointMeeting,
    agenda: Sequence[Agenda] | None = None,
    attendees: Sequence[Attendee] | None = None,
    **fields: Any,
) -> JointMeeting:
    """Change a meeting's fields; ``agenda``/``attendees`` replace the lists when given.
    A held meeting keeps its minutes (they cannot be emptied)."""
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    fresh = JointMeeting.objects.select_for_update().select_related("alliance").get(pk=meeting.pk)
    before = _meeting_snapshot(fresh)
    for name, value in fields.items():
        setattr(fresh, name, value)
    fresh.full_clean()
    _check_meeting(fresh, agenda, attendees)
    fresh.save()
    _write_lists(fresh, agenda, attendees)
    b, a = diff(before, _meeting_snapshot(fresh))
    if a:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=fresh, before=b, after=a)
    for name in (*JointMeeting.AUDIT_FIELDS, "updated_at"):
        setattr(meeting, name, getattr(fresh, name))
    return meeting


@transaction.atomic
def meeting_mark_held(*, actor: Any, meeting: JointMeeting) -> JointMeeting:
    """筹备中 → 已召开: the meeting has taken place (not in the future) and has minutes."""
    fresh = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
    if fresh.status == MeetingStatus.HELD:
        raise ValidationError("会议已标记为已召开")
    if fresh.start > timezone.now():
        raise ValidationError("会议尚未到召开时间，不能标记为已召开")
    if not fresh.minutes.strip():
        raise ValidationError({"minutes": "请先填写会议纪要，再标记为已召开"})
    fresh.status = MeetingStatus.HELD
    fresh.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=fresh,
        before={"status": MeetingStatus.PREPARING},
        after={"status": MeetingStatus.HELD},
        note="标记为已召开",
    )
    meeting.status, meeting.updated_at = fresh.status, fresh.updated_at
    return meeting
