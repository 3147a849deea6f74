"""The one way a deadline colour reaches the inbox: reminder providers describe their items
as :class:`DeadlineItem` and yield what :func:`colour_reminders` makes of them.

- yellow → the owner(s); red → the owner(s) and the sponsor / responsible leader(s);
  once per change: the reminder key is the item's key, the colour and the item's
  ``version`` (``problem:WT-2026-001:red:2026-11-15``), and a notification is unique per
  (user, key), so ``lianjian remind`` may run any number of times a day;
- escalation: when the kind of item has an active ladder, its first step is issued the
  day the item is red, each next step when the previous one was not acted on within its
  days — acted on is the recipient marking the step's to-do 办结 in the inbox, or
  ``services.escalation_act`` — and every step issued is recorded (``Escalation``).

Adding a kind of item is a provider of a few lines: compute the colour with
``engine.colour(services.rule_for(KIND), …)``, build the items, ``yield from
colour_reminders(items, today)`` (docs/decisions/deadline-colours.md).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone

from lianjian.deadlines.engine import Colour, StepRecord, next_step
from lianjian.deadlines.models import Escalation, EscalationLadder
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder

LEVELS = {
    Colour.GREEN: Notification.Level.GREEN,
    Colour.YELLOW: Notification.Level.YELLOW,
    Colour.RED: Notification.Level.RED,
}


@dataclass(frozen=True)
class DeadlineItem:
    """One item with a deadline, as the inbox shows it.

    ``key`` names the item (``problem:WT-2026-001``); ``version`` what makes it remind
    again with the same colour (the deadline, when a moved deadline should count as a new
    one; "" otherwise). ``title`` and ``body`` are the notification's, for this colour.
    """

    kind: str
    key: str
    title: str
    link: str
    colour: Colour
    due: datetime.date | None
    owner_ids: tuple[int, ...]
    leader_ids: tuple[int, ...] = ()
    body: str = ""
    version: str = ""

    @property
    def subject(self) -> str:
        """The item's key with its version: what an escalation is recorded about."""
        return f"{self.key}:{self.version}" if self.version else self.key

    @property
    def reminder_key(self) -> str:
        key = f"{self.key}:{self.colour.value}"
        return f"{key}:{self.version}" if self.version else key

    def recipients(self) -> tuple[int, ...]:
        """Yellow: the owners; red: the owners and the leaders; green: nobody."""
        if self.colour is Colour.RED:
            return tuple(sorted({*self.owner_ids, *self.leader_ids}))
        if self.colour is Colour.YELLOW:
            return tuple(sorted(set(self.owner_ids)))
        return ()


def escalation_key(subject: str, position: int) -> str:
    return f"{subject}:esc:{position}"


def colour_reminders(items: Iterable[DeadlineItem], today: datetime.date) -> Iterator[Reminder]:
    """The reminders of ``items`` on ``today``: one per colour change, and the escalation
    steps due (issued and recorded here, so call it from a provider: ``deliver`` runs it in
    its transaction). A fixed number of queries, whatever the number of items."""
    items = list(items)
    for item in items:
        users = item.recipients()
        if not users:
            continue
        yield Reminder(
            key=item.reminder_key,
            user_ids=users,
            title=item.title,
            body=item.body,
            link=item.link,
            due=item.due,
            level=LEVELS[item.colour],
        )
    yield from _escalations(items, today)


def _escalations(items: list[DeadlineItem], today: datetime.date) -> Iterator[Reminder]:
    red = [i for i in items if i.colour is Colour.RED]
    if not red:
        return
    ladders = {
        ladder.kind.code: ladder
        for ladder in EscalationLadder.objects.filter(
            active=True, kind__code__in={i.kind for i in red}
        )
        .select_related("kind")
        .prefetch_related("steps")
    }
    red = [i for i in red if i.kind in ladders]
    if not red:
        return
    records: dict[str, list[Escalation]] = {}
    for esc in Escalation.objects.filter(
        step__ladder__in=list(ladders.values()), subject__in={i.subject for i in red}
    ).select_related("step"):
        records.setdefault(esc.subject, []).append(esc)
    _sync_acted(records)
    for item in red:
        ladder = ladders[item.kind]
        steps = sorted(ladder.steps.all(), key=lambda s: s.position)
        done = [
            StepRecord(e.step.position, e.issued_on, e.acted_on)
            for e in records.get(item.subject, [])
        ]
        position = next_step([s.days for s in steps], done, colour=item.colour, today=today)
        if position is None:
            continue
        step = steps[position]
        users = item.recipients()
        Escalation.objects.create(
            step=step,
            kind=item.kind,
            subject=item.subject,
            title=item.title[:200],
            link=item.link,
            issued_on=today,
        )
        if not users:
            continue
        yield Reminder(
            key=escalation_key(item.subject, position),
            user_ids=users,
            title=f"【{step.name}】{item.title}",
            body=f"{ladder.name}第 {position + 1} 步：{step.name}，请于 {step.days} 天内办理并在待办中点“办结”。"
            + (f"\n{item.body}" if item.body else ""),
            link=item.link,
            due=today + datetime.timedelta(days=step.days),
            level=Notification.Level.RED,
            kind=Notification.Kind.TASK,
        )


def _sync_acted(records: dict[str, list[Escalation]]) -> None:
    """A step's to-do marked 办结 by one of its recipients is the step acted on."""
    open_ = {
        escalation_key(e.subject, e.step.position): e
        for found in records.values()
        for e in found
        if e.acted_on is None
    }
    if not open_:
        return
    done = (
        Notification.objects.filter(key__in=list(open_), done_at__isnull=False)
        .order_by("done_at")
        .values_list("key", "user_id", "done_at")
    )
    for key, user_id, done_at in done:
        esc = open_[key]
        if esc.acted_on is not None:
            continue
        esc.acted_on = timezone.localdate(done_at)
        esc.acted_by_id = user_id
        esc.save(update_fields=["acted_on", "acted_by"])
