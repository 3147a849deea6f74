"""The HTTP API at ``/api/v1/`` (contracts.md §5), built with django-ninja.

Each app contributes a router from its ``api.py``; this module wires them, the bearer
authentication and the error format: every error is ``{"detail": "<中文>"}`` with a 4xx
status — validation (422), a service's ``ValidationError`` (400) or ``PermissionDenied``
(403), unknown or out-of-scope objects (404, one body for both), a write that lost a race
on a unique key (409, :mod:`lianjian.core.conflicts`), unknown paths and methods included.
The OpenAPI document is committed as ``docs/openapi.json`` and a test keeps it in step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, URLResolver, path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from lianjian.accounts.api import TokenAuth
from lianjian.accounts.api import router as auth_router
from lianjian.activities.api import compliance_router
from lianjian.activities.api import router as activities_router
from lianjian.alliances.api import agreements_router, alliances_router
from lianjian.appraisals.api import router as appraisals_router
from lianjian.assessment.api import router as assessment_router
from lianjian.carriers.api import router as carriers_router
from lianjian.consultations.api import meetings_router, problems_router
from lianjian.core.api_utils import (
    ChineseJSONRenderer,
    StrictJsonParser,
    django_validation_detail,
    validation_detail,
)
from lianjian.core.conflicts import conflict_message, is_lost_race
from lianjian.core.middleware import SAFE_METHODS
from lianjian.decisions.api import items_router as decisions_router
from lianjian.decisions.api import lists_router as decision_lists_router
from lianjian.keytasks.api import lists_router, milestones_router, reports_router, tasks_router
from lianjian.orgs.api import members_router, orgs_router
from lianjian.points.api import router as points_router
from lianjian.projects.api import bids_router, calls_router, projects_router
from lianjian.proposals.api import runs_router
from lianjian.sharing.api import bookings_router, needs_router, resources_router
from lianjian.supervision.api import router as supervision_router

logger = logging.getLogger(__name__)

NOT_FOUND = "未找到"
DESCRIPTION = """联建平台的数据接口。

1. `POST /api/v1/auth/token`，请求体 `{"username": "…", "password": "…"}`，得到 `{"token": "…"}`；
2. 之后每个请求带请求头 `Authorization: Bearer <token>`。

列表返回 `{"items": [...], "count": N}`，用 `?page=` 和 `?page_size=`（最大 500）分页。
超出本人权限范围的对象一律返回 404，与不存在相同；可见但无权修改的对象在写操作时返回 403。
错误一律为 `{"detail": "…"}`。"""


def _json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a URL's view so that ninja's bare 405 and a 404 raised outside an operation
    (the API root) come back as ``{"detail": …}`` like every other error."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return JsonResponse(
                {"detail": NOT_FOUND}, status=404, json_dumps_params={"ensure_ascii": False}
            )
        if isinstance(response, HttpResponseNotAllowed):
            # ninja builds the list from a set; sorted, it reads the same on every run.
            allowed = ", ".join(
                sorted(m.strip() for m in response["Allow"].split(",") if m.strip())
            )
            response = JsonResponse(
                {"detail": f"不支持 {request.method} 方法（可用：{allowed}）"},
                status=405,
                json_dumps_params={"ensure_ascii": False},
            )
            response["Allow"] = allowed
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapped


def _unknown_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    return JsonResponse(
        {"detail": NOT_FOUND}, status=404, json_dumps_params={"ensure_ascii": False}
    )


_unknown_path.csrf_exempt = True  # type: ignore[attr-defined]


class LianjianAPI(NinjaAPI):
    """NinjaAPI whose every URL answers errors in the API's JSON form, with a JSON 404
    for any path under the prefix that no endpoint serves."""

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        wrapped: list[URLResolver | URLPattern] = [
            URLPattern(p.pattern, _json_errors(p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern)
            else p
            for p in patterns
        ]
        wrapped.append(path("<path:rest>", _unknown_path))
        return wrapped, app_name, namespace


api = LianjianAPI(
    title="联建 API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    parser=StrictJsonParser(),
    renderer=ChineseJSONRenderer(),
)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": validation_detail(exc.errors)}, status=422)


@api.exception_handler(DjangoValidationError)
def _service_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": django_validation_detail(exc)}, status=400)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # A service's own rule (e.g. only the parent's manager changes an organisation's
    # structure) refused a caller who passed the endpoint's scope check.
    return api.create_response(request, {"detail": str(exc) or "无权执行此操作"}, status=403)


@api.exception_handler(IntegrityError)
def _conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Two requests passed a service's uniqueness check at the same moment and the database
    # refused the second write (already rolled back): a lost race, answered once here. Any
    # other refusal (CHECK, NOT NULL) is a validation bug and is treated as one.
    if not is_lost_race(exc):
        return _server_error(request, exc)
    logger.warning("API conflict on %s %s: %s", request.method, request.path, exc)
    if connection.in_atomic_block:
        transaction.set_rollback(True)  # nothing of a refused request is kept
    return api.create_response(request, {"detail": conflict_message(exc)}, status=409)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": NOT_FOUND}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # core.scope.require: the object is visible (else 404 came first) but not the caller's to change.
    return api.create_response(request, {"detail": str(exc) or "无权执行该操作"}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": "未登录或令牌无效：请在请求头 Authorization: Bearer <token> 中提供有效令牌"},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps any parser failure in its own English "Cannot parse request body"; the
    # parser's own HttpError (415, broken JSON, NUL) is kept as the cause and wins.
    if isinstance(exc.__cause__, HttpError):
        exc = exc.__cause__
    elif exc.message.startswith("Cannot parse request body"):
        exc = HttpError(400, "请求体不是有效的 JSON")
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Django raises these for bodies over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields and
    # the like; outside the API Django answers them with 400, and so does the API.
    if isinstance(exc, RequestDataTooBig):
        return api.create_response(request, {"detail": "请求体过大"}, status=413)
    return api.create_response(request, {"detail": "请求无效"}, status=400)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Bad input never gets here (it is refused above); this is a bug, so it is logged with
    # its traceback, but the client still gets the API's JSON form and no internals.
    logger.exception("API error on %s %s", request.method, request.path)
    # ninja turns the exception into an answer, so nothing propagates to roll back with:
    # undo the writes of the request's transaction (core.middleware.AtomicWritesMiddleware,
    # which also rolls back on the 500 status) here, where the failure is known.
    if request.method not in SAFE_METHODS and connection.in_atomic_block:
        transaction.set_rollback(True)
    return api.create_response(request, {"detail": "服务器内部错误"}, status=500)


api.add_router("/auth", auth_router)
api.add_router("/orgs", orgs_router)
api.add_router("/members", members_router)
api.add_router("/alliances", alliances_router)
api.add_router("/agreements", agreements_router)
api.add_router("/activities", activities_router)
api.add_router("/compliance", compliance_router)
api.add_router("/assessment", assessment_router)
api.add_router("/resources", resources_router)
api.add_router("/bookings", bookings_router)
api.add_router("/needs", needs_router)
api.add_router("/meetings", meetings_router)
api.add_router("/problems", problems_router)
api.add_router("/grouping", runs_router)
api.add_router("/task-lists", lists_router)
api.add_router("/tasks", tasks_router)
api.add_router("/milestones", milestones_router)
api.add_router("/task-reports", reports_router)
api.add_router("/decisions", decisions_router)
api.add_router("/decision-lists", decision_lists_router)
api.add_router("/carriers", carriers_router)
api.add_router("/calls", calls_router)
api.add_router("/bids", bids_router)
api.add_router("/projects", projects_router)
api.add_router("/supervision", supervision_router)
api.add_router("/points", points_router)
api.add_router("/appraisals", appraisals_router)
