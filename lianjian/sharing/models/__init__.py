"""Resource sharing (资源共享): the three lists — resources (资源清单), needs (需求清单),
projects (项目清单) — the matches between them, and bookings of resources.

Scope. Every row belongs to an organisation (a resource's ``owner``, a need's or a
project's ``org``) and carries a sharing level (共享范围):

* 仅本组织 — the usual scope only: whoever sees the organisation (its managers up the tree,
  its members) sees the row;
* 联建单位 — also every organisation that is a current member of an active (运行) alliance
  with the owner, partner units (外部单位) included;
* 全部内部组织 — also every internal organisation of the same top-level company (the first
  code of the owner's path), on top of the alliance partners.

``visible_to(user)`` applies this to all organisations the user sees; ``shared_with(org)``
to one organisation (what it may book or be offered). Changes are for the managers of the
owner's subtree and admins (``manageable_by``). Bookings are visible to both sides: the
owner's scope and the requesting organisation's scope.
"""

from lianjian.sharing.models.bookings import (
    BLOCKING_STATUSES,
    Booking,
    BookingQuerySet,
    BookingStatus,
)
from lianjian.sharing.models.items import (
    Match,
    MatchStatus,
    Need,
    NeedQuerySet,
    NeedStatus,
    Project,
    ProjectQuerySet,
    ProjectStatus,
)
from lianjian.sharing.models.resources import (
    ITEM_DESCRIPTION_MAX,
    PERSON_KINDS,
    RESOURCE_DESCRIPTION_MAX,
    VENUE_KINDS,
    Resource,
    ResourceKind,
    ResourcePhoto,
    ResourceQuerySet,
    SharedQuerySet,
    SharingLevel,
    alliance_partner_ids,
    company_root,
    photo_upload_to,
    shared_scope,
)

__all__ = [
    "BLOCKING_STATUSES",
    "Booking",
    "BookingQuerySet",
    "BookingStatus",
    "ITEM_DESCRIPTION_MAX",
    "Match",
    "MatchStatus",
    "Need",
    "NeedQuerySet",
    "NeedStatus",
    "PERSON_KINDS",
    "Project",
    "ProjectQuerySet",
    "ProjectStatus",
    "RESOURCE_DESCRIPTION_MAX",
    "Resource",
    "ResourceKind",
    "ResourcePhoto",
    "ResourceQuerySet",
    "SharedQuerySet",
    "SharingLevel",
    "VENUE_KINDS",
    "alliance_partner_ids",
    "company_root",
    "photo_upload_to",
    "shared_scope",
]
