"""Screens of Excel import and export: upload → preview → confirm, templates, exports.

Only admins and managers import (members get 404, as if the screens did not exist); a
manager's rows must lie in their own subtree, which the import engine checks row by row.
An upload is kept under ``DATA_DIR/imports`` with a random name recorded in the session,
so that only the session that uploaded it can confirm it. An upload is read within
:meth:`ReadLimits.screen` (fewer rows than the command line, so that the preview and the
import end within the request; the message points to ``lianjian import``); a file over the
size limit is not even received (``core.uploads``). Exports contain only what the user may
see, with phones and ID numbers masked by ``lianjian.core.masking.may_see_private``.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.core.excel import (
    ExcelFileError,
    ReadLimits,
    all_kinds,
    export_file,
    export_list_file,
    get_kind,
    import_file,
    kind_for_list,
    write_template,
)
from lianjian.core.filters import LISTS
from lianjian.core.scope import manages_any
from lianjian.core.uploads import upload_over_limit

SESSION_KEY = "excel_imports"
# Uploads nobody confirmed are removed after this long.
STALE_SECONDS = 24 * 3600
MAX_SHOWN_ERRORS = 1000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOUBLE_CONFIRM = "该文件已提交导入，请勿重复提交；如需再次导入，请重新上传"


def _imports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _require_importer(request: HttpRequest) -> None:
    if not manages_any(request.user):
        raise Http404


def _clean_stale(folder: Path) -> None:
    limit = time.time() - STALE_SECONDS
    for path in folder.glob("*.xlsx"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {"nav": "excel", "kinds": all_kinds(), "limits": ReadLimits.screen(), **context}
    return render(request, template, context, status=status)


def _preview(
    request: HttpRequest, *, token: str, kind: Any, file_name: str, result: Any, status: int = 200
) -> HttpResponse:
    return _page(
        request,
        "orgs/excel_preview.html",
        {
            "token": token,
            "kind": kind,
            "file_name": file_name,
            "result": result,
            "shown_errors": result.errors[:MAX_SHOWN_ERRORS],
            "hidden_errors": max(0, len(result.errors) - MAX_SHOWN_ERRORS),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@transaction.non_atomic_requests  # all-or-nothing by itself; a preview must not hold a write lock
def import_start(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: keep the file, validate it fully, show the preview
    (every error by row, or how many rows would be created, updated, left unchanged)."""
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
    folder = _imports_dir()
    _clean_stale(folder)
    token = secrets.token_urlsafe(24)
    path = folder / f"{token}.xlsx"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    file_name = Path(upload.name or "upload.xlsx").name[:200]
    pending = {
        t: e
        for t, e in request.session.get(SESSION_KEY, {}).items()
        if (folder / f"{t}.xlsx").is_file()
    }
    pending[token] = {"kind": kind.name, "name": file_name}
    request.session[SESSION_KEY] = pending
    result = import_file(
        kind,
        path,
        file_name=file_name,
        actor=request.user,
        user=request.user,
        dry_run=True,
        limits=limits,
    )
    if not result.ok:
        _forget(request, token)
    return _preview(
        request,
        token=token,
        kind=kind,
        file_name=file_name,
        result=result,
        status=200 if result.ok else 400,
    )


def _forget(request: HttpRequest, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    (_imports_dir() / f"{token}.xlsx").unlink(missing_ok=True)


@login_required
@require_POST
@transaction.non_atomic_requests  # the import is one transaction of its own (core.excel)
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Apply a previewed upload all-or-nothing and go back to the import screen."""
    _require_importer(request)
    token = request.POST.get("token", "")
    entry = request.session.get(SESSION_KEY, {}).get(token)
    path = _imports_dir() / f"{token}.xlsx"
    kind = get_kind(entry["kind"]) if entry else None
    if entry is None or kind is None:
        messages.error(request, "导入文件已失效，请重新上传")
        return redirect("orgs:import_start")
    # Claim the upload first (a rename is atomic): of two confirms of one file at the same
    # moment (a double click, two tabs) exactly one imports it. The other finds the file
    # gone although its session still lists it, and is told not to confirm twice.
    claimed = path.with_name(f"{token}.importing.xlsx")
    try:
        path.rename(claimed)
    except FileNotFoundError:
        messages.error(request, DOUBLE_CONFIRM)
        return redirect("orgs:import_start")
    try:
        result = import_file(
            kind,
            claimed,
            file_name=entry["name"],
            actor=request.user,
            user=request.user,
            limits=ReadLimits.screen(),
        )
    finally:
        claimed.unlink(missing_ok=True)
    _forget(request, token)
    if not result.ok:
        # The data changed since the preview: show the new errors; nothing was imported.
        return _preview(
            request, token="", kind=kind, file_name=entry["name"], result=result, status=400
        )
    messages.success(request, f"{kind.label}导入完成（{entry['name']}）：{result.summary()}")
    return redirect(f"{reverse('orgs:import_start')}?kind={kind.name}")


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
