"""Template helpers: query strings that keep filters, list fields as text, a picker outside a form."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.http import QueryDict
from django.utils.safestring import SafeString

from lianjian.core.pickers import get_source
from lianjian.core.widgets import Picker

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: Any) -> str:
    """The current query string with ``changes`` applied (for pagination links that keep filters)."""
    query: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


_PAGING_PARAMS = ("page", "after", "before", "last")


@register.simple_tag(takes_context=True)
def page_query(context: template.Context, **changes: Any) -> str:
    """The current query string with every paging parameter (``page``, ``after``,
    ``before``, ``last``) replaced by ``changes``: the links of a keyset pager."""
    query: QueryDict = context["request"].GET.copy()
    for key in _PAGING_PARAMS:
        query.pop(key, None)
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def joinlist(value: Iterable[Any] | None) -> str:
    """A list field as text, items separated by the Chinese list separator."""
    if not value:
        return ""
    return "、".join(str(v) for v in value)


@register.simple_tag(takes_context=True)
def picker(
    context: template.Context,
    source: str,
    name: str,
    value: str = "",
    label: str = "",
    multiple: bool = False,
    field_id: str = "",
) -> SafeString:
    """A picker for a form written in the template (a one-field form):
    ``{% picker "orgs.members" "number" label="党员" %}``. A given value is named only
    among the rows the user may choose. ``field_id`` (default ``id_pick_NAME``) tells two
    pickers of the same name on one page apart (a list filter beside an entry form)."""
    # A filter row has no visible labels: the hint says what the box picks.
    widget = Picker(
        source, multiple=multiple, placeholder=f"{label}：名称、拼音或编码" if label else ""
    )
    found = get_source(source)
    if found is not None and value:
        widget.chosen_among = found.choosable(context["request"].user)
    html: SafeString = widget.render(
        name, value, attrs={"id": field_id or f"id_pick_{name}", "aria-label": label or name}
    )
    return html
