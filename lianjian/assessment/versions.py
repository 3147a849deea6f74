"""Writes on result versions besides running, publishing and recalculating
(``services.assessment_run``, ``services.run_publish``, ``services.run_republish`` — the
last a background task): voiding a version (作废).

A version is never deleted: voiding records who, when and why (audited), unpublishes it,
and takes it out of every history, trend, organisation page, ranking list, API list and
export (the selectors read only versions that are not voided). Only the scheme's owners
void or recalculate (``AssessmentRun.SCOPE`` ``change``; callers check it, as for runs).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lianjian.assessment.models import AssessmentRun
from lianjian.core.audit import audit_record
from lianjian.core.models import AuditLog

REASON_MAX = 300


def _target(run: AssessmentRun) -> str:
    return f"{run.scheme.code}/{run.period}/v{run.version}"


@transaction.atomic
def run_void(*, actor: Any, run: AssessmentRun, reason: str) -> AssessmentRun:
    """Void ``run`` with a reason (required, at most 300 characters); a published version
    stops being published. Voiding a voided version is refused."""
    run = AssessmentRun.objects.select_for_update().select_related("scheme").get(pk=run.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写作废原因"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"作废原因不能超过 {REASON_MAX} 个字符"})
    if run.voided_at is not None:
        raise ValidationError("该版本已作废")
    was_published = run.is_published
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    run.voided_at, run.voided_by, run.void_reason = (
        timezone.now(),
        actor if is_user else None,
        reason,
    )
    run.is_published = False
    run.save(update_fields=["voided_at", "voided_by", "void_reason", "is_published"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=run,
        target_id=_target(run),
        before={"voided": False, "is_published": was_published},
        after={"voided": True, "is_published": False, "void_reason": reason},
        note=f"作废：{reason}",
    )
    return run
