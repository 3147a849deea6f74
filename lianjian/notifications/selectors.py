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


# The inbox's order and keyset (core.paging.paginate_keyset): open items first, then by due
# date (none last), then newest. ``done_at`` and ``due`` may be NULL, which a cursor cannot
# carry and which the two databases sort at opposite ends, so the key reads the stored
# columns ``done`` (0 open, 1 done) and ``due_key`` (no due date as the last day there is)
# that the database derives from them: the same order on SQLite and PostgreSQL, every key
# value a cursor can name, and notification_inbox_idx gives it.
INBOX_KEY = ("done", "due_key", "-created_at", "-id")


def inbox(user: Any, f: InboxFilter) -> QuerySet[Notification]:
    """The user's own notifications matching ``f``, in :data:`INBOX_KEY` order: open items
    first, then by due date (none last) and newest."""
    qs = Notification.objects.filter(user=user)
    if f.show == "open":
        qs = qs.filter(done=0)  # = done_at IS NULL, as the index's second column
    elif f.show == "unread":
        qs = qs.filter(read_at__isnull=True)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    return qs.order_by(*INBOX_KEY)


register_list(
    "inbox", screen="notifications:inbox", api=None, filter=InboxFilter, key="id", selector=inbox
)
