"""Excel kind ``problems``: columns, state consistency, all-or-nothing, scope, round trip."""

from __future__ import annotations

import datetime

import pytest

from lianjian.consultations.models import Problem, ProblemEvent
from lianjian.core.excel import get_kind, import_file
from lianjian.core.models import AuditLog
from tests.consultation_helpers import days, make_consultations
from tests.excel_helpers import make_xlsx, read_xlsx, run

D = datetime.date
HEADERS = [
    "问题编号*",
    "问题标题*",
    "提出组织编码*",
    "问题类别*",
    "紧急程度",
    "联建编码",
    "问题描述",
    "责任组织编码",
    "责任人",
    "办理期限",
    "状态",
    "提出日期",
    "解决日期",
    "解决情况",
]
ROWS = [
    [
        "WT-101",
        "线路通道清障",
        "ZB-B",
        "安全生产",
        "紧急",
        "LJ-A",
        "树障超高",
        None,
        None,
        None,
        None,
        D(2026, 1, 5),
        None,
        None,
    ],
    [
        "WT-102",
        "用电报装提速",
        "WB-GOV",
        "营商环境",
        None,
        "LJ-A",
        None,
        "ZB-A、ZB-B",
        "张三",
        D(2026, 6, 30),
        "办理中",
        "2026-01-06",
        None,
        None,
    ],
    [
        "WT-103",
        "乡村振兴电力保障",
        "ZB-B",
        "乡村振兴",
        "较急",
        "LJ-A",
        None,
        "WB-GOV",
        None,
        D(2026, 5, 31),
        "已销号",
        D(2026, 1, 7),
        D(2026, 4, 20),
        "新增配变 7 台",
    ],
    [
        "WT-104",
        "营业厅服务标准",
        "ZB-A",
        "营销服务",
        None,
        None,
        None,
        "ZB-B",
        None,
        D(2026, 9, 30),
        "待确认",
        D(2026, 2, 1),
        "2026-08-01",
        "统一受理资料清单",
    ],
]


@pytest.fixture
def c(world):
    return make_consultations(world)


def load(tmp_path, rows, *, user=None, headers=HEADERS, dry_run=False):
    path = make_xlsx(tmp_path / "problems.xlsx", headers, rows)
    return import_file(
        get_kind("problems"),
        str(path),
        file_name="问题.xlsx",
        user=user,
        actor=user,
        dry_run=dry_run,
    )


def test_import_creates_problems_in_their_states_and_is_idempotent(world, c, tmp_path):
    result = load(tmp_path, ROWS)
    assert result.errors == [] and (result.created, result.updated, result.unchanged) == (4, 0, 0)
    p1, p2, p3, p4 = (Problem.objects.get(code=f"WT-10{i}") for i in range(1, 5))
    assert (p1.state, p1.urgency, p1.raised_on, p1.alliance.code, p1.description) == (
        "待研究",
        "紧急",
        D(2026, 1, 5),
        "LJ-A",
        "树障超高",
    )
    assert (p2.state, p2.urgency, p2.responsible, p2.deadline) == (
        "办理中",
        "一般",
        "张三",
        D(2026, 6, 30),
    )
    assert list(p2.owner_links.values_list("org__code", flat=True)) == ["ZB-A", "ZB-B"]
    assert (p3.state, p3.solved_on, p3.closed_on, p3.resolution) == (
        "已销号",
        D(2026, 4, 20),
        D(2026, 4, 20),
        "新增配变 7 台",
    )
    assert (p4.alliance, p4.state, p4.solved_on) == (None, "待确认", D(2026, 8, 1))
    event = p3.events.get()
    assert (event.kind, event.to_state, event.text) == ("导入", "已销号", "Excel 导入：问题.xlsx")
    again = load(tmp_path, ROWS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_a_changed_row_updates_and_records_what_changed(world, c, tmp_path):
    load(tmp_path, ROWS)
    rows = [list(ROWS[1])]
    rows[0][10], rows[0][12], rows[0][13] = "待确认", D(2026, 6, 1), "报装时长压缩至 21 天"
    result = load(tmp_path, rows)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    p = Problem.objects.get(code="WT-102")
    assert (p.state, p.solved_on) == ("待确认", D(2026, 6, 1))
    event = p.events.order_by("-id").first()
    assert (event.kind, event.from_state, event.to_state) == ("导入", "办理中", "待确认")
    assert event.text == "Excel 导入：问题.xlsx；修改了状态、解决日期、解决情况"
    assert AuditLog.objects.filter(target_id="WT-102", action="update").get().after == {
        "state": "待确认",
        "solved_on": "2026-06-01",
        "resolution": "报装时长压缩至 21 天",
    }


def test_absent_columns_leave_fields_unchanged(world, c, tmp_path):
    load(tmp_path, ROWS)
    result = load(
        tmp_path, [["WT-102", "用电报装提速（改）", "WB-GOV", "营商环境"]], headers=HEADERS[:4]
    )
    assert (result.updated, result.errors) == (1, [])
    p = Problem.objects.get(code="WT-102")
    assert (p.title, p.state, p.responsible, p.alliance.code) == (
        "用电报装提速（改）",
        "办理中",
        "张三",
        "LJ-A",
    )
    assert list(p.owner_links.values_list("org__code", flat=True)) == ["ZB-A", "ZB-B"]


BAD = [
    (
        [
            "WT-201",
            "x",
            "ZB-B",
            "其他",
            None,
            "LJ-A",
            None,
            "ZB-A",
            None,
            D(2026, 6, 1),
            None,
            D(2026, 1, 1),
            None,
            None,
        ],
        [
            "第2行 责任组织编码：待研究的问题尚未分派，不能填写责任组织（已分派请将状态填为“已分派”）",
            "第2行 办理期限：待研究的问题尚未分派，不能填写办理期限",
        ],
    ),
    (
        [
            "WT-202",
            "x",
            "ZB-B",
            "其他",
            None,
            "LJ-A",
            None,
            None,
            None,
            None,
            "已分派",
            D(2026, 1, 1),
            None,
            None,
        ],
        [
            "第2行 责任组织编码：已分派的问题须填写责任组织",
            "第2行 办理期限：已分派的问题须填写办理期限",
        ],
    ),
    (
        [
            "WT-203",
            "x",
            "ZB-B",
            "其他",
            None,
            "LJ-A",
            None,
            "ZB-A",
            None,
            D(2026, 6, 1),
            "已销号",
            D(2026, 1, 1),
            None,
            None,
        ],
        [
            "第2行 解决日期：已销号的问题须填写解决日期",
            "第2行 解决情况：已销号的问题须填写解决情况",
        ],
    ),
    (
        [
            "WT-204",
            "x",
            "ZB-B",
            "其他",
            None,
            "LJ-A",
            None,
            "ZB-A",
            None,
            D(2026, 6, 1),
            "办理中",
            D(2026, 1, 1),
            D(2026, 2, 1),
            "好",
        ],
        [
            "第2行 解决日期：办理中的问题尚未解决，不能填写解决日期",
            "第2行 解决情况：办理中的问题尚未解决，不能填写解决情况",
        ],
    ),
    (
        [
            "WT-205",
            "x",
            "ZB-B",
            "其他",
            None,
            "LJ-A",
            None,
            "ZB-A",
            None,
            D(2025, 6, 1),
            "待确认",
            D(2026, 1, 1),
            D(2025, 12, 1),
            "好",
        ],
        ["第2行 办理期限：办理期限不能早于提出日期", "第2行 解决日期：解决日期不能早于提出日期"],
    ),
    (
        [
            "WT-206",
            "x",
            "ZB-X",
            "其他",
            None,
            "LJ-A",
            None,
            None,
            None,
            None,
            None,
            days(1),
            None,
            None,
        ],
        [
            "第2行 提出组织编码：组织 ZB-X 不是所填联建的成员单位",
            "第2行 提出日期：提出日期不能晚于今天",
        ],
    ),
    (
        [
            "WT-207",
            "x",
            "ZB-B",
            "杂项",
            "很急",
            "LJ-Q",
            None,
            "ZB-NONE",
            None,
            None,
            "已关闭",
            "2026-13-01",
            None,
            None,
        ],
        [
            "第2行 问题类别：应为生产经营难点、安全生产、营销服务、营商环境、乡村振兴、基层治理、民生服务、其他之一",
            "第2行 紧急程度：应为一般、较急、紧急之一",
            "第2行 联建编码：联建 LJ-Q 不存在或不在您的范围内",
            "第2行 责任组织编码：组织 ZB-NONE 不存在或不在您的范围内",
            "第2行 状态：应为待研究、已分派、办理中、待确认、已销号之一",
            "第2行 提出日期：日期不存在",
        ],
    ),
]


@pytest.mark.parametrize("row,errors", BAD, ids=[r[0] for r, _ in BAD])
def test_inconsistent_rows_are_refused_with_every_reason(world, c, tmp_path, row, errors):
    n = (Problem.objects.count(), ProblemEvent.objects.count(), AuditLog.objects.count())
    result = load(tmp_path, [row])
    assert result.errors == errors
    assert (Problem.objects.count(), ProblemEvent.objects.count(), AuditLog.objects.count()) == n


def test_one_bad_row_refuses_the_whole_file_and_duplicates_are_named(world, c, tmp_path):
    rows = [*ROWS, list(ROWS[0])]
    rows[-1][2] = "ZB-A"
    result = load(tmp_path, rows)
    assert result.errors == ["第6行 问题编号：与第2行重复"]
    assert not Problem.objects.filter(code__startswith="WT-10").exists()
    assert load(tmp_path, ROWS, dry_run=True).created == 4
    assert not Problem.objects.filter(code__startswith="WT-10").exists()


def test_scope_of_a_manager_is_the_alliances_they_lead_and_their_own_loose_problems(
    world, c, tmp_path
):
    row_a = [
        "WT-301",
        "x",
        "ZB-B",
        "其他",
        None,
        "LJ-A",
        None,
        None,
        None,
        None,
        None,
        D(2026, 1, 1),
        None,
        None,
    ]
    loose_b = [
        "WT-302",
        "y",
        "ZB-B",
        "其他",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        D(2026, 1, 1),
        None,
        None,
    ]
    assert load(tmp_path, [row_a], user=world.manager_b).errors == [
        "第2行 联建编码：无权导入：须为本人管理的联建的问题，或本组织及下级组织提出的问题"
    ]
    assert load(tmp_path, [loose_b], user=world.manager_b).created == 1
    assert load(tmp_path, [row_a], user=world.manager_a).created == 1
    assert load(tmp_path, [row_a], user=world.member_a).errors == ["当前账户无权导入数据"]
    foreign = [
        "WT-X",
        "外公司问题",
        "ZB-X",
        "其他",
        None,
        "LJ-X",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert load(tmp_path, [foreign], user=world.manager_a).errors == [
        "第2行 问题编号：该编号不可用（已被占用）",
        "第2行 提出组织编码：组织 ZB-X 不存在或不在您的范围内",
        "第2行 联建编码：联建 LJ-X 不存在或不在您的范围内",
    ]
    # The partner WB-GOV is outside manager_a's subtree but a member of LJ-A, which they lead.
    owner_gov = [
        "WT-303",
        "z",
        "ZB-A",
        "其他",
        None,
        "LJ-A",
        None,
        "WB-GOV",
        None,
        D(2026, 12, 31),
        "已分派",
        D(2026, 1, 1),
        None,
        None,
    ]
    assert load(tmp_path, [owner_gov], user=world.manager_a).errors == []


def test_export_then_import_round_trips_through_the_command_line(world, c, tmp_path):
    out = tmp_path / "out.xlsx"
    code, stdout, stderr = run("export", "problems", str(out))
    assert (code, stderr) == (0, "")
    headers, rows = read_xlsx(out)
    assert headers == [h if h.endswith("*") else h for h in HEADERS]
    assert [r[0] for r in rows] == ["WT-L", "WT-P", "WT-S", "WT-W", "WT-X"]
    w = next(r for r in rows if r[0] == "WT-W")
    assert (w[7], w[10], w[11].date() if hasattr(w[11], "date") else w[11]) == (
        "ZB-A",
        "已分派",
        days(0),
    )
    code, stdout, stderr = run("import", "problems", str(out))
    assert (code, stderr) == (0, "")
    assert "新建 0 条，更新 0 条，未变 5 条" in stdout


def test_the_command_line_lists_errors_and_exits_1(world, c, tmp_path):
    path = make_xlsx(tmp_path / "bad.xlsx", HEADERS, [BAD[1][0]])
    code, stdout, stderr = run("import", "problems", str(path))
    assert code == 1
    assert stderr.splitlines() == [*BAD[1][1], "共 2 处错误，未导入任何数据。"]
