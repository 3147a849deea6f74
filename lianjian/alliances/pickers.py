"""What the alliance pickers offer (lianjian.core.pickers), and the organisations reached
through an alliance the user sees (its lead and current members), all through core.scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet

from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.core.pickers import Source, register
from lianjian.orgs.models import Organisation
from lianjian.orgs.pickers import ORG_HINT


def visible(user: Any, params: Mapping[str, str]) -> QuerySet[Alliance]:
    """Alliances the user sees."""
    return Alliance.objects.visible_to(user).order_by("code")


def open_alliances(user: Any, params: Mapping[str, str]) -> QuerySet[Alliance]:
    """Alliances the user sees that have not ended (where a new problem can go)."""
    return Alliance.objects.visible_to(user).exclude(status=Alliance.Status.ENDED).order_by("code")


def _alliance_orgs(user: Any, code: str) -> Q | None:
    """The lead and current members of the alliance ``code``, if the user sees it."""
    alliance = (
        Alliance.objects.visible_to(user).filter(code=code).only("pk", "lead_id").first()
        if code
        else None
    )
    if alliance is None:
        return None
    members = AllianceMember.objects.filter(alliance=alliance, left_on__isnull=True).values(
        "org_id"
    )
    return Q(pk=alliance.lead_id) | Q(pk__in=members)


def co_organisers(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    """Co-organisers of an activity: organisations the user sees, and those of the alliance
    chosen beside them (joint work reaches beyond one's subtree through it)."""
    cond = Q(pk__in=Organisation.objects.visible_to(user).values("pk"))
    through = _alliance_orgs(user, params.get("alliance", ""))
    return Organisation.objects.filter(cond | through if through is not None else cond)


def alliance_orgs(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    """The organisations of the alliance chosen beside the field (a meeting's convener)."""
    through = _alliance_orgs(user, params.get("alliance", ""))
    return Organisation.objects.none() if through is None else Organisation.objects.filter(through)


def member_orgs(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    """The current member organisations (partner units included) of the alliances the user
    sees: what the alliance list's 成员组织 filter can match."""
    current = AllianceMember.objects.filter(
        left_on__isnull=True, alliance__in=Alliance.objects.visible_to(user).values("pk")
    )
    return Organisation.objects.filter(pk__in=current.values("org_id")).order_by("code")


register(Source("alliances.visible", rows=visible, noun="联建"))
register(Source("alliances.open", rows=open_alliances, noun="联建"))
register(Source("alliances.co_organisers", rows=co_organisers, hint=ORG_HINT, params=("alliance",)))
register(Source("alliances.orgs", rows=alliance_orgs, hint=ORG_HINT, params=("alliance",)))
register(Source("alliances.member_orgs", rows=member_orgs, hint=ORG_HINT))
