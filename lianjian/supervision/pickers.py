"""Pickers of the supervision ledger: the organisations a user may name in it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from lianjian.core.pickers import Source, register
from lianjian.orgs.models import Member, Organisation
from lianjian.supervision.selectors import reachable_orgs


def ledger_orgs(user: Any, params: Mapping[str, str]) -> QuerySet[Organisation]:
    """Internal organisations the user sees or supervises (a body: its whole subtree)."""
    return reachable_orgs(user).filter(is_partner=False, dissolved__isnull=True)


register(Source("supervision.orgs", rows=ledger_orgs, hint="parent__name"))


def ledger_members(user: Any, params: Mapping[str, str]) -> QuerySet[Member]:
    """Current members of the organisations the user may name in the ledger."""
    return (
        Member.objects.current()
        .filter(org__in=reachable_orgs(user).values("pk"))
        .order_by("org__path", "number")
    )


register(
    Source(
        "supervision.members",
        rows=ledger_members,
        key="number",
        hint="org__name",
        placeholder="输入姓名、拼音首字母或人员编号",
        noun="党员",
    )
)
