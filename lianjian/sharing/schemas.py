"""Request and response shapes of the sharing API (``/api/v1/resources``, ``/bookings``, ``/needs``).

Same conventions as :mod:`lianjian.orgs.schemas`: English snake_case fields, Chinese
enumeration values, inputs refuse unknown fields, a partial update refuses ``null`` for
fields that cannot be empty. Resources and needs are named by code, bookings by id,
organisations and activities by code. Times without a zone are Beijing time.
"""

from __future__ import annotations

import datetime
from typing import Annotated, ClassVar, Literal

from ninja import Field, Schema

from lianjian.core.api_utils import FilterDate, PageParams
from lianjian.core.filters import ListFilter
from lianjian.core.masking import PrivatePhone
from lianjian.orgs.schemas import Code, Name200, Phone, Text300, TextList, _Input, _Patch, _text

ResourceKindName = Literal["阵地", "党员活动室", "教育基地", "专家", "讲师", "设备", "课程"]
SharingName = Literal["仅本组织", "联建单位", "全部内部组织"]
BookingStatusName = Literal["待审批", "已批准", "已拒绝", "已取消", "已过期"]
NeedStatusName = Literal["待对接", "已对接", "已关闭"]
ProjectStatusName = Literal["征集合作", "实施中", "已完成", "已关闭"]
# The list's kind filter also takes the two groups the screen offers.
ResourceKindFilter = Literal[
    "阵地", "党员活动室", "教育基地", "专家", "讲师", "设备", "课程", "场地", "人员"
]
Month = Annotated[str, Field(pattern=r"^(20\d\d|2100)-(0[1-9]|1[0-2])$")]
Text50 = _text(50)
LongText = _text(10_000, multiline=True)
# A resource's 说明 is also an Excel column (≤ 5000, docs/excel.md), so the API holds it to that.
ResourceText = _text(5000, multiline=True)


class ResourceFilter(ListFilter):
    """The filter of the resource list (screen and API): ``selectors.resource_list``."""

    q: str | None = Field(
        None, max_length=100, description="在编号、名称、地址、说明和所属组织名称中查找"
    )
    kind: ResourceKindFilter | None = Field(
        None, description="资源类别；“场地”为阵地、党员活动室和教育基地，“人员”为专家和讲师"
    )
    sharing: SharingName | None = Field(None, description="共享范围")
    org: str | None = Field(None, max_length=32, description="组织编码：该组织及其下级组织的资源")
    tag: str | None = Field(None, max_length=50, description="标签或专长领域（完全相同）")
    active: bool | None = Field(None, description="true 只列开放预约的资源，false 只列已停用的资源")


class ResourceListParams(ResourceFilter, PageParams):
    pass


class ResourceOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    owner: str
    owner_name: str
    sharing: str
    tags: list[str]
    description: str
    capacity: int | None
    address: str
    lat: float | None
    lon: float | None
    opening_hours: str
    equipment: list[str]
    expertise: list[str]
    member: str | None = Field(..., description="关联党员的人员编号（专家、讲师）")
    contact: str
    phone: PrivatePhone = Field(
        ...,
        description="联系电话；无权查看者（见 docs/security.md）看到打码后的号码，如 138****5678",
    )
    is_active: bool


class ResourceListOut(Schema):
    items: list[ResourceOut]
    count: int


class ResourceCreateIn(_Input):
    code: _text(32) = Field("", description="资源编号；空白则自动生成")
    name: Name200
    kind: ResourceKindName
    owner: Code = Field(..., description="所属组织编码（须为本人管理的组织）")
    sharing: SharingName = "联建单位"
    tags: TextList = []
    description: ResourceText = ""
    capacity: int | None = Field(None, ge=1, le=100_000)
    address: Text300 = ""
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    opening_hours: Text300 = Field(
        "", description="如“周一至周五 08:30-17:30；周六 09:00-12:00”，空白不限时段"
    )
    equipment: TextList = []
    expertise: TextList = []
    contact: Text50 = ""
    phone: Phone = ""
    is_active: bool = True


class ResourceUpdateIn(_Patch):
    NOT_NULL: ClassVar[tuple[str, ...]] = (
        "name",
        "kind",
        "owner",
        "sharing",
        "tags",
        "description",
        "address",
        "opening_hours",
        "equipment",
        "expertise",
        "contact",
        "phone",
        "is_active",
    )

    name: Name200 | None = None
    kind: ResourceKindName | None = None
    owner: Code | None = None
    sharing: SharingName | None = None
    tags: TextList | None = None
    description: ResourceText | None = None
    capacity: int | None = Field(None, ge=1, le=100_000)
    address: Text300 | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    opening_hours: Text300 | None = None
    equipment: TextList | None = None
    expertise: TextList | None = None
    contact: Text50 | None = None
    phone: Phone | None = None
    is_active: bool | None = None


class BookingFilter(ListFilter):
    """The filter of the booking list (screen and API): ``selectors.booking_list``. The
    screen opens on ``view=mine``; the API lists every visible booking by default."""

    view: Literal["mine", "approve", "all"] | None = Field(
        None,
        description="mine：本人组织提出的预约；approve：待本人审批的预约；all（默认）：全部可见",
    )
    q: str | None = Field(
        None, max_length=100, description="在资源名称、用途、预约组织名称中查找，或资源编号"
    )
    resource: str | None = Field(None, max_length=32, description="资源编号")
    org: str | None = Field(None, max_length=32, description="预约组织编码")
    status: BookingStatusName | None = None
    month: Month | None = Field(None, description="月份（YYYY-MM）：与该月有重叠的预约")
    start_from: FilterDate | None = Field(None, description="结束于该日期（含）之后")
    start_to: FilterDate | None = Field(None, description="开始于该日期（含）之前")


class BookingListParams(BookingFilter, PageParams):
    pass


class BookingOut(Schema):
    id: int
    resource: str
    resource_name: str
    owner: str
    org: str
    org_name: str
    start: datetime.datetime
    end: datetime.datetime
    hours: float
    purpose: str
    expected_people: int | None
    activity: str | None
    status: str
    reason: str
    requested_by: str
    decided_by: str
    decided_at: datetime.datetime | None
    created_at: datetime.datetime


class BookingListOut(Schema):
    items: list[BookingOut]
    count: int


class BookingCreateIn(_Input):
    resource: Code = Field(..., description="资源编号")
    org: Code = Field(..., description="预约组织编码（须为本人管理的组织）")
    start: datetime.datetime = Field(..., description="开始时间；不带时区时按北京时间")
    end: datetime.datetime = Field(..., description="结束时间（不含）")
    purpose: _text(200, required=True)
    expected_people: int | None = Field(None, ge=1, le=100_000)
    activity: Code | None = Field(None, description="关联的活动编号")


class ReasonIn(_Input):
    reason: _text(300, multiline=True) = ""


class NeedFilter(ListFilter):
    """The filter of the need list (screen and API): ``selectors.need_list``."""

    q: str | None = Field(
        None, max_length=100, description="在编号、名称、描述和提出组织名称中查找"
    )
    status: NeedStatusName | None = None
    org: str | None = Field(None, max_length=32, description="组织编码：该组织及其下级组织的需求")
    tag: str | None = Field(None, max_length=50, description="标签（完全相同）")


class NeedListParams(NeedFilter, PageParams):
    pass


class ProjectFilter(ListFilter):
    """The filter of the project list (screen): ``selectors.project_list``."""

    q: str | None = Field(
        None, max_length=100, description="在编号、名称、描述和发起组织名称中查找"
    )
    status: ProjectStatusName | None = None
    org: str | None = Field(None, max_length=32, description="组织编码：该组织及其下级组织的项目")
    tag: str | None = Field(None, max_length=50, description="标签或所需合作方（完全相同）")


class NeedOut(Schema):
    id: int
    code: str
    org: str
    org_name: str
    title: str
    description: str
    tags: list[str]
    sharing: str
    status: str
    needed_by: datetime.date | None
    contact: str
    created_at: datetime.datetime


class MatchOut(Schema):
    id: int
    target_type: Literal["resource", "org"]
    target: str
    target_name: str
    status: str
    shared_tags: list[str]
    distance_km: float | None
    note: str
    matched_by: str
    created_at: datetime.datetime


class SuggestionOut(Schema):
    target_type: Literal["resource", "org"]
    target: str
    target_name: str
    shared_tags: list[str]
    distance_km: float | None


class NeedDetailOut(NeedOut):
    matches: list[MatchOut]
    suggestions: list[SuggestionOut]


class NeedListOut(Schema):
    items: list[NeedOut]
    count: int


class NeedCreateIn(_Input):
    code: _text(32) = Field("", description="需求编号；空白则自动生成")
    org: Code = Field(..., description="提出组织编码（须为本人管理的组织）")
    title: Name200
    description: LongText = ""
    tags: TextList = Field(..., description="需要什么，用于匹配；至少一个")
    sharing: SharingName = "全部内部组织"
    needed_by: datetime.date | None = None
    contact: Text50 = ""
