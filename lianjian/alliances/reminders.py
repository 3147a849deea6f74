"""Reminder provider for agreements: 30 and 7 days before expiry; expired ones are closed."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db import transaction

from lianjian.alliances.models import Agreement
from lianjian.core.audit import audit_record
from lianjian.core.models import AuditLog
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder
from lianjian.orgs.selectors import responsible_managers

THRESHOLDS = (30, 7)


@transaction.atomic
def expire_agreements(today: datetime.date) -> int:
    """Move active agreements whose end has passed to 到期 (audited, by the system)."""
    n = 0
    for ag in Agreement.objects.select_for_update().filter(
        status=Agreement.Status.ACTIVE, end__lt=today
    ):
        ag.status = Agreement.Status.EXPIRED
        ag.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=None,
            action=AuditLog.Action.UPDATE,
            obj=ag,
            before={"status": "生效"},
            after={"status": "到期"},
            note="到期自动变更",
        )
        n += 1
    return n


def agreement_reminders(today: datetime.date) -> Iterator[Reminder]:
    """For each active agreement ending within 30 days: one reminder per threshold reached."""
    expire_agreements(today)
    horizon = today + datetime.timedelta(days=max(THRESHOLDS))
    agreements = list(
        Agreement.objects.filter(
            status=Agreement.Status.ACTIVE, end__isnull=False, end__gte=today, end__lte=horizon
        ).select_related("alliance", "alliance__lead")
    )
    managers = responsible_managers([a.alliance.lead for a in agreements])
    for ag in agreements:
        users = managers[ag.alliance.lead_id]
        days = (ag.end - today).days
        reached = [t for t in THRESHOLDS if days <= t]
        if not users or not reached:
            continue
        t = min(reached)
        yield Reminder(
            key=f"agreement:{ag.pk}:expiry:{t}",
            user_ids=users,
            title=f"联建协议“{ag.title}”将于 {ag.end:%Y-%m-%d} 到期",
            body=f"{ag.alliance.name}，还有 {days} 天到期，请及时商议续签。",
            link=f"/alliances/agreements/{ag.pk}/",
            due=ag.end,
            level=Notification.Level.RED if t == 7 else Notification.Level.YELLOW,
        )
