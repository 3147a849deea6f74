"""What the 岗区队 pickers offer (lianjian.core.pickers), always through core.scope:

- ``carriers.work_groups``: the 班组 a 责任区 may cover — of the organisation chosen beside
  the field (``org``), among those the user may change; nothing before one is chosen;
- ``carriers.key_tasks``: the key tasks the user sees (a carrier's linked tasks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from lianjian.carriers.models import WorkGroup
from lianjian.core.pickers import Source, register
from lianjian.core.scope import CHANGE
from lianjian.keytasks.models import KeyTask


def work_groups_for(user: Any) -> QuerySet[WorkGroup]:
    """The 班组 the user may assign: active, of organisations the user manages."""
    return (
        WorkGroup.objects.restrict(user, CHANGE).filter(retired=False).order_by("org__code", "code")
    )


def work_groups(user: Any, params: Mapping[str, str]) -> QuerySet[WorkGroup]:
    code = params.get("org") or ""
    if not code:
        return WorkGroup.objects.none()
    return work_groups_for(user).filter(org__code=code)


def key_tasks_for(user: Any) -> QuerySet[KeyTask]:
    """The key tasks the user sees, by code."""
    return KeyTask.objects.visible_to(user).order_by("code")


def key_tasks(user: Any, params: Mapping[str, str]) -> QuerySet[KeyTask]:
    return key_tasks_for(user)


register(
    Source(
        "carriers.work_groups",
        rows=work_groups,
        params=("org",),
        initials="",
        hint="org__name",
        placeholder="输入班组名称或编码",
        noun="班组",
    )
)
register(
    Source(
        "carriers.key_tasks",
        rows=key_tasks,
        initials="",
        hint="owner_org__name",
        placeholder="输入任务名称或编码",
        noun="关键任务",
    )
)
