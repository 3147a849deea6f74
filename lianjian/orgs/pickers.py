"""What the organisation and member pickers offer (lianjian.core.pickers): one source per
kind of field, each the rows the user may choose there, through core.scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from lianjian.core.pickers import Source, register
from lianjian.core.scope import manages_any
from lianjian.orgs.models import Member, Organisation

ORG_HINT = "parent__name"


def managed(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    """Organisations the user manages (the owner, host, lead … of what they create)."""
    return Organisation.objects.active().manageable_by(user)


def managed_internal(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    """Internal organisations the user manages (a member's organisation, a scheme's owner)."""
    return Organisation.objects.active().internal().manageable_by(user)


def visible_internal(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    """Internal organisations the user sees (organisations a scheme applies to)."""
    return Organisation.objects.active().internal().visible_to(user)


def partners(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    """Any organisation the user sees, or any partner unit's: joint building reaches across
    units (an alliance's members). Only for a user who manages something (who may build
    an alliance): the partner units are not listed to everyone."""
    if not manages_any(user):
        return Organisation.objects.none()
    return Organisation.objects.active().filter(
        pk__in=Organisation.objects.visible_to(user).values("pk")
    ) | Organisation.objects.active().filter(is_partner=True)


def members(user: Any, params: Mapping[str, str]) -> QuerySet[Member]:
    """Current members the user sees."""
    return Member.objects.current().visible_to(user).order_by("org__path", "number")


register(Source("orgs.managed", rows=managed, hint=ORG_HINT))
register(Source("orgs.managed_internal", rows=managed_internal, hint=ORG_HINT))
register(Source("orgs.visible_internal", rows=visible_internal, hint=ORG_HINT))
register(Source("orgs.partners", rows=partners, hint=ORG_HINT))
register(
    Source(
        "orgs.members",
        rows=members,
        key="number",
        hint="org__name",
        placeholder="输入姓名、拼音首字母或人员编号",
        noun="党员",
    )
)
