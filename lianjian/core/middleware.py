"""Request hygiene shared by the screens and the API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from lianjian.core.conflicts import conflict_message, is_lost_race
from lianjian.core.validation import text_problem

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _request_problem(request: HttpRequest) -> str:
    """``字段：原因`` for the first control character in the path, the query string or the
    fields of a submitted form; "" when there is none.

    Tab and line breaks pass here (a ``Textarea`` may hold them); a single-line field
    refuses them through its form (:mod:`lianjian.core.forms`).
    """
    problem = text_problem(request.path, multiline=False)
    if problem:
        return f"请求地址{problem}"
    sources = [("查询参数 ", request.GET)]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(("", request.POST))
    for prefix, data in sources:
        for key, values in data.lists():
            problem = text_problem(key, multiline=False)
            if problem:
                return f"{prefix}字段名{problem}"
            for value in values:
                problem = text_problem(value, multiline=True)
                if problem:
                    return f"{prefix}{key}：{problem}"
    # Uploaded file names need nothing here: Django drops their non-printable characters.
    return ""


class RejectControlCharactersMiddleware:
    """Refuse a request whose path, query string or form fields carry a control character
    (:func:`lianjian.core.validation.text_problem`): 400 naming the field, before any view
    runs. JSON bodies of the API are checked by its parser (``core.api_utils``) the same way.

    PostgreSQL cannot store NUL, and the workbooks, the Word report and the compliance
    export cannot hold the other control characters; stopping them at the edge keeps every
    screen and endpoint safe at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = _request_problem(request)
        if problem:
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": problem}, status=400, json_dumps_params={"ensure_ascii": False}
                )
            return HttpResponse(
                f"请求无效：{problem}", status=400, content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


def _atomic_view(view: Callable[..., Any]) -> bool:
    # Django's own marker (``transaction.non_atomic_requests``): the view manages its
    # transactions itself, e.g. an Excel import, which is all-or-nothing on its own and
    # must not hold SQLite's write lock while it only validates a large file.
    return DEFAULT_DB_ALIAS not in getattr(view, "_non_atomic_requests", set())


def conflict_response(request: HttpRequest, exception: Exception) -> HttpResponse | None:
    """The screens' answer to a write that lost a race on a unique key (409), or None when
    ``exception`` is not such a race (then it is a bug, and Django's 500 handling logs it).

    Two people saving the same key at the same moment both pass the form's and the
    service's checks; the database refuses the second insert. The message is the one of
    :mod:`lianjian.core.conflicts`: a full page with a link back to the page the form came
    from (the browser's back button keeps what was typed), or, for an htmx request, the
    message on the reloaded page. The API answers the same text itself (``lianjian.api``),
    and so do imports (``import_file``).
    """
    if not isinstance(exception, IntegrityError) or not is_lost_race(exception):
        return None
    message = conflict_message(exception)
    logger.warning("Conflict on %s %s: %s", request.method, request.path, exception)
    if getattr(request, "htmx", False):
        messages.error(request, message)
        response = HttpResponse(status=409)
        response["HX-Refresh"] = "true"
        return response
    referer = request.META.get("HTTP_REFERER", "")
    back = (
        referer
        if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else "/"
    )
    return render(request, "409.html", {"message": message, "back": back}, status=409)


class AtomicWritesMiddleware:
    """Run the view of every request that may write (anything but GET, HEAD, OPTIONS and
    TRACE) in one transaction, rolled back when the view raises or answers 500 or more.

    A write is then all-or-nothing per request: a service that commits and a response
    that fails afterwards (the API converts exceptions into a 500 answer, so the status is
    what counts) leave nothing behind. Reads stay outside any transaction, so that with
    SQLite (which takes its write lock at the start of every transaction, IMMEDIATE mode)
    they never wait for a writer. A lost race on a unique key, rolled back with the rest,
    answers 409 (:func:`conflict_response`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponse], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method in SAFE_METHODS or not _atomic_view(view):
            return None
        try:
            with transaction.atomic(using=DEFAULT_DB_ALIAS):
                response = view(request, *args, **kwargs)
                if response is not None and response.status_code >= 500:
                    transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
        except IntegrityError as exc:
            # Exceptions raised in process_view never reach process_exception.
            conflict = conflict_response(request, exc)
            if conflict is None:
                raise
            return conflict
        return response


class ConflictMiddleware:
    """The same 409 for the views that run outside :class:`AtomicWritesMiddleware` (reads,
    and views that manage their own transactions, such as the Excel imports)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return conflict_response(request, exception)
