"""The columns of the ``problems`` kind and which field each fills."""

from __future__ import annotations

from typing import Any

from lianjian.activities.excel import CODE_REASON, parse_codes
from lianjian.consultations.models import (
    ProblemCategory,
    ProblemState,
    Urgency,
)
from lianjian.core.excel import (
    Column,
    choice_column,
    date_column,
    format_text,
    parse_pattern,
    text_column,
)
from lianjian.orgs.models import CODE_RE


def format_codes(value: Any) -> str | None:
    return "、".join(value) if value else None


COLUMNS: tuple[Column, ...] = (
    Column(
        "问题编号",
        parse_pattern(32, CODE_RE, CODE_REASON),
        True,
        "",
        format_text,
        "问题的唯一编号，如 WT-2026-001；导入时以此识别：已存在则更新，不存在则新建",
        14,
    ),
    text_column("问题标题", 200, required=True, width=30),
    Column(
        "提出组织编码",
        parse_pattern(32, CODE_RE, CODE_REASON),
        True,
        "",
        format_text,
        "提出问题的党组织的编码",
        14,
    ),
    choice_column("问题类别", ProblemCategory.values, required=True),
    choice_column("紧急程度", Urgency.values, note="可选：一般、较急、紧急；空白为“一般”"),
    Column(
        "联建编码",
        parse_pattern(32, CODE_RE, CODE_REASON),
        False,
        None,
        format_text,
        "问题提交研究的联建；提出组织和责任组织须为该联建的成员单位",
        12,
    ),
    text_column("问题描述", 5000, width=40, multiline=True),
    Column(
        "责任组织编码",
        parse_codes,
        False,
        (),
        format_codes,
        "分派后填写；多个用“、”分隔，第一个为牵头责任单位",
        20,
    ),
    text_column("责任人", 50),
    date_column("办理期限", note="分派后必填；日期，格式 YYYY-MM-DD"),
    choice_column(
        "状态",
        ProblemState.values,
        note="可选：" + "、".join(ProblemState.values) + "；新问题空白为“待研究”",
    ),
    date_column("提出日期", note="日期，格式 YYYY-MM-DD；新问题空白为导入当天"),
    date_column("解决日期", note="待确认、已销号的问题必填"),
    text_column("解决情况", 5000, note="待确认、已销号的问题必填", width=40, multiline=True),
)
COL = {c.header: i for i, c in enumerate(COLUMNS)}
SIMPLE = (
    ("问题标题", "title"),
    ("问题类别", "category"),
    ("问题描述", "description"),
    ("责任人", "responsible"),
    ("办理期限", "deadline"),
    ("解决日期", "solved_on"),
    ("解决情况", "resolution"),
)
STATE_FIELDS = (
    "title",
    "category",
    "urgency",
    "alliance_id",
    "raised_by_id",
    "description",
    "responsible",
    "deadline",
    "state",
    "raised_on",
    "solved_on",
    "resolution",
)
