"""Lets the alliance page show its 事务共商 figures without the alliances app importing this one."""

from __future__ import annotations

from django import template
from django.utils import timezone

from lianjian.consultations.selectors import alliance_card
from lianjian.core.scope import CHANGE, manages_any, may

register = template.Library()


@register.inclusion_tag("consultations/alliance_card.html", takes_context=True)
def alliance_consultations_card(context, alliance):
    """Figures (raised, solved, open, overdue, median days to solve), the most pressing open
    problems and the latest joint meetings of ``alliance``, as the viewer may see them."""
    user = context["request"].user
    today = timezone.localdate()
    data = alliance_card(alliance, user, today)
    return {
        "alliance": alliance,
        "today": today,
        "can_meet": may(user, CHANGE, alliance.lead),
        "can_raise": manages_any(user),
        **data,
    }
