"""What the consultation pickers offer (lianjian.core.pickers), through core.scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet

from lianjian.alliances.models import AllianceMember
from lianjian.consultations.models import Problem
from lianjian.core.pickers import Source, register
from lianjian.orgs.models import Organisation
from lianjian.orgs.pickers import ORG_HINT


def problem_owners(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    """Who may be made responsible for the problem ``params["problem"]`` (one the user sees):
    the organisations of its alliance, partners included; for a problem outside any
    alliance, the internal organisations the user sees (AssignForm.clean_owners)."""
    code = params.get("problem", "")
    problem = (
        Problem.objects.visible_to(user).filter(code=code).select_related("alliance").first()
        if code
        else None
    )
    if problem is None:
        return Organisation.objects.none()
    alliance = problem.alliance
    if alliance is None:
        return Organisation.objects.internal().visible_to(user)
    members = AllianceMember.objects.filter(alliance=alliance, left_on__isnull=True).values(
        "org_id"
    )
    return Organisation.objects.filter(Q(pk=alliance.lead_id) | Q(pk__in=members))


register(Source("consultations.owners", rows=problem_owners, hint=ORG_HINT, params=("problem",)))
