"""Pagination for list screens: bad page numbers fall back to the nearest page, never a 500."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paginate(request: HttpRequest, object_list, *, per_page: int = 20) -> Page:
    try:
        size = int(request.GET.get("size", per_page))
    except ValueError:
        size = per_page
    size = min(max(size, 10), 200)
    paginator = Paginator(object_list, size)
    return paginator.get_page(request.GET.get("page"))
