"""The unread count shown beside 消息与待办 in the sidebar (one COUNT per page)."""

from __future__ import annotations

from django.http import HttpRequest

from lianjian.notifications.models import Notification


def inbox(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": Notification.objects.filter(user=user, read_at__isnull=True).count()}
