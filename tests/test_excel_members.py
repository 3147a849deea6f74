"""Import and export of members (``lianjian import/export members``) through the CLI."""

from __future__ import annotations

import datetime

from lianjian.core.models import AuditLog
from lianjian.orgs.models import Member, MemberTransfer, Organisation
from lianjian.orgs.services import org_create, org_dissolve
from tests.excel_helpers import make_xlsx, read_xlsx, run

MEMBER_HEADERS = [
    "人员编号*",
    "姓名*",
    "性别",
    "出生日期",
    "所在组织编码*",
    "党员类别*",
    "入党日期*",
    "转正日期",
    "党内职务",
    "工作岗位",
    "手机号码",
    "身份证号",
    "流动党员",
]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17: str) -> str:
    """A resident ID with the right GB 11643 check character."""
    return (
        first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]
    )


def state() -> list[tuple]:
    return list(
        Member.objects.order_by("number").values_list(
            "number",
            "name",
            "initials",
            "org__code",
            "category",
            "phone",
            "id_number",
            "updated_at",
        )
    )


def test_good_file_creates_updates_and_transfers(world, tmp_path):
    new_id = id_number("21050219850612003")
    path = make_xlsx(
        tmp_path / "m.xlsx",
        [
            "入党日期",
            "姓名*",
            "人员编号",
            "手机号码",
            "所在组织编码",
            "党员类别*",
            "出生日期",
            "身份证号",
            "性别",
            "流动党员",
            "党内职务",
            "转正日期",
        ],
        [
            [
                datetime.date(2012, 7, 1),
                "欧阳娜娜",
                "M-N1",
                13912345678,
                "XZ-A1",
                "正式党员",
                datetime.date(1985, 6, 12),
                new_id,
                "女",
                "是",
                "组织委员、党小组长",
                "2013-07-01",
            ],
            [
                "2010-07-01",
                "张三",
                "M-A1",
                "13812345678",
                "ZB-B",
                "正式党员",
                None,
                world.m_a1.id_number,
                None,
                None,
                "书记",
                None,
            ],
        ],
    )

    code, out, err = run("import", "members", str(path))

    assert (code, out, err) == (0, "导入完成：新建 1 条，更新 1 条，未变 0 条。\n", "")
    n1 = Member.objects.get(number="M-N1")
    assert (n1.name, n1.initials, n1.gender, n1.birth_date, n1.org.code, n1.category) == (
        "欧阳娜娜",
        "oynn",
        "女",
        datetime.date(1985, 6, 12),
        "XZ-A1",
        "正式党员",
    )
    assert (n1.joined_on, n1.confirmed_on, n1.phone, n1.id_number, n1.is_floating, n1.post) == (
        datetime.date(2012, 7, 1),
        datetime.date(2013, 7, 1),
        "13912345678",
        new_id,
        True,
        "组织委员、党小组长",
    )
    moved = Member.objects.get(number="M-A1")
    assert moved.org == world.zb_b
    transfer = MemberTransfer.objects.get(member=moved)
    assert (transfer.from_org, transfer.to_org, transfer.reason, transfer.actor_name) == (
        world.zb_a,
        world.zb_b,
        "Excel 导入",
        "系统",
    )
    created = AuditLog.objects.get(action="create", target_id="M-N1")
    assert (created.after["phone"], created.after["id_number"]) == (
        "139****5678",
        new_id[:4] + "**********" + new_id[-4:],
    )
    moved_log = AuditLog.objects.get(action="transfer", target_id="M-A1")
    assert (moved_log.before, moved_log.after, moved_log.actor_name) == (
        {"org": "ZB-A"},
        {"org": "ZB-B"},
        "系统",
    )
    assert not AuditLog.objects.filter(action="update", target_id="M-A1").exists()
    assert AuditLog.objects.get(action="import").after == {
        "kind": "members",
        "file": "m.xlsx",
        "created": 1,
        "updated": 1,
        "unchanged": 0,
    }


def test_bad_file_is_refused_whole_with_every_error(world, tmp_path):
    empty = org_create(actor=None, code="ZB-OLD", name="已撤销支部", kind="党支部", parent=world.dw)
    org_dissolve(actor=None, org=empty, date=datetime.date(2025, 1, 1))
    path = make_xlsx(
        tmp_path / "bad.xlsx",
        MEMBER_HEADERS,
        [
            [
                "M-1",
                "甲",
                "男",
                None,
                "ZB-A",
                "正式党员",
                "2010-01-01",
                None,
                None,
                None,
                1381234567,
                None,
                None,
            ],
            [
                "M-2",
                "乙",
                None,
                None,
                "ZB-A",
                "正式党员",
                "2010-01-01",
                None,
                None,
                None,
                "13812345678",
                "110101199003071234",
                None,
            ],
            [
                "M-3",
                "丙",
                None,
                None,
                "NOPE",
                "正式党员",
                "2010-01-01",
                None,
                None,
                None,
                None,
                None,
                None,
            ],
            [
                "M-4",
                "丁",
                None,
                None,
                "ZB-OLD",
                "党员",
                "2010-01-01",
                None,
                None,
                None,
                None,
                None,
                None,
            ],
            [
                "M-5",
                "戊",
                "未知",
                None,
                "ZB-A",
                "预备党员",
                "2010-01-01",
                "2011-01-01",
                None,
                None,
                None,
                None,
                None,
            ],
            [
                "M-6",
                "己",
                None,
                None,
                "ZB-A",
                "正式党员",
                "2010-01-01",
                "2009-01-01",
                None,
                None,
                None,
                None,
                None,
            ],
            ["M-1", "庚", None, None, "ZB-A", "正式党员", None, None, None, None, None, None, None],
            [
                "M-8",
                "辛",
                None,
                datetime.date(2000, 1, 1),
                "ZB-A",
                "正式党员",
                "2010-01-01",
                None,
                None,
                None,
                None,
                None,
                "不",
            ],
            [
                "M-A2",
                "李四",
                None,
                None,
                "WB-GOV",
                "预备党员",
                "2025-07-01",
                None,
                None,
                None,
                None,
                None,
                None,
            ],
        ],
    )
    before, audits, transfers = state(), AuditLog.objects.count(), MemberTransfer.objects.count()

    code, out, err = run("import", "members", str(path))

    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "第2行 手机号码：手机号码应为 11 位数字，以 1 开头",
        "第3行 身份证号：身份证号格式或校验位不正确",
        "第4行 所在组织编码：组织 NOPE 不存在",
        "第5行 所在组织编码：所在组织已撤销",
        "第5行 党员类别：应为正式党员、预备党员之一",
        "第6行 性别：应为男、女之一",
        "第6行 转正日期：预备党员不应有转正日期",
        "第7行 转正日期：转正日期不能早于入党日期",
        "第8行 人员编号：与第2行重复",
        "第8行 入党日期：不能为空",
        "第9行 入党日期：入党时应年满十八岁",
        "第9行 流动党员：应填“是”或“否”",
        "第10行 所在组织编码：不能转入外部单位党组织",
        "共 13 处错误，未导入任何数据。",
    ]
    assert state() == before
    assert (AuditLog.objects.count(), MemberTransfer.objects.count()) == (audits, transfers)


def test_an_error_in_a_later_batch_undoes_the_earlier_batches(world, tmp_path):
    rows = [
        [
            f"B{i:05d}",
            "批量",
            None,
            None,
            "ZB-B",
            "正式党员",
            "2010-01-01",
            None,
            None,
            None,
            None,
            None,
            None,
        ]
        for i in range(4500)
    ]
    rows[4400][10] = "123"
    path = make_xlsx(tmp_path / "big.xlsx", MEMBER_HEADERS, rows)
    before = Member.objects.count()

    code, _, err = run("import", "members", str(path))

    assert code == 1
    assert err.splitlines() == [
        "第4402行 手机号码：手机号码应为 11 位数字，以 1 开头",
        "共 1 处错误，未导入任何数据。",
    ]
    assert Member.objects.count() == before


def test_dry_run_and_reimport_change_nothing(world, tmp_path):
    path = make_xlsx(
        tmp_path / "m.xlsx",
        ["人员编号", "姓名", "所在组织编码", "党员类别", "入党日期", "手机号码"],
        [
            ["M-N2", "孙八", "ZB-B", "正式党员", "2001-07-01", 13700000009],
            ["M-B1", "王五", "ZB-B", "正式党员", "2010-07-01", "13700000099"],
            ["M-A2", "李四", "ZB-A", "预备党员", "2025-07-01", "13900000001"],
        ],
    )
    before, audits = state(), AuditLog.objects.count()
    assert run("import", "members", str(path), "--dry-run")[:2] == (
        0,
        "检查通过（未导入）：将新建 1 条，更新 1 条，未变 1 条。\n",
    )
    assert (state(), AuditLog.objects.count()) == (before, audits)

    assert run("import", "members", str(path))[:2] == (
        0,
        "导入完成：新建 1 条，更新 1 条，未变 1 条。\n",
    )
    changed = AuditLog.objects.get(action="update", target_id="M-B1")
    assert (changed.before, changed.after) == ({"phone": "137****0002"}, {"phone": "137****0099"})
    after_first, last_id = state(), AuditLog.objects.order_by("-id").first().pk

    assert run("import", "members", str(path))[:2] == (
        0,
        "导入完成：新建 0 条，更新 0 条，未变 3 条。\n",
    )
    assert state() == after_first
    assert list(AuditLog.objects.filter(pk__gt=last_id).values_list("action", flat=True)) == [
        "import"
    ]


def test_export_round_trips_with_clear_numbers_for_the_system(world, tmp_path):
    Member.objects.filter(number="M-A1").update(
        gender="男",
        birth_date=datetime.date(1990, 3, 7),
        is_floating=True,
        confirmed_on=datetime.date(2011, 7, 1),
    )
    out_file = tmp_path / "members.xlsx"

    code, out, _ = run("export", "members", str(out_file))

    assert (code, out) == (0, f"已导出 4 条党员数据到 {out_file}。\n")
    headers, rows = read_xlsx(out_file)
    assert headers == MEMBER_HEADERS
    assert rows[0] == [
        "M-A1",
        "张三",
        "男",
        datetime.datetime(1990, 3, 7),
        "ZB-A",
        "正式党员",
        datetime.datetime(2010, 7, 1),
        datetime.datetime(2011, 7, 1),
        "书记",
        None,
        "13812345678",
        world.m_a1.id_number,
        "是",
    ]
    assert [r[0] for r in rows] == ["M-A1", "M-A2", "M-B1", "M-X1"]
    before = state()

    assert run("import", "members", str(out_file))[:2] == (
        0,
        "导入完成：新建 0 条，更新 0 条，未变 4 条。\n",
    )
    assert state() == before


def test_export_of_one_org_subtree_leaves_out_members_who_left(world, tmp_path):
    Member.objects.filter(number="M-A2").update(
        left_on=datetime.date(2026, 1, 1), left_reason="转出"
    )
    out_file = tmp_path / "a.xlsx"
    assert run("export", "members", str(out_file), "--org", "ZB-A")[0] == 0
    assert [r[0] for r in read_xlsx(out_file)[1]] == ["M-A1"]


def test_an_existing_members_org_may_be_dissolved_if_unchanged(world, tmp_path):
    """A row that keeps a member where it is does not re-check the organisation, so that
    files exported earlier still import after other organisations change."""
    Organisation.objects.filter(code="ZB-X").update(name="外公司党支部（改）")
    path = make_xlsx(
        tmp_path / "m.xlsx",
        ["人员编号", "姓名", "所在组织编码", "党员类别", "入党日期"],
        [
            ["M-X1", "赵六", "ZB-X", "正式党员", "2010-07-01"],
        ],
    )
    assert run("import", "members", str(path))[:2] == (
        0,
        "导入完成：新建 0 条，更新 0 条，未变 1 条。\n",
    )
