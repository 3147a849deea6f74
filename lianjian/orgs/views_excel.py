"""Screens of Excel import and export: upload → preview → confirm, templates, exports.

Only admins and managers import (members get 404, as if the screens did not exist); a
manager's rows must lie in their own subtree, which the import engine checks row by row.
An upload becomes an import job (``core.ImportJob``, ``lianjian.core.jobs``): background
tasks validate and import it while its page shows the progress (htmx polling); only its
uploader sees or confirms it (404 for others), and confirming twice imports once. An
upload is read within :meth:`ReadLimits.screen` (``IMPORT_SCREEN_MAX_ROWS``; larger files
go through ``lianjian import``); a file over the size limit is not even received
(``core.uploads``). Exports contain only what the user may
see, with phones and ID numbers masked by ``lianjian.core.masking.may_see_private``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianjian.core.excel import (
    ExcelFileError,
    ReadLimits,
    all_kinds,
    export_file,
    export_list_file,
    get_kind,
    kind_for_list,
    write_template,
)
from lianjian.core.filters import LISTS
from lianjian.core.jobs import import_job_confirm, import_job_create, job_result, own_job_or_404
from lianjian.core.models import ImportJob
from lianjian.core.scope import manages_any
from lianjian.core.uploads import upload_over_limit

MAX_SHOWN_ERRORS = 1000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOUBLE_CONFIRM = "该文件已提交导入，请勿重复提交；如需再次导入，请重新上传"
GONE = "导入文件已失效，请重新上传"
MY_JOBS = 8  # the user's latest import jobs listed beside the upload form


def _require_importer(request: HttpRequest) -> None:
    if not manages_any(request.user):
        raise Http404


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {"nav": "excel", "kinds": all_kinds(), "limits": ReadLimits.screen(), **context}
    if template == "orgs/excel_import.html":
        context["jobs"] = list(ImportJob.objects.filter(created_by_id=request.user.pk)[:MY_JOBS])
    return render(request, template, context, status=status)


def _own_job(request: HttpRequest, pk: int) -> ImportJob:
    """The user's own import job; anyone else's (or none) answers 404."""
    return own_job_or_404(ImportJob.objects.all(), request, pk)


def _job_page(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """The job as it stands: progress while a task works on it (the page polls), the
    preview with every error or the counts, or the result of the import."""
    result = job_result(job)
    failed = job.status in (ImportJob.Status.INVALID, ImportJob.Status.FAILED)
    context = {
        "job": job,
        "token": job.token if job.status == ImportJob.Status.READY else "",
        "kind": get_kind(job.kind),
        "file_name": job.file_name,
        "result": result,
        "shown_errors": result.errors[:MAX_SHOWN_ERRORS],
        "hidden_errors": max(0, len(result.errors) - MAX_SHOWN_ERRORS),
    }
    if getattr(request, "htmx", False) and request.GET.get("poll"):
        response = render(request, "orgs/excel_job_progress.html", context)
        if not job.is_working:
            # The job's own page (the poll may come from the page answering the upload).
            response["HX-Redirect"] = reverse("orgs:import_job", args=[job.pk])
        return response
    return _page(request, "orgs/excel_preview.html", context, status=400 if failed else 200)


@login_required
@require_http_methods(["GET", "POST"])
@transaction.non_atomic_requests  # the job and its tasks commit on their own
def import_start(request: HttpRequest) -> HttpResponse:
    """GET: the upload form (with the user's latest jobs). POST: keep the file as an import
    job and queue its full validation; redirect to the job's page, which polls until the
    preview is ready (every error by row, or how many rows would be created, updated, left
    unchanged). Should the task have ended already (the immediate backend), the preview is
    the answer itself (400 when the file has errors)."""
    _require_importer(request)
    if request.method == "GET":
        return _page(
            request, "orgs/excel_import.html", {"selected": request.GET.get("kind", "orgs")}
        )
    limits = ReadLimits.screen()
    kind = get_kind(request.POST.get("kind", ""))
    upload = request.FILES.get("file")
    problem = ""
    if upload_over_limit(request):
        # core.uploads stopped receiving the file at the limit; nothing of it was kept.
        problem = limits.file_too_large(None)
    elif kind is None:
        problem = "请选择要导入的数据类型"
    elif upload is None:
        problem = "请选择要上传的 Excel 文件（.xlsx）"
    elif upload.size > limits.max_bytes:
        problem = limits.file_too_large(upload.size)
    if problem:
        return _page(
            request,
            "orgs/excel_import.html",
            {"selected": request.POST.get("kind", "orgs"), "problem": problem},
            status=400,
        )
    assert kind is not None and upload is not None

    def write(out: Any) -> None:
        for chunk in upload.chunks():
            out.write(chunk)

    job = import_job_create(
        actor=request.user,
        kind=kind.name,
        file_name=Path(upload.name or "upload.xlsx").name,
        write=write,
    )
    if job.is_working:
        return redirect("orgs:import_job", pk=job.pk)
    return _job_page(request, job)  # the task already ended (the immediate backend)


@login_required
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """An import job of the user's own (404 for anyone else's): see :func:`_job_page`."""
    _require_importer(request)
    return _job_page(request, _own_job(request, pk))


@login_required
@require_POST
@transaction.non_atomic_requests  # the confirm and the import commit on their own
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Queue the import of a previewed upload (all-or-nothing, in a task) and show its job;
    a second confirm of the same upload (a double click, two tabs) is refused."""
    _require_importer(request)
    token = request.POST.get("token", "")
    job = (
        ImportJob.objects.filter(token=token, created_by_id=request.user.pk).first()
        if token
        else None
    )
    if job is None or job.status == ImportJob.Status.INVALID:
        messages.error(request, GONE)
        return redirect("orgs:import_start")
    if not import_job_confirm(actor=request.user, job=job):
        messages.error(request, DOUBLE_CONFIRM)
        return redirect("orgs:import_job", pk=job.pk)
    job.refresh_from_db()
    if job.status == ImportJob.Status.DONE:
        kind = get_kind(job.kind)
        label = kind.label if kind else ""
        messages.success(
            request, f"{label}导入完成（{job.file_name}）：{job_result(job).summary()}"
        )
    return redirect("orgs:import_job", pk=job.pk)


def _kind_or_404(request: HttpRequest) -> Any:
    kind = get_kind(request.GET.get("kind", ""))
    if kind is None:
        raise Http404
    return kind


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    """An empty input workbook for ``?kind=``: headers (required ones with *) and notes."""
    _require_importer(request)
    kind = _kind_or_404(request)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_template(handle, kind)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"{kind.label}导入模板.xlsx", content_type=XLSX_TYPE
    )


@login_required
def export_download(request: HttpRequest) -> HttpResponse:
    """``?kind=&org=CODE``: what the user may see, limited to the subtree of ``org`` (404
    when that organisation is not visible), in the import columns."""
    kind = _kind_or_404(request)
    org_code = request.GET.get("org", "").strip() or None
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        export_file(kind, handle, user=request.user, org_code=org_code)
    except ExcelFileError:
        handle.close()
        raise Http404 from None
    handle.seek(0)
    stamp = timezone.localdate().strftime("%Y%m%d")
    suffix = f"-{org_code}" if org_code else ""
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{kind.label}{suffix}-{stamp}.xlsx",
        content_type=XLSX_TYPE,
    )


@login_required
def export_filtered(request: HttpRequest, name: str) -> FileResponse:
    """``/orgs/excel/export/list/<name>/?<the list's filters>``: exactly the rows the list
    screen ``name`` shows for these filters (its one selector, core.filters), in the import
    columns, so that "导出 Excel" on a filtered list gives what the user sees. A filter
    naming an organisation out of sight answers 404, like the list."""
    registered = LISTS.get(name)
    kind = kind_for_list(name)
    if registered is None or registered.selector is None or kind is None:
        raise Http404
    try:
        rows = registered.selector(request.user, registered.filter.from_query(request.GET))
    except ObjectDoesNotExist:
        raise Http404 from None
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    export_list_file(kind, handle, user=request.user, rows=rows)
    handle.seek(0)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{kind.label}-筛选结果-{stamp}.xlsx",
        content_type=XLSX_TYPE,
    )
