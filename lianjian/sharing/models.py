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

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, Q

from lianjian.activities.models import Activity
from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.core.masking import PhoneField, PrivateHolder
from lianjian.core.scope import (
    VIEW,
    IsUser,
    Manages,
    Scope,
    ScopedQuerySet,
    ScopeRules,
    Sees,
    Where,
)
from lianjian.core.validation import PLANNED, date_errors, instance_values, raise_errors
from lianjian.orgs.models import Member, Organisation, validate_code

if TYPE_CHECKING:
    pass


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


def alliance_partner_ids(orgs: models.QuerySet[Organisation]) -> models.QuerySet[AllianceMember]:
    """Ids of organisations that are current members of an active alliance together with
    any organisation of ``orgs`` (as a subquery; ``orgs`` themselves included)."""
    alliances = AllianceMember.objects.filter(
        left_on__isnull=True, org__in=orgs.values("pk"), alliance__status=Alliance.Status.ACTIVE
    ).values("alliance_id")
    return AllianceMember.objects.filter(left_on__isnull=True, alliance_id__in=alliances).values("org_id")


def shared_scope(owner: str) -> ScopeRules:
    """The scope of rows that belong to an organisation (at ``owner``) and carry a sharing
    level (see the module docstring): seen through the owner, or shared with an organisation
    the user sees; changed by the owner's managers."""

    def shared(scope: Scope) -> Q | None:
        orgs = Organisation.objects.restrict_scope(scope, VIEW)
        q = Q(sharing__in=(SharingLevel.ALLIANCE, SharingLevel.COMPANY), **{f"{owner}__in": alliance_partner_ids(orgs)})
        if scope.org_path:
            # Company-wide rows reach the internal organisations of the same company only.
            internal = Exists(Organisation.objects.filter(path=scope.org_path, is_partner=False))
            root = "/" + scope.org_path.strip("/").split("/")[0] + "/"
            q |= internal & Q(sharing=SharingLevel.COMPANY, **{f"{owner}__path__under": root})
        return q

    return ScopeRules(view=[Sees(owner), Where(shared)], change=[Manages(owner)])


class SharedQuerySet(ScopedQuerySet):
    """Rows that carry a sharing level (their model's SCOPE is :func:`shared_scope`)."""

    def shared_with(self, org: Organisation) -> SharedQuerySet:
        """Rows ``org`` itself may use: its own and what others share with it — the view
        rule applied to the scope of the organisation alone."""
        return self.restrict_scope(Scope.of_org(org.path), VIEW)


class ResourceQuerySet(SharedQuerySet):
    def active(self) -> ResourceQuerySet:
        return self.filter(is_active=True)


class Resource(models.Model):
    """A shareable resource of an organisation: a venue (阵地 / 党员活动室 / 教育基地), an
    expert or lecturer, equipment or a course.

    ``code`` (资源编号) is the import/API key. ``opening_hours`` is the canonical text of
    :mod:`lianjian.sharing.hours` (empty: bookable at any time); for people it reads as
    可约时间. ``capacity`` bounds the expected people of a booking. A withdrawn resource
    (``is_active`` false) keeps its bookings but takes no new ones.
    """

    SCOPE = shared_scope("owner")

    AUDIT_FIELDS = (
        "code", "name", "kind", "owner_id", "sharing", "tags", "description", "capacity", "address", "lat",
        "lon", "opening_hours", "equipment", "expertise", "member_id", "contact", "contact_phone", "is_active",
    )

    code = models.CharField("资源编号", max_length=32, unique=True, validators=[validate_code])
    name = models.CharField("资源名称", max_length=200)
    kind = models.CharField("资源类别", max_length=8, choices=ResourceKind.choices)
    owner = models.ForeignKey(Organisation, verbose_name="所属组织", on_delete=models.PROTECT, related_name="resources")
    sharing = models.CharField("共享范围", max_length=8, choices=SharingLevel.choices, default=SharingLevel.ALLIANCE)
    tags = models.JSONField("标签", default=list, blank=True)
    description = models.TextField("说明", blank=True)
    capacity = models.PositiveIntegerField("容纳人数", null=True, blank=True)
    address = models.CharField("地址", max_length=300, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    opening_hours = models.CharField("开放时间", max_length=300, blank=True)
    equipment = models.JSONField("设施设备", default=list, blank=True)
    expertise = models.JSONField("专长领域", default=list, blank=True)
    member = models.ForeignKey(Member, verbose_name="关联党员", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="resources")
    contact = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = PhoneField("联系电话", max_length=20, blank=True)
    is_active = models.BooleanField("可预约", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = "共享资源"
        ordering = ["code"]
        indexes = [
            models.Index(fields=["owner", "kind"], name="resource_owner_kind_idx"),
            models.Index(fields=["kind", "sharing"], name="resource_kind_sharing_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(lat__isnull=True) | (Q(lat__gte=-90) & Q(lat__lte=90)),
                                   name="resource_lat_range", violation_error_message="纬度应在 -90 到 90 之间"),
            models.CheckConstraint(condition=Q(lon__isnull=True) | (Q(lon__gte=-180) & Q(lon__lte=180)),
                                   name="resource_lon_range", violation_error_message="经度应在 -180 到 180 之间"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_key(self) -> str:
        return self.code

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
        if self.contact_phone and not all(ch.isdigit() or ch in "-+ ()" for ch in self.contact_phone):
            errors["contact_phone"] = "联系电话只能包含数字、空格、+、- 和括号"
        if len(self.description or "") > RESOURCE_DESCRIPTION_MAX:
            errors["description"] = f"说明不能超过 {RESOURCE_DESCRIPTION_MAX} 个字符"
        if errors:
            raise ValidationError(errors)


def photo_upload_to(instance: ResourcePhoto, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"resources/{instance.resource_id}/{uuid.uuid4().hex}.{ext}"


class ResourcePhoto(models.Model):
    """A photo of a resource (PNG or JPEG by content), stored under a random name."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_upload_to, max_length=200)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小")
    content_type = models.CharField(max_length=50)
    uploaded_by = models.CharField("上传人", max_length=150, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "资源照片"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class NeedStatus(models.TextChoices):
    OPEN = "待对接", "待对接"
    MATCHED = "已对接", "已对接"
    CLOSED = "已关闭", "已关闭"


class NeedQuerySet(SharedQuerySet):
    pass


class Need(models.Model):
    """A need (需求) an organisation posts so that resources and partners can meet it.

    ``code`` (``XQ2026-001``) is the API key. Status 待对接 → 已对接 (when a match is agreed)
    → 已关闭; the sharing level says who sees it, like a resource's.
    """

    SCOPE = shared_scope("org")

    AUDIT_FIELDS = ("code", "org_id", "title", "description", "tags", "sharing", "status", "needed_by", "contact")
    DATE_WINDOWS = {"needed_by": PLANNED}

    code = models.CharField("需求编号", max_length=32, unique=True, validators=[validate_code])
    org = models.ForeignKey(Organisation, verbose_name="提出组织", on_delete=models.PROTECT, related_name="shared_needs")
    title = models.CharField("需求名称", max_length=200)
    description = models.TextField("需求描述", blank=True)
    tags = models.JSONField("标签", default=list, blank=True)
    sharing = models.CharField("公开范围", max_length=8, choices=SharingLevel.choices, default=SharingLevel.COMPANY)
    status = models.CharField("状态", max_length=4, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    needed_by = models.DateField("期望完成日期", null=True, blank=True)
    contact = models.CharField("联系人", max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = "需求"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "status"], name="need_org_status_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_key(self) -> str:
        return self.code

    def clean(self) -> None:
        errors = date_errors(Need, instance_values(self))
        if len(self.description or "") > ITEM_DESCRIPTION_MAX:
            errors["description"] = f"需求描述不能超过 {ITEM_DESCRIPTION_MAX} 个字符"
        raise_errors(errors)


class ProjectStatus(models.TextChoices):
    RECRUITING = "征集合作", "征集合作"
    ONGOING = "实施中", "实施中"
    DONE = "已完成", "已完成"
    CLOSED = "已关闭", "已关闭"


class ProjectQuerySet(SharedQuerySet):
    pass


class Project(models.Model):
    """A project (项目) an organisation proposes and seeks partners for (seed 004: projects
    put out to 招标 among the networks). ``partners_wanted`` names what partners should bring."""

    SCOPE = shared_scope("org")

    AUDIT_FIELDS = ("code", "org_id", "title", "description", "tags", "partners_wanted", "sharing", "status",
                    "start", "end")
    DATE_WINDOWS = {"start": PLANNED, "end": PLANNED}

    code = models.CharField("项目编号", max_length=32, unique=True, validators=[validate_code])
    org = models.ForeignKey(Organisation, verbose_name="牵头组织", on_delete=models.PROTECT, related_name="shared_projects")
    title = models.CharField("项目名称", max_length=200)
    description = models.TextField("项目简介", blank=True)
    tags = models.JSONField("标签", default=list, blank=True)
    partners_wanted = models.JSONField("希望合作方提供", default=list, blank=True)
    sharing = models.CharField("公开范围", max_length=8, choices=SharingLevel.choices, default=SharingLevel.COMPANY)
    status = models.CharField("状态", max_length=4, choices=ProjectStatus.choices, default=ProjectStatus.RECRUITING)
    start = models.DateField("开始日期", null=True, blank=True)
    end = models.DateField("结束日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "项目"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "status"], name="project_org_status_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_key(self) -> str:
        return self.code

    @property
    def match_tags(self) -> list[str]:
        """What partners should offer: the wanted contributions, then the project's tags."""
        return list(dict.fromkeys([*self.partners_wanted, *self.tags]))

    def clean(self) -> None:
        errors = date_errors(Project, instance_values(self))
        if not errors and self.start and self.end and self.end < self.start:
            errors["end"] = "结束日期不能早于开始日期"
        if len(self.description or "") > ITEM_DESCRIPTION_MAX:
            errors["description"] = f"项目简介不能超过 {ITEM_DESCRIPTION_MAX} 个字符"
        raise_errors(errors)


class MatchStatus(models.TextChoices):
    PROPOSED = "对接中", "对接中"
    AGREED = "已达成", "已达成"
    DROPPED = "已放弃", "已放弃"


class Match(models.Model):
    """Who matched whom: a need or a project (exactly one) → a resource or an organisation
    (exactly one), by whom and when, with the shared tags and distance at that moment."""

    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.CASCADE, related_name="matches")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="matches")
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.PROTECT, related_name="matches",
                                 verbose_name="资源")
    org = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="shared_matches",
                            verbose_name="组织")
    status = models.CharField("状态", max_length=4, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    shared_tags = models.JSONField("匹配标签", default=list, blank=True)
    distance_km = models.FloatField("距离（公里）", null=True, blank=True)
    note = models.CharField("对接说明", max_length=300, blank=True)
    matched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    matched_by_name = models.CharField("对接人", max_length=150, blank=True)
    created_at = models.DateTimeField("对接时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "对接记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=(Q(need__isnull=False) & Q(project__isnull=True)) | (Q(need__isnull=True) & Q(project__isnull=False)), name="match_one_source",
                                   violation_error_message="对接记录须对应一个需求或一个项目"),
            models.CheckConstraint(condition=(Q(resource__isnull=False) & Q(org__isnull=True)) | (Q(resource__isnull=True) & Q(org__isnull=False)), name="match_one_target",
                                   violation_error_message="对接对象须为一个资源或一个组织"),
            models.UniqueConstraint(fields=["need", "resource"], condition=Q(need__isnull=False, resource__isnull=False),
                                    name="match_need_resource_unique", violation_error_message="已与该资源对接"),
            models.UniqueConstraint(fields=["need", "org"], condition=Q(need__isnull=False, org__isnull=False),
                                    name="match_need_org_unique", violation_error_message="已与该组织对接"),
            models.UniqueConstraint(fields=["project", "resource"], condition=Q(project__isnull=False, resource__isnull=False),
                                    name="match_project_resource_unique", violation_error_message="已与该资源对接"),
            models.UniqueConstraint(fields=["project", "org"], condition=Q(project__isnull=False, org__isnull=False),
                                    name="match_project_org_unique", violation_error_message="已与该组织对接"),
        ]

    def __str__(self) -> str:
        return f"{self.need or self.project} → {self.resource or self.org}"

    @property
    def target_name(self) -> str:
        return self.resource.name if self.resource_id else self.org.name  # type: ignore[union-attr]


class BookingStatus(models.TextChoices):
    PENDING = "待审批", "待审批"
    APPROVED = "已批准", "已批准"
    DECLINED = "已拒绝", "已拒绝"
    CANCELLED = "已取消", "已取消"
    EXPIRED = "已过期", "已过期"  # still pending when its slot started (sharing.expiry)


# A pending request holds its slot as firmly as an approved one: first come, first served,
# so an owner never has to choose between two requests for one slot, and "double booking
# is impossible" holds for everything that is not declined or cancelled.
BLOCKING_STATUSES = (BookingStatus.PENDING, BookingStatus.APPROVED)


class BookingQuerySet(ScopedQuerySet["Booking"]):
    def blocking(self) -> BookingQuerySet:
        return self.filter(status__in=BLOCKING_STATUSES)

    def overlapping(self, start: datetime.datetime, end: datetime.datetime) -> BookingQuerySet:
        """Bookings whose [start, end) intersects [start, end): touching ends do not overlap."""
        return self.filter(start__lt=end, end__gt=start)


class Booking(models.Model):
    """A request to use a resource from ``start`` to ``end`` (half-open) for ``org``.

    待审批 → 已批准 / 已拒绝 (by the owner's managers, a reason for a refusal), 待审批 or
    已批准 → 已取消 (by the requesting side, before the start), and 待审批 → 已过期 when the
    slot starts undecided (:mod:`lianjian.sharing.expiry`). No two blocking bookings
    (待审批, 已批准) of one resource overlap: services serialise on the resource row and
    re-check, and on PostgreSQL an exclusion constraint (migration 0002) holds it in the
    database whatever the code does.
    """

    # Both sides see a booking; the resource's managers decide it; the requesting side
    # (the user who asked, or a manager of the requesting organisation) cancels it.
    SCOPE = ScopeRules(
        view=[Sees("org"), Sees("resource__owner")],
        decide=[Manages("resource__owner")],
        cancel=[Manages("org"), IsUser("requested_by")],
    )

    AUDIT_FIELDS = ("resource_id", "org_id", "start", "end", "purpose", "expected_people", "activity_id", "status",
                    "reason")
    DATE_WINDOWS = {"start": PLANNED, "end": PLANNED}

    resource = models.ForeignKey(Resource, verbose_name="资源", on_delete=models.PROTECT, related_name="bookings")
    org = models.ForeignKey(Organisation, verbose_name="预约组织", on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间")
    purpose = models.CharField("用途", max_length=200)
    expected_people = models.PositiveIntegerField("预计人数", null=True, blank=True)
    activity = models.ForeignKey(Activity, verbose_name="关联活动", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="bookings")
    status = models.CharField("状态", max_length=4, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    reason = models.CharField("拒绝或取消原因", max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_by_name = models.CharField("申请人", max_length=150, blank=True)
    decided_by_name = models.CharField("审批人", max_length=150, blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = "预约"
        ordering = ["-start", "-id"]
        indexes = [
            models.Index(fields=["resource", "start"], name="booking_resource_start_idx"),
            models.Index(fields=["org", "start"], name="booking_org_start_idx"),
            models.Index(fields=["status", "start"], name="booking_status_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="booking_end_after_start",
                                   violation_error_message="结束时间应晚于开始时间"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.start:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    @property
    def is_blocking(self) -> bool:
        return self.status in BLOCKING_STATUSES

    def clean(self) -> None:
        raise_errors(date_errors(Booking, instance_values(self)))
