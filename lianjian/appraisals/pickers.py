"""What the appraisal pickers offer (lianjian.core.pickers), through core.scope: the
branches (党支部) the user manages, the only organisations that hold 民主评议党员."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from lianjian.core.pickers import Source, register
from lianjian.orgs.models import Organisation, OrgKind


def managed_branches(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    """Internal 党支部 the user manages."""
    return Organisation.objects.active().internal().manageable_by(user).filter(kind=OrgKind.BRANCH)


register(Source("appraisals.branches", rows=managed_branches, hint="parent__name"))
