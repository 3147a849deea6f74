"""What the KPI entry form's organisation picker offers (lianjian.core.pickers): the
organisations whose business values the user may enter — the one rule of
:class:`lianjian.assessment.entry.KpiEntry`, so never the user's own organisation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from lianjian.assessment.entry import KpiEntry
from lianjian.core.pickers import Source, register
from lianjian.orgs.models import Organisation
from lianjian.orgs.pickers import ORG_HINT


def kpi_orgs(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    """Active internal organisations the user may enter some KPI value for."""
    return Organisation.objects.active().filter(pk__in=KpiEntry(user).orgs().values("pk"))


register(Source("assessment.kpi_orgs", rows=kpi_orgs, hint=ORG_HINT))
