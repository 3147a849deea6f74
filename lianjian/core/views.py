"""The audit log, the pickers' lookup, the Word report jobs and the error pages."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse

from lianjian.core.jobs import (
    DOCX_TYPE,
    REPORT_KINDS,
    own_job_or_404,
    report_download_target,
    report_job_start,
)
from lianjian.core.models import AuditLog, ReportJob
from lianjian.core.paging import paginate_keyset
from lianjian.core.pickers import LIMIT, clean_text, get_source, search
from lianjian.core.scope import scope_of
from lianjian.core.selectors import AUDIT_LIST_KEY, AuditFilter
from lianjian.core.selectors import audit_list as audit_list_rows


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """The searchable audit log; admins only (others get 404, as if it did not exist)."""
    if not scope_of(request.user).everything:
        raise Http404
    f = AuditFilter.from_query(request.GET)
    page = paginate_keyset(
        request, audit_list_rows(request.user, f), key=AUDIT_LIST_KEY, per_page=50
    )
    return render(
        request,
        "core/audit_list.html",
        {
            "nav": "audit",
            "page": page,
            "f": f,
            "q": f.q or "",
            "action": f.action or "",
            "actions": AuditLog.Action.choices,
            "type": f.type or "",
            "types": [
                ("orgs.organisation", "党组织"),
                ("orgs.member", "党员"),
                ("accounts.user", "用户"),
                ("import", "导入"),
            ],
        },
    )


def report_job_start_view(request: HttpRequest, kind: str, obj: Any, target: str) -> HttpResponse:
    """Queue the Word report ``kind`` of ``obj`` (found by the caller as visible to the user)
    and show its job page; the report's old download URL answers this way, GET or POST."""
    job = report_job_start(actor=request.user, kind=kind, obj=obj, target=target)
    return redirect("core:report_job", pk=job.pk)


@login_required
def report_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A Word report asked for by this user (404 for anyone else): progress while the task
    writes it (the page polls), then the download link, or why it failed."""
    job = own_job_or_404(ReportJob.objects.all(), request, pk)
    if getattr(request, "htmx", False) and request.GET.get("poll"):
        response = render(request, "core/report_job_progress.html", {"job": job})
        if job.status != ReportJob.Status.QUEUED:
            response["HX-Redirect"] = reverse("core:report_job", args=[job.pk])
        return response
    spec = REPORT_KINDS.get(job.kind)
    obj = spec.find(request.user, job.target) if spec is not None else None
    return render(
        request,
        "core/report_job.html",
        {"job": job, "back": spec.back(obj) if spec is not None and obj is not None else ""},
    )


@login_required
def report_job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The kept file of the user's finished report; the report's object is checked again
    for the user (404 when it is no longer visible, as for anyone else's job)."""
    job = own_job_or_404(ReportJob.objects.all(), request, pk)
    path = report_download_target(job, request.user)
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=job.file_name, content_type=DOCX_TYPE
    )


@login_required
def picker(request: HttpRequest, source: str) -> HttpResponse:
    """The rows matching ``q`` that the user may choose for a picker field (an HTML list for
    htmx; lianjian.core.widgets). Further form values the source reads come as parameters."""
    found = get_source(source)
    if found is None:
        raise Http404
    q = request.GET.get("q", "")
    choices, more = search(found, request.user, q, request.GET)
    response = render(
        request,
        "core/picker_options.html",
        {
            "choices": choices,
            "more": more,
            "limit": LIMIT,
            "q": clean_text(q),
            "noun": found.noun,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


# Error pages (handler400/403/404/500 and CSRF_FAILURE_VIEW). Each says in Chinese what
# happened and what to do, and never shows the exception, the CSRF reason or a traceback.
# Paths under /api/ get the API's error form {"detail": …} instead of a page.

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# Served when even the error template fails (e.g. a broken template directory).
BARE_500 = "<!doctype html><meta charset=utf-8><title>系统错误 · 联建</title><h1>系统出现错误，操作未完成</h1><p>请稍后重试。</p>"


def _api_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse(
        {"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _standalone(template: str, status: int) -> HttpResponse:
    """Render an error page without the request: no context processor, session or
    database query runs, so the page renders whatever caused the error."""
    return HttpResponse(loader.render_to_string(template), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400, e.g. an unknown Host header or a malformed request (SuspiciousOperation)."""
    if request.path.startswith(API_PREFIX):
        return _api_error(400, "请求无效")
    return _standalone("400.html", 400)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _api_error(403, "无权执行此操作")
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _api_error(404, "未找到")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: Django has already logged the traceback; the page needs neither the database
    nor the request context, and falls back to bare HTML if its template fails too."""
    if request.path.startswith(API_PREFIX):
        return _api_error(500, "服务器内部错误")
    try:
        return _standalone("500.html", 500)
    except Exception:
        logger.exception("The 500 page could not be rendered")
        return HttpResponse(BARE_500, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a stale or foreign form. Django logs the reason
    (django.security.csrf); the page only says what to do."""
    if request.path.startswith(API_PREFIX):
        return _api_error(403, "请求来源校验失败（CSRF），请刷新页面后重试")
    return _standalone("403_csrf.html", 403)
