"""Filters and bodies of the supervision ledger (screens and ``/api/v1/supervision/...``)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from lianjian.core.api_utils import Code, PageParams, text
from lianjian.core.filters import ListFilter

SourceName = Literal[
    "巡视",
    "巡察",
    "纪检监督检查",
    "信访",
    "国家审计",
    "内部审计",
    "经济责任审计",
    "专项检查",
    "自查",
]
StateName = Literal["待整改", "整改中", "申请销号", "已销号", "已巩固", "重新整改"]
StateFilterName = Literal["待整改", "整改中", "申请销号", "已销号", "已巩固", "重新整改", "未销号"]
TypeName = Literal["立行立改", "限期整改", "长期坚持"]
FlagName = Literal["重要", "疑似违纪", "需问责", "逾期", "二次整改"]
ColourName = Literal["red", "yellow", "green"]
ActionName = Literal["start", "apply", "accept", "return", "confirm", "reopen", "resume"]
MeasureStateName = Literal["未开始", "推进中", "已完成", "已核验"]
if TYPE_CHECKING:  # the constrained text types are plain text to the type checker
    MeasureText = str
    Reason = str
    OwnerName = str
    Query = str
    Title = str
    BodyName = str
    Meeting = str
    Number = str
    Description = str
    Tags = str
else:
    MeasureText = text(2000, required=True, multiline=True)
    Reason = text(500, multiline=True)
    OwnerName = text(50)
    Query = text(100)
    Title = text(200, required=True)
    BodyName = text(100, required=True)
    Meeting = text(200)
    Number = text(20, required=True)
    Description = text(4000, required=True, multiline=True)
    Tags = text(200)


class SupervisionStrict(Schema):
    model_config = ConfigDict(extra="forbid")


class SupervisionBatchFilter(ListFilter):
    """The filter of the batch list (screen and API): ``selectors.batch_list``."""

    source: SourceName | None = Field(None, description="来源")
    year: int | None = Field(None, ge=2000, le=2100, description="反馈年份")
    q: Query | None = Field(None, description="按名称、下发单位搜索，或批次编码")


class SupervisionBatchListParams(SupervisionBatchFilter, PageParams):
    pass


class SupervisionItemFilter(ListFilter):
    """The filter of the item list (screen and API): ``selectors.item_list``."""

    batch: Code | None = Field(None, description="批次编码")
    state: StateFilterName | None = Field(None, description="状态；“未销号”为尚未销号的全部状态")
    colour: ColourName | None = Field(
        None, description="三色预警：red 逾期，yellow 临期，green 正常"
    )
    kind: TypeName | None = Field(None, description="整改类型")
    flag: FlagName | None = Field(None, description="标记")
    org: Code | None = Field(None, description="责任组织编码：该组织及其下级组织负责的问题")
    q: Query | None = Field(None, description="按问题描述、类别搜索，或问题编号")


class SupervisionItemListParams(SupervisionItemFilter, PageParams):
    pass


class SupervisionLeadFilter(ListFilter):
    """The filter of the lead list (screen and API): ``selectors.lead_list``."""

    colour: ColourName | None = Field(
        None, description="时限：green 6 个月内，yellow 超 6 个月，red 超 12 个月"
    )
    settled: bool | None = Field(None, description="是否已反馈结果")
    q: Query | None = Field(None, description="按线索内容搜索")


class SupervisionLeadListParams(SupervisionLeadFilter, PageParams):
    pass


class SupervisionRecommendationFilter(ListFilter):
    """The filter of the recommendation list: ``selectors.recommendation_list``."""

    kind: Literal["纪检监察建议", "审计建议"] | None = Field(None, description="类型")
    replied: bool | None = Field(None, description="是否已回复")
    q: Query | None = Field(None, description="按建议内容搜索")


class SupervisionRecommendationListParams(SupervisionRecommendationFilter, PageParams):
    pass


class SupervisionBatchOut(Schema):
    code: str
    title: str
    source: str
    issuing_body: str
    issuing_org: str = Field(..., description="下发组织编码")
    inspected_org: str = Field(..., description="被检查组织编码")
    feedback_date: datetime.date
    report_due: datetime.date = Field(..., description="首次整改报告应报日期")
    published_on: datetime.date | None


class SupervisionItemOut(Schema):
    id: int
    batch: str = Field(..., description="批次编码")
    number: str
    description: str
    tags: str
    flags: list[str] = Field(..., description="重要、疑似违纪、需问责、逾期、二次整改")
    responsible_org: str = Field(..., description="责任组织编码")
    kind: str
    deadline: datetime.date
    state: str
    colour: str | None = Field(..., description="三色预警（已销号、已巩固为 null）")
    closable: bool = Field(..., description="整改措施全部核验，可申请或同意销号")
    closed_on: datetime.date | None
    progress: str
    results: str


class SupervisionMeasureOut(Schema):
    id: int
    item: int
    text: str
    owner: str
    deadline: datetime.date
    state: str


class SupervisionMeasureIn(SupervisionStrict):
    text: MeasureText = Field(..., description="措施")
    deadline: datetime.date = Field(..., description="完成时限")
    owner: OwnerName = Field("", description="责任人")


class SupervisionMeasureStepIn(SupervisionStrict):
    state: MeasureStateName


class SupervisionItemActIn(SupervisionStrict):
    action: ActionName
    reason: Reason = Field("", description="退回或重新整改的原因")


class SupervisionLeadOut(Schema):
    id: int
    org: str
    from_body: str
    to_body: str
    transferred_on: datetime.date
    case: str
    result: str
    feedback_on: datetime.date | None
    colour: str


class SupervisionRecommendationOut(Schema):
    id: int
    kind: str
    issuer_org: str
    recipient: str
    text: str
    reply_due: datetime.date
    reply: str
    replied_on: datetime.date | None
    follow_up: str


class SupervisionBatchListOut(Schema):
    items: list[SupervisionBatchOut]
    count: int


class SupervisionItemListOut(Schema):
    items: list[SupervisionItemOut]
    count: int


class SupervisionItemDetailOut(SupervisionItemOut):
    measures: list[SupervisionMeasureOut]


class SupervisionLeadListOut(Schema):
    items: list[SupervisionLeadOut]
    count: int


class SupervisionRecommendationListOut(Schema):
    items: list[SupervisionRecommendationOut]
    count: int


class SupervisionBatchIn(SupervisionStrict):
    code: Code = Field(..., description="批次编码")
    title: Title = Field(..., description="名称")
    source: SourceName
    issuing_body: BodyName = Field(..., description="下发单位")
    issuing_org: Code = Field(..., description="下发组织编码")
    inspected_org: Code = Field(..., description="被检查组织编码")
    feedback_date: datetime.date = Field(..., description="反馈日期")
    plan_meeting: Meeting = Field("", description="整改方案审议会议")


class SupervisionItemIn(SupervisionStrict):
    number: Number = Field(..., description="问题编号（批次内唯一）")
    description: Description = Field(..., description="问题描述")
    tags: Tags = Field("", description="类别")
    responsible_org: Code = Field(..., description="责任组织编码")
    responsible_leader: Code | None = Field(None, description="责任领导人员编号")
    responsible_person: Code | None = Field(None, description="责任人人员编号")
    tracker: OwnerName = Field("", description="跟踪人")
    kind: TypeName
    deadline: datetime.date = Field(..., description="整改时限")
    important: bool = False
    suspected_violation: bool = False
    needs_accountability: bool = False


LeadBodyName = Literal["纪委", "派驻组", "审计", "巡察"]


class SupervisionLeadIn(SupervisionStrict):
    from_body: LeadBodyName = Field(..., description="移交单位（调用者所属的监督机构）")
    to_body: LeadBodyName = Field(..., description="接收单位")
    org: Code = Field(..., description="所属组织编码")
    item_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="来源问题 id（调用者可见的问题）"
    )
    case: Description = Field(..., description="线索内容")
    transferred_on: datetime.date = Field(..., description="移交日期（2000-01-01 至今天）")


class SupervisionLeadSettleIn(SupervisionStrict):
    result: Description = Field(..., description="处置结果")
    feedback_on: datetime.date = Field(..., description="反馈日期")


class SupervisionRecommendationReplyIn(SupervisionStrict):
    reply: Description = Field(..., description="回复内容")
    replied_on: datetime.date = Field(..., description="回复日期")


class SupervisionFollowUpIn(SupervisionStrict):
    note: Reason = Field(..., description="督办情况（追加一条，注明日期）")
