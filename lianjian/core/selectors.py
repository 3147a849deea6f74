"""Reads of the core app: the audit log list (one filter for its screen)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from pydantic import Field, field_validator

from lianjian.core.filters import ListFilter, filter_given, register_list, search
from lianjian.core.models import AuditLog
from lianjian.core.scope import scope_of


class AuditFilter(ListFilter):
    """The filter of the audit log screen: ``audit_list``."""

    q: str | None = Field(None, max_length=100, description="在对象、编码、操作人和说明中查找")
    action: str | None = Field(None, max_length=20, description="操作，如 create、update")
    type: str | None = Field(None, max_length=50, description="对象类型，如 orgs.member")
    id: str | None = Field(None, max_length=100, description="对象编码")

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str | None) -> str | None:
        if value is not None and value not in AuditLog.Action.values:
            raise ValueError("不是已知的操作")
        return value


# Newest first, served by the index on ``at`` (ties by id); the keyset of the screen.
AUDIT_LIST_KEY = ("-at", "-id")


def audit_list(user: Any, f: AuditFilter) -> QuerySet[AuditLog]:
    """The audit rows matching ``f``, newest first; only a user who sees everything (the
    administrator) sees any — for everyone else the list is empty and the screen is 404."""
    if not scope_of(user).everything:
        return AuditLog.objects.none()
    qs = search(
        AuditLog.objects.all(),
        f.q,
        "target_repr__icontains",
        "target_id__icontains",
        "actor_name__icontains",
        "note__icontains",
    )
    qs = filter_given(qs, action=f.action, target_type=f.type, target_id=f.id)
    return qs.order_by(*AUDIT_LIST_KEY)


register_list(
    "audit", screen="core:audit_list", api=None, filter=AuditFilter, key="id", selector=audit_list
)
