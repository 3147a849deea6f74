"""Reminder provider for the problem list (三色预警), registered as ``问题清单``.

``lianjian remind`` calls :func:`problem_reminders` daily; delivery is idempotent through
the unique (user, key) of a notification. For every problem being worked on (已分派/办理中)
with a deadline:

- yellow (by default 7 days before the deadline or less, the day itself included) — to the
  managers responsible for the owner organisations;
- red (by default the deadline has passed) — to the same managers and to those of the
  alliance's lead organisation, and the steps of the escalation ladder of problems if the
  党建工作部 set one.

The colour is the preset's of the kind ``problem`` (``lianjian.deadlines``: 临期 unless
another was chosen); the reminders are ``deadlines.notify.colour_reminders``'. The key names
the problem, the colour and the deadline (``problem:WT-2026-001:red:2026-11-15``), so a
problem reminds once per colour and deadline, and again when the deadline is moved.
A solved problem waiting for confirmation (待确认) sends the raising organisation's managers
one to-do to confirm or send it back.

Besides the daily job, the services put a to-do into the inbox when it becomes someone's
move and mark it done (``done_at``) when the move is made, so that no stale to-do stays
open: raising tells those who assign (the managers of the alliance's lead, or above the
raising organisation without an alliance: ``problem:CODE:raised:DATE``), assigning (or
re-assigning) closes that and tells the owners' managers (``problem:CODE:assign:DEADLINE``),
sending a problem back tells them again (``problem:CODE:reopen:N``), solving asks the
raising organisation to confirm at once (the same key as the daily reminder) and closes the
owners' to-dos of the problem, confirming or sending back closes the confirmation to-do,
and a new deadline closes the to-dos about the old one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from django.db.models import Q

from lianjian.consultations import rules
from lianjian.consultations.models import Problem
from lianjian.consultations.selectors import problem_rows
from lianjian.deadlines.engine import Colour, PresetRule, latest_due
from lianjian.deadlines.notify import DeadlineItem, colour_reminders
from lianjian.deadlines.services import rule_for
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder, close
from lianjian.orgs.models import Organisation
from lianjian.orgs.selectors import responsible_managers

# The kinds of to-do (the third part of the key) that ask the owners to act.
OWNER_TASKS = ("assign", "reopen", "yellow", "red")


def problem_reminders(today: datetime.date) -> Iterator[Reminder]:
    """Yellow, red and confirmation reminders of ``today`` (see the module docstring)."""
    rule = rule_for(rules.DEADLINE_KIND)
    horizon = latest_due(rule, today, Colour.YELLOW)
    due = (
        list(
            problem_rows(
                Problem.objects.filter(state__in=rules.OPEN_STATES, deadline__lte=horizon)
            ).order_by("code")
        )
        if horizon is not None
        else []
    )
    waiting = list(
        Problem.objects.filter(state=rules.SOLVED).select_related("raised_by").order_by("code")
    )
    orgs = {o.pk: o for p in due for o in [link.org for link in p.owner_links.all()]}
    orgs.update({p.alliance.lead_id: p.alliance.lead for p in due if p.alliance_id})
    orgs.update({p.raised_by_id: p.raised_by for p in waiting})
    managers = responsible_managers(list(orgs.values()))
    yield from colour_reminders(
        (item for p in due if (item := _item(p, rule, today, managers)) is not None), today
    )
    for p in waiting:
        users = managers.get(p.raised_by_id, ())
        if not users or p.solved_on is None:
            continue
        yield confirm_reminder(p, tuple(users))


def _item(
    p: Problem, rule: PresetRule, today: datetime.date, managers: dict[int, tuple[int, ...]]
) -> DeadlineItem | None:
    """A problem being worked on as a deadline item: the owners' managers own it, those of
    the alliance's lead organisation are its responsible leaders."""
    assert p.deadline is not None
    colour = Colour(rules.colour(p.state, p.deadline, today, rule))
    if colour is Colour.GREEN:
        return None
    owners = tuple(
        sorted({u for link in p.owner_links.all() for u in managers.get(link.org_id, ())})
    )
    leaders = tuple(managers.get(p.alliance.lead_id, ())) if p.alliance_id else ()
    left = (p.deadline - today).days
    if left < 0:
        title = f"问题“{p.title}”已逾期"
        body = (
            f"{p.code}，办理期限 {p.deadline:%Y-%m-%d}，已逾期 {-left} 天，请尽快办理并报送进展。"
        )
    else:
        title = f"问题“{p.title}”临近办理期限"
        body = f"{p.code}，办理期限 {p.deadline:%Y-%m-%d}，还有 {left} 天。"
    return DeadlineItem(
        kind=rules.DEADLINE_KIND,
        key=f"problem:{p.code}",
        title=title,
        link=f"/consultations/p/{p.code}/",
        colour=colour,
        due=p.deadline,
        owner_ids=owners,
        leader_ids=leaders,
        body=body,
        version=f"{p.deadline:%Y-%m-%d}",
    )


def confirm_reminder(problem: Problem, user_ids: tuple[int, ...]) -> Reminder:
    """The raising organisation's to-do for a solved problem: confirm (销号) or send it back."""
    return Reminder(
        key=f"problem:{problem.code}:confirm:{problem.solved_on:%Y-%m-%d}",
        user_ids=user_ids,
        title=f"问题“{problem.title}”已办结，请确认",
        body=f"{problem.code}，责任单位已于 {problem.solved_on:%Y-%m-%d} 办结。请核实后确认销号，或退回重新办理。",
        link=f"/consultations/p/{problem.code}/",
        level=Notification.Level.GREEN,
        closed_by_work=True,
    )


def managers_of(orgs: Iterable[Organisation]) -> tuple[int, ...]:
    """The manager accounts responsible for any of ``orgs`` (one query)."""
    orgs = list(orgs)
    found = responsible_managers(orgs)
    return tuple(sorted({u for o in orgs for u in found.get(o.pk, ())}))


def raised_reminder(problem: Problem, user_ids: tuple[int, ...]) -> Reminder:
    """The assigners' to-do for a new problem: study it (at a joint meeting) and assign it."""
    where = f"联建“{problem.alliance.name}”" if problem.alliance_id else "本级党组织"
    return Reminder(
        key=f"problem:{problem.code}:raised:{problem.raised_on:%Y-%m-%d}",
        user_ids=user_ids,
        title=f"新问题“{problem.title}”待研究分派",
        body=f"{problem.code}，{problem.raised_by.name}提出（{problem.category}，{problem.urgency}），请提交{where}研究并分派责任单位。",
        link=f"/consultations/p/{problem.code}/",
        level=Notification.Level.GREEN,
        closed_by_work=True,
    )


def owner_reminder(
    problem: Problem,
    owners: list[Organisation],
    user_ids: tuple[int, ...],
    *,
    kind: str,
    today: datetime.date,
    reason: str = "",
) -> Reminder:
    """The owners' to-do when a problem is assigned (``kind`` "assign", keyed by the deadline)
    or sent back (``kind`` "reopen", keyed by how many times). Yellow when the deadline is
    near or past, green otherwise."""
    assert problem.deadline is not None
    colour = rules.colour(rules.IN_PROGRESS, problem.deadline, today, rule_for(rules.DEADLINE_KIND))
    level = Notification.Level.GREEN if colour == "green" else Notification.Level.YELLOW
    names = "、".join(o.name for o in owners)
    if kind == "assign":
        key = f"problem:{problem.code}:assign:{problem.deadline:%Y-%m-%d}"
        title = f"问题“{problem.title}”已分派，请办理"
        body = f"{problem.code}，责任组织：{names}；办理期限 {problem.deadline:%Y-%m-%d}。请按期办理并报送进展。"
    else:
        key = f"problem:{problem.code}:reopen:{problem.reopened}"
        title = f"问题“{problem.title}”被退回重新办理"
        body = (
            f"{problem.code}，提出单位退回，原因：{reason}。办理期限 {problem.deadline:%Y-%m-%d}。"
        )
    return Reminder(
        key=key,
        user_ids=user_ids,
        title=title,
        body=body,
        link=f"/consultations/p/{problem.code}/",
        due=problem.deadline,
        level=level,
    )


def close_tasks(
    code: str,
    kinds: Iterable[str],
    *,
    unless_suffix: str | None = None,
    unless_users: Iterable[int] | None = None,
) -> int:
    """Mark done the open to-dos of problem ``code`` whose key is of one of ``kinds`` (the
    third part of the key), except those whose key ends with ``unless_suffix`` or that belong
    to ``unless_users`` when given; they become read too. Returns how many were closed."""
    match = Q()
    for kind in kinds:
        match |= Q(key__startswith=f"problem:{code}:{kind}:")
    if unless_suffix is not None:
        match &= ~Q(key__endswith=unless_suffix)
    if unless_users is not None:
        match &= ~Q(user_id__in=list(unless_users))
    return close(match)
