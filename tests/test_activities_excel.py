"""Excel kind ``activities``: contract columns, all-or-nothing, scope, round trip."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from lianjian.activities.models import Activity, ActivityStatus
from lianjian.activities.selectors import TZ
from lianjian.core.excel import export_file, get_kind, import_file, read_sheet

HEADERS = [
    "活动编号*",
    "组织编码*",
    "活动类型*",
    "开始时间*",
    "主题*",
    "地点",
    "应到人数",
    "实到人数",
    "联建编码",
]


def book(rows, headers=HEADERS) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def load(rows, user=None, headers=HEADERS, dry_run=False):
    return import_file(
        get_kind("activities"),
        book(rows, headers),
        file_name="t.xlsx",
        user=user,
        actor=user,
        dry_run=dry_run,
    )


ROWS = [
    ["HD-1", "ZB-A", "主题党日", "2025-03-31 23:30", "三月主题党日", "会议室", 2, 2, None],
    [
        "HD-2",
        "ZB-A、ZB-B，WB-GOV",
        "联建活动",
        datetime.datetime(2025, 4, 1, 0, 30),
        "联合党课",
        None,
        10,
        8,
        None,
    ],
    ["HD-3", "XZ-A1", "党小组会", "2025-01-15", "小组学习", None, None, None, None],
]


@pytest.mark.django_db
def test_import_creates_joint_activities_in_local_time_and_is_idempotent(world):
    result = load(ROWS)
    assert result.errors == [] and (result.created, result.updated, result.unchanged) == (3, 0, 0)
    a1, a2 = Activity.objects.get(code="HD-1"), Activity.objects.get(code="HD-2")
    assert a1.start == datetime.datetime(2025, 3, 31, 23, 30, tzinfo=TZ)
    assert a2.start == datetime.datetime(2025, 4, 1, 0, 30, tzinfo=TZ)
    assert list(a2.org_links.order_by("position").values_list("org__code", flat=True)) == [
        "ZB-A",
        "ZB-B",
        "WB-GOV",
    ]
    assert (a2.expected_count, a2.present_count, a2.status, a2.host.code) == (
        10,
        8,
        ActivityStatus.APPROVED,
        "ZB-A",
    )
    again = load(ROWS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = load([["HD-1", "ZB-B", "党课", "2025-03-31 23:30", "改为党课", None, 2, 1, None]])
    assert (changed.created, changed.updated) == (0, 1)
    a1.refresh_from_db()
    assert (a1.type, a1.host.code, a1.topic) == ("党课", "ZB-B", "改为党课")


@pytest.mark.django_db
def test_every_error_is_listed_by_row_and_nothing_is_imported(world):
    result = load(
        [
            ["HD-1", "ZB-A", "开会", "2025-03-31", "主题", None, 2, 3, None],
            ["HD-1", "NOPE", "党课", "2025-02-30", "", None, -1, None, "LJ-X"],
            ["bad code!", "ZB-A、ZB-A", "党课", "2025-02-01", "x", None, None, None, None],
        ]
    )
    assert result.errors == [
        "第2行 活动类型：应为支部党员大会、支部委员会、党小组会、党课、主题党日、组织生活会、民主评议党员、谈心谈话、联建活动之一",
        "第2行 实到人数：实到人数不能多于应到人数",
        "第3行 活动编号：与第2行重复",
        "第3行 组织编码：组织 NOPE 不存在",
        "第3行 开始时间：时间不存在",
        "第3行 主题：不能为空",
        "第3行 应到人数：应为不小于 0 的整数",
        "第3行 联建编码：联建 LJ-X 不存在",
        "第4行 活动编号：编码只能包含字母、数字、下划线、点和短横线，最长 32 位",
        "第4行 组织编码：组织 ZB-A 重复列出",
    ]
    assert Activity.objects.count() == 0
    assert load(ROWS, headers=[*HEADERS[:-1], "备注"]).errors == ["第1行 备注：未知的列名"]


@pytest.mark.django_db
def test_a_manager_imports_only_for_their_subtree_and_records_go_to_review(world):
    refused = load(ROWS, user=world.manager_a)
    # Organisations manager_a cannot see (and that no named alliance lists) read as unknown.
    assert refused.errors == [
        "第3行 组织编码：组织 ZB-B 不存在",
        "第3行 组织编码：组织 WB-GOV 不存在",
    ]
    assert load([ROWS[0]], user=world.manager_b).errors == ["第2行 组织编码：组织 ZB-A 不存在"]
    assert load([ROWS[0]], user=world.member_a).errors == ["当前账户无权导入数据"]
    assert Activity.objects.count() == 0
    ok = load([ROWS[0], ROWS[2]], user=world.manager_a)
    assert ok.created == 2 and Activity.objects.get(code="HD-1").status == ActivityStatus.SUBMITTED


@pytest.mark.django_db
def test_counts_follow_the_attendance_list_once_it_exists(world):
    from lianjian.activities.services import attendance_fill

    load([ROWS[0]])
    act = Activity.objects.get(code="HD-1")
    act.status = ActivityStatus.DRAFT
    act.save()
    attendance_fill(actor=None, activity=act)
    result = load(
        [["HD-1", "ZB-A", "主题党日", "2025-03-31 23:30", "三月主题党日", "会议室", 5, 2, None]]
    )
    assert result.errors == [
        "第2行 应到人数：该活动已有签到名单，应到人数以签到记录为准（2）",
        "第2行 实到人数：该活动已有签到名单，实到人数以签到记录为准（0）",
    ]


@pytest.mark.django_db
def test_export_round_trips_and_cli_commands_work(world, tmp_path):
    load(ROWS)
    path = tmp_path / "a.xlsx"
    out = io.StringIO()
    call_command("export", "activities", str(path), stdout=out)
    assert "已导出 3 条活动数据" in out.getvalue()
    sheet = read_sheet(path, get_kind("activities").columns)
    assert [v[:5] for _, v in sheet.rows][0] == (
        "HD-3",
        ["XZ-A1"],
        "党小组会",
        datetime.datetime(2025, 1, 15, tzinfo=TZ),
        "小组学习",
    )
    call_command("import", "activities", str(path), stdout=out)
    assert "新建 0 条，更新 0 条，未变 3 条" in out.getvalue()
    handle = io.BytesIO()
    assert export_file(get_kind("activities"), handle, user=world.manager_b) == 1
    assert (
        export_file(get_kind("activities"), io.BytesIO(), user=world.manager_a, org_code="ZB-A")
        == 3
    )
