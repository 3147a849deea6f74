"""Who a scheme assesses, and who may enter the values that score them.

A business KPI value (业务指标) is entered by the side that owns the scheme — the managers
of the scheme's owner organisation (the 党建工作部) — or by the business department (业务部门)
named on the indicator as its data provider (``Indicator.provider``; its managers enter
values of that indicator only), **never by the assessed**: a manager whose own
organisation is the one the value describes may not enter it, even when they manage the
scheme's owner. This one rule (:class:`KpiEntry`) is asked by the form, the API, the Excel
import of kind ``kpis`` and the answer to an objection (``services.kpi_set_many``).

A value is keyed by (organisation, period, indicator code), not by scheme: a user may
enter it when some scheme they own (or provide data to) has a ``kpi`` indicator of that
code and assesses that organisation in that period. The system (``user`` None) and the
admin may enter any value.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from lianjian.assessment.models import Indicator, Scheme, Source
from lianjian.assessment.periods import parse_period
from lianjian.core.scope import CHANGE, may, scope_of
from lianjian.orgs.models import Organisation

OWN_ORG = "是被考核的组织：本组织的业务指标由考核方案的制定单位或该指标的数据提供部门录入，如有异议请提出申诉"


def scheme_orgs(scheme: Scheme, period: str | None = None) -> QuerySet[Organisation]:
    """The organisations ``scheme`` assesses for ``period`` (default: the scheme's own):
    internal (not 外部单位), existing at the period's end (founded on or before its last day
    or unknown, not dissolved before it), and either the listed ``applies_orgs`` or those of
    ``applies_kind`` inside the owner's subtree (the whole platform without an owner).
    Ordered by tree path."""
    p = parse_period(period or scheme.period)
    qs = Organisation.objects.filter(is_partner=False).filter(
        Q(founded__isnull=True) | Q(founded__lte=p.end),
        Q(dissolved__isnull=True) | Q(dissolved__gte=p.end),
    )
    if scheme.pk and scheme.applies_orgs.exists():
        qs = qs.filter(pk__in=scheme.applies_orgs.values("pk"))
    elif scheme.applies_kind:
        qs = qs.filter(kind=scheme.applies_kind)
        owner = scheme.owner
        if owner is not None:
            qs = qs.filter(path__under=owner.path)
    else:
        return qs.none()
    return qs.order_by("path")


def scheme_periods(scheme: Scheme) -> list[str]:
    """The periods a scheme is run for: those of its period kind in the year it was written
    for (a 2026 scheme: 2026; a quarterly scheme written for 2026Q1: 2026Q1 … 2026Q4)."""
    year = scheme.period[:4]
    kind = scheme.period_kind or parse_period(scheme.period).kind
    if kind == "year":
        return [year]
    if kind == "half":
        return [f"{year}H1", f"{year}H2"]
    if kind == "quarter":
        return [f"{year}Q{q}" for q in range(1, 5)]
    return [f"{year}-{m:02d}" for m in range(1, 13)]


class KpiEntry:
    """What ``user`` may enter: built once per request or import (one query for the
    indicators, one per scheme and period asked about)."""

    def __init__(self, user: Any) -> None:
        scope = scope_of(user)
        self.everything = user is None or scope.everything
        self.own_path = "" if self.everything else scope.org_path
        self.schemes: dict[str, list[Scheme]] = {}
        self._orgs: dict[tuple[int, str], set[int]] = {}
        if self.everything or scope.is_empty:
            return
        for ind in Indicator.objects.filter(source=Source.KPI).select_related(
            "scheme", "scheme__owner", "provider"
        ):
            owner_side = ind.scheme.owner_id is not None and may(user, CHANGE, ind.scheme)
            provider = ind.provider is not None and may(user, CHANGE, ind.provider)
            if owner_side or provider:
                found = self.schemes.setdefault(ind.code, [])
                if ind.scheme not in found:
                    found.append(ind.scheme)

    def any(self) -> bool:
        """Whether the user may enter any value at all (offers the form and the import)."""
        return self.everything or bool(self.schemes)

    def _assessed(self, scheme: Scheme, period: str) -> set[int]:
        key = (scheme.pk, period)
        if key not in self._orgs:
            try:
                qs = scheme_orgs(scheme, period)
            except ValueError:
                qs = scheme_orgs(scheme)
            self._orgs[key] = set(qs.values_list("pk", flat=True))
        return self._orgs[key]

    def refusal(self, org: Organisation, period: str, code: str) -> str:
        """Why the user may not enter the value (org, period, code), or "" when they may."""
        if self.everything:
            return ""
        if org.path == self.own_path:
            return f"{org.name}{OWN_ORG}"
        for scheme in self.schemes.get(code, ()):
            if org.pk in self._assessed(scheme, period):
                return ""
        return f"无权录入 {org.name}（{org.code}）的业务指标 {code}：只有考核方案的制定单位或该指标的数据提供部门可以录入"

    def orgs(self) -> QuerySet[Organisation]:
        """The organisations the user may enter some value for (the form's choices), as a
        lazy queryset (no query until it is read)."""
        if self.everything:
            return Organisation.objects.filter(is_partner=False)
        schemes = {s.pk: s for found in self.schemes.values() for s in found}
        if not schemes:
            return Organisation.objects.none()
        cond = Q()
        for scheme in schemes.values():
            cond |= Q(pk__in=scheme_orgs(scheme).values("pk"))
        return Organisation.objects.filter(cond).exclude(path=self.own_path)
