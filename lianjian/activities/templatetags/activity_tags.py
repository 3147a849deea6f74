"""Lets the alliance page show its activity figures and plan-vs-actual without the alliances
app importing this one (alliances sits below activities: docs/decisions/0002)."""

from __future__ import annotations

from typing import Any

from django import template

from lianjian.activities.selectors import alliance_activity_figures, plan_vs_actual
from lianjian.alliances.models import Alliance, Plan

register = template.Library()


@register.inclusion_tag("activities/_alliance_figure.html")
def alliance_activity_figure(alliance: Alliance) -> dict[str, Any]:
    """The figure card "联建活动（参与人次）" of ``alliance``: counted records only."""
    return alliance_activity_figures(alliance)


@register.inclusion_tag("activities/_alliance_plan.html")
def alliance_plan_table(plan: Plan) -> dict[str, Any]:
    """The quarters of ``plan``: planned items and activities against the joint activities held."""
    return {"rows": plan_vs_actual(plan)}
