"""Reads of the inbox: one filter for its screen."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import QuerySet
from pydantic import Field, field_validator

from lianjian.core.filters import ListFilter, register_list
from lianjian.notifications.models import Notification


class InboxFilter(ListFilter):
    """The filter of the inbox: ``inbox``. The inbox opens on the open items."""

    show: Literal["open", "unread", "all"] = Field(
        "open", description="open 未办结，unread 未读，all 全部"
    )
    kind: str | None = Field(None, max_length=20, description="类别：todo 待办，message 消息")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        if value is not None and value not in Notification.Kind.values:
            raise ValueError("不是已知的类别")
        return value


def inbox(user: Any, f: InboxFilter) -> QuerySet[Notification]:
    """The user's own notifications matching ``f``: open 待办 first, then by due date and newest."""
    qs = Notification.objects.filter(user=user)
    if f.show == "open":
        qs = qs.filter(done_at__isnull=True)
    elif f.show == "unread":
        qs = qs.filter(read_at__isnull=True)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    return qs.order_by("done_at", "due", "-created_at")


register_list(
    "inbox", screen="notifications:inbox", api=None, filter=InboxFilter, key="id", selector=inbox
)
