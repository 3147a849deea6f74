"""Writes that a screen makes in one step but the key-task services offer as two: a progress
report with its evidence. All or nothing: a refused evidence leaves no report behind."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lianjian.activities.models import Activity
from lianjian.keytasks import services
from lianjian.keytasks.models import EvidenceKind, KeyTask, ProgressReport


@transaction.atomic
def report_with_evidence(
    actor: Any,
    task: KeyTask,
    *,
    period: str,
    percent: float,
    kpi_value: float | None = None,
    text: str = "",
    activity: Activity | None = None,
) -> ProgressReport:
    """:func:`services.report_submit`, then the activity (if any) linked as the report's
    evidence (:func:`services.evidence_add`) — both audited, in one transaction."""
    report = services.report_submit(
        actor, task, period=period, percent=percent, kpi_value=kpi_value, text=text
    )
    if activity is not None:
        services.evidence_add(
            actor, task, kind=EvidenceKind.ACTIVITY, activity=activity, report=report
        )
    return report
