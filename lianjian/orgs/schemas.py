"""Request and response shapes of the organisation and member API (contracts.md §5).

Field names are English snake_case; values of Chinese enumerations stay Chinese
(``"党支部"``). Organisations are referred to by ``code`` everywhere, members by ``id``.
Length limits repeat the model's so that an overlong value is refused with a clear
message before it reaches the database. Rules that span fields (a branch under a
党小组, a bad ID number …) stay in the models and services and come back as 400.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, ClassVar, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StringConstraints, field_validator

from lianjian.core.api_utils import KeysetListOut, KeysetPageParams, PageParams, text
from lianjian.core.filters import ListFilter
from lianjian.core.masking import PrivateIdNumber, PrivatePhone
from lianjian.orgs.rules import WARNING_LABELS

OrgKindName = Literal["党委", "党总支", "党支部", "党小组"]
PartnerKindName = Literal["政府", "社区", "高校", "企业", "其他", ""]
CategoryName = Literal["正式党员", "预备党员"]
GenderName = Literal["男", "女", ""]

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
ListItem = text(100, required=True)
TextList = Annotated[list[ListItem], Field(max_length=50)]


def _text(max_length: int, *, required: bool = False, multiline: bool = False) -> Any:
    return text(max_length, required=required, multiline=multiline)


Name200 = _text(200, required=True)
Name50 = _text(50, required=True)
Text100 = _text(100)
Text200 = _text(200)
Text300 = _text(300)
Phone = _text(20)
IdNumber = _text(18)
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class _Input(Schema):
    model_config = ConfigDict(extra="forbid")


class _Patch(_Input):
    """A partial update: only the fields sent change. ``null`` is refused for fields that
    cannot be empty (send ``""`` or ``[]`` to clear a text or a list)."""

    NOT_NULL: ClassVar[tuple[str, ...]] = ()

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: Any) -> Any:
        if value is None and info.field_name in cls.NOT_NULL:
            raise ValueError("不能为 null")
        return value


# ---- organisations --------------------------------------------------------------------


WarningCode = Literal[tuple(WARNING_LABELS)]  # type: ignore[valid-type]


class OrgFilter(ListFilter):
    """The filter of the organisation list (screen and API): ``selectors.org_list``."""

    q: str | None = Field(None, max_length=100, description="在编码、名称和所属单位中查找")
    kind: OrgKindName | None = Field(None, description="组织类型")
    parent: str | None = Field(None, max_length=32, description="上级组织编码：只列其直接下级")
    under: str | None = Field(None, max_length=32, description="组织编码：列出该组织及其全部下级")
    partner: bool | None = Field(None, description="true 只列外部单位，false 只列本单位组织")
    warning: WarningCode | None = Field(None, description="只列有该类组织设置预警的组织")
    include_dissolved: bool = Field(False, description="是否包括已撤销的组织")


class OrgListParams(OrgFilter, PageParams):
    pass


class OrgCreateIn(_Input):
    code: Code = Field(..., description="组织编码，创建后不能修改")
    name: Name200
    kind: OrgKindName
    parent: Code | None = Field(None, description="上级组织编码；不填为顶级组织（仅系统管理员）")
    is_partner: bool = False
    partner_kind: PartnerKindName = ""
    is_temporary: bool = False
    is_joint: bool = False
    is_functional: bool = False
    unit: Text200 = ""
    professions: TextList = []
    address: Text300 = ""
    lat: Latitude | None = None
    lon: Longitude | None = None
    strengths: TextList = []
    needs: TextList = []
    founded: datetime.date | None = None
    term_start: datetime.date | None = None
    term_end: datetime.date | None = None


class OrgUpdateIn(_Patch):
    NOT_NULL: ClassVar[tuple[str, ...]] = (
        "name",
        "kind",
        "is_partner",
        "partner_kind",
        "is_temporary",
        "is_joint",
        "is_functional",
        "unit",
        "professions",
        "address",
        "strengths",
        "needs",
    )

    name: Name200 | None = None
    kind: OrgKindName | None = None
    parent: Code | None = Field(
        None, description="新的上级组织编码（移动整棵子树）；null 为顶级组织（仅系统管理员）"
    )
    is_partner: bool | None = None
    partner_kind: PartnerKindName | None = None
    is_temporary: bool | None = None
    is_joint: bool | None = None
    is_functional: bool | None = None
    unit: Text200 | None = None
    professions: TextList | None = None
    address: Text300 | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    strengths: TextList | None = None
    needs: TextList | None = None
    founded: datetime.date | None = None
    term_start: datetime.date | None = None
    term_end: datetime.date | None = None


class OrgDissolveIn(_Input):
    date: datetime.date | None = Field(None, description="撤销日期，默认今天")
    reason: Text200 = ""


class OrgOut(Schema):
    id: int
    code: str
    name: str
    kind: OrgKindName
    parent: str | None = Field(None, description="上级组织编码")
    path: str = Field(..., description="从顶级组织到本组织的编码路径，如 /DW/ZB-A/")
    depth: int
    is_partner: bool
    partner_kind: PartnerKindName
    is_temporary: bool
    is_joint: bool
    is_functional: bool
    unit: str
    professions: list[str]
    address: str
    lat: float | None
    lon: float | None
    strengths: list[str]
    needs: list[str]
    founded: datetime.date | None
    dissolved: datetime.date | None
    term_start: datetime.date | None
    term_end: datetime.date | None


class WarningOut(Schema):
    code: str = Field(
        ..., description="few_full / too_many / no_committee / term_due / term_overdue"
    )
    level: Literal["danger", "warning"]
    text: str


class OrgDetailOut(OrgOut):
    members: int = Field(..., description="本组织现有党员数（不含下级组织）")
    full_members: int = Field(..., description="其中正式党员数")
    committee_members: int = Field(..., description="其中担任支委职务的人数")
    warnings: list[WarningOut] = Field(..., description="组织设置规则提示")


class OrgListOut(Schema):
    items: list[OrgOut]
    count: int


# ---- members --------------------------------------------------------------------------


class MemberFilter(ListFilter):
    """The filter of the member list (screen and API): ``selectors.member_list``."""

    org: str | None = Field(None, max_length=32, description="组织编码：只列该组织的党员")
    under: str | None = Field(
        None, max_length=32, description="组织编码：列出该组织及其全部下级的党员"
    )
    q: str | None = Field(
        None,
        max_length=100,
        description="姓名包含此文字，或拼音首字母、人员编号以此开头（不区分大小写）",
    )
    category: CategoryName | None = None
    post: str | None = Field(None, max_length=100, description="党内职务包含此文字")
    floating: bool | None = Field(None, description="true 只列流动党员")
    include_left: bool = Field(False, description="是否包括已离开的党员")


class MemberListParams(MemberFilter, KeysetPageParams):
    pass


class MemberCreateIn(_Input):
    number: Code = Field(..., description="人员编号，创建后不能修改")
    name: Name50
    gender: GenderName = ""
    birth_date: datetime.date | None = None
    org: Code = Field(..., description="所在组织编码")
    category: CategoryName
    joined_on: datetime.date
    confirmed_on: datetime.date | None = None
    post: Text100 = ""
    job: Text100 = ""
    phone: Phone = ""
    id_number: IdNumber = ""
    is_floating: bool = False


class MemberUpdateIn(_Patch):
    NOT_NULL: ClassVar[tuple[str, ...]] = (
        "name",
        "gender",
        "category",
        "joined_on",
        "post",
        "job",
        "phone",
        "id_number",
        "is_floating",
        "left_reason",
    )

    name: Name50 | None = None
    gender: GenderName | None = None
    birth_date: datetime.date | None = None
    category: CategoryName | None = None
    joined_on: datetime.date | None = None
    confirmed_on: datetime.date | None = None
    post: Text100 | None = None
    job: Text100 | None = None
    phone: Phone | None = None
    id_number: IdNumber | None = None
    is_floating: bool | None = None
    left_on: datetime.date | None = None
    left_reason: Text100 | None = None


class MemberTransferIn(_Input):
    to_org: Code = Field(..., description="转入组织编码")
    date: datetime.date | None = Field(None, description="转接日期，默认今天")
    reason: Text200 = ""


class MemberOut(Schema):
    id: int
    number: str
    name: str
    initials: str = Field(..., description="姓名拼音首字母")
    gender: GenderName
    birth_date: datetime.date | None
    org: str = Field(..., description="所在组织编码")
    org_name: str
    category: CategoryName
    joined_on: datetime.date
    confirmed_on: datetime.date | None
    post: str
    job: str
    phone: PrivatePhone = Field(..., description="无权查看时为脱敏形式，如 138****5678")
    id_number: PrivateIdNumber = Field(..., description="无权查看时为脱敏形式")
    masked: bool = Field(..., description="phone 和 id_number 是否已脱敏")
    is_floating: bool
    left_on: datetime.date | None
    left_reason: str


class TransferOut(Schema):
    date: datetime.date
    from_org: str
    to_org: str
    reason: str
    actor_name: str


class MemberDetailOut(MemberOut):
    transfers: list[TransferOut] = Field(..., description="组织关系转接记录，最近的在前")


class MemberListOut(KeysetListOut):
    items: list[MemberOut]
    count: int
