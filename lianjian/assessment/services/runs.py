"""Assessment runs: score a scheme for a period as a new version, publish a version, and
recalculate a published version from today's inputs and publish that (重新计算并发布) — the
last two as background tasks (``RunJob``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django_tasks import task

from lianjian.assessment import sources
from lianjian.assessment.entry import scheme_orgs
from lianjian.assessment.models import (
    AssessmentResult,
    AssessmentRun,
    RunJob,
    Scheme,
)
from lianjian.assessment.scheme_file import (
    scheme_to_dict,
    spec_from_model,
)
from lianjian.assessment.scoring import (
    rank,
    scorer,
    validate_scheme,
)
from lianjian.assessment.services.common import check_period, fail
from lianjian.core.audit import audit_record
from lianjian.core.excel import insert_rows
from lianjian.core.jobs import claim, enqueue_after_commit
from lianjian.core.models import AuditLog

RESULT_COLUMNS = (
    "run_id",
    "org_id",
    "total",
    "stars",
    "vetoed",
    "passed",
    "rank",
    "dimensions",
    "indicators",
)


@transaction.atomic
def assessment_run(
    actor: Any, scheme: Scheme, period: str, *, note: str = "", today: datetime.date | None = None
) -> AssessmentRun:
    """Run ``scheme`` for ``period`` (of the scheme's period kind) and store it as the next
    version: the scheme file as a snapshot, and per organisation of :func:`scheme_orgs` the
    total, dimensions, indicators (value, points, missing, evidence), stars, 否决, passed
    and rank. The scheme must be valid (every problem listed) and apply to at least one
    organisation. ``today`` (default: the local date) is passed to the sources."""
    scheme = (
        Scheme.objects.select_for_update(of=("self",)).select_related("owner").get(pk=scheme.pk)
    )
    period = check_period(scheme, period)
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": "说明不能超过 300 个字符"})
    spec = spec_from_model(scheme)
    problems = validate_scheme(spec)
    if problems:
        fail(*problems)
    orgs = scheme_orgs(scheme, period)
    codes = dict(orgs.values_list("pk", "code"))
    if not codes:
        fail(f"方案在{period}期间没有适用的组织")
    values = sources.collect(scheme, period, orgs, spec=spec, today=today)
    score = scorer(spec)
    scores = {}
    for org_id in codes:
        found = values.get(org_id, {})
        scores[org_id] = score({code: pair[0] for code, pair in found.items()})
    ranks = rank({org_id: (s.total, s.vetoed) for org_id, s in scores.items()})
    version = (
        AssessmentRun.objects.filter(scheme=scheme, period=period).aggregate(v=Max("version"))["v"]
        or 0
    ) + 1
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    run = AssessmentRun.objects.create(
        scheme=scheme,
        period=period,
        version=version,
        scheme_snapshot=scheme_to_dict(scheme),
        org_count=len(codes),
        note=note,
        created_by=actor if is_user else None,
    )
    rows = []
    # Stored by rank then code, so that the id breaks a shared rank as the code would: the
    # results list is ordered by the (run, rank, id) index (selectors.RESULT_LIST_KEY).
    for org_id in sorted(scores, key=lambda o: (ranks[o], codes[o])):
        s = scores[org_id]
        found = values.get(org_id, {})
        indicators = {
            code: {
                "value": r.value,
                "points": r.points,
                "missing": r.missing,
                "evidence": found[code][1] if code in found else None,
            }
            for code, r in s.indicators.items()
        }
        rows.append(
            (
                run.pk,
                org_id,
                s.total,
                s.stars,
                s.vetoed,
                s.passed,
                ranks[org_id],
                s.dimensions,
                indicators,
            )
        )
    insert_rows(AssessmentResult, RESULT_COLUMNS, rows)
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=run,
        target_id=f"{scheme.code}/{period}/v{version}",
        after={
            "scheme": scheme.code,
            "period": period,
            "version": version,
            "org_count": len(codes),
            "vetoed": sum(1 for s in scores.values() if s.vetoed),
        },
        note=note,
    )
    return run


@transaction.atomic
def run_publish(actor: Any, run: AssessmentRun) -> AssessmentRun:
    """Publish ``run`` as the version that counts for its scheme and period; the version
    published before (if any) is unpublished. Publishing the published version changes nothing."""
    run = AssessmentRun.objects.select_for_update().select_related("scheme").get(pk=run.pk)
    if run.voided_at is not None:
        fail("该版本已作废，不能发布")
    if run.is_published:
        return run
    previous = list(
        AssessmentRun.objects.select_for_update().filter(
            scheme_id=run.scheme_id, period=run.period, is_published=True
        )
    )
    AssessmentRun.objects.filter(pk__in=[p.pk for p in previous]).update(is_published=False)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    run.is_published, run.published_by, run.published_at = (
        True,
        actor if is_user else None,
        timezone.now(),
    )
    run.save(update_fields=["is_published", "published_by", "published_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=run,
        target_id=f"{run.scheme.code}/{run.period}/v{run.version}",
        before={"published_version": previous[0].version if previous else None},
        after={"published_version": run.version},
        note="发布考核结果",
    )
    return run


def run_job_create(*, actor: Any, scheme: Scheme, period: str, note: str = "") -> RunJob:
    """Ask for a run of ``scheme`` for ``period`` as a background task; audited. The task is
    enqueued after commit (the immediate backend of the tests runs it at once)."""
    with transaction.atomic():
        job = RunJob.objects.create(
            scheme=scheme, period=period, note=(note or "")[:300], created_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=job,
            after={"scheme": scheme.code, "period": period},
            note=f"发起考核计算：{scheme.name} {period}",
        )
        enqueue_after_commit(assessment_run_task, job.pk)
    job.refresh_from_db()
    return job


def run_republish(actor: Any, run: AssessmentRun, note: str = "") -> AssessmentRun:
    """Recalculate ``run``'s scheme and period from today's inputs as the next version and
    publish it in its place (the stale-result notice's action); a voided version is refused.
    Worked by :func:`assessment_run_task` for a :class:`RunJob` with ``republish_of``."""
    if run.voided_at is not None:
        fail("该版本已作废，不能据此重新计算")
    text = (note or "").strip() or f"输入数据变化后重新计算（原第 {run.version} 版）"
    fresh = assessment_run(actor, run.scheme, run.period, note=text[:300])
    return run_publish(actor, fresh)


REPUBLISH_WAITING = "该版本正在重新计算，请稍后查看"


def run_republish_job_create(*, actor: Any, run: AssessmentRun) -> RunJob:
    """Ask for 重新计算并发布 of ``run`` as a background task; audited. At most one such
    job per version is waiting or done (``assessment_runjob_republish_once``): asking again
    answers that job when it is the actor's own, and is refused otherwise (another manager's
    job is not shown to the actor). A voided version is refused."""
    try:
        with transaction.atomic():
            source = AssessmentRun.objects.select_for_update().get(pk=run.pk)
            if source.voided_at is not None:
                fail("该版本已作废，不能据此重新计算")
            earlier = (
                RunJob.objects.filter(republish_of=source)
                .exclude(status=RunJob.Status.FAILED)
                .select_related("run")
                .first()
            )
            if earlier is not None:
                if earlier.created_by_id == actor.pk:
                    return earlier
                if earlier.run is not None:
                    fail(f"该版本已重新计算并发布为第 {earlier.run.version} 版")
                fail(REPUBLISH_WAITING)
            job = RunJob.objects.create(
                scheme_id=source.scheme_id,
                period=source.period,
                republish_of=source,
                created_by=actor,
            )
            audit_record(
                actor=actor,
                action=AuditLog.Action.CREATE,
                obj=job,
                after={"republish_of": source.pk, "period": source.period},
                note=f"发起重新计算并发布：原第 {source.version} 版",
            )
            enqueue_after_commit(assessment_run_task, job.pk)
    except IntegrityError:
        # Two requests passed the check at once (SQLite takes no row lock): the constraint
        # let one through; the other is answered as a job already waiting.
        fail(REPUBLISH_WAITING)
    job.refresh_from_db()
    return job


@task()
def assessment_run_task(job_id: int) -> str:
    """Compute a queued :class:`RunJob` (``lianjian db_worker``). The job row stays locked
    while the run is computed, and only a job 排队 is worked: a retry, a doubled task or a
    second worker never stores a second version. A refusal (``ValidationError``) keeps every
    reason on the job. A job with ``republish_of`` recalculates that version and publishes
    the new one (:func:`run_republish`), in the same transaction: published once or not at
    all."""
    jobs = RunJob.objects.select_related("scheme", "created_by", "republish_of__scheme")
    with claim(jobs, job_id, RunJob.Status.QUEUED) as job:
        if job is None:
            return "skipped"
        try:
            if job.republish_of is not None:
                job.run = run_republish(job.created_by, job.republish_of, note=job.note)
            else:
                job.run = assessment_run(job.created_by, job.scheme, job.period, note=job.note)
        except ValidationError as exc:
            job.status, job.errors = RunJob.Status.FAILED, list(exc.messages)
        else:
            job.status = RunJob.Status.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "run", "errors", "finished_at"])
        audit_record(
            actor=None,
            action=AuditLog.Action.UPDATE,
            obj=job,
            before={"status": RunJob.Status.QUEUED},
            after={"status": job.status, **({"run": job.run.pk} if job.run else {})},
            note=(
                ("重新计算并发布完成" if job.republish_of_id else "考核计算完成")
                if job.run
                else f"考核计算未完成：{'；'.join(job.errors)}"
            ),
        )
    return str(job.status)
