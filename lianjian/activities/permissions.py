"""Who may do what with an activity, beyond the querysets' visible/manageable scope."""

from __future__ import annotations

from typing import Any

from lianjian.activities.models import Activity


def can_manage(user: Any, activity: Activity) -> bool:
    """Record, edit, fill attendance and submit: the manager of the host's subtree (or admin)."""
    if not getattr(user, "is_authenticated", False) or user.role == "member":
        return False
    if user.role == "admin":
        return True
    return user.org_id is not None and activity.host.path.startswith(user.org.path)


def can_review(user: Any, activity: Activity) -> bool:
    """Approve or return: an admin, or the manager of an organisation above the host — the
    host's own manager cannot approve their own record."""
    if not getattr(user, "is_authenticated", False) or user.role == "member":
        return False
    if user.role == "admin":
        return True
    if user.org_id is None:
        return False
    return activity.host.path.startswith(user.org.path) and activity.host_id != user.org_id
