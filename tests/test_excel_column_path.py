"""The column path of the Excel cell parsers and of the member rules gives exactly what the
cell (or row) path gives: one rule, two ways of running it (issue #15 item 1)."""

from __future__ import annotations

import datetime

import pytest

from lianjian.core.excel.columns import (
    INVALID,
    parse_bool,
    parse_choice,
    parse_date,
    parse_each,
    parse_float,
    parse_pattern,
    parse_text,
)
from lianjian.orgs.excel.common import CODE_REASON
from lianjian.orgs.models import CODE_RE, member_column_errors, member_row_errors

D = datetime.date

COLUMNS = [
    (parse_text(5), ["abc", " ab ", "abcdef", "a\x01b", "a\nb", 12.0, 1.5, True]),
    (parse_text(5), ["abc", " ab ", "x"]),
    (parse_text(20, multiline=True), ["a\nb", "a\tb", "a\x00b", "ok"]),
    (parse_pattern(32, CODE_RE, CODE_REASON), ["DW01", "ZB-1.2", "bad code", "x" * 40, 7.0]),
    (parse_pattern(32, CODE_RE, CODE_REASON), ["DW01", "ZB-1.2"]),
    (parse_choice(("男", "女")), ["男", "女", "男", "x", " 女 "]),
    (parse_bool, ["是", "否", True, False, "x", 1.0, 1]),
    (parse_float(0, 10, "分值"), [1.0, 2, "3.5", "x", 11, True, float("nan")]),
    (
        parse_date,
        [D(2020, 1, 1), "2020-01-02", "2020-1-3", "2020-02-30", "x", D(1850, 1, 1), "2020-01-01"],
    ),
    (parse_date, ["2020-01-02", "2021-12-31", "1999-02-28"]),
    (parse_date, ["2020-01-02", "2020-02-30"]),
    (parse_date, ["2020-01-02", "1800-01-01"]),
    (parse_date, [D(2020, 1, 1), D(2021, 5, 6)]),
    (parse_date, [D(2020, 1, 1), D(2300, 5, 6)]),
    (parse_date, [datetime.datetime(2020, 1, 1, 8, 0), D(2021, 5, 6)]),
]


@pytest.mark.parametrize(("parser", "values"), COLUMNS)
def test_column_path_equals_cell_path(parser, values):
    many, many_errors = parser.many(values)
    each, each_errors = parse_each(parser.one, values)
    assert many_errors == each_errors
    assert [v is INVALID for v in many] == [v is INVALID for v in each]
    assert [v for v in many if v is not INVALID] == [v for v in each if v is not INVALID]


MEMBERS = [
    {"birth_date": D(1990, 1, 1), "joined_on": D(2015, 1, 1), "category": "正式党员"},
    {"birth_date": D(2000, 1, 1), "joined_on": D(2010, 1, 1), "category": "正式党员"},
    {"birth_date": D(1850, 1, 1), "joined_on": D(1900, 1, 1), "category": "正式党员"},
    {
        "birth_date": D(1980, 1, 1),
        "joined_on": D(2010, 1, 1),
        "confirmed_on": D(2010, 6, 1),
        "category": "正式党员",
    },
    {
        "birth_date": D(1980, 1, 1),
        "joined_on": D(2010, 1, 1),
        "confirmed_on": D(2013, 6, 1),
        "category": "正式党员",
    },
    {"joined_on": D(2010, 1, 1), "confirmed_on": D(2011, 1, 1), "category": "预备党员"},
    {"joined_on": datetime.date.today(), "category": "正式党员"},
    {"joined_on": D(2010, 1, 1), "left_on": D(2009, 1, 1), "category": "正式党员"},
    {"joined_on": INVALID, "birth_date": INVALID, "category": INVALID},
    {"joined_on": D(2010, 1, 1), "category": "正式党员", "phone": "123", "id_number": "1234"},
    {
        "joined_on": D(2010, 1, 1),
        "category": "正式党员",
        "phone": "13812345678",
        "id_number": "11010519491231002X",
    },
    {"joined_on": D(2999, 1, 1), "birth_date": D(2999, 1, 1), "category": "正式党员"},
]

FIELDS = (
    "birth_date",
    "joined_on",
    "confirmed_on",
    "left_on",
    "category",
    "phone",
    "id_number",
)


def test_member_rules_by_column_equal_the_rules_by_row():
    columns = {f: [m.get(f) for m in MEMBERS] for f in FIELDS}
    by_column = member_column_errors(columns, len(MEMBERS))
    by_row = {i: member_row_errors(m) for i, m in enumerate(MEMBERS)}
    assert by_column == {i: errors for i, errors in by_row.items() if errors}
    assert len(by_column) >= 8  # the cases above do break rules
