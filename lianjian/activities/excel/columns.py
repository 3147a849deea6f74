"""The columns of the ``activities`` kind: their parsers, formatters and notes, and which
field each fills."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils import timezone

from lianjian.activities.models import (
    ActivityType,
)
from lianjian.activities.selectors import TZ
from lianjian.core.excel import (
    LIST_SEPARATORS,
    CellError,
    Column,
    cell_text,
    choice_column,
    format_text,
    parse_pattern,
    text_column,
)
from lianjian.core.validation import ANYTIME, parse_int
from lianjian.orgs.models import CODE_RE

CODE_REASON = "编码只能包含字母、数字、下划线、点和短横线，最长 32 位"
DATETIME_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
MAX_ORGS = 50


def parse_codes(value: Any) -> list[str]:
    codes: list[str] = []
    for part in LIST_SEPARATORS.split(cell_text(value)):
        code = part.strip()
        if not code:
            continue
        if not CODE_RE.fullmatch(code):
            raise CellError(f"“{code[:20]}”不是有效的组织编码")
        if code in codes:
            raise CellError(f"组织 {code} 重复列出")
        codes.append(code)
    if not codes:
        raise CellError("不能为空")
    if len(codes) > MAX_ORGS:
        raise CellError(f"最多列出 {MAX_ORGS} 个组织")
    return codes


def parse_datetime(value: Any) -> datetime.datetime:
    """An Excel date/time or ``YYYY-MM-DD[ HH:MM[:SS]]`` text, as Asia/Shanghai local time."""
    if isinstance(value, datetime.datetime):
        naive = value.replace(tzinfo=None, microsecond=0)
    elif isinstance(value, datetime.date):
        naive = datetime.datetime.combine(value, datetime.time(0))
    else:
        match = DATETIME_RE.fullmatch(cell_text(value)) if isinstance(value, str) else None
        if not match:
            raise CellError("时间格式应为 YYYY-MM-DD HH:MM")
        try:
            year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            naive = datetime.datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise CellError("时间不存在") from None
    # The outer bound only (nothing beyond it can be converted safely); the window of the
    # field itself is the kind's check (activity_row_errors).
    problem = ANYTIME.problem(naive)
    if problem:
        raise CellError(problem)
    return naive.replace(tzinfo=TZ)


def parse_count(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("应为不小于 0 的整数")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        try:
            number = parse_int(cell_text(value), low=0, high=10**18)
        except ValueError:
            raise CellError("应为不小于 0 的整数") from None
    if number < 0:
        raise CellError("应为不小于 0 的整数")
    if number > 100_000:
        raise CellError("不能超过 100000")
    return number


def parse_year(value: Any) -> int:
    """A year (所属年度) such as 2025; whether it fits the activity is the kind's check."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = cell_text(value).removesuffix("年度").removesuffix("年")
        try:
            number = parse_int(text, low=1921, high=2200)
        except ValueError:
            raise CellError("应为四位年份，如 2025") from None
    if not 1921 <= number <= 2200:
        raise CellError("应为四位年份，如 2025")
    return number


def format_datetime(value: Any) -> str | None:
    return timezone.localtime(value, TZ).strftime("%Y-%m-%d %H:%M") if value else None


def format_codes(value: Any) -> str | None:
    return "、".join(value) if value else None


def format_count(value: Any) -> Any:
    return value


COLUMNS: tuple[Column, ...] = (
    Column(
        "活动编号",
        parse_pattern(32, CODE_RE, CODE_REASON),
        True,
        "",
        format_text,
        "活动的唯一编号，导入时以此识别：已存在则更新，不存在则新建",
        16,
    ),
    Column(
        "组织编码",
        parse_codes,
        True,
        (),
        format_codes,
        "主办组织的编码；联合开展的活动填写多个，主办组织在前，用“、”分隔",
        22,
    ),
    choice_column("活动类型", ActivityType.values, required=True),
    Column(
        "开始时间",
        parse_datetime,
        True,
        None,
        format_datetime,
        "格式 YYYY-MM-DD HH:MM（北京时间），或 Excel 日期时间",
        18,
    ),
    text_column("主题", 200, required=True, width=30),
    text_column("地点", 200, width=20),
    Column(
        "应到人数",
        parse_count,
        False,
        None,
        format_count,
        "不小于 0 的整数；已有签到名单的活动以签到名单为准",
        10,
    ),
    Column("实到人数", parse_count, False, None, format_count, "不大于应到人数", 10),
    Column(
        "联建编码",
        parse_pattern(32, CODE_RE, CODE_REASON),
        False,
        None,
        format_text,
        "联建活动所属联建的编码；联建成员单位可列为协办组织",
        14,
    ),
    text_column(
        "活动形式",
        20,
        note="扩展列，选填：联建活动的形式，如 党课互讲、理论联学、党日交流、政策联研、廉洁共建",
    ),
    Column(
        "所属年度",
        parse_year,
        False,
        None,
        format_count,
        "扩展列，选填：活动计入的年度，空白为开始时间所在年份；组织生活会、民主评议党员在 1–3 月召开的可填上一年度",
        10,
    ),
)
COL = {c.header: i for i, c in enumerate(COLUMNS)}
SIMPLE = (
    ("活动类型", "type"),
    ("开始时间", "start"),
    ("主题", "topic"),
    ("地点", "venue"),
    ("应到人数", "expected_count"),
    ("实到人数", "present_count"),
    ("活动形式", "sub_kind"),
    ("所属年度", "for_year"),
)
STATE_FIELDS = (
    "type",
    "start",
    "topic",
    "venue",
    "expected_count",
    "present_count",
    "sub_kind",
    "alliance_id",
    "for_year",
)
NEW_STATE = {
    "type": None,
    "start": None,
    "topic": "",
    "venue": "",
    "expected_count": None,
    "present_count": None,
    "sub_kind": "",
    "alliance_id": None,
    "for_year": None,
}
# Which column each rule of ``activity_row_errors`` speaks about.
FIELD_HEADERS = {name: header for header, name in SIMPLE}
