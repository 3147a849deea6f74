"""Long work as background tasks (Django's task framework, the django-tasks backport).

:func:`enqueue_after_commit` is the one way the apps hand work to the queue: the task is
enqueued once the current transaction commits, so the worker always finds the rows the
task is about. Under the immediate backend (the test suite) the task runs at once, in the
caller's transaction, which keeps tests deterministic without a worker.

Every task here is safe to run twice (a retry, a task enqueued twice, two workers): it
locks its job row (``select_for_update``) and works only from the status it expects, so
nothing is applied twice.

Every job row here has a ``status`` and a requester (``created_by``): :func:`claim` is the one
way a task takes its row (locked, in the expected status, else nothing), and
:func:`own_job_or_404` the one way a screen finds it (the requester only; 404 for anyone
else). The imports (:class:`~lianjian.core.models.ImportJob`), the assessment runs
(``assessment.RunJob``) and the Word reports (:class:`~lianjian.core.models.ReportJob`)
all use both.

The Word reports: an app registers each report once (:func:`register_report`: how to find
its object for a user, how to write it, its file name); :func:`report_job_start` queues one
(or answers the one of the same report still waiting), :func:`write_report_task` writes the
file under ``DATA_DIR/reports/`` as the requester and keeps it, and the download finds the
object again for the user who downloads (:func:`report_download_target`).

The Excel imports of the screens (:class:`~lianjian.core.models.ImportJob`): upload →
:func:`import_job_create` (the file is kept, :func:`validate_import` enqueued) → the page
polls → preview with every error → :func:`import_job_confirm` (待确认 → 导入中 under a row
lock: a second confirm is refused) → :func:`run_import` → result. The engine is
:func:`lianjian.core.excel.import_file`, unchanged.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend

from lianjian.core.audit import audit_record
from lianjian.core.excel import ImportResult, ReadLimits, get_kind, import_file
from lianjian.core.models import AuditLog, ImportJob, ReportJob

_J = TypeVar("_J", bound=models.Model)


def enqueue_after_commit(task_obj: Any, *args: Any) -> None:
    """Enqueue ``task_obj(*args)`` once the current transaction commits (at once when there
    is none). The immediate backend runs it now, inside the caller's transaction."""
    if isinstance(task_obj.get_backend(), ImmediateBackend):
        task_obj.enqueue(*args)
        return
    transaction.on_commit(lambda: task_obj.enqueue(*args))


@contextmanager
def claim(queryset: models.QuerySet[_J], job_id: int, status: str) -> Iterator[_J | None]:
    """A transaction holding the job row ``job_id`` locked (``select_for_update`` of the job
    row only), yielding the job when it is in ``status`` and None otherwise (gone, or worked
    already by an earlier run of the task: the caller then changes nothing). The lock is held
    until the block ends, so a second worker waits and then finds the new status."""
    with transaction.atomic():
        job = queryset.select_for_update(of=("self",)).filter(pk=job_id).first()
        yield job if job is not None and job.status == status else None  # type: ignore[attr-defined]


def own_job_or_404(queryset: models.QuerySet[_J], request: HttpRequest, pk: int) -> _J:
    """The job ``pk`` asked for by the requesting user; 404 for anyone else's, as if it
    did not exist (a job shows what its requester may see)."""
    job = queryset.filter(pk=pk, created_by_id=request.user.pk).first()
    if job is None:
        raise Http404
    return job


# The file of an upload nobody confirmed is removed after this long (a later confirm then
# ends the job as 导入失败 with 导入文件已失效).
STALE_SECONDS = 24 * 3600


def _clean_stale(folder: Path) -> None:
    limit = time.time() - STALE_SECONDS
    for path in folder.glob("*.xlsx"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def imports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def job_file(job: ImportJob) -> Path:
    return imports_dir() / f"{job.token}.xlsx"


def job_result(job: ImportJob) -> ImportResult:
    """The job's counts and errors in the engine's shape (what the preview shows)."""
    return ImportResult(
        kind=job.kind,
        file_name=job.file_name,
        dry_run=job.status != ImportJob.Status.DONE,
        created=job.rows_created,
        updated=job.rows_updated,
        unchanged=job.rows_unchanged,
        errors=list(job.errors),
    )


def import_job_create(
    *, actor: Any, kind: str, file_name: str, write: Callable[[Any], None]
) -> ImportJob:
    """Keep an upload (``write`` fills the open file) and queue its validation; audited."""
    token = secrets.token_urlsafe(24)
    _clean_stale(imports_dir())
    path = imports_dir() / f"{token}.xlsx"
    with path.open("wb") as out:
        write(out)
    with transaction.atomic():
        job = ImportJob.objects.create(
            token=token, kind=kind, file_name=file_name[:200], created_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=job,
            after={"kind": kind, "file": job.file_name},
            note=f"上传导入文件：{job.file_name}",
        )
        enqueue_after_commit(validate_import, job.pk)
    job.refresh_from_db()
    return job


def _finish(job: ImportJob, before: str, result: ImportResult, *, note: str) -> None:
    job.rows_created, job.rows_updated = result.created, result.updated
    job.rows_unchanged, job.errors = result.unchanged, list(result.errors)
    job.save()
    audit_record(
        actor=None,
        action=AuditLog.Action.UPDATE,
        obj=job,
        before={"status": before},
        after={"status": job.status, "errors": len(job.errors)},
        note=note,
    )


def _engine(job: ImportJob, path: Path, *, dry_run: bool) -> ImportResult:
    """The import engine on the job's file, as its uploader (a check only when ``dry_run``);
    a file that is gone (removed as stale) or a kind no longer known is one error."""
    kind = get_kind(job.kind)
    if kind is None or not path.is_file():
        return ImportResult(
            kind=job.kind, file_name=job.file_name, errors=["导入文件已失效，请重新上传"]
        )
    return import_file(
        kind,
        path,
        file_name=job.file_name,
        actor=job.created_by,
        user=job.created_by,
        dry_run=dry_run,
        limits=ReadLimits.screen(),
    )


@task()
def validate_import(job_id: int) -> str:
    """Check the job's file fully (a dry run of the engine) and keep every error or the
    counts; only a job 校验中 is worked, so a second run changes nothing."""
    with claim(ImportJob.objects.all(), job_id, ImportJob.Status.VALIDATING) as job:
        if job is None:
            return "skipped"
        path = job_file(job)
        result = _engine(job, path, dry_run=True)
        job.status = ImportJob.Status.READY if result.ok else ImportJob.Status.INVALID
        job.validated_at = timezone.now()
        if not result.ok:
            job.finished_at = job.validated_at
            path.unlink(missing_ok=True)
        _finish(job, ImportJob.Status.VALIDATING, result, note=f"导入文件校验完成：{job.status}")
    return str(job.status)


def import_job_confirm(*, actor: Any, job: ImportJob) -> bool:
    """Move a previewed job (待确认) to 导入中 and queue its import; False when the job is
    not waiting for a confirm (confirmed already, or not valid): nothing is queued then."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.READY or locked.created_by_id != actor.pk:
            return False
        locked.status, locked.confirmed_at = ImportJob.Status.IMPORTING, timezone.now()
        locked.save(update_fields=["status", "confirmed_at"])
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=locked,
            before={"status": ImportJob.Status.READY},
            after={"status": ImportJob.Status.IMPORTING},
            note=f"确认导入：{locked.file_name}",
        )
        enqueue_after_commit(run_import, locked.pk)
    return True


@task()
def run_import(job_id: int) -> str:
    """Import a confirmed job all-or-nothing; only a job 导入中 is worked, and the row
    lock is held to the end, so a retry or a second worker cannot import it twice."""
    with claim(ImportJob.objects.all(), job_id, ImportJob.Status.IMPORTING) as job:
        if job is None:
            return "skipped"
        path = job_file(job)
        result = _engine(job, path, dry_run=False)
        job.status = ImportJob.Status.DONE if result.ok else ImportJob.Status.FAILED
        job.finished_at = timezone.now()
        path.unlink(missing_ok=True)
        _finish(job, ImportJob.Status.IMPORTING, result, note=f"导入任务结束：{job.status}")
    return str(job.status)


# ---------------------------------------------------------------- Word reports


@dataclass(frozen=True)
class ReportKind:
    """A Word report an app offers. ``find(user, target)`` is the object the user may see
    (None when not: gone, out of scope, voided — the download then answers 404);
    ``write(obj, user, handle)`` writes the report of what ``user`` may see;
    ``title(obj)`` names it on the job page and ``file_name(obj)`` is the download's name;
    ``back(obj)`` is the page the report was asked for on."""

    find: Callable[[Any, str], Any | None]
    write: Callable[[Any, Any, IO[bytes]], object]
    title: Callable[[Any], str]
    file_name: Callable[[Any], str]
    back: Callable[[Any], str]


REPORT_KINDS: dict[str, ReportKind] = {}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def register_report(kind: str, spec: ReportKind) -> None:
    """Offer a report (from the app's ``ready``); a kind is registered once."""
    REPORT_KINDS[kind] = spec


def reports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def report_file(job: ReportJob) -> Path:
    return reports_dir() / f"{job.token}.docx"


def report_job_start(*, actor: Any, kind: str, obj: Any, target: str) -> ReportJob:
    """Queue the report ``kind`` of ``obj`` (its ``target`` key) for ``actor``; audited.
    The caller has found ``obj`` as visible to ``actor``. A job of the same report by the
    same user still waiting is answered instead (a double click writes one file)."""
    spec = REPORT_KINDS[kind]
    with transaction.atomic():
        waiting = (
            ReportJob.objects.select_for_update()
            .filter(created_by_id=actor.pk, kind=kind, target=target)
            .filter(status=ReportJob.Status.QUEUED)
            .first()
        )
        if waiting is not None:
            return waiting
        job = ReportJob.objects.create(
            token=secrets.token_urlsafe(24),
            kind=kind,
            target=target[:100],
            title=spec.title(obj)[:300],
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=job,
            after={"kind": kind, "target": job.target},
            note=f"生成报告：{job.title}",
        )
        enqueue_after_commit(write_report_task, job.pk)
    job.refresh_from_db()
    return job


@task()
def write_report_task(job_id: int) -> str:
    """Write a queued report as its requester and keep the file; only a job 排队 is worked
    (under its row lock), so a retry or a second worker writes nothing twice. The file is
    written beside its final name and renamed into place, so no half-written file is ever
    offered. An object the requester no longer sees ends the job as 失败."""
    with claim(
        ReportJob.objects.select_related("created_by"), job_id, ReportJob.Status.QUEUED
    ) as job:
        if job is None:
            return "skipped"
        spec = REPORT_KINDS.get(job.kind)
        obj = spec.find(job.created_by, job.target) if spec is not None else None
        if spec is None or obj is None:
            job.status, job.errors = ReportJob.Status.FAILED, ["报告对象不存在或已无权查看"]
        else:
            path = report_file(job)
            partial = path.with_suffix(".part")
            with partial.open("wb") as out:
                spec.write(obj, job.created_by, out)
            os.replace(partial, path)
            job.status, job.file_name = ReportJob.Status.DONE, spec.file_name(obj)[:300]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "errors", "file_name", "finished_at"])
        audit_record(
            actor=None,
            action=AuditLog.Action.UPDATE,
            obj=job,
            before={"status": ReportJob.Status.QUEUED},
            after={"status": job.status},
            note=f"报告生成{job.status}：{job.title}",
        )
    return str(job.status)


def report_download_target(job: ReportJob, user: Any) -> Path:
    """The kept file of a finished report, for ``user`` downloading it: the report's object
    is found again for the user (scope may have changed since it was written), else 404."""
    spec = REPORT_KINDS.get(job.kind)
    if job.status != ReportJob.Status.DONE or spec is None:
        raise Http404
    if spec.find(user, job.target) is None:
        raise Http404
    path = report_file(job)
    if not path.is_file():
        raise Http404
    return path
