"""Template helpers of the 揭榜挂帅 screens."""

from __future__ import annotations

import datetime
from typing import Any

from django import template

from lianjian.projects import rules

register = template.Library()


@register.simple_tag
def shown_state(call: Any, today: datetime.date) -> str:
    """The state a call shows today (a published call past its deadline is 截止)."""
    return rules.shown_call_state(call.state, call.deadline, today)
