"""Filters and bodies of the key-task API (``/api/v1/task-lists``, ``/api/v1/tasks``,
``/api/v1/milestones``, ``/api/v1/task-reports``); the filters are the lists' one filter
(:mod:`lianjian.core.filters`), shared with the screens through the selectors."""

from __future__ import annotations

import builtins
import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, StringConstraints

from lianjian.core.api_utils import (
    Code,
    Lines2000,
    Name50,
    Name200,
    PageParams,
    Text20,
    Text50,
    Text100,
    Text200,
    Text500,
)
from lianjian.core.filters import ListFilter

ListStateName = Literal["草拟", "已下达", "执行中", "已关闭"]
TaskStateName = Literal[
    "草拟", "已下达", "已认领", "推进中", "申请验收", "已验收", "归档", "退回", "暂缓", "撤销"
]
ModeName = Literal["手动", "里程碑", "子任务", "指标"]
DirectionName = Literal["越高越好", "越低越好"]
ReportStateName = Literal["已提交", "已确认", "已退回"]
TaskActionName = Literal[
    "issue",
    "claim",
    "start",
    "request_acceptance",
    "accept",
    "archive",
    "return",
    "suspend",
    "cancel",
]
ListActionName = Literal["issue", "start", "close"]
Period = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}(-\d{2}|Q[1-4])$")]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# --- filters ----------------------------------------------------------------------------


class KeyTaskListFilter(ListFilter):
    """The filter of the key-task lists (screen and ``GET /api/v1/task-lists``)."""

    q: Text100 | None = Field(None, description="按清单编码或名称查找")
    org: Code | None = Field(None, description="下达组织编码（含下级组织）")
    year: int | None = Field(None, ge=2000, le=2199, description="年度")
    state: ListStateName | None = Field(None, description="清单状态")


class PackageFilter(ListFilter):
    """The filter of the monthly 重点任务包 (screen ``keytasks:package_list``)."""

    q: Text100 | None = Field(None, description="按任务包名称查找")
    org: Code | None = Field(None, description="组织编码（含下级组织）")
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="月份 YYYY-MM")


class TaskFilter(ListFilter):
    """The filter of key tasks (``GET /api/v1/tasks``)."""

    list: Code | None = Field(None, description="清单编码")
    q: Text100 | None = Field(None, description="按任务编码或名称查找")
    category: Text50 | None = Field(None, description="类别名称")
    theme: Text100 | None = Field(None, description="党建+X 主题")
    owner_org: Code | None = Field(None, description="责任组织编码（含下级组织）")
    owner: Code | None = Field(None, description="责任人编号")
    state: TaskStateName | None = Field(None, description="任务状态")
    year: int | None = Field(None, ge=2000, le=2199, description="清单年度")


class MilestoneFilter(ListFilter):
    """The filter of milestones (``GET /api/v1/milestones``)."""

    task: Code | None = Field(None, description="任务编码")
    list: Code | None = Field(None, description="清单编码")
    accepted: bool | None = Field(None, description="是否已验收")
    done: bool | None = Field(None, description="是否已完成")


class ReportFilter(ListFilter):
    """The filter of progress reports (``GET /api/v1/task-reports``)."""

    task: Code | None = Field(None, description="任务编码")
    list: Code | None = Field(None, description="清单编码")
    state: ReportStateName | None = Field(None, description="报告状态")
    period: Period | None = Field(None, description="期间，如 2026-11 或 2026Q4")
    owner_org: Code | None = Field(None, description="责任组织编码（含下级组织）")


class KeyTaskListParams(KeyTaskListFilter, PageParams):
    pass


class TaskParams(TaskFilter, PageParams):
    pass


class MilestoneParams(MilestoneFilter, PageParams):
    pass


class ReportParams(ReportFilter, PageParams):
    pass


# --- bodies ------------------------------------------------------------------------------


class KeyTaskListOut(Schema):
    id: int
    code: str
    name: str
    org: str = Field(..., description="下达组织编码")
    org_name: str
    year: int
    state: str
    version: int
    approval_activity: str | None = Field(None, description="审议会议的活动编号")
    approval_ref: str
    approved_on: datetime.date | None
    task_count: int | None = None


class KeyTaskListIn(Strict):
    code: Code
    org: Code = Field(..., description="下达组织编码")
    year: int = Field(..., ge=2000, le=2199)
    name: Name200
    approval_activity: Code | None = Field(None, description="审议会议的活动编号（支部委员会）")
    approval_ref: Text200 = Field("", description="审议会议的文字说明（如 2026年第2次党委会）")
    approved_on: datetime.date | None = None


class KeyTaskListPatch(Strict):
    name: Name200 | None = None
    approval_activity: Code | None = None
    approval_ref: Text200 | None = None
    approved_on: datetime.date | None = None


class ListTransitionIn(Strict):
    action: ListActionName = Field(..., description="issue 下达，start 开始执行，close 关闭")


class TaskOut(Schema):
    id: int
    code: str
    list: str
    parent: str | None
    name: str
    category: str
    theme: str
    owner_org: str
    owner: str | None = Field(None, description="责任人编号")
    owner_name: str | None = None
    sponsor: str | None = Field(None, description="包保领导的人员编号")
    participants: builtins.list[str] = Field(
        default_factory=builtins.list, description="参与党员的人员编号"
    )
    participant_names: str
    planned_start: datetime.date
    planned_end: datetime.date
    progress_mode: str
    weight: float
    excluded: bool
    kpi_unit: str
    kpi_baseline: float | None
    kpi_target: float | None
    kpi_direction: str
    kpi_current: float | None
    preset: str = Field(..., description="预警方案代码；空为关键任务的默认方案（进度滞后）")
    state: str
    state_reason: str
    started_on: datetime.date | None
    accepted_on: datetime.date | None
    progress: float | None = Field(None, description="进度（%）")
    expected: float | None = Field(None, description="序时进度（%）")
    colour: str = Field("", description="green / yellow / red；不预警的状态为空")


class TaskIn(Strict):
    code: Code
    list: Code
    parent: Code | None = None
    name: Name200
    category: Name50
    theme: Text100 = ""
    owner_org: Code
    owner: Code | None = Field(None, description="责任人编号（须为党员）")
    sponsor: Code | None = None
    participants: builtins.list[Code] = Field(default_factory=builtins.list, max_length=200)
    participant_names: Text500 = ""
    planned_start: datetime.date
    planned_end: datetime.date
    progress_mode: ModeName = "手动"
    weight: float = Field(1.0, ge=0, le=1_000_000_000)
    excluded: bool = False
    kpi_unit: Text20 = ""
    kpi_baseline: float | None = Field(None, ge=-1e15, le=1e15)
    kpi_target: float | None = Field(None, ge=-1e15, le=1e15)
    kpi_direction: DirectionName | Literal[""] = ""
    preset: Annotated[str, StringConstraints(max_length=32)] = ""


class TaskPatch(Strict):
    parent: Code | None = None
    name: Name200 | None = None
    category: Text50 | None = None
    theme: Text100 | None = None
    owner_org: Code | None = None
    owner: Code | None = None
    sponsor: Code | None = None
    participants: builtins.list[Code] | None = Field(None, max_length=200)
    participant_names: Text500 | None = None
    planned_start: datetime.date | None = None
    planned_end: datetime.date | None = None
    progress_mode: ModeName | None = None
    weight: float | None = Field(None, ge=0, le=1_000_000_000)
    excluded: bool | None = None
    kpi_unit: Text20 | None = None
    kpi_baseline: float | None = Field(None, ge=-1e15, le=1e15)
    kpi_target: float | None = Field(None, ge=-1e15, le=1e15)
    kpi_direction: DirectionName | None = None
    preset: Annotated[str, StringConstraints(max_length=32)] | None = None


class TaskTransitionIn(Strict):
    action: TaskActionName = Field(
        ...,
        description="issue 下达，claim 认领，start 开始推进，request_acceptance 申请验收，"
        "accept 验收，archive 归档，return 退回，suspend 暂缓，cancel 撤销",
    )
    reason: Text500 = Field("", description="退回、暂缓、撤销须填写原因")


class MilestoneOut(Schema):
    id: int
    task: str
    name: str
    weight: float
    planned_on: datetime.date
    done_on: datetime.date | None
    accepted_on: datetime.date | None
    accepted_by: str | None
    colour: str = Field("", description="按逾期天数预警：green / yellow / red")


class MilestoneIn(Strict):
    task: Code
    name: Name200
    weight: float = Field(1.0, ge=0, le=1_000_000_000)
    planned_on: datetime.date


class MilestoneActionIn(Strict):
    action: Literal["done", "undone", "accept"] = Field(
        ..., description="done 报告完成，undone 撤回完成，accept 验收"
    )
    on: datetime.date | None = Field(None, description="完成或验收日期，默认今天")


class ReportOut(Schema):
    id: int
    task: str
    period: str
    percent: float
    kpi_value: float | None
    text: str
    state: str
    reason: str
    submitted_by: str | None
    submitted_at: datetime.datetime | None
    confirmed_by: str | None
    confirmed_at: datetime.datetime | None


class ReportIn(Strict):
    task: Code
    period: Period
    percent: float = Field(..., ge=0, le=100)
    kpi_value: float | None = Field(None, ge=-1e15, le=1e15)
    text: Lines2000 = ""


class ReportActionIn(Strict):
    action: Literal["confirm", "return"] = Field(..., description="confirm 确认，return 退回")
    reason: Text500 = Field("", description="退回须填写原因")


class StatusOut(Schema):
    code: str
    parent: str | None
    progress: float | None
    expected: float | None
    colour: str
    state: str
