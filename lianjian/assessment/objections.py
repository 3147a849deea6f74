"""Objections (申诉): the assessed question a business KPI value or a published result, and
the owner side answers — a write module, every function atomic and audited.

Who raises: anyone who sees the organisation the value or result is about (its managers
and members, the managers above it) — except the side that answers it. Who answers: the
rule ``answer`` of ``Objection.SCOPE`` (the managers of the scheme's owner, or of the
indicator's data provider), never a manager whose own organisation is the one objecting.
Accepting an objection on a KPI value writes the corrected value through
``services.kpi_set`` — the same rule, batch and audit as any value entry. Whoever must act
next gets a to-do (``notifications``): the answerers when it is raised, the raiser when
it is answered (and the answerers' to-dos are closed).
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lianjian.assessment import services
from lianjian.assessment.entry import scheme_orgs, scheme_periods
from lianjian.assessment.models import (
    AssessmentResult,
    Indicator,
    KpiBatch,
    KpiValue,
    Objection,
    Scheme,
    Source,
)
from lianjian.core.audit import audit_record, snapshot
from lianjian.core.models import AuditLog
from lianjian.core.scope import may
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder, close, deliver
from lianjian.orgs.models import Organisation
from lianjian.orgs.selectors import responsible_managers

REASON_MAX = 1000
ANSWER = "answer"


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _answerers(objection: Objection) -> tuple[int, ...]:
    orgs: list[Organisation] = [
        o for o in (objection.scheme.owner, objection.provider) if o is not None
    ]
    found = responsible_managers(orgs)
    return tuple(sorted({u for o in orgs for u in found.get(o.pk, ())}))


def _link(objection: Objection) -> str:
    return f"/assessment/objections/{objection.pk}/"


def _kpi_scheme(kpi: KpiValue) -> tuple[Scheme, Organisation | None]:
    """The scheme that scores this value (a ``kpi`` indicator of its code that assesses its
    organisation in a period of its kind) and the indicator's data provider."""
    indicators = (
        Indicator.objects.filter(source=Source.KPI, code=kpi.indicator_code)
        .select_related("scheme", "scheme__owner", "provider")
        .order_by("-scheme__period", "scheme__code")
    )
    for ind in indicators:
        if kpi.period not in scheme_periods(ind.scheme):  # a scheme that reads this period
            continue
        try:
            assessed = scheme_orgs(ind.scheme, kpi.period).filter(pk=kpi.org_id).exists()
        except ValueError:
            continue
        if assessed:
            return ind.scheme, ind.provider
    raise ValidationError("该业务指标不属于任何考核方案，无需申诉")


def _reason(text: str, field: str, label: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: f"请填写{label}"})
    if len(text) > REASON_MAX:
        raise ValidationError({field: f"{label}不能超过 {REASON_MAX} 个字符"})
    return text


@transaction.atomic
def objection_raise(
    *, actor: Any, reason: str, kpi: KpiValue | None = None, result: AssessmentResult | None = None
) -> Objection:
    """Raise an objection on one KPI value or one published result the actor sees.
    Refused (``PermissionDenied``) when the actor cannot see it or is on the answering
    side; refused (``ValidationError``) without a reason, on a draft or voided version, or
    while an objection on the same value or result is still open."""
    if (kpi is None) == (result is None):
        raise ValueError("exactly one of kpi and result")
    reason = _reason(reason, "reason", "申诉理由")
    if kpi is not None:
        if not KpiValue.objects.visible_to(actor).filter(pk=kpi.pk).exists():
            raise PermissionDenied("无权对该数值提出申诉")
        kpi = KpiValue.objects.select_related("org").get(pk=kpi.pk)
        scheme, provider = _kpi_scheme(kpi)
        fields: dict[str, Any] = {
            "org": kpi.org,
            "period": kpi.period,
            "indicator_code": kpi.indicator_code,
            "kpi": kpi,
            "value": kpi.value,
        }
        open_qs = Objection.objects.filter(kpi=kpi, status=Objection.Status.OPEN)
    else:
        assert result is not None
        result = AssessmentResult.objects.select_related(
            "org", "run", "run__scheme", "run__scheme__owner"
        ).get(pk=result.pk)
        if not AssessmentResult.objects.visible_to(actor).filter(pk=result.pk).exists():
            raise PermissionDenied("无权对该结果提出申诉")
        if not result.run.is_published or result.run.voided_at is not None:
            raise ValidationError("只能对已发布的考核结果提出申诉")
        scheme, provider = result.run.scheme, None
        fields = {
            "org": result.org,
            "period": result.run.period,
            "result": result,
            "value": result.total,
        }
        open_qs = Objection.objects.filter(result=result, status=Objection.Status.OPEN)
    probe = Objection(scheme=scheme, provider=provider, **fields)
    if may(actor, ANSWER, probe) and getattr(actor, "org_id", None) != probe.org.pk:
        raise PermissionDenied("您负责答复该申诉，不能提出申诉；如数值有误请直接更正")
    if open_qs.exists():
        raise ValidationError("该项已有待答复的申诉，请等待答复")
    objection = Objection.objects.create(
        scheme=scheme, provider=provider, reason=reason, raised_by=_user(actor), **fields
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=objection,
        target_id=f"objection/{objection.pk}",
        after=snapshot(objection),
        note=f"申诉：{objection.subject}",
    )
    deliver(
        [
            Reminder(
                key=f"assessment:objection:{objection.pk}:answer",
                user_ids=_answerers(objection),
                title=f"{objection.org.name}对{objection.subject}提出申诉，待答复",
                body=reason[:500],
                link=_link(objection),
                level=Notification.Level.YELLOW,
                closed_by_work=True,
            )
        ]
    )
    return objection


@transaction.atomic
def objection_answer(
    *, actor: Any, objection: Objection, accept: bool, answer: str, corrected_value: Any = None
) -> Objection:
    """Answer an open objection: accept it (on a KPI value with the corrected value, written
    through ``services.kpi_set``) or reject it with a reason. Only those the ``answer``
    rule reaches may answer, never from the objecting organisation (``PermissionDenied``)."""
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("org", "scheme", "scheme__owner", "provider", "kpi")
        .get(pk=objection.pk)
    )
    if not may(actor, ANSWER, objection) or getattr(actor, "org_id", None) == objection.org_id:
        raise PermissionDenied("无权答复该申诉")
    if objection.status != Objection.Status.OPEN:
        raise ValidationError("该申诉已答复")
    before = snapshot(objection)
    if accept:
        answer = (answer or "").strip()
        if len(answer) > REASON_MAX:
            raise ValidationError({"answer": f"答复不能超过 {REASON_MAX} 个字符"})
        if objection.kpi_id is not None:
            if (
                not isinstance(corrected_value, int | float)
                or isinstance(corrected_value, bool)
                or not math.isfinite(corrected_value)
            ):
                raise ValidationError({"corrected_value": "采纳申诉时请填写更正后的数值"})
            services.kpi_set(
                actor,
                org=objection.org,
                period=objection.period,
                indicator_code=objection.indicator_code,
                value=corrected_value,
                channel=KpiBatch.Channel.FORM,
                note=f"（采纳申诉 #{objection.pk}）",
            )
            objection.corrected_value = float(corrected_value)
        objection.status = Objection.Status.ACCEPTED
        objection.answer = answer or "已采纳"
    else:
        objection.answer = _reason(answer, "answer", "不予采纳的理由")
        objection.status = Objection.Status.REJECTED
    objection.answered_by, objection.answered_at = _user(actor), timezone.now()
    objection.save(
        update_fields=["status", "answer", "corrected_value", "answered_by", "answered_at"]
    )
    after = snapshot(objection)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=objection,
        target_id=f"objection/{objection.pk}",
        before={k: before[k] for k in ("status", "answer", "corrected_value")},
        after={k: after[k] for k in ("status", "answer", "corrected_value")},
        note="采纳申诉" if accept else "不予采纳",
    )
    close(Q(key=f"assessment:objection:{objection.pk}:answer"))
    if objection.raised_by_id is not None:
        verdict = "已采纳" if accept else "未采纳"
        deliver(
            [
                Reminder(
                    key=f"assessment:objection:{objection.pk}:answered",
                    user_ids=(objection.raised_by_id,),
                    title=f"您对{objection.subject}的申诉{verdict}",
                    body=objection.answer[:500],
                    link=_link(objection),
                    level=Notification.Level.GREEN,
                    kind=Notification.Kind.MESSAGE,
                )
            ]
        )
    return objection
