"""Request and response shapes of the alliances API (``/api/v1/alliances``, ``/api/v1/agreements``).

Same conventions as :mod:`lianjian.orgs.schemas`: English snake_case fields, Chinese
enumeration values, inputs refuse unknown fields (``extra="forbid"``), a partial update
refuses ``null`` for fields that cannot be empty. Organisations, alliance types and
alliances are named by code (type by name); agreements by id. Domain rules (two members at
least, parties must be current members, lifecycle moves) stay in the services and come
back as 400.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from ninja import Field, Schema
from pydantic import field_validator

from lianjian.alliances.models import goal_target
from lianjian.core.api_utils import PageParams
from lianjian.core.filters import ListFilter
from lianjian.core.masking import PrivatePhone
from lianjian.orgs.schemas import (
    Code,
    Name200,
    OrgKindName,
    PartnerKindName,
    Phone,
    Text100,
    Text200,
    TextList,
    _Input,
    _Patch,
    _text,
)

AllianceStatusName = Literal["筹建", "运行", "暂停", "终止"]
AgreementStatusName = Literal["草拟", "已签署", "生效", "到期", "终止"]

TypeName = _text(50, required=True)
Theme = _text(50)
Text50 = _text(50)
Unit = _text(20)
LongText = _text(10_000, multiline=True)
CodeList = Annotated[list[Code], Field(max_length=500)]


# ---- alliances ------------------------------------------------------------------------


class AllianceFilter(ListFilter):
    """The filter of the alliance list (screen and API): ``selectors.alliance_list``."""

    q: str | None = Field(None, max_length=100, description="在编码、名称和包保领导中查找")
    type: str | None = Field(None, max_length=50, description="联建类型名称，如 政企联建")
    theme: str | None = Field(None, max_length=50, description="主题，如 党建+安全生产")
    status: AllianceStatusName | None = Field(None, description="状态")
    org: str | None = Field(None, max_length=32, description="组织编码：只列该组织现为成员的联建")


class AllianceListParams(AllianceFilter, PageParams):
    pass


class AllianceCreateIn(_Input):
    code: Code = Field(..., description="联建编码，创建后不能修改")
    name: Name200
    type: TypeName = Field(..., description="联建类型名称（须为已有类型）")
    theme: Theme = ""
    lead: Code = Field(
        ..., description="牵头组织编码（须为本人可管理的组织）；牵头组织自动成为成员"
    )
    members: CodeList = Field(
        [], description="其他成员组织编码：本人可见的组织或外部单位党组织，于成立日期加入"
    )
    sponsor: Text50 = Field("", description="包保领导")
    sponsor_title: Text100 = ""
    guidance: TextList = Field([], description="指导小组成员")
    status: AllianceStatusName = "运行"
    founded: datetime.date | None = None
    description: LongText = ""


class AllianceUpdateIn(_Patch):
    NOT_NULL: ClassVar[tuple[str, ...]] = (
        "name",
        "type",
        "theme",
        "lead",
        "sponsor",
        "sponsor_title",
        "guidance",
        "status",
        "description",
    )

    name: Name200 | None = None
    type: TypeName | None = None
    theme: Theme | None = None
    lead: Code | None = Field(None, description="新的牵头组织编码（须为本人可管理的组织）")
    sponsor: Text50 | None = None
    sponsor_title: Text100 | None = None
    guidance: TextList | None = None
    status: AllianceStatusName | None = None
    founded: datetime.date | None = None
    description: LongText | None = None


class AllianceMemberIn(_Input):
    org: Code = Field(..., description="组织编码：本人可见的组织或外部单位党组织")
    joined_on: datetime.date | None = Field(None, description="加入日期，默认今天")
    liaison: Text50 = Field("", description="联络员")
    liaison_phone: Phone = ""
    liaison_post: Text50 = ""


class AllianceOut(Schema):
    id: int
    code: str
    name: str
    type: str = Field(..., description="联建类型名称")
    theme: str
    lead: str = Field(..., description="牵头组织编码")
    lead_name: str
    sponsor: str = Field(..., description="包保领导")
    sponsor_title: str
    guidance: list[str] = Field(..., description="指导小组成员")
    status: AllianceStatusName
    founded: datetime.date | None
    description: str
    members: int = Field(..., description="现有成员组织数（含牵头组织）")
    partners: int = Field(..., description="其中外部单位党组织数")


class AllianceMemberOut(Schema):
    """What an alliance shares of a member organisation: never anything of its members."""

    org: str = Field(..., description="组织编码")
    name: str
    kind: OrgKindName
    unit: str = Field(..., description="所属单位")
    is_partner: bool = Field(..., description="是否外部单位党组织")
    partner_kind: PartnerKindName
    is_lead: bool
    joined_on: datetime.date | None
    left_on: datetime.date | None
    liaison: str = Field(..., description="联络员")
    liaison_phone: PrivatePhone = Field(
        ...,
        description="联络电话；无权查看者（见 docs/security.md）看到打码后的号码，如 138****5678",
    )
    liaison_post: str


class AllianceDetailOut(AllianceOut):
    current_members: list[AllianceMemberOut] = Field(..., description="现有成员组织，外部单位在前")
    past_members: list[AllianceMemberOut] = Field(..., description="已退出的成员组织")
    agreements: int = Field(..., description="联建协议数")
    active_agreements: int = Field(..., description="其中生效中的协议数")


class AllianceListOut(Schema):
    items: list[AllianceOut]
    count: int


# ---- agreements -----------------------------------------------------------------------


class AgreementFilter(ListFilter):
    """The filter of the agreement list (API): ``selectors.agreement_list``."""

    alliance: str | None = Field(None, max_length=32, description="联建编码")
    status: AgreementStatusName | None = Field(None, description="状态")
    expiring_within: int | None = Field(
        None,
        ge=0,
        le=3650,
        description="天数：只列生效中、到期日期在今天到今天加此天数之间（含）的协议",
    )


class AgreementListParams(AgreementFilter, PageParams):
    pass


class GoalIn(_Input):
    text: Name200 = Field(..., description="目标，如 联合开展主题党日")
    target: Decimal | None = Field(None, description="目标值，最多 10 位整数、2 位小数")
    unit: Unit = Field("", description="单位，如 次/年")

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, value: Any) -> Any:
        return goal_target(value)


class AgreementCreateIn(_Input):
    alliance: Code = Field(..., description="联建编码（须为本人可管理的联建）")
    title: Name200
    parties: CodeList = Field(..., description="签约方组织编码，至少两个，须为本联建的现有成员")
    terms: LongText = Field("", description="主要条款")
    start: datetime.date | None = Field(None, description="生效日期")
    end: datetime.date | None = Field(None, description="到期日期")
    goals: Annotated[list[GoalIn], Field(max_length=100)] = Field([], description="协议目标")


class AgreementStatusIn(_Input):
    status: AgreementStatusName = Field(
        ..., description="新状态：草拟→已签署→生效→到期，未到期前可终止"
    )
    on: datetime.date | None = Field(None, description="签署或生效日期，默认今天")


class AgreementRenewIn(_Input):
    start: datetime.date = Field(..., description="续签协议的生效日期")
    end: datetime.date = Field(..., description="续签协议的到期日期")
    title: Text200 = Field("", description="续签协议名称，默认“原名称（续签）”")


class PartyOut(Schema):
    code: str
    name: str
    is_partner: bool


class GoalOut(Schema):
    text: str
    target: float | None
    unit: str


class FileOut(Schema):
    id: int
    name: str
    size: int = Field(..., description="字节数")
    content_type: str
    uploaded_by: str
    uploaded_at: datetime.datetime


class AgreementOut(Schema):
    id: int
    alliance: str = Field(..., description="联建编码")
    alliance_name: str
    title: str
    status: AgreementStatusName
    signed_on: datetime.date | None
    start: datetime.date | None
    end: datetime.date | None
    parties: list[PartyOut]
    predecessor: int | None = Field(..., description="续签自哪份协议（id）")
    successor: int | None = Field(..., description="续签后的协议（id）")


class AgreementDetailOut(AgreementOut):
    terms: str
    goals: list[GoalOut]
    files: list[FileOut] = Field(..., description="协议扫描件（在网页端下载）")


class AgreementListOut(Schema):
    items: list[AgreementOut]
    count: int
