"""Writes to the problem list (问题清单). Every function is atomic and audited.

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
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lianjian.alliances.models import Alliance
from lianjian.consultations import reminders, rules
from lianjian.consultations.models import (
    AgendaItem,
    JointMeeting,
    Problem,
    ProblemEvent,
    ProblemOwner,
    field_label,
)
from lianjian.consultations.services.common import alliance_org_ids, clean_text, save_new, today
from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.codes import next_code
from lianjian.core.models import AuditLog
from lianjian.notifications.reminders import deliver
from lianjian.orgs.models import Organisation

MAX_OWNERS = 20


def problem_code_new(year: int) -> str:
    """The next free 问题编号 of ``year``: ``WT-2026-001``, ``-002`` … (reserved for the
    calling transaction, see :func:`lianjian.core.codes.next_code`)."""
    return next_code(Problem, f"WT-{year}-")


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


def _refresh(problem: Problem, fresh: Problem) -> None:
    """Copy the written row onto the caller's instance so that it sees the new state."""
    for name in Problem.AUDIT_FIELDS:
        setattr(problem, name, getattr(fresh, name))
    problem.updated_at = fresh.updated_at


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
        title=clean_text(title, "title", 200),
        category=category,
        urgency=urgency,
        description=clean_text(description, "description", 5000, required=False),
        alliance=alliance,
        raised_by=raised_by,
        raised_on=raised_on,
        state=rules.PENDING,
        code=code or "WT-NEW",
    )
    problem.full_clean(exclude=["code"])
    save_new(problem, code, lambda: problem_code_new(raised_on.year))
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
    deciders: list[Organisation] = (
        [alliance.lead]
        if alliance is not None
        else [raised_by.parent]
        if raised_by.parent is not None
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
    fresh.title = clean_text(fresh.title, "title", 200)
    fresh.description = clean_text(fresh.description, "description", 5000, required=False)
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
    if fresh.alliance is not None:
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
    fresh.responsible = clean_text(responsible, "responsible", 50, required=False)
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
    note = clean_text(note, "note", 1000, required=False)
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
    text = clean_text(text, "text", 2000)
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
    resolution = clean_text(resolution, "resolution", 5000)
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
    note = clean_text(note, "note", 1000, required=False)
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
    reason = clean_text(reason, "reason", 1000)
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
