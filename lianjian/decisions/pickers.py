"""What the 三重一大 forms offer (lianjian.core.pickers): the organisations whose register
the board office keeps (a list's organisation, an execution's owner), the 事项清单 it keeps
and the key tasks it sees (to link to an execution)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet

from lianjian.core.pickers import Source, register
from lianjian.core.scope import BOARD, scope_of
from lianjian.decisions.models import MatterList
from lianjian.keytasks.models import KeyTask
from lianjian.orgs.models import Organisation


def register_orgs_for(user: Any) -> QuerySet[Organisation]:
    """Internal, active organisations under the user's board-office grant (all for the admin)."""
    scope = scope_of(user)
    qs = Organisation.objects.active().internal()
    if scope.everything:
        return qs
    grants = scope.of(BOARD)
    if not grants:
        return qs.none()
    return qs.filter(reduce(or_, (g.q("") for g in grants), Q()))


def register_orgs(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    return register_orgs_for(user)


def kept_lists_for(user: Any) -> QuerySet[MatterList]:
    """The 事项清单 the user keeps (may add items to)."""
    return MatterList.objects.restrict(user, "change").order_by("-year", "code")


def kept_lists(user: Any, params: Mapping[str, str]) -> QuerySet[MatterList]:
    return kept_lists_for(user)


def key_tasks_for(user: Any) -> QuerySet[KeyTask]:
    """Key tasks the user sees (an execution links them)."""
    return KeyTask.objects.visible_to(user).order_by("code")


def key_tasks(user: Any, params: Mapping[str, str]) -> QuerySet[KeyTask]:
    return key_tasks_for(user)


register(Source("decisions.orgs", rows=register_orgs, hint="parent__name"))
register(
    Source(
        "decisions.lists",
        rows=kept_lists,
        label="title",
        initials="",
        hint="organisation__name",
        placeholder="输入清单名称或编码",
        noun="事项清单",
    )
)
register(
    Source(
        "decisions.key_tasks",
        rows=key_tasks,
        initials="",
        hint="owner_org__name",
        placeholder="输入任务名称或编码",
        noun="关键任务",
    )
)
