"""Resources (资源清单), their photos, and the sharing scope every sharing list follows
(see the package docstring)."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, Q

from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.core.masking import PhoneField, PrivateHolder
from lianjian.core.models import (
    CodedRecord,
    UploadedFile,
    coordinate_constraints,
    random_upload_path,
)
from lianjian.core.scope import (
    VIEW,
    Manages,
    Scope,
    ScopedQuerySet,
    ScopeRules,
    Sees,
    Where,
)
from lianjian.orgs.models import Member, Organisation, validate_code


class ResourceKind(models.TextChoices):
    VENUE = "阵地", "阵地"
    ROOM = "党员活动室", "党员活动室"
    BASE = "教育基地", "教育基地"
    EXPERT = "专家", "专家"
    LECTURER = "讲师", "讲师"
    EQUIPMENT = "设备", "设备"
    COURSE = "课程", "课程"


# Longest descriptions: a resource's is an Excel column (docs/excel.md: 说明 ≤ 5000), so a
# longer one could be exported but never imported back; needs and projects follow the API.
RESOURCE_DESCRIPTION_MAX = 5000
ITEM_DESCRIPTION_MAX = 10_000

# Places have a capacity, an address and photos; people have expertise and may be a member.
VENUE_KINDS = (ResourceKind.VENUE, ResourceKind.ROOM, ResourceKind.BASE)
PERSON_KINDS = (ResourceKind.EXPERT, ResourceKind.LECTURER)


class SharingLevel(models.TextChoices):
    OWN = "仅本组织", "仅本组织"
    ALLIANCE = "联建单位", "联建单位"
    COMPANY = "全部内部组织", "全部内部组织"


def company_root(org: Organisation) -> str:
    """The path of the top-level organisation above ``org`` (``/BXDW/``)."""
    return "/" + org.path.strip("/").split("/")[0] + "/"


def alliance_partner_ids(
    orgs: models.QuerySet[Organisation],
) -> models.QuerySet[AllianceMember, Any]:
    """Ids of organisations that are current members of an active alliance together with
    any organisation of ``orgs`` (as a subquery; ``orgs`` themselves included)."""
    alliances = AllianceMember.objects.filter(
        left_on__isnull=True, org__in=orgs.values("pk"), alliance__status=Alliance.Status.ACTIVE
    ).values("alliance_id")
    return AllianceMember.objects.filter(left_on__isnull=True, alliance_id__in=alliances).values(
        "org_id"
    )


def shared_scope(owner: str) -> ScopeRules:
    """The scope of rows that belong to an organisation (at ``owner``) and carry a sharing
    level (see the module docstring): seen through the owner, or shared with an organisation
    the user sees; changed by the owner's managers."""

    def shared(scope: Scope) -> Q | None:
        orgs = Organisation.objects.restrict_scope(scope, VIEW)
        q = Q(
            sharing__in=(SharingLevel.ALLIANCE, SharingLevel.COMPANY),
            **{f"{owner}__in": alliance_partner_ids(orgs)},
        )
        if scope.org_path:
            # Company-wide rows reach the internal organisations of the same company only.
            internal = Exists(Organisation.objects.filter(path=scope.org_path, is_partner=False))
            root = "/" + scope.org_path.strip("/").split("/")[0] + "/"
            q |= internal & Q(sharing=SharingLevel.COMPANY, **{f"{owner}__path__under": root})
        return q

    return ScopeRules(view=[Sees(owner), Where(shared)], change=[Manages(owner)])


_Shared = TypeVar("_Shared", bound=models.Model)


class SharedQuerySet(ScopedQuerySet[_Shared]):
    """Rows that carry a sharing level (their model's SCOPE is :func:`shared_scope`)."""

    def shared_with(self, org: Organisation) -> SharedQuerySet[_Shared]:
        """Rows ``org`` itself may use: its own and what others share with it — the view
        rule applied to the scope of the organisation alone."""
        return cast("SharedQuerySet[_Shared]", self.restrict_scope(Scope.of_org(org.path), VIEW))


class ResourceQuerySet(SharedQuerySet["Resource"]):
    def active(self) -> ResourceQuerySet:
        return self.filter(is_active=True)


class Resource(CodedRecord):
    """A shareable resource of an organisation: a venue (阵地 / 党员活动室 / 教育基地), an
    expert or lecturer, equipment or a course.

    ``code`` (资源编号) is the import/API key. ``opening_hours`` is the canonical text of
    :mod:`lianjian.sharing.hours` (empty: bookable at any time); for people it reads as
    可约时间. ``capacity`` bounds the expected people of a booking. A withdrawn resource
    (``is_active`` false) keeps its bookings but takes no new ones.
    """

    SCOPE = shared_scope("owner")
    LABEL_FIELD = "name"

    AUDIT_FIELDS = (
        "code",
        "name",
        "kind",
        "owner_id",
        "sharing",
        "tags",
        "description",
        "capacity",
        "address",
        "lat",
        "lon",
        "opening_hours",
        "equipment",
        "expertise",
        "member_id",
        "contact",
        "contact_phone",
        "is_active",
    )

    code = models.CharField("资源编号", max_length=32, unique=True, validators=[validate_code])
    name = models.CharField("资源名称", max_length=200)
    kind = models.CharField("资源类别", max_length=8, choices=ResourceKind.choices)
    owner = models.ForeignKey(
        Organisation, verbose_name="所属组织", on_delete=models.PROTECT, related_name="resources"
    )
    sharing = models.CharField(
        "共享范围", max_length=8, choices=SharingLevel.choices, default=SharingLevel.ALLIANCE
    )
    tags = models.JSONField("标签", default=list, blank=True)
    description = models.TextField("说明", blank=True)
    capacity = models.PositiveIntegerField("容纳人数", null=True, blank=True)
    address = models.CharField("地址", max_length=300, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    opening_hours = models.CharField("开放时间", max_length=300, blank=True)
    equipment = models.JSONField("设施设备", default=list, blank=True)
    expertise = models.JSONField("专长领域", default=list, blank=True)
    member = models.ForeignKey(
        Member,
        verbose_name="关联党员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
    )
    contact = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = PhoneField("联系电话", max_length=20, blank=True)
    is_active = models.BooleanField("可预约", default=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = "共享资源"
        ordering = ["code"]
        indexes = [
            models.Index(fields=["owner", "kind"], name="resource_owner_kind_idx"),
            models.Index(fields=["kind", "sharing"], name="resource_kind_sharing_idx"),
        ]
        constraints = coordinate_constraints("resource")

    def private_holder(self) -> PrivateHolder:
        """An expert's contact phone is the linked member's own; any other is the owner's."""
        if self.member_id is not None:
            return self.member.private_holder()  # type: ignore[union-attr]
        return PrivateHolder(self.owner.path)

    @property
    def is_venue(self) -> bool:
        return self.kind in VENUE_KINDS

    @property
    def is_person(self) -> bool:
        return self.kind in PERSON_KINDS

    @property
    def hours_label(self) -> str:
        return "可约时间" if self.is_person else "开放时间"

    @property
    def all_tags(self) -> list[str]:
        """What the resource offers for matching: its tags, then an expert's expertise."""
        return list(dict.fromkeys([*self.tags, *self.expertise]))

    def coordinates(self) -> tuple[float | None, float | None]:
        """Its own coordinates, else its owner's (an expert sits where their organisation is)."""
        if self.lat is not None and self.lon is not None:
            return self.lat, self.lon
        return self.owner.lat, self.owner.lon

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if (self.lat is None) != (self.lon is None):
            errors["lon" if self.lon is None else "lat"] = "纬度和经度需同时填写"
        if self.capacity is not None and not self.is_venue:
            errors["capacity"] = "只有阵地、党员活动室和教育基地可以填写容纳人数"
        if self.expertise and not self.is_person:
            errors["expertise"] = "只有专家和讲师可以填写专长领域"
        if self.member_id is not None and not self.is_person:
            errors["member"] = "只有专家和讲师可以关联党员"
        if self.contact_phone and not all(
            ch.isdigit() or ch in "-+ ()" for ch in self.contact_phone
        ):
            errors["contact_phone"] = "联系电话只能包含数字、空格、+、- 和括号"
        if len(self.description or "") > RESOURCE_DESCRIPTION_MAX:
            errors["description"] = f"说明不能超过 {RESOURCE_DESCRIPTION_MAX} 个字符"
        if errors:
            raise ValidationError(errors)


def photo_upload_to(instance: ResourcePhoto, filename: str) -> str:
    return random_upload_path("resources", instance.resource_id, filename)


class ResourcePhoto(UploadedFile):
    """A photo of a resource (PNG or JPEG by content), stored under a random name."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_upload_to, max_length=200)

    class Meta:
        verbose_name = "资源照片"
        ordering = ["id"]
