"""The filters of the activity list, the rule list and the compliance rows — one each for the
screens and the API (``lianjian.core.filters``): ``selectors.activity_list``,
``selectors.rule_list`` and ``selectors.compliance_list`` apply them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from lianjian.core.api_utils import Code
from lianjian.core.filters import ListFilter

TypeName = Literal[
    "支部党员大会",
    "支部委员会",
    "党小组会",
    "党课",
    "主题党日",
    "组织生活会",
    "民主评议党员",
    "谈心谈话",
    "联建活动",
]
StatusName = Literal["草稿", "已提交", "已通过", "已退回", "已作废"]
OrgKindName = Literal["党委", "党总支", "党支部", "党小组"]
FrequencyName = Literal["月度", "季度", "半年", "年度"]


class ActivityFilter(ListFilter):
    """Which activities to list. Voided records (已作废) are left out unless asked for with
    ``status=已作废``."""

    q: str | None = Field(None, max_length=100, description="在主题、地点中查找，或活动编号")
    org: str | None = Field(
        None, min_length=1, max_length=32, description="组织编码：该组织及其下级组织参与的活动"
    )
    type: TypeName | None = Field(None, description="活动类型")
    status: StatusName | None = Field(None, description="状态；已作废的记录只在选择“已作废”时列出")
    alliance: str | None = Field(None, max_length=32, description="联建编码")
    year: int | None = Field(None, ge=1950, le=2200, description="年份（按北京时间）")
    month: int | None = Field(None, ge=1, le=12, description="月份，需同时给出 year")

    @model_validator(mode="after")
    def _strip(self) -> ActivityFilter:
        for name in ("q", "org", "alliance"):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, value.strip() or None)
        return self


class RuleFilter(ListFilter):
    """Which organisational-life rules to list (everyone reads them): ``selectors.rule_list``."""

    activity_type: TypeName | None = Field(None, description="活动类型")
    org_kind: OrgKindName | None = Field(None, description="适用组织类型")
    frequency: FrequencyName | None = Field(None, description="周期")
    active: bool | None = Field(None, description="true 只列启用的规则，false 只列停用的规则")


class ComplianceFilter(ListFilter):
    """Which compliance rows (contracts §4) to list: the matrix and its export, the
    per-organisation page and ``GET /api/v1/compliance`` (``selectors.compliance_list``).
    Without ``org``: every organisation the caller may see."""

    year: int | None = Field(None, ge=1900, le=2200, description="年份（画面缺省为今年）")
    org: Code | None = Field(None, description="组织编码：只检查该组织及其下级组织")
    subtree: bool = Field(True, description="false：只检查 org 本身，不含下级组织")
    rule: TypeName | None = Field(None, description="只检查该活动类型的规则")
    only: Literal["problem"] | None = Field(
        None,
        description="problem：只列有未完成或临期预警（剩余不超过 10 天仍未开展）的组织，列出其全部行",
    )
