"""Lets lower apps' pages show alliances without importing this app (orgs' detail page)."""

from __future__ import annotations

from django import template

from lianjian.alliances.selectors import org_alliances
from lianjian.core.scope import manages_any

register = template.Library()


@register.inclusion_tag("alliances/org_alliances_card.html", takes_context=True)
def org_alliances_card(context, org):
    user = context["request"].user
    return {"org": org, "memberships": org_alliances(org, user), "can_create": manages_any(user)}
