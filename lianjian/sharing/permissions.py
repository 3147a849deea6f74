"""Who may change what, for rows already found through a ``visible_to`` queryset.

The same rule as ``manageable_by`` (admin: all; a manager: inside their subtree; a member:
nothing), checked on the row's organisation path without a query.
"""

from __future__ import annotations

from typing import Any

from lianjian.orgs.models import Organisation
from lianjian.sharing.models import Booking, Need, Project, Resource


def manages(user: Any, org: Organisation) -> bool:
    """Whether ``user`` manages ``org`` (it lies in the subtree of the manager's organisation)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.role == "member":
        return False
    if user.role == "admin":
        return True
    return user.org_id is not None and org.path.startswith(user.org.path)


def can_manage_resource(user: Any, resource: Resource) -> bool:
    """Edit, withdraw, add or remove photos: the owner's managers."""
    return manages(user, resource.owner)


def can_request(user: Any) -> bool:
    """Request bookings: anyone who manages some organisation (members only look)."""
    return getattr(user, "is_authenticated", False) and user.role in ("admin", "manager")


def can_decide(user: Any, booking: Booking) -> bool:
    """Approve or decline: the managers of the resource's owner."""
    return manages(user, booking.resource.owner)


def can_cancel(user: Any, booking: Booking) -> bool:
    """Cancel: the requesting side — the user who asked or a manager of the requesting org."""
    if not getattr(user, "is_authenticated", False) or user.role == "member":
        return False
    return booking.requested_by_id == user.pk or manages(user, booking.org)


def can_manage_source(user: Any, source: Need | Project) -> bool:
    """Edit a need or project, record and update its matches: its organisation's managers."""
    return manages(user, source.org)
