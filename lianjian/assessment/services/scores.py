"""Evaluator scores (评议打分): each evaluator scores the assessed organisations once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from lianjian.assessment.entry import scheme_orgs
from lianjian.assessment.models import (
    Indicator,
    ManualScore,
    Rule,
)
from lianjian.assessment.services.common import check_period, fail, number_ok
from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.models import AuditLog
from lianjian.orgs.models import Organisation


@transaction.atomic
def manual_score_set(
    actor: Any,
    *,
    indicator: Indicator,
    org: Organisation,
    period: str,
    score: Any,
    comment: str = "",
) -> ManualScore:
    """The actor's score (评议打分) of ``org`` on a ``manual`` indicator for ``period``:
    0 ≤ score ≤ the indicator's max; a second call replaces the actor's own score (each
    evaluator scores once). Only the indicator's evaluators may score (``PermissionDenied``
    otherwise); the organisation must be one the scheme assesses for that period."""
    if indicator.rule != Rule.MANUAL:
        fail("该指标不是评议打分指标")
    if actor is None or not indicator.evaluators.filter(pk=actor.pk).exists():
        raise PermissionDenied("您不是该指标的评议人")
    own = getattr(actor, "org_id", None)
    if own is not None and own == org.pk:
        fail(f"评议人不能为本人所在的组织（{org.name}）打分")
    scheme = indicator.scheme
    period = check_period(scheme, period)
    if not scheme_orgs(scheme, period).filter(pk=org.pk).exists():
        fail(f"{org.name} 不在该方案{period}期间的考核范围内")
    errors: dict[str, str] = {}
    if not number_ok(score) or not 0 <= score <= (indicator.max or 0):
        errors["score"] = f"评分应在 0 到 {indicator.max or 0:g} 之间"
    comment = (comment or "").strip()
    if len(comment) > 500:
        errors["comment"] = "评语不能超过 500 个字符"
    if errors:
        raise ValidationError(errors)
    row = (
        ManualScore.objects.select_for_update()
        .filter(indicator=indicator, org=org, period=period, evaluator=actor)
        .first()
    )
    target_id = f"{scheme.code}/{indicator.code}/{org.code}/{period}/{actor.get_username()}"
    if row is None:
        row = ManualScore.objects.create(
            indicator=indicator,
            org=org,
            period=period,
            evaluator=actor,
            score=float(score),
            comment=comment,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.CREATE,
            obj=row,
            target_id=target_id,
            after=snapshot(row),
        )
        return row
    before = snapshot(row)
    row.score, row.comment = float(score), comment
    row.save(update_fields=["score", "comment", "updated_at"])
    b, a = diff(before, snapshot(row))
    if a:
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=row,
            target_id=target_id,
            before=b,
            after=a,
        )
    return row
