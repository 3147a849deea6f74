"""The list filter and the bodies of ``/api/v1/appraisals``; the filter is the list's one
filter (:mod:`lianjian.core.filters`), shared with the screen through the selector."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from lianjian.core.api_utils import (
    Code,
    Lines2000,
    Lines5000,
    PageParams,
    Required2000,
    Text100,
    Text200,
    Text300,
)
from lianjian.core.filters import ListFilter

StateName = Literal["准备", "测评中", "测评结束", "已决定", "已反馈", "已作废"]
GradeName = Literal["优秀", "合格", "基本合格", "不合格"]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class AppraisalFilter(ListFilter):
    """The appraisal list (screen and API)."""

    q: Text100 | None = Field(None, description="在评议编号、名称、支部名称中查找")
    year: int | None = Field(None, ge=1921, le=2199, description="年度")
    org: Code | None = Field(None, description="组织编码（含下级组织）")
    state: StateName | None = Field(None, description="状态")


class AppraisalListParams(AppraisalFilter, PageParams):
    pass


class AppraisalOut(Strict):
    code: str
    title: str
    branch: str = Field(..., description="党支部编码")
    branch_name: str
    year: int
    held_on: datetime.date
    state: StateName
    meeting: str | None = Field(None, description="评议会议的活动编号")
    void_reason: str
    full_count: int = Field(..., description="正式党员人数（参评日）")
    probationary_count: int = Field(..., description="预备党员人数（参评日）")
    excellent_quota: int = Field(..., description="优秀名额上限 ⌊正式党员÷3⌋")


class AppraisalPage(Strict):
    items: list[AppraisalOut]
    count: int


class ParticipantOut(Strict):
    member: str = Field(..., description="人员编号")
    name: str
    category: Literal["正式党员", "预备党员"]
    self_assessed: bool
    votes_cast: int | None = Field(None, description="已评价人数（仅本支部管理员可见）")


class TallyOut(Strict):
    member: str
    name: str
    优秀: int
    合格: int
    基本合格: int
    不合格: int
    total: int
    decision: GradeName | None = None


class MyPart(Strict):
    member: str
    category: Literal["正式党员", "预备党员"]
    self_assessment: str
    rated: list[str] = Field(..., description="本人已评价的党员编号（不含等次以外的他人信息）")
    to_rate: list[str] = Field(..., description="本人尚未评价的正式党员编号")
    result: GradeName | None = Field(None, description="评定等次（结果发布后可见）")
    feedback: str | None = None


class AppraisalDetail(AppraisalOut):
    participants: list[ParticipantOut]
    tally: list[TallyOut] | None = Field(None, description="测评汇总：仅本支部管理员可见")
    me: MyPart | None = Field(None, description="调用者本人的参评情况")


class AppraisalIn(Strict):
    branch: Code = Field(..., description="党支部编码")
    year: int = Field(..., ge=1921, le=2199)
    held_on: datetime.date = Field(..., description="评议日期：按该日确定参评党员及正式/预备")
    title: Text100 = ""


class SelfAssessmentIn(Strict):
    text: Required2000


class VoteIn(Strict):
    member: Code = Field(..., description="被评价党员的人员编号")
    grade: GradeName


class DecisionIn(Strict):
    member: Code = Field(..., description="被评定党员的人员编号")
    grade: GradeName
    feedback: Lines2000 = ""


class AppraisalTransitionIn(Strict):
    action: Literal["start", "close", "publish", "void"]
    reason: Text300 = ""


class MeetingIn(Strict):
    activity: Code | None = Field(
        None, description="已记录的本支部民主评议党员会议的活动编号（与 start 二选一）"
    )
    start: datetime.datetime | None = Field(
        None, description="新记录的评议会议（支部党员大会）召开时间"
    )
    venue: Text200 = ""
    minutes: Lines5000 = ""
