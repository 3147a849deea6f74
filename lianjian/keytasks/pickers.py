"""What the key-task pickers offer (lianjian.core.pickers), always through core.scope:

- ``keytasks.owner_orgs``: the internal organisations a task of the list may be given to —
  the list's organisation and those below it — among those the user sees; the list is read
  from the form (``list``) and must itself be one the user manages, else nothing is offered;
- ``keytasks.party_members``: current 党员 the user sees (owner, sponsor, participants), of
  the owner organisation chosen beside the field when there is one;
- ``keytasks.activities``: activity and meeting records the user sees, not void (a task's
  evidence);
- ``keytasks.approvals``: the 支部委员会 records among them (the meeting that approved a list).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from lianjian.activities.models import Activity, ActivityStatus, ActivityType
from lianjian.core.pickers import Source, register
from lianjian.keytasks import rules
from lianjian.keytasks.models import KeyTaskList
from lianjian.orgs.models import Member, Organisation


def owner_orgs_for(user: Any, task_list: KeyTaskList) -> QuerySet[Organisation]:
    """Internal active organisations in the list organisation's subtree that the user sees."""
    return (
        Organisation.objects.active()
        .internal()
        .visible_to(user)
        .filter(path__under=task_list.organisation.path)
        .order_by("path")
    )


def activities_for(user: Any) -> QuerySet[Activity]:
    """Activity and meeting records the user sees, newest first (void ones left out)."""
    return (
        Activity.objects.visible_to(user)
        .exclude(status=ActivityStatus.VOID)
        .order_by("-start", "-id")
    )


def owner_orgs(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    code = params.get("list") or ""
    task_list = (
        KeyTaskList.objects.restrict(user, "change")
        .select_related("organisation")
        .filter(code=code)
        .first()
        if code
        else None
    )
    if task_list is None:
        return Organisation.objects.none()
    return owner_orgs_for(user, task_list)


def party_members_for(user: Any) -> QuerySet[Member]:
    """Current 党员 the user sees."""
    return (
        Member.objects.current()
        .visible_to(user)
        .filter(category__in=rules.PARTY_CATEGORIES)
        .order_by("org__path", "number")
    )


def party_members(user: Any, params: Mapping[str, str]) -> QuerySet[Member]:
    """The 党员 the user sees; of the owner organisation (and below) once one is chosen
    beside the field (an organisation the user does not see narrows to nothing)."""
    rows = party_members_for(user)
    code = params.get("owner_org") or ""
    if code:
        org = Organisation.objects.visible_to(user).filter(code=code).only("path").first()
        return rows.filter(org__path__under=org.path) if org is not None else rows.none()
    return rows


def activities(user: Any, params: Mapping[str, str]) -> QuerySet[Activity]:
    return activities_for(user)


def approval_meetings_for(user: Any) -> QuerySet[Activity]:
    """Meetings that may approve a list: the 支部委员会 records the user sees."""
    return activities_for(user).filter(type=ActivityType.COMMITTEE_MEETING)


def approval_meetings(user: Any, params: Mapping[str, str]) -> QuerySet[Activity]:
    return approval_meetings_for(user)


register(Source("keytasks.owner_orgs", rows=owner_orgs, hint="parent__name", params=("list",)))
register(
    Source(
        "keytasks.party_members",
        rows=party_members,
        params=("owner_org",),
        key="number",
        hint="org__name",
        placeholder="输入姓名、拼音首字母或人员编号",
        noun="党员",
    )
)
register(
    Source(
        "keytasks.activities",
        rows=activities,
        label="topic",
        initials="",
        hint="host__name",
        placeholder="输入活动主题或活动编号",
        noun="活动",
    )
)
register(
    Source(
        "keytasks.approvals",
        rows=approval_meetings,
        label="topic",
        initials="",
        hint="host__name",
        placeholder="输入会议主题或活动编号",
        noun="会议",
    )
)
