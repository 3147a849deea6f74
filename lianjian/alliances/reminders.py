"""Reminder provider for agreements: coloured by the preset of the kind ``agreement`` (by
default yellow 30 days before the end, red 7 days before); expired ones are closed."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db import transaction

from lianjian.alliances.models import Agreement
from lianjian.core.audit import audit_record
from lianjian.core.models import AuditLog
from lianjian.deadlines import engine
from lianjian.deadlines.engine import Colour, latest_due
from lianjian.deadlines.notify import DeadlineItem, colour_reminders
from lianjian.deadlines.services import rule_for
from lianjian.notifications.reminders import Reminder
from lianjian.orgs.selectors import responsible_managers

# The kind of item of agreements in the deadline colours (lianjian.deadlines).
DEADLINE_KIND = "agreement"


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
    """Active agreements coming to their end, coloured by the preset of the kind
    ``agreement`` (协议到期 unless the 党建工作部 chose another: yellow 30 days before the
    end or less, red 7 days or less), to the managers responsible for the alliance's lead
    organisation, once per colour and end date (``deadlines.notify``)."""
    expire_agreements(today)
    rule = rule_for(DEADLINE_KIND)
    horizon = latest_due(rule, today, Colour.YELLOW)
    if horizon is None:
        return
    agreements = list(
        Agreement.objects.filter(
            status=Agreement.Status.ACTIVE, end__isnull=False, end__gte=today, end__lte=horizon
        ).select_related("alliance", "alliance__lead")
    )
    managers = responsible_managers([a.alliance.lead for a in agreements])
    items = []
    for ag in agreements:
        assert ag.end is not None
        colour = engine.colour(rule, today=today, due=ag.end)
        days = (ag.end - today).days
        items.append(
            DeadlineItem(
                kind=DEADLINE_KIND,
                key=f"agreement:{ag.pk}",
                title=f"联建协议“{ag.title}”将于 {ag.end:%Y-%m-%d} 到期",
                body=f"{ag.alliance.name}，还有 {days} 天到期，请及时商议续签。",
                link=f"/alliances/agreements/{ag.pk}/",
                colour=colour,
                due=ag.end,
                owner_ids=managers[ag.alliance.lead_id],
                version=f"{ag.end:%Y-%m-%d}",
            )
        )
    yield from colour_reminders(items, today)
