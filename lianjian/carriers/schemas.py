"""Filters and bodies of ``/api/v1/carriers``; the filter is the registry's one filter
(:mod:`lianjian.core.filters`), shared with the screen through the selector."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from lianjian.core.api_utils import Code, Lines2000, Name200, PageParams, Text100, Text200
from lianjian.core.filters import ListFilter

KindName = Literal["示范岗", "责任区", "突击队", "服务队"]
StateName = Literal[
    "申报", "支部审核", "党委审批", "公示", "已命名", "复核", "警示", "摘牌", "任务完成", "已作废"
]
ActionName = Literal[
    "submit", "branch_pass", "branch_return", "approve", "reject", "object", "name",
    "start_review", "complete", "void",
]  # fmt: skip
StandingName = Literal["active", "withdrawn", "pending"]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class CarrierFilter(ListFilter):
    """The filter of the 岗区队 registry (screen ``carriers:carrier_list`` and
    ``GET /api/v1/carriers``)."""

    q: Text100 | None = Field(None, description="按编号、名称、岗位、负责人查找")
    org: Code | None = Field(None, description="组织编码（含下级组织）")
    kind: KindName | None = Field(None, description="类型")
    state: StateName | None = Field(None, description="状态")
    standing: StandingName | None = Field(
        None, description="active 在册（已命名、复核、警示）；withdrawn 已摘牌；pending 申报中"
    )
    theme: Text100 | None = Field(None, description="党建+X 主题")


class CarrierParams(CarrierFilter, PageParams):
    pass


class CarrierMemberOut(Schema):
    name: str
    kind: str
    member: str | None = Field(None, description="党员的人员编号")
    masses: str


class CarrierReviewOut(Schema):
    period: str
    preset: str
    day: datetime.date
    score: float
    band: str
    state_after: str
    scores: dict[str, float]


class CarrierOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    org: str = Field(..., description="组织编码")
    org_name: str
    theme: str
    leader: str | None = Field(None, description="岗位党员/负责人的人员编号")
    leader_name: str | None = None
    post_name: str
    area: str
    duties: str
    commitments: str
    alliance: str | None = Field(None, description="联建网编码")
    plaque_no: str
    established: datetime.date | None
    end_date: datetime.date | None
    lat: float | None
    lon: float | None
    state: str
    state_reason: str
    work_groups: list[str] = Field(default_factory=list, description="覆盖班组编码")
    key_tasks: list[str] = Field(default_factory=list, description="关联关键任务编码")


class CarrierDetailOut(CarrierOut):
    members: list[CarrierMemberOut]
    reviews: list[CarrierReviewOut]


class CarrierPage(Schema):
    items: list[CarrierOut]
    count: int


class CarrierIn(Strict):
    code: Code | None = Field(None, description="编号；不填则自动生成")
    kind: KindName
    org: Code = Field(..., description="组织编码")
    name: Name200
    theme: Text100 = ""
    leader: Code | None = Field(None, description="岗位党员/负责人的人员编号")
    post_name: Text100 = ""
    area: Text200 = ""
    duties: Lines2000 = ""
    commitments: Lines2000 = ""
    alliance: Code | None = Field(None, description="联建网编码")
    plaque_no: Text100 = ""
    established: datetime.date | None = None
    end_date: datetime.date | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    work_groups: list[Code] = Field(default_factory=list, description="覆盖班组编码（责任区）")
    key_tasks: list[Code] = Field(default_factory=list, description="关联关键任务编码")


class CarrierTransitionIn(Strict):
    action: ActionName
    reason: Text200 = ""


class ReviewIn(Strict):
    preset: Literal["半年复核", "年度复核"]
    period: Text100
    scores: dict[str, float] = Field(..., description="评分项 → 0–100 分")
    note: Text200 = ""


class VetoIn(Strict):
    kind: Literal["责任事故", "违纪"]
    description: Name200
    day: datetime.date | None = Field(None, description="发生日期；不填为今天")


class FiguresOut(Schema):
    kind: str
    ever_named: int
    active: int
    withdrawn: int
    completed: int
