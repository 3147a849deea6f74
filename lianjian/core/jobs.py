"""Long work as background tasks (Django's task framework, the django-tasks backport).

:func:`enqueue_after_commit` is the one way the apps hand work to the queue: the task is
enqueued once the current transaction commits, so the worker always finds the rows the
task is about. Under the immediate backend (the test suite) the task runs at once, in the
caller's transaction, which keeps tests deterministic without a worker.

Every task here is safe to run twice (a retry, a task enqueued twice, two workers): it
locks its job row (``select_for_update``) and works only from the status it expects, so
nothing is applied twice.

The Excel imports of the screens (:class:`~lianjian.core.models.ImportJob`): upload →
:func:`import_job_create` (the file is kept, :func:`validate_import` enqueued) → the page
polls → preview with every error → :func:`import_job_confirm` (待确认 → 导入中 under a row
lock: a second confirm is refused) → :func:`run_import` → result. The engine is
:func:`lianjian.core.excel.import_file`, unchanged.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend

from lianjian.core.audit import audit_record
from lianjian.core.excel import ImportResult, ReadLimits, get_kind, import_file
from lianjian.core.models import AuditLog, ImportJob


def enqueue_after_commit(task_obj: Any, *args: Any) -> None:
    """Enqueue ``task_obj(*args)`` once the current transaction commits (at once when there
    is none). The immediate backend runs it now, inside the caller's transaction."""
    if isinstance(task_obj.get_backend(), ImmediateBackend):
        task_obj.enqueue(*args)
        return
    transaction.on_commit(lambda: task_obj.enqueue(*args))


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
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ImportJob.Status.VALIDATING:
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
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ImportJob.Status.IMPORTING:
            return "skipped"
        path = job_file(job)
        result = _engine(job, path, dry_run=False)
        job.status = ImportJob.Status.DONE if result.ok else ImportJob.Status.FAILED
        job.finished_at = timezone.now()
        path.unlink(missing_ok=True)
        _finish(job, ImportJob.Status.IMPORTING, result, note=f"导入任务结束：{job.status}")
    return str(job.status)
