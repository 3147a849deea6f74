"""The filter of the register (screen and ``/api/v1/decisions``) and the API's bodies."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from lianjian.core.api_utils import PageParams, text
from lianjian.core.filters import ListFilter

Category = Literal["重大决策", "重要人事任免", "重大项目安排", "大额度资金运作"]
Body = Literal["股东会", "董事会", "经理层", "党委会"]
State = Literal[
    "草拟",
    "待前置",
    "待决策",
    "已决策",
    "执行中",
    "待后评估",
    "已评估",
    "归档",
    "不予提交",
    "已否决",
]

Code: Any = text(32, required=True)
Name200: Any = text(200, required=True)
Name100: Any = text(100, required=True)
Name50: Any = text(50, required=True)
Text200: Any = text(200)
Text500: Any = text(500)
Text2000: Any = text(2000, multiline=True)


class DecisionFilter(ListFilter):
    q: str | None = Field(None, max_length=100, description="在编号、名称、提出部门中查找")
    year: int | None = Field(None, ge=2000, le=2100, description="事项清单年度")
    category: Category | None = Field(None, description="类别")
    state: State | None = Field(None, description="状态")
    prior: bool | None = Field(None, description="是否经党委前置研究（按清单路由）")
    overdue: bool | None = Field(None, description="只看后评估逾期的事项")


class DecisionListParams(DecisionFilter, PageParams):
    pass


class DecisionMaterialsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    feasibility: Text200 = Field("", description="可研报告（链接或说明）")
    legal: Text200 = Field("", description="法律审核")
    risk: Text200 = Field("", description="风险评估")
    expert: Text200 = Field("", description="专家意见")
    staff: Text200 = Field("", description="职工意见（涉及职工切身利益时）")


class DecisionItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    number: Code = Field(..., description="事项编号")
    matter_list: Code = Field(..., description="事项清单编码")
    title: Name200
    category: Category
    amount: Decimal | None = Field(None, ge=0, le=10**9, description="金额（万元）")
    department: Name100 = Field(..., description="提出部门")
    sponsor: Name50 = Field(..., description="分管领导")
    materials: DecisionMaterialsIn | None = None


class StudyOpinionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Name50
    opinion: Text200


class PriorStudyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    meeting: Name200 = Field(..., description="党委会会议")
    meeting_date: datetime.date
    members: int = Field(..., ge=1, le=100, description="应到人数")
    present: int = Field(..., ge=0, le=100, description="实到人数")
    recusals: list[Name50] = Field(default_factory=list, max_length=50, description="回避人员")
    opinions: list[StudyOpinionIn] = Field(default_factory=list, max_length=100)
    outcome: Literal["建议同意", "建议修改后复议", "建议不予提交"]
    note: Text2000 = ""


class DecisionRecordIn(Schema):
    model_config = ConfigDict(extra="forbid")

    meeting: Name200
    meeting_date: datetime.date
    opinions: Text2000 = ""
    resolution: Text2000 = Field(..., min_length=1)
    conditions: Text2000 = ""
    result: Literal["通过", "否决", "暂缓"]


class DecisionExecutionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    owner_org: Code = Field(..., description="责任单位（组织编码）")
    owner_name: Name50 = Field(..., description="责任人")
    started_on: datetime.date
    key_tasks: list[Code] = Field(default_factory=list, max_length=50, description="关键任务编码")
    deviations: Text2000 = ""


class ExecutionPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    key_tasks: list[Code] | None = Field(
        None, max_length=50, description="关联的关键任务编码（全量替换）"
    )
    deviations: Text2000 | None = Field(None, description="执行偏差")
    owner_name: Name50 | None = Field(None, description="责任人")


class PostEvaluationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    evaluator: Name100
    evaluated_on: datetime.date
    objectives: Text500 = ""
    process: Text500 = ""
    benefits: Text500 = ""
    impact: Text500 = ""
    sustainability: Text500 = ""
    conclusion: Literal["达到预期", "部分达到", "未达到"]
    action: Literal["继续", "调整", "暂缓", "停止"]
    lessons: Text2000 = ""
    follow_up_title: Text200 = Field("", description="处理为“调整”时新建事项的名称")
