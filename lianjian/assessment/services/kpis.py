"""KPI values: the shared row checks and the batched, audited write of form, API and Excel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from lianjian.assessment.entry import KpiEntry
from lianjian.assessment.models import (
    Indicator,
    KpiBatch,
    KpiValue,
    Rule,
    Source,
)
from lianjian.assessment.periods import Period, parse_period, period_problem
from lianjian.assessment.services.common import fail, number_ok
from lianjian.core.audit import audit_row
from lianjian.core.excel import chunks, insert_audit, insert_rows, update_rows
from lianjian.core.models import AuditLog
from lianjian.core.validation import HISTORY
from lianjian.orgs.models import CODE_RE, Organisation

KPI_CODE_MAX = 16
KPI_VALUE_LIMIT = 1e12


@dataclass
class KpiRow:
    """One KPI to write: (organisation, period, indicator code, value)."""

    org: Organisation
    period: str
    indicator_code: str
    value: float


@dataclass
class KpiWrite:
    """What a KPI write did: the batch recorded (None when nothing changed), counts, and the
    values written or found unchanged, in input order (when ``fetch`` was asked for)."""

    batch: KpiBatch | None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    values: list[KpiValue] = field(default_factory=list)


def kpi_codes() -> dict[str, set[str]]:
    """Indicator codes that take an imported value — those of ``kpi`` indicators of any
    scheme — each with the rules that score it (to refuse what no rule can mean)."""
    codes: dict[str, set[str]] = {}
    for code, rule in (
        Indicator.objects.filter(source=Source.KPI).values_list("code", "rule").distinct()
    ):
        codes.setdefault(code, set()).add(rule)
    return codes


# Rules whose value counts something (items, occurrences, the step reached): a negative
# value is a typo, and the engine would score it as none — full points for a deduction.
COUNT_RULES = {Rule.PER_ITEM, Rule.STEPPED, Rule.DEDUCT, Rule.VETO}


def kpi_value_problem(code: str, value: float, known: dict[str, set[str]]) -> str:
    """Why ``value`` cannot be the value of the KPI ``code`` (empty when it can): the value
    of an indicator scored as a count (items, occurrences, a step) is never negative."""
    if value < 0 and known.get(code, set()) & COUNT_RULES:
        return f"指标 {code} 的数值是次数或档位序号，不能为负数"
    return ""


def kpi_period_problem(period: Period) -> str:
    """Why no KPI value can be recorded for ``period``, or "": a value is measured, so its
    period has begun (``HISTORY``) — a KPI for 2099 is refused."""
    return period_problem(period, HISTORY)


def kpi_row_problems(
    org: Organisation | None, period: Any, code: Any, value: Any, known: dict[str, set[str]]
) -> list[tuple[str, str]]:
    """(field, reason) for every problem of one KPI row; shared by the form, the API and Excel."""
    problems: list[tuple[str, str]] = []
    if org is not None and org.is_partner:
        problems.append(("org", f"外部单位 {org.code} 不参加考核"))
    try:
        parsed = parse_period(period if isinstance(period, str) else "")
    except ValueError as exc:
        problems.append(("period", str(exc)))
    else:
        if reason := kpi_period_problem(parsed):
            problems.append(("period", reason))
    if not isinstance(code, str) or not CODE_RE.match(code) or len(code) > KPI_CODE_MAX:
        problems.append(
            ("indicator_code", "指标编码只能包含字母、数字、下划线、点和短横线，最长 16 位")
        )
    elif code not in known:
        problems.append(
            (
                "indicator_code",
                f"指标编码 {code} 不是任何考核方案中的业务指标（数据来源为“业务指标（导入）”）",
            )
        )
    if not number_ok(value) or abs(value) > KPI_VALUE_LIMIT:
        problems.append(("value", "数值应为有限的数字（绝对值不超过 10¹²）"))
    elif isinstance(code, str) and (reason := kpi_value_problem(code, value, known)):
        problems.append(("value", reason))
    return problems


def kpi_write(
    actor: Any,
    rows: Sequence[KpiRow],
    *,
    channel: str,
    file_name: str = "",
    note: str = "",
    fetch: bool = True,
) -> KpiWrite:
    """Upsert validated KPI rows as one :class:`KpiBatch` (who, when, channel): a new key is
    created, a different value replaces the old one and points to the new batch, an equal
    value is left alone with its batch (the record it drills down to). Writes one audit row
    per change and one summary row. Call inside a transaction."""
    now = timezone.now()
    keys = {(r.org.pk, r.period, r.indicator_code) for r in rows}
    existing: dict[tuple[int, str, str], tuple[int, float]] = {}
    org_ids = sorted({k[0] for k in keys})
    codes = sorted({k[2] for k in keys})
    periods = sorted({k[1] for k in keys})
    for chunk in chunks(org_ids, 1000):
        for pk, org_id, period, code, value in KpiValue.objects.filter(
            org_id__in=chunk, period__in=periods, indicator_code__in=codes
        ).values_list("pk", "org_id", "period", "indicator_code", "value"):
            if (org_id, period, code) in keys:
                existing[(org_id, period, code)] = (pk, value)
    result = KpiWrite(batch=None)
    creates: list[KpiRow] = []
    updates: list[tuple[KpiRow, int, float]] = []
    for row in rows:
        found = existing.get((row.org.pk, row.period, row.indicator_code))
        if found is None:
            creates.append(row)
        elif found[1] != row.value:
            updates.append((row, found[0], found[1]))
        else:
            result.unchanged += 1
    result.created, result.updated = len(creates), len(updates)
    if creates or updates:
        is_user = actor is not None and getattr(actor, "is_authenticated", False)
        batch = KpiBatch.objects.create(
            channel=channel,
            file_name=file_name[:200],
            row_count=len(creates) + len(updates),
            created_by=actor if is_user else None,
            created_by_name=(actor.get_full_name() or actor.get_username()) if is_user else "系统",
        )
        result.batch = batch
        insert_rows(
            KpiValue,
            ("org_id", "period", "indicator_code", "value", "batch_id", "updated_at"),
            [(r.org.pk, r.period, r.indicator_code, r.value, batch.pk, now) for r in creates],
        )
        update_rows(
            KpiValue,
            ("value", "batch_id", "updated_at"),
            [(r.value, batch.pk, now, pk) for r, pk, _ in updates],
        )
        label = KpiBatch.Channel(channel).label
        audits = [
            audit_row(
                actor=actor,
                action=AuditLog.Action.CREATE,
                target="assessment.kpivalue",
                target_id=f"{r.org.code}/{r.period}/{r.indicator_code}",
                target_repr=f"{r.org.name} {r.period} {r.indicator_code}",
                after={"value": r.value, "batch_id": batch.pk},
                note=f"{label}{note}",
            )
            for r in creates
        ]
        audits += [
            audit_row(
                actor=actor,
                action=AuditLog.Action.UPDATE,
                target="assessment.kpivalue",
                target_id=f"{r.org.code}/{r.period}/{r.indicator_code}",
                target_repr=f"{r.org.name} {r.period} {r.indicator_code}",
                before={"value": old},
                after={"value": r.value, "batch_id": batch.pk},
                note=f"{label}{note}",
            )
            for r, _, old in updates
        ]
        insert_audit(audits, now)
    if fetch:
        by_key = {}
        for chunk in chunks(org_ids, 1000):
            for kpi in KpiValue.objects.filter(
                org_id__in=chunk, period__in=periods, indicator_code__in=codes
            ).select_related("org", "batch"):
                by_key[(kpi.org_id, kpi.period, kpi.indicator_code)] = kpi
        result.values = [by_key[(r.org.pk, r.period, r.indicator_code)] for r in rows]
    return result


@transaction.atomic
def kpi_set_many(
    actor: Any,
    rows: Sequence[tuple[Organisation, str, str, Any]],
    *,
    channel: str = KpiBatch.Channel.API,
    note: str = "",
) -> KpiWrite:
    """Set several KPI values in one batch (the API's list POST). ``rows`` are (organisation,
    period, indicator code, value); every problem of every row is listed (``第N条 …``) and
    nothing is written when any row is wrong; a key listed twice is an error. Only those
    :class:`~lianjian.assessment.entry.KpiEntry` allows may enter a row — the scheme's
    owners or the indicator's data provider, never the assessed (``PermissionDenied``
    naming every refused row; nothing written)."""
    known = kpi_codes()
    errors: list[str] = []
    clean: list[KpiRow] = []
    seen: dict[tuple[int, str, str], int] = {}
    single = len(rows) == 1
    for n, (org, period, code, value) in enumerate(rows, start=1):
        period = period.strip().upper() if isinstance(period, str) else period
        code = code.strip() if isinstance(code, str) else code
        problems = kpi_row_problems(org, period, code, value, known)
        if problems and single:
            raise ValidationError({name: [reason] for name, reason in problems})
        errors += [f"第{n}条 {name}：{reason}" for name, reason in problems]
        if problems:
            continue
        key = (org.pk, period, code)
        if key in seen:
            errors.append(f"第{n}条：与第{seen[key]}条重复（同一组织、期间和指标编码）")
            continue
        seen[key] = n
        clean.append(KpiRow(org, period, code, float(value)))
    if errors:
        fail(*errors)
    entry = KpiEntry(actor)
    refused = [
        f"第{n}条：{reason}" if not single else reason
        for n, r in enumerate(clean, start=1)
        if (reason := entry.refusal(r.org, r.period, r.indicator_code))
    ]
    if refused:
        raise PermissionDenied("；".join(refused))
    return kpi_write(actor, clean, channel=channel, note=note)


def kpi_set(
    actor: Any,
    *,
    org: Organisation,
    period: str,
    indicator_code: str,
    value: Any,
    channel: str = KpiBatch.Channel.FORM,
    note: str = "",
) -> KpiValue:
    """Set one KPI value of (organisation, period, indicator code), recorded as one batch
    (form or API) with who and when; an unchanged value keeps its batch. The indicator code
    must be that of a ``kpi`` indicator of some scheme (a typo must not pass silently)."""
    return kpi_set_many(
        actor, [(org, period, indicator_code, value)], channel=channel, note=note
    ).values[0]


# --- evaluator scores ---------------------------------------------------------------------
