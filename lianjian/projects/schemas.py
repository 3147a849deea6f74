"""Filters and bodies of the 揭榜挂帅 API (``/api/v1/calls``, ``/api/v1/bids``,
``/api/v1/projects``); the filters are the lists' one filter (:mod:`lianjian.core.filters`),
shared with the screens through the selectors."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from lianjian.core.api_utils import (
    Code,
    Lines2000,
    Name200,
    PageParams,
    Text20,
    Text100,
    Text200,
    Text500,
)
from lianjian.core.filters import ListFilter

CallStateName = Literal["草拟", "发布", "截止", "已评审"]
BidStateName = Literal["已提交", "入围", "答辩", "中榜", "未中", "已撤回"]
StageName = Literal["立项", "季度督导", "中期评估", "结项评价", "推广应用"]
KindName = Literal["揭榜挂帅", "课题"]
LevelName = Literal["公司", "地市", "省公司", "省部", "国家"]
GradeName = Literal["优秀", "良好", "合格", "不合格"]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# --- filters ----------------------------------------------------------------------------


class CallFilter(ListFilter):
    """The filter of the calls (screen ``projects:call_list`` and ``GET /api/v1/calls``)."""

    q: Text100 | None = Field(None, description="在榜单编号、名称、主题中查找")
    org: Code | None = Field(None, description="发榜组织编码（含下级组织）")
    state: CallStateName | None = Field(None, description="状态（截止 含已过截止日期的已发布榜单）")
    kind: KindName | None = Field(None, description="项目类型")


class BidFilter(ListFilter):
    """The filter of the bids (screen ``projects:bid_list`` and ``GET /api/v1/bids``)."""

    q: Text100 | None = Field(None, description="在揭榜编号、榜单名称、实施方案中查找")
    call: Code | None = Field(None, description="榜单编号")
    org: Code | None = Field(None, description="揭榜组织编码（含下级组织）")
    state: BidStateName | None = Field(None, description="揭榜状态")


class InnovationProjectFilter(ListFilter):
    """The filter of the projects (the project board ``projects:project_list`` and
    ``GET /api/v1/projects``)."""

    q: Text100 | None = Field(None, description="在项目编号、名称中查找")
    org: Code | None = Field(None, description="承担组织编码（含下级组织）")
    stage: StageName | None = Field(None, description="阶段")
    kind: KindName | None = Field(None, description="项目类型")
    level: LevelName | None = Field(None, description="获奖级别（有该级别未作废奖项的项目）")


class CallParams(CallFilter, PageParams):
    pass


class BidParams(BidFilter, PageParams):
    pass


class ProjectParams(InnovationProjectFilter, PageParams):
    pass


# --- bodies and answers -----------------------------------------------------------------


class CallIn(Strict):
    code: Code | None = Field(None, description="榜单编号；不填则自动生成")
    issuer: Code = Field(..., description="发榜组织编码")
    title: Name200
    problem: Lines2000 = Field(..., min_length=1, description="需解决的问题")
    kind: KindName = "揭榜挂帅"
    theme: Text100 = ""
    budget: Decimal = Field(..., ge=0, le=Decimal("9999999999"), description="预算（万元）")
    deadline: datetime.date = Field(..., description="揭榜截止日期")
    criteria: Lines2000 = ""
    eligible_orgs: list[Code] = Field(default_factory=list, description="可揭榜组织编码")
    eligible_alliances: list[Code] = Field(default_factory=list, description="可揭榜联建网编码")


class CallActionIn(Strict):
    action: Literal["publish", "close"] = Field(..., description="publish 发布；close 截止")


class CallOut(Schema):
    id: int
    code: str
    title: str
    problem: str
    issuer: str
    issuer_name: str
    kind: str
    theme: str
    budget: Decimal
    deadline: datetime.date
    criteria: str
    state: str = Field(..., description="显示的状态（已过截止日期的已发布榜单为 截止）")
    published_on: datetime.date | None
    reviewed_on: datetime.date | None
    eligible_orgs: list[str]
    eligible_alliances: list[str]


class BidIn(Strict):
    code: Code | None = Field(None, description="揭榜编号；不填则自动生成")
    call: Code = Field(..., description="榜单编号")
    bidder_org: Code = Field(..., description="揭榜组织编码")
    alliance: Code | None = Field(None, description="以联建网成员身份揭榜时的联建网编码")
    lead: Code = Field(..., description="负责人（党员编号）")
    team: list[Code] = Field(default_factory=list, description="团队党员编号")
    team_names: Text500 = ""
    plan: Lines2000 = Field(..., min_length=1, description="实施方案")
    expected_results: Lines2000 = ""
    budget_asked: Decimal = Field(
        ..., ge=0, le=Decimal("9999999999"), description="申请经费（万元）"
    )
    planned_end: datetime.date = Field(..., description="计划完成日期")


class BidActionIn(Strict):
    action: Literal["shortlist", "defence", "award", "reject", "withdraw"] = Field(
        ..., description="shortlist 入围；defence 进入答辩；award 中榜；reject 未中；withdraw 撤回"
    )
    reason: Text500 = ""
    on: datetime.date | None = Field(None, description="答辩日期（defence）")


class BidOut(Schema):
    id: int
    code: str
    call: str
    call_title: str
    bidder_org: str
    bidder_name: str
    alliance: str | None
    lead: str
    lead_name: str
    team: list[str]
    team_names: str
    plan: str
    expected_results: str
    budget_asked: Decimal
    planned_end: datetime.date
    state: str
    state_reason: str
    submitted_on: datetime.date
    defence_on: datetime.date | None
    project: str | None


class AwardOut(Schema):
    id: int
    level: str
    name: str
    issued_by: str
    awarded_on: datetime.date
    voided: bool
    void_reason: str
    certificates: int


class MetricOut(Schema):
    name: str
    unit: str
    value: float


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    call: str
    bid: str
    owner_org: str
    owner_name: str
    task: str = Field(
        ..., description="关键任务编码（进度、里程碑、预警颜色见 /api/v1/tasks/{code}）"
    )
    stage: str
    grade: str
    started_on: datetime.date
    progress: float | None
    colour: str
    awards: list[AwardOut]
    metrics: list[MetricOut]


class AdvanceIn(Strict):
    note: Text500 = ""
    grade: GradeName | None = Field(None, description="进入结项评价时的评价等级")
    on: datetime.date | None = None


class MetricIn(Strict):
    name: Text100 = Field(..., min_length=1)
    unit: Text20 = ""
    value: float = Field(..., ge=-1e12, le=1e12)


class AwardIn(Strict):
    level: LevelName
    name: Name200
    issued_by: Text200 = ""
    awarded_on: datetime.date


class AwardVoidIn(Strict):
    reason: Text500 = Field(..., min_length=1)


class DashboardOut(Schema):
    levels: dict[str, int] = Field(
        ..., description="各级别项目数（按项目最高获奖级别），含 省部及以上、total"
    )
    kinds: dict[str, int] = Field(..., description="各类型项目数")
    stages: dict[str, int]
    open_calls: int
