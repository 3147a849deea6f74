"""Request hygiene shared by the screens and the API."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from lianjian.core.conflicts import conflict_message, is_lost_race

logger = logging.getLogger(__name__)


class RejectNulMiddleware:
    """Refuse requests whose path or query string carries a NUL byte (400, not a 500 later).

    PostgreSQL refuses NUL inside text, so a NUL that reached a query would crash it; the
    check is cheap and keeps every screen and endpoint safe at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.path + request.META.get("QUERY_STRING", "")
        bad = "\x00" in raw or "%00" in raw
        if not bad and request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded", "multipart/form-data"
        ):
            bad = any("\x00" in v for vs in request.POST.lists() for v in vs[1])
        if bad:
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "请求中包含非法字符（NUL）"}, status=400)
            return HttpResponse("请求中包含非法字符（NUL）", status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ConflictMiddleware:
    """A screen's write that lost a race on a unique key answers 409 with a clear message.

    Two people saving the same key at the same moment both pass the form's and the
    service's checks; the database refuses the second insert (``IntegrityError``, already
    rolled back by the service's transaction). Every screen gets the one message of
    :mod:`lianjian.core.conflicts` here instead of a 500: a full page with a link back to
    the page the form came from (the browser's back button keeps what was typed), or, for
    an htmx request, the message on the reloaded page. The API answers the same text
    itself (``lianjian.api``), and so do imports (``import_file``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, IntegrityError) or not is_lost_race(exception):
            return None  # not a race: a bug, Django's 500 handling logs it
        message = conflict_message(exception)
        logger.warning("Conflict on %s %s: %s", request.method, request.path, exception)
        if getattr(request, "htmx", False):
            messages.error(request, message)
            response = HttpResponse(status=409)
            response["HX-Refresh"] = "true"
            return response
        referer = request.META.get("HTTP_REFERER", "")
        back = referer if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()) else "/"
        return render(request, "409.html", {"message": message, "back": back}, status=409)
