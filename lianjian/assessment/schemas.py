"""Request and response shapes of the assessment API (``/api/v1/assessment/…``).

Same conventions as :mod:`lianjian.orgs.schemas`: English snake_case fields, Chinese
enumeration values, inputs refuse unknown fields. A scheme is answered as its scheme file
(shared/docs/assessment.md); results rows are those of ``lianjian assess run --format json``
plus the organisation's name, ``passed`` and, per indicator, ``missing``.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import StringConstraints, model_validator

from lianjian.activities.selectors import TZ
from lianjian.core.api_utils import KeysetListOut, KeysetPageParams, PageParams
from lianjian.core.filters import ListFilter
from lianjian.orgs.schemas import Code, _Input

IndicatorCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)
]
PeriodText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=8)]
PeriodKindName = Literal["year", "half", "quarter", "month"]
ChannelName = Literal["excel", "api", "form"]
MAX_KPIS = 5000


# ---- schemes -----------------------------------------------------------------------------


class SchemeFilter(ListFilter):
    """The filter of the scheme list (screen and API): ``selectors.scheme_list``."""

    q: str | None = Field(None, max_length=100, description="在方案编码和名称中查找")
    period: PeriodText | None = Field(None, description="考核期间，如 2026")
    period_kind: PeriodKindName | None = Field(
        None, description="期间类型：year 年度、half 半年、quarter 季度、month 月度"
    )
    owner: Code | None = Field(None, description="制定单位的组织编码")


class SchemeListParams(SchemeFilter, PageParams):
    pass


class SchemeOut(Schema):
    code: str
    name: str
    period: str
    period_kind: str
    owner: str | None = Field(..., description="制定单位的组织编码；全平台方案为 null")
    applies_kind: str = Field(..., description="适用组织类型；列出适用组织时为空")
    applies_orgs: list[str] = Field(..., description="适用组织编码")
    dimension_count: int
    indicator_count: int
    stars: list[tuple[float, int]] = Field(..., description="星级划分 [[最低总分, 星级], …]")
    pass_line: float
    updated_at: datetime.datetime


class SchemeListOut(Schema):
    items: list[SchemeOut]
    count: int


class AppliesOut(Schema):
    kind: str | None = None
    orgs: list[str] | None = None


class DimensionFileOut(Schema):
    code: str
    name: str
    max: float


class IndicatorFileOut(Schema):
    code: str
    name: str
    dimension: str | None = None
    max: float | None = None
    rule: str
    target: float | None = None
    floor: float | None = None
    direction: str | None = None
    per: float | None = None
    steps: list[tuple[str, float]] | None = None
    source: str
    missing_points: float | None = None
    evaluators: list[str] | None = None
    provider: str | None = Field(
        None, description="数据提供部门（业务部门）的组织编码：其管理员可为该业务指标录入数值"
    )
    description: str | None = None


class SchemeFileOut(Schema):
    """The scheme file of assessment.md (keys with no value are left out)."""

    code: str
    name: str
    period: str
    applies_to: AppliesOut
    dimensions: list[DimensionFileOut]
    indicators: list[IndicatorFileOut]
    stars: list[tuple[float, int]]
    owner: str | None = None
    pass_line: float | None = None
    description: str | None = None


# ---- KPI values --------------------------------------------------------------------------


class KpiFilter(ListFilter):
    """The filter of the KPI value list (screen and API): ``selectors.kpi_values``."""

    q: str | None = Field(None, max_length=100, description="在组织编码和名称中查找")
    org: Code | None = Field(None, description="组织编码：该组织及其下级组织的数据")
    period: PeriodText | None = Field(None, description="期间，如 2026、2026Q3")
    indicator_code: IndicatorCode | None = Field(None, description="指标编码")
    batch: int | None = Field(None, ge=1, le=2**63 - 1, description="导入批次 id")
    channel: ChannelName | None = Field(None, description="来源：excel、api、form")


class KpiListParams(KpiFilter, KeysetPageParams):
    pass


class BatchOut(Schema):
    id: int
    channel: str = Field(..., description="excel、api 或 form")
    file_name: str
    by: str = Field(..., description="导入人")
    at: datetime.datetime = Field(..., description="导入时间")


class KpiOut(Schema):
    id: int
    org: str
    org_name: str
    period: str
    indicator_code: str
    value: float
    batch: BatchOut
    updated_at: datetime.datetime


class KpiListOut(KeysetListOut):
    items: list[KpiOut]
    count: int


class KpiIn(_Input):
    org: Code = Field(..., description="组织编码")
    period: PeriodText = Field(..., description="期间：2026、2026H1、2026Q3 或 2026-07")
    indicator_code: IndicatorCode = Field(
        ..., description="指标编码（考核方案中数据来源为“业务指标（导入）”（kpi）的指标）"
    )
    value: float = Field(..., description="数值")


class KpiWriteIn(_Input):
    """One value (``org``, ``period``, ``indicator_code``, ``value``) or ``items``: a list of
    them written as one batch, all or nothing."""

    org: Code | None = None
    period: PeriodText | None = None
    indicator_code: IndicatorCode | None = None
    value: float | None = None
    items: list[KpiIn] | None = Field(
        None, max_length=MAX_KPIS, description=f"多条数值，最多 {MAX_KPIS} 条"
    )

    @model_validator(mode="after")
    def _one_or_list(self) -> KpiWriteIn:
        single = [self.org, self.period, self.indicator_code, self.value]
        if self.items is not None:
            if any(v is not None for v in single):
                raise ValueError(
                    "请只给出一条数值（org、period、indicator_code、value）或 items 列表之一"
                )
            if not self.items:
                raise ValueError("items 不能为空")
        elif any(v is None for v in single):
            missing = [
                n
                for n, v in zip(("org", "period", "indicator_code", "value"), single, strict=True)
                if v is None
            ]
            raise ValueError("缺少字段：" + "、".join(missing))
        return self

    def rows(self) -> list[KpiIn]:
        if self.items is not None:
            return list(self.items)
        return [
            KpiIn(
                org=self.org,
                period=self.period,
                indicator_code=self.indicator_code,
                value=self.value,
            )
        ]


class KpiWriteOut(Schema):
    batch: int | None = Field(..., description="本次写入记为的导入批次 id；没有任何变化时为 null")
    created: int
    updated: int
    unchanged: int
    items: list[KpiOut]


# ---- runs (versions) and evaluators' work --------------------------------------------------


class RunFilter(ListFilter):
    """The filter of the run (version) list (screen and API): ``selectors.run_list``. The
    screen lists one scheme's versions, named in its path (``/assessment/s/CODE/runs/``)."""

    scheme: Code | None = Field(None, description="考核方案编码")
    period: PeriodText | None = Field(None, description="考核期间，如 2025")
    published: bool | None = Field(None, description="true：仅已发布版本；false：仅未发布版本")


class RunListParams(RunFilter, PageParams):
    pass


class RunOut(Schema):
    id: int
    scheme: str = Field(..., description="考核方案编码")
    period: str
    version: int
    org_count: int = Field(..., description="参评组织数")
    note: str
    is_published: bool
    published_at: datetime.datetime | None
    voided: bool = Field(..., description="已作废（只有方案制定单位能看到作废的版本）")
    created_at: datetime.datetime
    created_by: str | None = Field(..., description="计算人；系统计算为 null")


class RunListOut(Schema):
    items: list[RunOut]
    count: int


def run_out(run: Any) -> dict[str, Any]:
    return {
        "id": run.pk,
        "scheme": run.scheme.code,
        "period": run.period,
        "version": run.version,
        "org_count": run.org_count,
        "note": run.note,
        "is_published": run.is_published,
        "published_at": local(run.published_at) if run.published_at else None,
        "voided": run.voided_at is not None,
        "created_at": local(run.created_at),
        "created_by": run.created_by.display_name if run.created_by_id else None,
    }


class ReviewFilter(ListFilter):
    """The filter of 我的评议 (screen and API): ``selectors.review_list``."""

    q: str | None = Field(None, max_length=100, description="在方案和指标的编码、名称中查找")
    scheme: Code | None = Field(None, description="考核方案编码")


class ReviewListParams(ReviewFilter, PageParams):
    pass


class ReviewPeriodOut(Schema):
    period: str
    scored: int = Field(..., description="本人已评的组织数")
    total: int = Field(..., description="本人应评的组织数（本人所在组织除外）")


class ReviewOut(Schema):
    id: int = Field(..., description="指标 id（评议打分页面 /assessment/reviews/{id}/）")
    scheme: str = Field(..., description="考核方案编码")
    scheme_name: str
    code: str = Field(..., description="指标编码")
    name: str
    dimension: str | None = Field(..., description="所属维度编码")
    max: float | None = Field(..., description="分值")
    periods: list[ReviewPeriodOut] = Field(..., description="各期间的评议进度，最近的在前")


class ReviewListOut(Schema):
    items: list[ReviewOut]
    count: int


def review_out(task: Any) -> dict[str, Any]:
    indicator = task.indicator
    return {
        "id": indicator.pk,
        "scheme": indicator.scheme.code,
        "scheme_name": indicator.scheme.name,
        "code": indicator.code,
        "name": indicator.name,
        "dimension": indicator.dimension.code if indicator.dimension_id else None,
        "max": indicator.max,
        "periods": [
            {"period": p.period, "scored": p.scored, "total": task.total} for p in task.periods
        ],
    }


# ---- results -----------------------------------------------------------------------------


class ResultParams(KeysetPageParams):
    scheme: Code = Field(..., description="方案编码")
    period: PeriodText | None = Field(None, description="考核期间；缺省为最近有考核结果的期间")
    version: int | None = Field(
        None, ge=1, le=100000, description="版本；缺省为已发布版本，未发布时为最新版本"
    )
    org: Code | None = Field(None, description="组织编码：只列该组织及其下级组织")


class IndicatorResultOut(Schema):
    value: float | None
    points: float
    missing: bool


class ResultRowOut(Schema):
    org: str
    name: str
    total: float
    stars: int | None
    vetoed: bool
    passed: bool
    rank: int
    dimensions: dict[str, float]
    indicators: dict[str, IndicatorResultOut]


class ResultsOut(KeysetListOut):
    scheme: str
    period: str
    version: int
    is_published: bool
    created_at: datetime.datetime
    org_count: int = Field(..., description="参评组织总数（排名基于全部参评组织）")
    items: list[ResultRowOut]
    count: int


def kpi_out(kpi: Any) -> dict[str, Any]:
    batch = kpi.batch
    return {
        "id": kpi.pk,
        "org": kpi.org.code,
        "org_name": kpi.org.name,
        "period": kpi.period,
        "indicator_code": kpi.indicator_code,
        "value": kpi.value,
        "updated_at": local(kpi.updated_at),
        "batch": {
            "id": batch.pk,
            "channel": batch.channel,
            "file_name": batch.file_name,
            "by": batch.created_by_name,
            "at": local(batch.created_at),
        },
    }


def local(moment: datetime.datetime) -> datetime.datetime:
    """An instant in Asia/Shanghai time, as the activities API answers times."""
    return timezone.localtime(moment, TZ)


# ---- objections (申诉) ----------------------------------------------------------------------

ObjectionStatus = Literal["open", "accepted", "rejected"]


class ObjectionFilter(ListFilter):
    """The filter of the objection list (screen and API): ``selectors.objections``."""

    status: ObjectionStatus | None = Field(
        None, description="open 待答复、accepted 已采纳、rejected 未采纳"
    )
    side: Literal["answer", "mine"] | None = Field(
        None, description="answer：待本方答复的；mine：本人提出的"
    )
    q: str | None = Field(None, max_length=100, description="在组织编码、名称和指标编码中查找")


class ObjectionListParams(ObjectionFilter, PageParams):
    pass


class ObjectionOut(Schema):
    id: int
    scheme: str = Field(..., description="考核方案编码")
    org: str = Field(..., description="提出申诉的（被考核）组织编码")
    period: str
    indicator_code: str | None = Field(
        ..., description="对业务指标申诉时的指标编码；对考核结果申诉时为 null"
    )
    result_version: int | None = Field(
        ..., description="对考核结果申诉时的结果版本；对业务指标申诉时为 null"
    )
    value: float | None = Field(..., description="申诉时的数值（业务指标值或结果总分）")
    reason: str
    status: ObjectionStatus
    answer: str
    corrected_value: float | None
    raised_at: datetime.datetime
    answered_at: datetime.datetime | None


class ObjectionListOut(Schema):
    items: list[ObjectionOut]
    count: int


class ObjectionIn(_Input):
    """An objection on one KPI value (``org``, ``period``, ``indicator_code``) or on the
    published result of ``org`` (``scheme``, ``period``, no ``indicator_code``)."""

    org: Code = Field(..., description="组织编码")
    period: PeriodText = Field(..., description="期间")
    indicator_code: IndicatorCode | None = Field(
        None, description="业务指标编码；对考核结果申诉时不填"
    )
    scheme: Code | None = Field(None, description="考核方案编码；对考核结果申诉时必填")
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
    ] = Field(..., description="申诉理由")


class AnswerIn(_Input):
    accept: bool = Field(..., description="true 采纳、false 不予采纳")
    answer: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = Field(
        "", description="答复说明；不予采纳时必填"
    )
    corrected_value: float | None = Field(
        None, description="采纳对业务指标的申诉时必填：更正后的数值"
    )


def objection_out(o: Any) -> dict[str, Any]:
    return {
        "id": o.pk,
        "scheme": o.scheme.code,
        "org": o.org.code,
        "period": o.period,
        "indicator_code": o.indicator_code or None,
        "result_version": o.result.run.version if o.result_id else None,
        "value": o.value,
        "reason": o.reason,
        "status": o.status,
        "answer": o.answer,
        "corrected_value": o.corrected_value,
        "raised_at": local(o.raised_at),
        "answered_at": local(o.answered_at) if o.answered_at else None,
    }
