"""Template helpers: query strings that keep filters, list fields as text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: Any) -> str:
    """The current query string with ``changes`` applied (for pagination links that keep filters)."""
    query: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def joinlist(value: Iterable[Any] | None) -> str:
    """A list field as text, items separated by the Chinese list separator."""
    if not value:
        return ""
    return "、".join(str(v) for v in value)
