"""Pagination for list screens: bad page numbers fall back to the nearest page, never a 500."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

_Row = TypeVar("_Row")


def paginate(
    request: HttpRequest, object_list: QuerySet[Any, _Row] | Sequence[_Row], *, per_page: int = 20
) -> Page[_Row]:
    """The page ``?page=`` of ``object_list``, ``?size=`` rows a page (10–200, default
    ``per_page``); a bad or out-of-range page number gives the nearest page."""
    try:
        size = int(request.GET.get("size", per_page))
    except ValueError:
        size = per_page
    size = min(max(size, 10), 200)
    paginator = Paginator(object_list, size)
    return paginator.get_page(request.GET.get("page"))
