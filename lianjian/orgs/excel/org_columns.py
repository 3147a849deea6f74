"""The columns of the ``orgs`` kind, which field each fills, and what a new organisation
starts from."""

from __future__ import annotations

from typing import Any

from lianjian.core.excel import (
    Column,
    bool_column,
    choice_column,
    date_column,
    float_column,
    list_column,
    text_column,
)
from lianjian.orgs.excel.common import (
    FLAG_FIELDS,
    code_column,
)
from lianjian.orgs.models import (
    OrgKind,
    PartnerKind,
)

ORG_COLUMNS: tuple[Column, ...] = (
    code_column(
        "组织编码",
        required=True,
        note="组织的唯一编码，导入时以此识别：已存在则更新，不存在则新建；字母、数字、下划线、点和短横线，最长 32 位",
    ),
    text_column("组织名称", 200, required=True, width=28),
    choice_column(
        "组织类型",
        OrgKind.values,
        required=True,
        note="党委、党总支、党支部或党小组；党总支设在党委下，党支部设在党委或党总支下，党小组设在党支部下",
    ),
    code_column(
        "上级组织编码",
        note="上级党组织的组织编码，可以是系统中已有的组织，也可以是本文件中其他行新建的组织；空白表示顶级组织",
    ),
    bool_column("是否外部单位", note="本单位以外的联建单位党组织填“是”；空白视为“否”"),
    text_column("所属单位", 200, width=20),
    list_column("专业", note="组织所在单位的专业方向，如 营销服务、设备管理"),
    text_column("地址", 300, width=24),
    float_column("纬度", -90, 90, note="-90 到 90 之间的小数；纬度和经度需同时填写或同时空白"),
    float_column("经度", -180, 180, note="-180 到 180 之间的小数；纬度和经度需同时填写或同时空白"),
    list_column("优势资源", note="可与其他组织共享的资源"),
    list_column("需求", note="希望联建单位支持的事项"),
    date_column("成立日期", note="日期，1921-07-01 至今天"),
    date_column(
        "撤销日期",
        note="日期；填写即撤销该组织（不能早于成立日期，撤销前需先转出全部党员、撤销全部下级组织）",
    ),
    date_column("本届任期开始"),
    date_column("本届任期结束", note="日期；不能早于本届任期开始"),
    choice_column(
        "外部单位类别",
        PartnerKind.values,
        note="扩展列，选填：政府、社区、高校、企业或其他；仅外部单位可填写",
    ),
    list_column(
        "组织标识", choices=tuple(FLAG_FIELDS), note="扩展列，选填：临时、联合、功能型，可填多项"
    ),
)
OCOL = {c.header: i for i, c in enumerate(ORG_COLUMNS)}
# The column that sets each structural field (lianjian.orgs.permissions).
STRUCTURE_COLUMNS = {
    "kind": "组织类型",
    "parent": "上级组织编码",
    "is_partner": "是否外部单位",
    "partner_kind": "外部单位类别",
    "is_temporary": "组织标识",
    "is_joint": "组织标识",
    "is_functional": "组织标识",
    "founded": "成立日期",
    "dissolved": "撤销日期",
}

# Column → model field for the columns that map one to one.
ORG_SIMPLE: tuple[tuple[str, str], ...] = (
    ("组织名称", "name"),
    ("组织类型", "kind"),
    ("是否外部单位", "is_partner"),
    ("所属单位", "unit"),
    ("专业", "professions"),
    ("地址", "address"),
    ("纬度", "lat"),
    ("经度", "lon"),
    ("优势资源", "strengths"),
    ("需求", "needs"),
    ("成立日期", "founded"),
    ("撤销日期", "dissolved"),
    ("本届任期开始", "term_start"),
    ("本届任期结束", "term_end"),
    ("外部单位类别", "partner_kind"),
)
ORG_STATE_FIELDS = (*(f for _, f in ORG_SIMPLE), *FLAG_FIELDS.values())
# Which column each rule of ``org_row_errors`` speaks about.
ORG_FIELD_HEADERS = {field_name: header for header, field_name in ORG_SIMPLE}
ORG_LIST_FIELDS = {"professions", "strengths", "needs"}
# The stored fields an export reads, in column order (the path stands for 上级组织编码; the
# flags follow, as one column).
EXPORT_FIELDS = (
    "code",
    "name",
    "kind",
    "path",
    "is_partner",
    "unit",
    "professions",
    "address",
    "lat",
    "lon",
    "strengths",
    "needs",
    "founded",
    "dissolved",
    "term_start",
    "term_end",
    "partner_kind",
)
ORG_DEFAULTS: dict[str, Any] = {
    "name": "",
    "kind": "",
    "is_partner": False,
    "unit": "",
    "professions": [],
    "address": "",
    "lat": None,
    "lon": None,
    "strengths": [],
    "needs": [],
    "founded": None,
    "dissolved": None,
    "term_start": None,
    "term_end": None,
    "partner_kind": "",
    "is_temporary": False,
    "is_joint": False,
    "is_functional": False,
}
