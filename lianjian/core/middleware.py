"""Request hygiene shared by the screens and the API."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse


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
