"""The filters of the points lists (screens and API alike) and the API's shapes."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from lianjian.core.api_utils import KeysetListOut, KeysetPageParams, PageParams
from lianjian.core.filters import ListFilter

ClaimStateName = Literal["已申报", "党小组初核", "支委会审定", "公示", "生效", "驳回", "open"]
EntryStatusName = Literal["生效", "已撤回"]
EntrySourceName = Literal["auto", "claim", "manual"]
StepName = Literal["group", "committee", "publish", "object", "effective", "reject"]


class PointsSchemeFilter(ListFilter):
    q: str | None = Field(None, max_length=100, description="在编码、名称中查找")
    year: int | None = Field(None, ge=2000, le=2200, description="年度")


class EntryFilter(ListFilter):
    q: str | None = Field(None, max_length=100, description="党员姓名、人员编号或说明")
    scheme: str | None = Field(None, max_length=32, description="积分办法编码")
    period: str | None = Field(None, max_length=8, description="期间，如 2026Q1")
    rule: str | None = Field(None, max_length=16, description="规则编码")
    source: EntrySourceName | None = Field(
        None, description="来源：auto 自动、claim 申报、manual 录入"
    )
    status: EntryStatusName | None = Field(None, description="状态")
    org: str | None = Field(None, max_length=32, description="党员所在组织编码")


class ClaimFilter(ListFilter):
    q: str | None = Field(None, max_length=100, description="党员姓名、人员编号或申报说明")
    scheme: str | None = Field(None, max_length=32, description="积分办法编码")
    state: ClaimStateName | None = Field(None, description="状态；open 为审核中的全部状态")
    org: str | None = Field(None, max_length=32, description="党员所在组织编码")


class SchemeListParams(PointsSchemeFilter, PageParams):
    pass


class EntryListParams(EntryFilter, KeysetPageParams):
    pass


class ClaimListParams(ClaimFilter, PageParams):
    pass


class PointsSchemeOut(Schema):
    code: str
    name: str
    org: str
    year: int
    period: str
    version: int


class PointsSchemeListOut(Schema):
    items: list[PointsSchemeOut]
    count: int


class EntryOut(Schema):
    id: int
    scheme: str
    member: str
    member_name: str
    rule: str
    rule_text: str
    period: str
    happened_on: datetime.date
    points: float
    source: str
    record: str
    claim: int | None
    status: str
    reason: str
    withdrawn_reason: str


class EntryListOut(KeysetListOut):
    items: list[EntryOut]
    count: int


class ClaimOut(Schema):
    id: int
    scheme: str
    member: str
    member_name: str
    rule: str
    rule_text: str
    points: float
    happened_on: datetime.date
    period: str
    text: str
    evidence: str
    state: str
    public_until: datetime.date | None
    reason: str


class ClaimListOut(Schema):
    items: list[ClaimOut]
    count: int


class ClaimIn(Schema):
    scheme: str = Field(max_length=32, description="积分办法编码")
    rule: str = Field(max_length=16, description="可申报的规则编码")
    member: str | None = Field(None, max_length=32, description="人员编号，缺省为本人")
    happened_on: datetime.date
    text: str = Field(max_length=300)
    evidence: str = Field("", max_length=500, description="佐证链接（可选）")


class StepIn(Schema):
    reason: str = Field("", max_length=300, description="驳回或异议须填写理由")


PointsCategoryName = Literal["骨干", "普通", "流动", "特殊"]


class StandingListParams(PageParams):
    org: str | None = Field(None, max_length=32, description="党员所在组织编码")


class StandingOut(Schema):
    scheme: str
    year: int
    member: str
    member_name: str
    org: str
    category: str
    exempt: bool = Field(description="由支部免于积分")
    reason: str
    scored: bool = Field(description="是否计分（免于积分或属于办法免于积分的类别时为 false）")


class StandingListOut(Schema):
    items: list[StandingOut]
    count: int


class StandingIn(Schema):
    category: PointsCategoryName = Field(description="积分类别")
    exempt: bool = Field(False, description="免于积分（须说明原因）")
    reason: str = Field("", max_length=200, description="说明；免于积分时必填")
