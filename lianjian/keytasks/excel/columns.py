"""The columns of the key-task kinds (contracts §3), their parsers and which field each
fills."""

from __future__ import annotations

import re
from typing import Any

from lianjian.core.excel import (
    CellError,
    Column,
    bool_column,
    cell_text,
    choice_column,
    date_column,
    float_column,
    format_plain,
    format_text,
    parse_pattern,
    text_column,
)
from lianjian.keytasks import rules
from lianjian.keytasks.models import ProgressMode
from lianjian.orgs.models import CODE_RE

CODE_REASON = "编码只能包含字母、数字、下划线、点和短横线，最长 32 位"
OUT_OF_SIGHT = "不存在或不在您的范围内"


def code_column(header: str, *, required: bool = False, note: str = "") -> Column:
    return Column(
        header,
        parse_pattern(32, CODE_RE, CODE_REASON),
        required,
        "" if required else None,
        format_text,
        note or "字母、数字、下划线、点和短横线，最长 32 位",
        14,
    )


def parse_year(value: Any) -> int:
    text = cell_text(value)
    if not re.fullmatch(r"\d{4}", text):
        raise CellError("应为四位年份，如 2026")
    return int(text)


def parse_period(value: Any) -> str:
    text = cell_text(value)
    if rules.parse_period(text) is None:
        raise CellError("应为月份（如 2026-11）或季度（如 2026Q4）")
    return text


# --- tasks ---------------------------------------------------------------------------------

TASK_COLUMNS: tuple[Column, ...] = (
    code_column("清单编码", required=True, note="关键任务清单的编码；不存在时新建（草拟）"),
    Column("年度", parse_year, True, None, format_plain, "清单年度，四位数字", 8),
    code_column("任务编码", required=True, note="任务的唯一编码；已存在则更新，不存在则新建"),
    code_column("上级任务编码", note="同一清单中上级任务的编码；空白为顶层任务"),
    text_column("任务名称", 200, required=True, width=30),
    Column(
        "类别",
        parse_pattern(50, re.compile(r".+"), "不能为空"),
        True,
        "",
        format_text,
        "技改项目、生产任务指标、设备运维、安全环保、其他（管理员可扩充）",
        12,
    ),
    text_column("主题", 100, note="党建+X，如 党建+安全生产"),
    code_column("责任组织编码", required=True),
    code_column("责任人编号", note="责任人的人员编号，须为党员（正式或预备）"),
    date_column("计划开始", required=True),
    date_column("计划完成", required=True),
    choice_column("进度方式", ProgressMode.values, required=True),
    float_column("权重", 0, 1_000_000_000, note="子任务汇总时的权重（如预算），空白为 1"),
    bool_column("不计入", note="是：上级任务汇总进度时不计入本任务"),
    text_column("指标单位", 20),
    float_column("基准值", -1e15, 1e15),
    float_column("目标值", -1e15, 1e15),
    choice_column("指标方向", ("越高越好", "越低越好"), note="进度方式为“指标”时必填"),
    text_column("预警方案", 50, note="预警规则名称，空白为“进度滞后”（关键任务的默认方案）"),
)
TC = {c.header: i for i, c in enumerate(TASK_COLUMNS)}
# model field → column
TASK_HEADERS = {
    "name": "任务名称",
    "category": "类别",
    "theme": "主题",
    "owner_org": "责任组织编码",
    "owner": "责任人编号",
    "planned_start": "计划开始",
    "planned_end": "计划完成",
    "progress_mode": "进度方式",
    "weight": "权重",
    "excluded": "不计入",
    "kpi_unit": "指标单位",
    "kpi_baseline": "基准值",
    "kpi_target": "目标值",
    "kpi_direction": "指标方向",
    "preset": "预警方案",
    "parent": "上级任务编码",
    "manual_progress": "任务编码",
}
# (column, field) copied as they are
TASK_SIMPLE = (
    ("任务名称", "name"),
    ("主题", "theme"),
    ("计划开始", "planned_start"),
    ("计划完成", "planned_end"),
    ("进度方式", "progress_mode"),
    ("指标单位", "kpi_unit"),
    ("基准值", "kpi_baseline"),
    ("目标值", "kpi_target"),
    ("指标方向", "kpi_direction"),
)
COMPARED = (
    "name",
    "theme",
    "planned_start",
    "planned_end",
    "progress_mode",
    "kpi_unit",
    "kpi_baseline",
    "kpi_target",
    "kpi_direction",
    "weight",
    "excluded",
    "category_id",
    "owner_org_id",
    "owner_id",
    "preset",
)

# --- milestones ----------------------------------------------------------------------------

MILESTONE_COLUMNS: tuple[Column, ...] = (
    code_column("任务编码", required=True),
    text_column("节点名称", 200, required=True, width=24),
    Column(
        "权重",
        float_column("权重", 0, 1_000_000_000).parse,
        True,
        None,
        format_plain,
        "里程碑权重，≥ 0",
        10,
    ),
    date_column("计划日期", required=True),
    date_column("完成日期", note="责任方报告完成的日期"),
    date_column("验收日期", note="下达组织验收的日期（须已完成）"),
)
MC = {c.header: i for i, c in enumerate(MILESTONE_COLUMNS)}
MILESTONE_HEADERS = {
    "weight": "权重",
    "planned_on": "计划日期",
    "done_on": "完成日期",
    "accepted_on": "验收日期",
}
# (column, field) copied as they are
MILESTONE_SIMPLE = (
    ("权重", "weight"),
    ("计划日期", "planned_on"),
    ("完成日期", "done_on"),
    ("验收日期", "accepted_on"),
)

# --- task_progress -------------------------------------------------------------------------

PROGRESS_COLUMNS: tuple[Column, ...] = (
    code_column("任务编码", required=True),
    Column(
        "期间", parse_period, True, "", format_text, "月份（如 2026-11）或季度（如 2026Q4）", 10
    ),
    Column("进度", float_column("进度", 0, 100).parse, True, None, format_plain, "0–100（%）", 8),
    float_column("指标值", -1e15, 1e15, note="进度方式为“指标”的任务必填"),
    text_column("说明", 2000, width=40, multiline=True),
)
PC = {c.header: i for i, c in enumerate(PROGRESS_COLUMNS)}
