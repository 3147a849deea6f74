"""Request and response bodies of the 事务共商 API (``/api/v1/meetings``, ``/api/v1/problems``)."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StringConstraints

from lianjian.core.api_utils import Code, PageParams, text
from lianjian.core.filters import ListFilter

CategoryName = Literal[
    "生产经营难点", "安全生产", "营销服务", "营商环境", "乡村振兴", "基层治理", "民生服务", "其他"
]
UrgencyName = Literal["一般", "较急", "紧急"]
StateName = Literal["待研究", "已分派", "办理中", "待确认", "已销号"]
StateFilterName = Literal["待研究", "已分派", "办理中", "待确认", "已销号", "未解决"]
ColourName = Literal["red", "yellow", "green"]
MeetingStatusName = Literal["筹备中", "已召开"]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# --- problems ------------------------------------------------------------------------------


class ProblemFilter(ListFilter):
    """The filter of the problem list (screen, export and API): ``selectors.problem_list``."""

    alliance: Code | None = Field(None, description="联建编码")
    org: Code | None = Field(None, description="组织编码：该组织及其下级组织提出或负责的问题")
    state: StateFilterName | None = Field(None, description="状态；“未解决”为尚未销号的全部状态")
    category: CategoryName | None = Field(None, description="问题类别")
    urgency: UrgencyName | None = Field(None, description="紧急程度")
    colour: ColourName | None = Field(
        None, description="三色预警：red 逾期，yellow 临期，green 正常"
    )
    year: int | None = Field(None, ge=2000, le=2100, description="提出年份")
    q: text(100) | None = Field(None, description="按标题、描述、责任人搜索，或问题编号")


class ProblemListParams(ProblemFilter, PageParams):
    pass


class ProblemOut(Schema):
    id: int
    code: str
    title: str
    category: str
    urgency: str
    alliance: str | None
    raised_by: str
    raised_by_name: str
    raised_on: datetime.date
    owners: list[str] = Field(..., description="责任组织编码，牵头单位在前")
    responsible: str
    deadline: datetime.date | None
    meeting: str | None = Field(..., description="研究该问题的联席会议编号")
    state: str
    colour: str = Field(..., description="三色预警：red、yellow、green；不在办理中时为空")
    assigned_on: datetime.date | None
    solved_on: datetime.date | None
    closed_on: datetime.date | None
    reopened: int = Field(..., description="被退回重新办理的次数")


class ProblemEventOut(Schema):
    at: datetime.datetime
    kind: str
    actor: str
    org: str | None
    from_state: str
    to_state: str
    text: str


class ProblemDetailOut(ProblemOut):
    description: str
    resolution: str
    events: list[ProblemEventOut]


class ProblemListOut(Schema):
    items: list[ProblemOut]
    count: int


class ProblemCreateIn(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = Field(
        "", description="问题编号；空白则自动生成"
    )
    title: text(200, required=True)
    category: CategoryName
    urgency: UrgencyName = "一般"
    description: text(5000, multiline=True) = ""
    alliance: Code | None = Field(None, description="联建编码；提出组织须为其成员单位")
    raised_by: Code = Field(..., description="提出组织编码（须为本人管理的组织）")
    raised_on: datetime.date | None = Field(None, description="提出日期；空白为今天")


class AssignIn(Strict):
    owners: list[Code] = Field(
        ..., min_length=1, max_length=20, description="责任组织编码，牵头单位在前"
    )
    deadline: datetime.date
    responsible: text(50) = ""
    meeting: Code | None = Field(None, description="研究该问题的联席会议编号（须为本联建的会议）")
    note: text(1000, multiline=True) = ""


class ProgressIn(Strict):
    text: text(2000, required=True, multiline=True)
    org: Code | None = Field(
        None, description="报送单位（责任组织之一）；空白为本人管理的第一个责任组织"
    )


class SolveIn(Strict):
    resolution: text(5000, required=True, multiline=True)
    solved_on: datetime.date | None = Field(None, description="解决日期；空白为今天")


class ConfirmIn(Strict):
    note: text(1000, multiline=True) = ""


class ReopenIn(Strict):
    reason: text(1000, required=True, multiline=True)


# --- meetings ------------------------------------------------------------------------------


class MeetingFilter(ListFilter):
    """The filter of the meeting list (screen and API): ``selectors.meeting_list``."""

    alliance: Code | None = Field(None, description="联建编码")
    status: MeetingStatusName | None = Field(None, description="状态")
    year: int | None = Field(None, ge=2000, le=2100, description="召开年份")
    q: text(100) | None = Field(None, description="按议题、地点、纪要搜索，或会议编号")


class MeetingListParams(MeetingFilter, PageParams):
    pass


class AgendaOut(Schema):
    position: int
    title: str
    problem: str | None


class AttendeeOut(Schema):
    org: str
    org_name: str
    name: str
    post: str
    member: str | None = Field(..., description="人员编号（本单位党员）")


class MeetingOut(Schema):
    id: int
    code: str
    alliance: str
    alliance_name: str
    title: str
    start: datetime.datetime
    place: str
    convener: str
    host_person: str
    recorder: str
    status: str


class MeetingDetailOut(MeetingOut):
    minutes: str
    decisions: str
    agenda: list[AgendaOut]
    attendees: list[AttendeeOut]


class MeetingListOut(Schema):
    items: list[MeetingOut]
    count: int


class AgendaIn(Strict):
    title: text(200) = ""
    problem: Code | None = Field(None, description="研究的问题编号；空白议题取问题标题")


class AttendeeIn(Strict):
    org: Code
    name: text(50, required=True)
    post: text(50) = ""


class MeetingCreateIn(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = Field(
        "", description="会议编号；空白则自动生成"
    )
    alliance: Code
    title: text(200, required=True)
    start: datetime.datetime = Field(..., description="召开时间；不带时区时按北京时间")
    place: text(200) = ""
    convener: Code | None = Field(None, description="召集单位编码；空白为联建牵头单位")
    host_person: text(50) = ""
    recorder: text(50) = ""
    minutes: text(20000, multiline=True) = ""
    decisions: text(20000, multiline=True) = ""
    agenda: list[AgendaIn] = Field(default_factory=list, max_length=100)
    attendees: list[AttendeeIn] = Field(default_factory=list, max_length=200)
