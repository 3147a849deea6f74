"""Background work of 党员积分 (docs/tasks.md).

:func:`activity_points_task` brings one activity's automatic entries in line once its
record has entered or left the statuses that count; it is enqueued after the activity's
transaction commits (:func:`lianjian.points.apps.PointsConfig.ready` listens to
``activities.signals.counted_changed``). A retry writes nothing twice (the recompute is
idempotent).

The scheme page's 重新计算自动积分 (the full recompute of a scheme's year, the repair path):
:func:`recompute_job_start` records a :class:`~lianjian.points.models.RecomputeJob` and
enqueues :func:`recompute_task` after commit; the job page follows it
(:func:`lianjian.points.views.recompute_job`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from lianjian.core.audit import audit_record
from lianjian.core.jobs import claim, enqueue_after_commit
from lianjian.core.models import AuditLog
from lianjian.core.scope import CHANGE, may
from lianjian.points import services
from lianjian.points.models import PointsScheme, RecomputeJob

log = logging.getLogger(__name__)

NO_RIGHT = "无权重新计算该积分办法"
# What a failure the recompute did not foresee says (the error itself is logged, not shown).
BROKE = "重新计算时出错，未写入或撤回任何积分；请重新计算，仍失败请联系管理员"


@task()
def activity_points_task(activity_id: int) -> dict[str, int]:
    """The entries written and withdrawn for the activity ``activity_id``."""
    written, withdrawn = services.recompute_activity(activity_id)
    return {"written": written, "withdrawn": withdrawn}


def on_counted_changed(sender: Any, activity_id: int, **kwargs: Any) -> None:
    """Receiver of ``counted_changed``: the activity's points once its change commits —
    never inside the activity's transaction (the task must read the committed record, and
    a failure to enqueue must not undo the review step: ``robust`` logs it; a recompute of the
    scheme — the screen's button or ``lianjian points recompute`` — repairs what was missed)."""
    transaction.on_commit(lambda: activity_points_task.enqueue(activity_id), robust=True)


def recompute_job_start(*, actor: Any, scheme: PointsScheme) -> RecomputeJob:
    """Queue the recompute of ``scheme``'s automatic entries for its year, asked for by
    ``actor`` (the caller has found the scheme visible and checked that ``actor`` may
    change it); audited. The job of the same scheme by the same user still waiting is
    answered instead (a double click, a second tab: one recompute); a finished or failed
    one is not — asking again recomputes again (idempotent: only what changed since)."""
    waiting = RecomputeJob.objects.filter(
        scheme=scheme, created_by_id=actor.pk, status=RecomputeJob.Status.QUEUED
    )
    try:
        with transaction.atomic():
            earlier = waiting.select_for_update().first()
            if earlier is not None:
                return earlier
            job = RecomputeJob.objects.create(scheme=scheme, created_by=actor)
            audit_record(
                actor=actor,
                action=AuditLog.Action.CREATE,
                obj=job,
                after={"scheme": scheme.code, "year": scheme.year},
                note=f"发起重新计算自动积分：{scheme.name}",
            )
            enqueue_after_commit(recompute_task, job.pk)
    except IntegrityError:
        # Two requests passed the check at once (SQLite takes no row lock): the constraint
        # points_recomputejob_one_waiting let one job in; this request answers it.
        return waiting.get()
    job.refresh_from_db()
    return job


@task()
def recompute_task(job_id: int) -> str:
    """Recompute a queued :class:`RecomputeJob`'s scheme for its year as its requester
    (``lianjian db_worker``). Only a job 排队 is worked, under its row lock, so a retry, a
    doubled task or a second worker recompute once (and the recompute is idempotent
    anyway). A failure rolls the recompute back whole and ends the job 失败 with the reason;
    the user may ask again."""
    jobs = RecomputeJob.objects.select_related("scheme__org", "created_by")
    with claim(jobs, job_id, RecomputeJob.Status.QUEUED) as job:
        if job is None:
            return "skipped"
        try:
            if not may(job.created_by, CHANGE, job.scheme):
                raise ValidationError(NO_RIGHT)
            job.written, job.withdrawn = services.recompute(actor=job.created_by, scheme=job.scheme)
        except ValidationError as exc:
            job.status, job.errors = RecomputeJob.Status.FAILED, list(exc.messages)
        except Exception:  # the recompute's savepoint is rolled back; the job must end 失败
            log.exception("points recompute job %s failed", job_id)
            job.status, job.errors = RecomputeJob.Status.FAILED, [BROKE]
        else:
            job.status = RecomputeJob.Status.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "written", "withdrawn", "errors", "finished_at"])
        done = job.status == RecomputeJob.Status.DONE
        audit_record(
            actor=None,
            action=AuditLog.Action.UPDATE,
            obj=job,
            before={"status": RecomputeJob.Status.QUEUED},
            after={"status": job.status}
            | ({"written": job.written, "withdrawn": job.withdrawn} if done else {}),
            note=(
                f"自动积分重新计算完成：新增 {job.written} 条，撤回 {job.withdrawn} 条"
                if done
                else f"自动积分重新计算未完成：{'；'.join(job.errors)}"
            ),
        )
    return str(job.status)
