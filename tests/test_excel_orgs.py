"""Import and export of organisations (``lianjian import/export orgs``) through the CLI."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lianjian.accounts.models import User
from lianjian.core.models import AuditLog
from lianjian.orgs.models import Member, Organisation
from tests.excel_helpers import make_xlsx, read_xlsx, run

ORG_HEADERS = [
    "组织编码*",
    "组织名称*",
    "组织类型*",
    "上级组织编码",
    "是否外部单位",
    "所属单位",
    "专业",
    "地址",
    "纬度",
    "经度",
    "优势资源",
    "需求",
    "成立日期",
    "撤销日期",
    "本届任期开始",
    "本届任期结束",
    "外部单位类别",
    "组织标识",
]


def state() -> list[tuple]:
    return list(
        Organisation.objects.order_by("code").values_list(
            "code", "name", "kind", "parent__code", "path", "depth", "updated_at"
        )
    )


def test_good_file_with_shuffled_headers_and_forward_parents_imports(world, tmp_path):
    path = make_xlsx(
        tmp_path / "orgs.xlsx",
        [
            "上级组织编码",
            "组织类型",
            "组织名称",
            "组织编码*",
            "纬度",
            "经度",
            "成立日期",
            "专业",
            "优势资源",
            "是否外部单位",
            "外部单位类别",
            "组织标识",
            "所属单位",
        ],
        [
            [
                "ZZ1",
                "党支部",
                "新建一支部",
                "ZB-N1",
                41.5,
                123,
                datetime.date(2021, 3, 4),
                "营销、运检，设备,安全；基建",
                None,
                None,
                None,
                "临时、联合",
                101,
            ],
            [
                "DW",
                "党总支",
                "新建党总支",
                "ZZ1",
                None,
                None,
                "2020-01-02",
                None,
                "场地",
                "否",
                None,
                None,
                None,
            ],
            [
                "ZB-N1",
                "党小组",
                "新建一组",
                "XZ-N1",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ],
            [
                "DW",
                "党委",
                "某街道社区党委",
                "WB-SQ",
                None,
                None,
                None,
                None,
                None,
                "是",
                "社区",
                None,
                "某街道",
            ],
        ],
    )
    audits_before = AuditLog.objects.count()

    code, out, err = run("import", "orgs", str(path))

    assert (code, out, err) == (0, "导入完成：新建 4 条，更新 0 条，未变 0 条。\n", "")
    n1 = Organisation.objects.get(code="ZB-N1")
    assert (n1.name, n1.kind, n1.parent.code, n1.path, n1.depth) == (
        "新建一支部",
        "党支部",
        "ZZ1",
        "/DW/ZZ1/ZB-N1/",
        2,
    )
    assert (n1.lat, n1.lon, n1.founded) == (41.5, 123.0, datetime.date(2021, 3, 4))
    assert n1.professions == ["营销", "运检", "设备", "安全", "基建"]
    assert (n1.is_temporary, n1.is_joint, n1.is_functional, n1.unit) == (True, True, False, "101")
    zz1 = Organisation.objects.get(code="ZZ1")
    assert (zz1.path, zz1.depth, zz1.founded, zz1.strengths, zz1.is_partner) == (
        "/DW/ZZ1/",
        1,
        datetime.date(2020, 1, 2),
        ["场地"],
        False,
    )
    xz = Organisation.objects.get(code="XZ-N1")
    assert (xz.path, xz.depth, xz.parent_id) == ("/DW/ZZ1/ZB-N1/XZ-N1/", 3, n1.pk)
    sq = Organisation.objects.get(code="WB-SQ")
    assert (sq.is_partner, sq.partner_kind, sq.unit, sq.path) == (
        True,
        "社区",
        "某街道",
        "/DW/WB-SQ/",
    )
    new_audits = AuditLog.objects.filter(pk__gt=0).order_by("id")[audits_before:]
    assert sorted((a.action, a.target_id, a.actor_name) for a in new_audits) == [
        ("create", "WB-SQ", "系统"),
        ("create", "XZ-N1", "系统"),
        ("create", "ZB-N1", "系统"),
        ("create", "ZZ1", "系统"),
        ("import", "orgs", "系统"),
    ]
    summary = AuditLog.objects.get(action="import")
    assert (summary.target_type, summary.actor_id) == ("import", None)
    assert summary.after == {
        "kind": "orgs",
        "file": "orgs.xlsx",
        "created": 4,
        "updated": 0,
        "unchanged": 0,
    }
    assert summary.note == "导入党组织（orgs），文件 orgs.xlsx：新建 4 条，更新 0 条，未变 0 条"
    created = AuditLog.objects.get(action="create", target_id="ZB-N1")
    assert created.after["parent_id"] == zz1.pk
    assert created.after["professions"] == ["营销", "运检", "设备", "安全", "基建"]


def test_inline_strings_blank_rows_and_spaces_are_read_like_excel_does(world, tmp_path):
    path = make_xlsx(
        tmp_path / "inline.xlsx",
        [" 组织编码 * ", "组织名称＊", "组织类型", "上级组织编码", "成立日期"],
        [
            ["ZB-I1", "  内联支部  ", "党支部", "DW", datetime.date(2019, 12, 31)],
            [None, None, None, None, None],
            ["   ", "", None, None, None],
            ["ZB-I2", "第二&<支部>", "党支部", "DW", "2019-1-5"],
        ],
        inline_strings=True,
    )

    code, out, err = run("import", "orgs", str(path))

    assert (code, out, err) == (0, "导入完成：新建 2 条，更新 0 条，未变 0 条。\n", "")
    assert list(
        Organisation.objects.filter(code__startswith="ZB-I")
        .order_by("code")
        .values_list("name", "founded")
    ) == [
        ("内联支部", datetime.date(2019, 12, 31)),
        ("第二&<支部>", datetime.date(2019, 1, 5)),
    ]


def test_bad_file_is_refused_whole_with_every_error(world, tmp_path):
    path = make_xlsx(
        tmp_path / "bad.xlsx",
        ORG_HEADERS[:16],
        [
            ["ZB-OK", "合格支部", "党支部", "DW"] + [None] * 12,
            ["ZB A", "坏编码", "党支部", "DW"] + [None] * 12,
            ["ZB-P", "无上级", "党支部", "NOPE"] + [None] * 12,
            ["XZ-9", "小组挂党委", "党小组", "DW"] + [None] * 12,
            ["ZB-L", "坐标", "党支部", "DW", None, None, None, None, 91, None] + [None] * 6,
            [
                "ZB-D",
                "日期",
                "党支部",
                "DW",
                "也许",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                datetime.date(2020, 5, 1),
                "2020-04-30",
                "2023-01-01",
                "2022-12-31",
            ],
            ["ZB-OK", "重复", "党支部", "DW"] + [None] * 12,
            ["C1", "环一", "党委", "C2"] + [None] * 12,
            ["C2", "环二", "党委", "C1"] + [None] * 12,
            ["ZB-K", None, "支部", "DW", None, None, None, None, 40, None, None, None, "2020-02-30"]
            + [None] * 3,
        ],
    )
    before, audits = state(), AuditLog.objects.count()

    code, out, err = run("import", "orgs", str(path))

    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "第3行 组织编码：编码只能包含字母、数字、下划线、点和短横线，最长 32 位",
        "第4行 上级组织编码：上级组织 NOPE 不存在",
        "第5行 上级组织编码：党小组不能设在党委之下",
        "第6行 纬度：纬度应在 -90 到 90 之间",
        "第7行 是否外部单位：应填“是”或“否”",
        "第7行 撤销日期：撤销日期不能早于成立日期",
        "第7行 本届任期结束：任期结束不能早于任期开始",
        "第8行 组织编码：与第2行重复",
        "第9行 上级组织编码：上级组织关系形成循环",
        "第10行 上级组织编码：上级组织关系形成循环",
        "第11行 组织名称：不能为空",
        "第11行 组织类型：应为党委、党总支、党支部、党小组之一",
        "第11行 经度：纬度和经度需同时填写",
        "第11行 成立日期：日期不存在",
        "共 14 处错误，未导入任何数据。",
    ]
    assert state() == before
    assert AuditLog.objects.count() == audits


@pytest.mark.parametrize(
    ("headers", "lines"),
    [
        (
            ["组织编码", "名称", "组织类型", "组织类型"],
            ["第1行 名称：未知的列名", "第1行 组织类型：列名重复", "第1行 组织名称：缺少必填列"],
        ),
        (["组织编码*", "组织名称*"], ["第1行 组织类型：缺少必填列"]),
    ],
)
def test_header_errors_are_listed_and_nothing_is_read(world, tmp_path, headers, lines):
    path = make_xlsx(tmp_path / "h.xlsx", headers, [["ZB-H", "x", "党支部", "党支部"]])

    code, _, err = run("import", "orgs", str(path))

    assert code == 1
    assert err.splitlines() == [*lines, f"共 {len(lines)} 处错误，未导入任何数据。"]
    assert not Organisation.objects.filter(code="ZB-H").exists()


def test_dry_run_checks_and_changes_nothing(world, tmp_path):
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        [
            ["ZB-N", "新支部", "党支部", "DW"],
            ["ZB-A", "营销服务党支部（改名）", "党支部", "DW"],
            ["ZB-B", "运维检修党支部", "党支部", "DW"],
        ],
    )
    before, audits = state(), AuditLog.objects.count()

    code, out, err = run("import", "orgs", str(path), "--dry-run")

    assert (code, out, err) == (0, "检查通过（未导入）：将新建 1 条，更新 1 条，未变 1 条。\n", "")
    assert state() == before
    assert AuditLog.objects.count() == audits


def test_reimport_of_the_same_file_changes_nothing_and_writes_only_the_summary(world, tmp_path):
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码", "专业"],
        [
            ["ZB-N", "新支部", "党支部", "DW", "营销、运检"],
            ["ZB-A", "营销服务党支部（改名）", "党支部", "DW", "营销服务"],
        ],
    )
    assert run("import", "orgs", str(path))[:2] == (
        0,
        "导入完成：新建 1 条，更新 1 条，未变 0 条。\n",
    )
    renamed = AuditLog.objects.get(action="update", target_id="ZB-A")
    assert (renamed.before, renamed.after) == (
        {"name": "营销服务党支部"},
        {"name": "营销服务党支部（改名）"},
    )
    before, last_id = state(), AuditLog.objects.order_by("-id").first().pk

    code, out, _ = run("import", "orgs", str(path))

    assert (code, out) == (0, "导入完成：新建 0 条，更新 0 条，未变 2 条。\n")
    assert state() == before
    assert [(a.action, a.after) for a in AuditLog.objects.filter(pk__gt=last_id)] == [
        ("import", {"kind": "orgs", "file": "o.xlsx", "created": 0, "updated": 0, "unchanged": 2}),
    ]


def test_moving_an_org_under_a_new_parent_moves_its_whole_subtree(world, tmp_path):
    path = make_xlsx(
        tmp_path / "move.xlsx",
        ["组织编码", "上级组织编码", "组织名称", "组织类型"],
        [
            ["ZB-A", "ZZ-M", "营销服务党支部", "党支部"],
            ["ZZ-M", "DW", "营销党总支", "党总支"],
        ],
    )

    code, out, _ = run("import", "orgs", str(path))

    assert (code, out) == (0, "导入完成：新建 1 条，更新 1 条，未变 0 条。\n")
    got = dict(
        Organisation.objects.filter(code__in=["ZZ-M", "ZB-A", "XZ-A1", "ZB-B"]).values_list(
            "code", "path"
        )
    )
    assert got == {
        "ZZ-M": "/DW/ZZ-M/",
        "ZB-A": "/DW/ZZ-M/ZB-A/",
        "XZ-A1": "/DW/ZZ-M/ZB-A/XZ-A1/",
        "ZB-B": "/DW/ZB-B/",
    }
    assert Organisation.objects.get(code="XZ-A1").depth == 3
    moved = AuditLog.objects.get(action="update", target_id="ZB-A")
    zz = Organisation.objects.get(code="ZZ-M")
    assert (moved.before, moved.after) == ({"parent_id": world.dw.pk}, {"parent_id": zz.pk})
    # The manager of ZB-A still sees the moved subtree.
    manager_a = User.objects.get(pk=world.manager_a.pk)
    assert set(Organisation.objects.visible_to(manager_a).values_list("code", flat=True)) == {
        "ZB-A",
        "XZ-A1",
    }


def test_cycles_through_the_database_and_kind_conflicts_with_children_are_refused(world, tmp_path):
    path = make_xlsx(
        tmp_path / "cyc.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        [
            ["DW", "本溪供电公司党委", "党委", "ZB-X"],
            ["DW2", "另一公司党委", "党委", "ZB-B"],
            ["ZB-A", "营销服务党支部", "党总支", "DW"],
            ["WB-GOV", "本溪县人民政府机关党委", "党委", "WB-GOV"],
        ],
    )
    before = state()

    code, _, err = run("import", "orgs", str(path))

    assert code == 1
    assert err.splitlines() == [
        "第2行 上级组织编码：党委不能设在党支部之下",
        "第2行 上级组织编码：上级组织关系形成循环",
        "第3行 上级组织编码：党委不能设在党支部之下",
        "第3行 上级组织编码：上级组织关系形成循环",
        "第4行 组织类型：下级组织 XZ-A1（党小组）不能设在党总支之下",
        "第5行 上级组织编码：上级组织不能是本组织",
        "共 6 处错误，未导入任何数据。",
    ]
    assert state() == before


def test_dissolving_needs_no_members_and_no_active_children(world, tmp_path):
    path = make_xlsx(
        tmp_path / "d.xlsx",
        ["组织编码", "组织名称", "组织类型", "撤销日期"],
        [
            ["ZB-A", "营销服务党支部", "党支部", "2026-01-01"],
            ["ZB-B", "运维检修党支部", "党支部", datetime.date(2026, 1, 1)],
        ],
    )

    code, _, err = run("import", "orgs", str(path))

    assert code == 1
    assert err.splitlines() == [
        "第2行 撤销日期：还有 2 名党员，请先办理组织关系转接",
        "第2行 撤销日期：还有 1 个下级组织未撤销",
        "第3行 撤销日期：还有 1 名党员，请先办理组织关系转接",
        "共 3 处错误，未导入任何数据。",
    ]
    assert not Organisation.objects.filter(dissolved__isnull=False).exists()


def test_export_writes_the_import_columns_and_round_trips(world, tmp_path):
    Organisation.objects.filter(code="ZB-A").update(
        term_start=datetime.date(2024, 1, 1),
        term_end=datetime.date(2026, 12, 31),
        is_functional=True,
        address="=A1+1",
    )
    out_file = tmp_path / "export.xlsx"

    code, out, _ = run("export", "orgs", str(out_file))

    assert (code, out) == (0, f"已导出 7 条党组织数据到 {out_file}。\n")
    headers, rows = read_xlsx(out_file)
    assert headers == ORG_HEADERS
    by_code = {r[0]: r for r in rows}
    assert [r[0] for r in rows] == ["DW", "WB-GOV", "ZB-A", "XZ-A1", "ZB-B", "DW2", "ZB-X"]
    assert by_code["ZB-A"] == [
        "ZB-A",
        "营销服务党支部",
        "党支部",
        "DW",
        "否",
        None,
        "营销服务",
        "=A1+1",
        41.3,
        123.7,
        "客户服务",
        "技术攻关",
        None,
        None,
        datetime.datetime(2024, 1, 1),
        datetime.datetime(2026, 12, 31),
        None,
        "功能型",
    ]
    assert by_code["WB-GOV"][4] == "是" and by_code["WB-GOV"][16] == "政府"
    before = state()

    code, out, _ = run("import", "orgs", str(out_file))

    assert (code, out) == (0, "导入完成：新建 0 条，更新 0 条，未变 7 条。\n")
    assert state() == before


def test_export_of_a_subtree_and_of_an_unknown_org(world, tmp_path):
    out_file = tmp_path / "sub.xlsx"
    assert run("export", "orgs", str(out_file), "--org", "ZB-A")[0] == 0
    assert [r[0] for r in read_xlsx(out_file)[1]] == ["ZB-A", "XZ-A1"]
    assert run("export", "orgs", str(tmp_path / "x.xlsx"), "--org", "NOPE") == (
        1,
        "",
        "组织 NOPE 不存在或无权查看\n",
    )
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "文件不存在：{path}"),
        (b"not a spreadsheet", "文件不是有效的 Excel 工作簿（.xlsx）"),
        ("empty", "第一个工作表为空：第一行应为表头"),
        ("header-only", "表格中没有数据行（第一行之后全部为空）"),
    ],
)
def test_unusable_files_exit_1_without_traceback(world, tmp_path, content, message):
    path = tmp_path / "in.xlsx"
    if content == "empty":
        make_xlsx(path, [], [])
    elif content == "header-only":
        make_xlsx(path, ["组织编码", "组织名称", "组织类型"], [])
    elif content is not None:
        path.write_bytes(content)

    code, out, err = run("import", "orgs", str(path))

    assert (code, out) == (1, "")
    assert err == message.format(path=path) + "\n共 1 处错误，未导入任何数据。\n"


def _cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "LIANJIAN_DATA_DIR": str(tmp_path),
        "LIANJIAN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
    }
    return subprocess.run(
        [str(Path(sys.executable).with_name("lianjian")), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_real_cli_exit_codes_for_usage_errors_and_bad_files(tmp_path):
    """The console script itself: usage errors exit 2, unreadable input exits 1, no traceback.
    (These paths fail before any database access, so a scratch database suffices.)"""
    unknown = _cli("import", "widgets", "x.xlsx", tmp_path=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.splitlines()[-1].startswith(
        "lianjian import: error: 参数 kind 的取值 widgets 无效，可选：orgs、members"
    )
    missing = _cli("import", "orgs", tmp_path=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.splitlines()[-1] == "lianjian import: error: 缺少必需的参数：file"
    bad = tmp_path / "bad.xlsx"
    bad.write_text("hello")
    result = _cli("import", "members", str(bad), tmp_path=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "文件不是有效的 Excel 工作簿（.xlsx）\n共 1 处错误，未导入任何数据。\n"
    assert "Traceback" not in unknown.stderr + missing.stderr + result.stderr


def test_members_are_untouched_by_an_org_import(world, tmp_path):
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型"],
        [["ZB-A", "营销服务党支部", "党支部"]],
    )
    members = list(Member.objects.values_list("number", "org_id", "updated_at"))
    assert run("import", "orgs", str(path))[0] == 0
    assert list(Member.objects.values_list("number", "org_id", "updated_at")) == members
