"""Reminders: apps register providers; ``lianjian remind`` turns what they return into notifications.

A provider is a function ``(today) -> Iterable[Reminder]``. Each reminder names its event
with a stable ``key`` (event + threshold), so delivering the same reminder twice to the same
user is impossible (unique (user, key)) and the daily job is idempotent.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from lianjian.notifications.models import Notification


@dataclass(frozen=True)
class Reminder:
    """One due event for some users."""

    key: str
    title: str
    user_ids: tuple[int, ...]
    body: str = ""
    link: str = ""
    due: datetime.date | None = None
    level: str = Notification.Level.YELLOW
    kind: str = Notification.Kind.TASK
    # True for a step of a flow: its to-do closes when the step is taken (close()), not by hand.
    closed_by_work: bool = False
    extra: dict = field(default_factory=dict, compare=False)


Provider = Callable[[datetime.date], Iterable[Reminder]]
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Register a provider under ``name`` (re-registering replaces it)."""
    _providers[name] = provider


def providers() -> dict[str, Provider]:
    return dict(_providers)


@transaction.atomic
def deliver(reminders: Iterable[Reminder]) -> int:
    """Create the notifications that do not exist yet; returns how many were created."""
    rows = []
    for r in reminders:
        for uid in r.user_ids:
            rows.append(
                Notification(
                    user_id=uid,
                    key=r.key[:120],
                    title=r.title[:200],
                    body=r.body,
                    link=r.link[:300],
                    due=r.due,
                    level=r.level,
                    kind=r.kind,
                    closed_by_work=r.closed_by_work,
                )
            )
    if not rows:
        return 0
    wanted = {(n.user_id, n.key) for n in rows}
    existing = set(
        Notification.objects.filter(
            user_id__in={u for u, _ in wanted}, key__in={k for _, k in wanted}
        ).values_list("user_id", "key")
    )
    fresh = {}
    for n in rows:
        if (n.user_id, n.key) not in existing:
            fresh.setdefault((n.user_id, n.key), n)
    # ignore_conflicts covers a concurrent run racing between the read and the insert.
    Notification.objects.bulk_create(fresh.values(), ignore_conflicts=True)
    return len(fresh)


def close(match: Q) -> int:
    """Mark done the open to-dos matching ``match`` (a Q over Notification): the one way a
    flow closes the to-dos of a step it has taken. They become read too, as when a user
    marks a to-do 办结 by hand, so the sidebar's unread count drops them. Returns how many."""
    now = timezone.now()
    return Notification.objects.filter(match, done_at__isnull=True).update(
        done_at=now, read_at=Coalesce("read_at", Value(now))
    )


Sweeper = Callable[[], int]
_sweepers: dict[str, Sweeper] = {}


def register_sweeper(name: str, sweeper: Sweeper) -> None:
    """Register a function that closes to-dos whose moment has passed (an undecided booking
    whose slot started …) before the inbox is read, so the inbox is right even when the
    daily job has not run yet. It returns how many it closed."""
    _sweepers[name] = sweeper


def sweep() -> int:
    """Run every sweeper; returns how many to-dos they closed in all."""
    return sum(sweeper() for _, sweeper in sorted(_sweepers.items()))


def run(today: datetime.date) -> dict[str, int]:
    """Run every provider for ``today``; returns notifications created per provider."""
    return {name: deliver(provider(today)) for name, provider in sorted(_providers.items())}
