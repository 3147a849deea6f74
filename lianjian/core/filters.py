"""One filter per list, for the screens and the API alike.

A list's filtering lives in one place: a :class:`ListFilter` schema (its parameters, with
types, limits and descriptions) and one selector that takes the user and that schema and
returns the rows. The API declares the same schema (plus paging) as its query parameters,
so the OpenAPI document describes it; a screen reads it from ``request.GET`` with
:meth:`ListFilter.from_query`. Both therefore answer the same rows for the same
parameters and user — a test walks every registered list to keep it so (:data:`LISTS`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any, Self, TypeVar

from django.db.models import Q, QuerySet
from django.http import QueryDict
from pydantic import ValidationError

from lianjian.core.api_utils import BlankIsDefault


class ListFilter(BlankIsDefault):
    """The filter parameters of one list. An empty value means "not given" (as in forms)."""

    @classmethod
    def from_query(cls, query: QueryDict) -> Self:
        """The filter a screen's query string asks for. A value that does not parse (an old
        bookmark, a hand-edited link) is dropped rather than refused: a list screen always
        answers, and shows in its form which filters are in force."""
        names = set(cls.model_fields)
        data: dict[str, Any] = {}
        for name in names:
            if name not in query:
                continue
            field = cls.model_fields[name]
            values = query.getlist(name)
            data[name] = values if _is_list(field.annotation) else values[-1]
        while True:
            try:
                return cls.model_validate(data)
            except ValidationError as exc:
                bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
                if not bad & data.keys():
                    raise
                for name in bad:
                    data.pop(name, None)


def _is_list(annotation: Any) -> bool:
    text = str(annotation)
    return text.startswith(("list[", "tuple[")) or "list[" in text


@dataclass(frozen=True)
class RegisteredList:
    """A list that a screen and an API endpoint both serve, for the equality test."""

    name: str
    screen: str  # URL name of the screen
    api: str | None  # path under /api/v1; None for a list only a screen serves
    filter: type[ListFilter]
    key: str  # the attribute naming a row in both answers (code, number, id …)
    selector: Callable[[Any, Any], Any] | None = None  # (user, filter) -> rows
    path: tuple[str, ...] = ()  # filter parameters the screen takes in its URL path


LISTS: dict[str, RegisteredList] = {}


def register_list(
    name: str,
    *,
    screen: str,
    api: str | None,
    filter: type[ListFilter],
    key: str,
    selector: Callable[[Any, Any], Any] | None = None,
    path: tuple[str, ...] = (),
) -> None:
    """Declare that the screen ``screen`` and ``GET /api/v1{api}`` serve the list ``name``
    through ``filter`` (and, when given, the selector ``selector(user, filter)``); the
    test suite checks that they answer the same rows. A list that no API serves
    (``api=None``) must name its selector: the test then compares the screen with it.
    ``path`` names the filter parameters that the screen takes in its URL path, in order
    (the scheme whose versions ``assessment:run_list`` shows); the API takes them as query
    parameters like the others."""
    if api is None and selector is None:
        raise ValueError(f"list {name!r}: a screen-only list must name its selector")
    unknown = set(path) - set(filter.model_fields)
    if unknown:
        raise ValueError(f"list {name!r}: {sorted(unknown)} are not parameters of its filter")
    LISTS[name] = RegisteredList(name, screen, api, filter, key, selector, path)


_QS = TypeVar("_QS", bound=QuerySet[Any, Any])


def search(qs: _QS, text: str | None, *lookups: str) -> _QS:
    """The rows where any of ``lookups`` (``title__icontains``, ``code__iexact`` …) matches
    ``text`` — a list's 关键词 box; every row when ``text`` is empty."""
    if not text:
        return qs
    return qs.filter(reduce(operator.or_, (Q(**{lookup: text}) for lookup in lookups)))


def filter_given(qs: _QS, **lookups: Any) -> _QS:
    """The rows that match each given filter value (``status=f.status``,
    ``alliance__code=f.alliance`` …); a value left out (None or empty text) filters nothing.
    Each lookup is its own ``filter()``, as a chain of ``if f.x:`` would be."""
    for lookup, value in lookups.items():
        if value is not None and value != "":
            qs = qs.filter(**{lookup: value})
    return qs
