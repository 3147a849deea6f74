"""The results screen's "inputs changed" check as a background task.

:func:`lianjian.assessment.stale.staleness` re-collects every source for every organisation
of a version — 50 s and more at national scale — so a web request never calls it. The
screen calls :func:`stale_check_for`: it answers the latest finished check (shown at once)
and the one waiting, and asks for a new check when there is none or the latest is older
than :data:`STALE_CHECK_EVERY` and none waits. :func:`stale_check_task` does the work in
the task process and stores the changes on the :class:`StaleCheck`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from lianjian.assessment.models import AssessmentRun, StaleCheck
from lianjian.assessment.stale import changes_to_json, staleness
from lianjian.core.audit import audit_record
from lianjian.core.jobs import claim, enqueue_after_commit
from lianjian.core.models import AuditLog

# A finished check is shown as it is for this long; the next full view of the screen after
# that asks for a new one (the inputs are read by many people at many times; a reading a
# few minutes old is what the notice promises with its "核对于 HH:MM").
STALE_CHECK_EVERY = datetime.timedelta(minutes=10)
# A check still waiting after this long was lost (no task process, or it died mid-way):
# it is marked 失败 and a new one is asked for, so the notice never waits forever.
STALE_CHECK_LOST = datetime.timedelta(minutes=30)
LOST_REASON = "核对任务未执行（任务进程未运行或中断），已重新核对"


@dataclass(frozen=True)
class StaleState:
    """What the results screen shows: the latest finished check (None before the first)
    and the check waiting (None when none waits)."""

    done: StaleCheck | None
    waiting: StaleCheck | None


def stale_state(run: AssessmentRun) -> StaleState:
    """The latest finished check of ``run`` and the one waiting; two reads, whatever the
    size of the run."""
    done = (
        StaleCheck.objects.filter(run=run, status=StaleCheck.Status.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )
    waiting = StaleCheck.objects.filter(run=run, status=StaleCheck.Status.QUEUED).first()
    return StaleState(done, waiting)


def _due(state: StaleState, now: datetime.datetime) -> bool:
    if state.waiting is not None:
        return False
    return state.done is None or (
        state.done.finished_at is not None and now - state.done.finished_at >= STALE_CHECK_EVERY
    )


def stale_check_for(*, actor: Any, run: AssessmentRun) -> StaleState:
    """The checks of ``run`` to show ``actor`` (an owner of its scheme; the caller has
    checked scope and the version being the one that counts), asking for a new check when
    one is due: none yet, or the latest finished one older than :data:`STALE_CHECK_EVERY`,
    and none waiting. The new check is queued after commit and audited. A check waiting
    longer than :data:`STALE_CHECK_LOST` is marked 失败 and replaced. Never collects."""
    now = timezone.now()
    state = stale_state(run)
    lost = state.waiting is not None and now - state.waiting.created_at >= STALE_CHECK_LOST
    if not lost and not _due(state, now):
        return state
    try:
        with transaction.atomic():
            if lost:
                assert state.waiting is not None
                # Only if still waiting: the task may have finished it meanwhile.
                marked = StaleCheck.objects.filter(
                    pk=state.waiting.pk, status=StaleCheck.Status.QUEUED
                ).update(status=StaleCheck.Status.FAILED, error=LOST_REASON, finished_at=now)
                if marked:
                    audit_record(
                        actor=None,
                        action=AuditLog.Action.UPDATE,
                        obj=state.waiting,
                        before={"status": StaleCheck.Status.QUEUED},
                        after={"status": StaleCheck.Status.FAILED},
                        note=f"输入数据变化核对未完成：{LOST_REASON}",
                    )
            check = StaleCheck.objects.create(run=run, created_by=actor)
            audit_record(
                actor=actor,
                action=AuditLog.Action.CREATE,
                obj=check,
                after={"run": run.pk},
                note=f"核对输入数据变化：{run.period} 第 {run.version} 版",
            )
            enqueue_after_commit(stale_check_task, check.pk)
    except IntegrityError:
        # Two views asked at once (SQLite takes no row lock): the constraint let one
        # through; this view shows the check that is waiting.
        return stale_state(run)
    # The immediate backend (tests) has run it already; read what is there now.
    return stale_state(run)


@task()
def stale_check_task(check_id: int) -> str:
    """Compare a version with today's inputs and keep the changes (``lianjian db_worker``).
    Only a check 排队 is worked, under its row lock, so a retry or a second worker changes
    nothing. A check the task cannot finish is 失败 with the reason; the screen then shows
    the previous reading and asks again after :data:`STALE_CHECK_EVERY`."""
    checks = StaleCheck.objects.select_related("run__scheme")
    with claim(checks, check_id, StaleCheck.Status.QUEUED) as check:
        if check is None:
            return "skipped"
        check.started_at = timezone.now()
        try:
            # A savepoint: a failed read leaves the job's transaction usable for the 失败.
            with transaction.atomic():
                check.changes = changes_to_json(staleness(check.run))
        except Exception as exc:  # noqa: BLE001 — any failure is kept on the check, in Chinese
            check.status, check.error = (
                StaleCheck.Status.FAILED,
                f"核对未完成：{type(exc).__name__}",
            )
        else:
            check.status = StaleCheck.Status.DONE
        check.finished_at = timezone.now()
        check.save(update_fields=["status", "changes", "error", "started_at", "finished_at"])
        audit_record(
            actor=None,
            action=AuditLog.Action.UPDATE,
            obj=check,
            before={"status": StaleCheck.Status.QUEUED},
            after={"status": check.status, "changes": len(check.changes)},
            note=(
                f"输入数据变化核对完成：{len(check.changes)} 个组织有变化"
                if check.status == StaleCheck.Status.DONE
                else check.error
            ),
        )
    return str(check.status)
