"""Writes of resource sharing. Every function is atomic and audited.

Callers check the user's scope first (``visible_to`` → 404, ``manageable_by`` → 403); the
services enforce the domain's own rules whoever calls them. One module per concern:
:mod:`.resources` (resources and photos), :mod:`.bookings` (requests, decisions, the
clash rule and the inbox), :mod:`.items` (needs, projects and matches); this package
names them all, so callers write ``services.booking_request``.
"""

from lianjian.sharing.services.bookings import (
    CLASH,
    MAX_BOOKING_DAYS,
    BookingClash,
    booking_approve,
    booking_cancel,
    booking_decline,
    booking_request,
    check_slot,
    request_reminder,
)
from lianjian.sharing.services.items import (
    NEED_FIELDS,
    PROJECT_FIELDS,
    match_create,
    match_set_status,
    need_create,
    need_update,
    project_create,
    project_update,
)
from lianjian.sharing.services.resources import (
    MAX_PHOTO_BYTES,
    PHOTO_TYPES,
    RESOURCE_FIELDS,
    photo_add,
    photo_delete,
    resource_code_new,
    resource_create,
    resource_update,
    user_name,
)

__all__ = [
    "CLASH",
    "MAX_BOOKING_DAYS",
    "MAX_PHOTO_BYTES",
    "NEED_FIELDS",
    "PHOTO_TYPES",
    "PROJECT_FIELDS",
    "RESOURCE_FIELDS",
    "BookingClash",
    "booking_approve",
    "booking_cancel",
    "booking_decline",
    "booking_request",
    "check_slot",
    "match_create",
    "match_set_status",
    "need_create",
    "need_update",
    "photo_add",
    "photo_delete",
    "project_create",
    "project_update",
    "request_reminder",
    "resource_code_new",
    "resource_create",
    "resource_update",
    "user_name",
]
