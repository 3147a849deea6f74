"""Template helpers: query strings that keep filters, list fields as text."""

from __future__ import annotations

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with ``changes`` applied (for pagination links that keep filters)."""
    query: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def joinlist(value) -> str:
    if not value:
        return ""
    return "、".join(str(v) for v in value)
