"""Import and export of alliances (``lianjian import/export alliances`` and /orgs/excel/)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.core.excel import get_kind, import_file
from lianjian.core.models import AuditLog
from lianjian.orgs.services import org_create, org_dissolve
from tests.alliance_helpers import make_alliances
from tests.excel_helpers import make_xlsx, read_xlsx, run

HEADERS = [
    "联建编码*",
    "联建名称*",
    "联建类型*",
    "主题",
    "牵头组织编码*",
    "成员组织编码*",
    "包保领导",
    "成立日期",
]
D = datetime.date


@pytest.fixture
def aw(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_alliances(world)


def memberships() -> list[tuple]:
    return list(
        AllianceMember.objects.order_by("alliance__code", "org__code").values_list(
            "alliance__code", "org__code", "joined_on", "left_on"
        )
    )


def state() -> list:
    return [
        list(Alliance.objects.order_by("code").values_list()),
        list(AllianceMember.objects.order_by("pk").values_list()),
        AuditLog.objects.count(),
    ]


def test_good_file_creates_alliances_with_their_members(world, aw, tmp_path):
    path = make_xlsx(
        tmp_path / "alliances.xlsx",
        [
            "成员组织编码",
            "联建编码",
            "联建名称",
            "联建类型",
            "牵头组织编码",
            "主题",
            "包保领导",
            "成立日期",
        ],
        [
            [
                "WB-GOV",
                "LJ-N1",
                "县域政企联建",
                "政企联建",
                "ZB-B",
                "党建+优化营商环境",
                "孙立新",
                D(2025, 3, 1),
            ],
            [
                "ZB-A，ZB-B、XZ-A1；ZB-A",
                "LJ-N2",
                "营销运检联建网",
                "联建网",
                "DW",
                None,
                None,
                "2025-04-02",
            ],
        ],
    )
    audits_before = AuditLog.objects.count()

    code, out, err = run("import", "alliances", str(path))

    assert (code, out, err) == (0, "导入完成：新建 2 条，更新 0 条，未变 0 条。\n", "")
    n1 = Alliance.objects.select_related("type", "lead").get(code="LJ-N1")
    assert (n1.name, n1.type.name, n1.theme, n1.lead.code, n1.sponsor, n1.founded, n1.status) == (
        "县域政企联建",
        "政企联建",
        "党建+优化营商环境",
        "ZB-B",
        "孙立新",
        D(2025, 3, 1),
        "运行",
    )
    n2 = Alliance.objects.get(code="LJ-N2")
    assert (n2.theme, n2.sponsor, n2.founded) == ("", "", D(2025, 4, 2))
    assert [m for m in memberships() if m[0].startswith("LJ-N")] == [
        ("LJ-N1", "WB-GOV", D(2025, 3, 1), None),
        ("LJ-N1", "ZB-B", D(2025, 3, 1), None),
        ("LJ-N2", "DW", D(2025, 4, 2), None),
        ("LJ-N2", "XZ-A1", D(2025, 4, 2), None),
        ("LJ-N2", "ZB-A", D(2025, 4, 2), None),
        ("LJ-N2", "ZB-B", D(2025, 4, 2), None),
    ]
    new_audits = AuditLog.objects.order_by("id")[audits_before:]
    assert [(a.action, a.target_type, a.target_id, a.actor_name) for a in new_audits] == [
        ("create", "alliances.alliance", "LJ-N1", "系统"),
        ("create", "alliances.alliance", "LJ-N2", "系统"),
        ("import", "import", "alliances", "系统"),
    ]
    assert new_audits[0].after["members"] == ["ZB-B", "WB-GOV"]
    assert new_audits[2].after == {
        "kind": "alliances",
        "file": "alliances.xlsx",
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }

    # the same file again changes nothing but the summary row
    before = state()
    code, out, err = run("import", "alliances", str(path))
    assert (code, out, err) == (0, "导入完成：新建 0 条，更新 0 条，未变 2 条。\n", "")
    after = state()
    assert after[:2] == before[:2]
    assert after[2] == before[2] + 1


def test_bad_file_is_refused_whole_with_every_error(world, aw, tmp_path):
    org_create(actor=None, code="ZB-OLD", name="已撤销支部", kind="党支部", parent=world.dw)
    org_dissolve(actor=None, org=world.dw.children.get(code="ZB-OLD"), date=D(2025, 1, 1))
    path = make_xlsx(
        tmp_path / "bad.xlsx",
        HEADERS,
        [
            ["LJ-OK", "本来正确的一行", "联建网", None, "ZB-A", "ZB-B", None, None],
            ["LJ-T", "类型不对", "友好联建", None, "ZB-A", "ZB-B", None, None],
            ["LJ-L", "牵头不存在", "联建网", None, "NOPE", "ZB-B", None, None],
            ["LJ-M", "成员不存在", "联建网", None, "ZB-A", "ZB-B、X1、X2", None, None],
            ["LJ 1", "编码不对", "联建网", None, "ZB-A", "ZB-B", None, "2025-02-30"],
            ["LJ-OK", "重复", "联建网", None, "ZB-A", "ZB-B", None, None],
            ["LJ-S", "只有牵头", "联建网", None, "ZB-A", "ZB-A", None, None],
            ["LJ-D", "撤销的成员", "联建网", None, "ZB-A", "ZB-OLD", None, None],
            ["LJ-E", None, "联建网", None, "ZB-A", None, "包" * 51, "明天"],
            ["LJ-C", "坏的成员编码", "联建网", None, "ZB-A", "ZB-B、ZB B", None, None],
        ],
    )
    before = state()

    code, out, err = run("import", "alliances", str(path))

    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "第3行 联建类型：联建类型“友好联建”不存在（可选：联建网、党建联盟、结对共建、政企联建、区域联建、产业链联建）",
        "第4行 牵头组织编码：组织 NOPE 不存在",
        "第5行 成员组织编码：组织 X1、X2 不存在",
        "第6行 联建编码：编码只能包含字母、数字、下划线、点和短横线，最长 32 位",
        "第6行 成立日期：日期不存在",
        "第7行 联建编码：与第2行重复",
        "第8行 成员组织编码：联建至少需要两个党组织（牵头组织之外至少还需一个成员）",
        "第9行 成员组织编码：组织 ZB-OLD 已撤销，不能加入联建",
        "第10行 联建名称：不能为空",
        "第10行 成员组织编码：不能为空",
        "第10行 包保领导：长度不能超过 50 个字符",
        "第10行 成立日期：日期格式应为 YYYY-MM-DD",
        "第11行 成员组织编码：“ZB B”不是有效的组织编码",
        "共 13 处错误，未导入任何数据。",
    ]
    assert state() == before


def test_file_level_errors(world, aw, tmp_path):
    path = make_xlsx(
        tmp_path / "h.xlsx",
        ["联建编码", "联建名称", "联建类型", "牵头组织编码", "状态"],
        [["LJ-H", "x", "联建网", "ZB-A", "运行"]],
    )
    code, out, err = run("import", "alliances", str(path))
    assert (code, err.splitlines()) == (
        1,
        [
            "第1行 状态：未知的列名",
            "第1行 成员组织编码：缺少必填列",
            "共 2 处错误，未导入任何数据。",
        ],
    )


def test_reimport_updates_fields_adds_members_and_never_removes_any(world, aw, tmp_path):
    # LJ-A has ZB-A (lead), ZB-B and WB-GOV; the file lists only ZB-A and XZ-A1.
    path = make_xlsx(
        tmp_path / "upd.xlsx",
        ["联建编码", "联建名称", "联建类型", "牵头组织编码", "成员组织编码", "成立日期"],
        [
            ["LJ-A", "营销政企联建（二期）", "政企联建", "ZB-A", "ZB-A、XZ-A1", D(2024, 1, 1)],
            ["LJ-X", "外公司联建网", "联建网", "ZB-X", "DW2", D(2024, 6, 1)],
        ],
    )

    code, out, err = run("import", "alliances", str(path))

    assert (code, out, err) == (0, "导入完成：新建 0 条，更新 1 条，未变 1 条。\n", "")
    lj_a = Alliance.objects.get(code="LJ-A")
    # fields of columns missing from the file (主题, 包保领导) stay as they were
    assert (lj_a.name, lj_a.theme, lj_a.sponsor) == (
        "营销政企联建（二期）",
        "党建+营销服务",
        "陈海波",
    )
    assert [m for m in memberships() if m[0] == "LJ-A"] == [
        ("LJ-A", "WB-GOV", D(2024, 1, 1), None),
        ("LJ-A", "XZ-A1", D(2024, 1, 1), None),
        ("LJ-A", "ZB-A", D(2024, 1, 1), None),
        ("LJ-A", "ZB-B", D(2024, 1, 1), None),
    ]
    audits = list(
        AuditLog.objects.filter(target_id="LJ-A").order_by("-id")[:2].values_list("before", "after")
    )
    assert audits == [
        ({"name": "营销政企联建"}, {"name": "营销政企联建（二期）"}),
        (
            {},
            {
                "member_added": {
                    "org": "XZ-A1",
                    "joined_on": "2024-01-01",
                    "left_on": None,
                    "liaison": "",
                }
            },
        ),
    ]


def test_a_new_lead_joins_on_the_founding_date(world, aw, tmp_path):
    path = make_xlsx(
        tmp_path / "lead.xlsx",
        HEADERS,
        [
            [
                "LJ-A",
                "营销政企联建",
                "政企联建",
                "党建+营销服务",
                "DW",
                "ZB-B",
                "陈海波",
                D(2024, 2, 1),
            ]
        ],
    )
    code, out, err = run("import", "alliances", str(path))
    assert (code, err) == (0, "")
    lj_a = Alliance.objects.select_related("lead").get(code="LJ-A")
    assert (lj_a.lead.code, lj_a.founded) == ("DW", D(2024, 2, 1))
    assert AllianceMember.objects.get(alliance=lj_a, org__code="DW").joined_on == D(2024, 2, 1)
    assert AllianceMember.objects.filter(alliance=lj_a, left_on__isnull=True).count() == 4


def test_dry_run_writes_nothing(world, aw, tmp_path):
    path = make_xlsx(
        tmp_path / "dry.xlsx",
        HEADERS,
        [
            ["LJ-N", "新联建", "结对共建", None, "ZB-A", "WB-GOV", None, None],
            [
                "LJ-A",
                "营销政企联建",
                "政企联建",
                "党建+营销服务",
                "ZB-A",
                "ZB-B、WB-GOV",
                "陈海波",
                D(2024, 1, 1),
            ],
        ],
    )
    before = state()
    code, out, err = run("import", "alliances", str(path), "--dry-run")
    assert (code, out, err) == (0, "检查通过（未导入）：将新建 1 条，更新 0 条，未变 1 条。\n", "")
    assert state() == before


def test_export_then_import_round_trips(world, aw, tmp_path):
    out_path = tmp_path / "out.xlsx"
    code, out, err = run("export", "alliances", str(out_path))
    assert (code, out, err) == (0, f"已导出 2 条联建数据到 {out_path}。\n", "")
    headers, rows = read_xlsx(out_path)
    assert headers == HEADERS
    assert rows == [
        [
            "LJ-A",
            "营销政企联建",
            "政企联建",
            "党建+营销服务",
            "ZB-A",
            "ZB-A、WB-GOV、ZB-B",
            "陈海波",
            datetime.datetime(2024, 1, 1),
        ],
        [
            "LJ-X",
            "外公司联建网",
            "联建网",
            "党建+安全生产",
            "ZB-X",
            "ZB-X、DW2",
            None,
            datetime.datetime(2024, 6, 1),
        ],
    ]
    before = state()
    code, out, err = run("import", "alliances", str(out_path))
    assert (code, out, err) == (0, "导入完成：新建 0 条，更新 0 条，未变 2 条。\n", "")
    assert state()[:2] == before[:2]

    # into an empty database of alliances, the export recreates the same alliances
    Alliance.objects.filter(code="LJ-X").update(code="LJ-X-OLD")
    code, out, err = run("import", "alliances", str(out_path))
    assert (code, out) == (0, "导入完成：新建 1 条，更新 0 条，未变 1 条。\n")
    assert [m[1:] for m in memberships() if m[0] == "LJ-X"] == [
        ("DW2", D(2024, 6, 1), None),
        ("ZB-X", D(2024, 6, 1), None),
    ]


def test_export_of_a_subtree(world, aw, tmp_path):
    out_path = tmp_path / "sub.xlsx"
    assert run("export", "alliances", str(out_path), "--org", "ZB-B")[0] == 0
    assert [r[0] for r in read_xlsx(out_path)[1]] == ["LJ-A"]
    code, out, err = run("export", "alliances", str(out_path), "--org", "NOPE")
    assert (code, err) == (1, "组织 NOPE 不存在或无权查看\n")


def _import_as(user, path, dry_run=False):
    return import_file(
        get_kind("alliances"), path, file_name=path.name, actor=user, user=user, dry_run=dry_run
    )


def test_manager_imports_only_alliances_whose_lead_they_manage(world, aw, tmp_path):
    path = make_xlsx(
        tmp_path / "scope.xlsx",
        HEADERS,
        [
            ["LJ-A", "营销政企联建", "政企联建", None, "ZB-A", "ZB-B、WB-GOV", None, D(2024, 1, 1)],
            ["LJ-X", "外公司联建网", "联建网", None, "ZB-X", "DW2", None, None],
            ["LJ-N1", "越权牵头", "联建网", None, "ZB-B", "ZB-A", None, None],
            ["LJ-N2", "越权成员", "联建网", None, "ZB-A", "ZB-X、WB-GOV", None, None],
        ],
    )
    before = state()
    result = _import_as(world.manager_a, path)
    # ZB-B is outside manager_a's subtree, but already a member of LJ-A: accepted (row 2)
    # LJ-X is hidden from manager_a: its code is taken, the row checked as a new alliance.
    assert result.errors == [
        "第3行 联建编码：该编号不可用（已被占用）",
        "第3行 牵头组织编码：组织 ZB-X 不存在",
        "第3行 成员组织编码：组织 DW2 不存在",
        "第4行 牵头组织编码：组织 ZB-B 不存在",
        "第5行 成员组织编码：组织 ZB-X 不存在",
    ]
    assert state() == before

    # manager_b sees LJ-A (through ZB-B) but does not manage its lead
    path = make_xlsx(
        tmp_path / "b.xlsx",
        HEADERS,
        [["LJ-A", "改名", "政企联建", None, "ZB-B", "WB-GOV", None, None]],
    )
    assert _import_as(world.manager_b, path).errors == ["第2行 联建编码：无权修改该联建"]
    path = make_xlsx(
        tmp_path / "b2.xlsx",
        HEADERS,
        [["LJ-B2", "运检政企联建", "政企联建", None, "ZB-B", "WB-GOV", None, None]],
    )
    # a partner organisation may join although it lies outside manager_b's subtree
    result = _import_as(world.manager_b, path)
    assert (result.errors, result.created) == ([], 1)
    assert (
        AuditLog.objects.filter(action="create", target_id="LJ-B2").get().actor_id
        == world.manager_b.pk
    )

    assert _import_as(world.member_a, path).errors == ["当前账户无权导入数据"]
    assert _import_as(world.company, path).errors == []  # unchanged now, and allowed


def test_the_excel_screens_offer_alliances(world, aw, tmp_path):
    client = Client()
    client.force_login(world.manager_a)
    page = client.get(reverse("orgs:import_start"), {"kind": "alliances"})
    assert page.status_code == 200
    assert 'value="alliances"' in page.content.decode()

    template = client.get(reverse("orgs:template_download"), {"kind": "alliances"})
    assert template.status_code == 200
    assert read_xlsx(b"".join(template.streaming_content))[0] == HEADERS

    exported = client.get(reverse("orgs:export_download"), {"kind": "alliances"})
    assert exported.status_code == 200
    content = b"".join(exported.streaming_content)
    assert [r[0] for r in read_xlsx(content)[1]] == ["LJ-A"]
    # the manager's own export imports back unchanged, though it names ZB-B outside their subtree
    (tmp_path / "mine.xlsx").write_bytes(content)
    result = _import_as(world.manager_a, tmp_path / "mine.xlsx")
    assert (result.errors, result.unchanged) == ([], 1)

    make_xlsx(
        tmp_path / "ui.xlsx",
        HEADERS,
        [["LJ-UI", "界面导入", "结对共建", None, "ZB-A", "WB-GOV", None, None]],
    )
    data = (tmp_path / "ui.xlsx").open("rb")
    preview = client.post(reverse("orgs:import_start"), {"kind": "alliances", "file": data})
    assert preview.status_code == 200
    assert not Alliance.objects.filter(code="LJ-UI").exists()
    token = preview.context["token"]
    confirmed = client.post(reverse("orgs:import_confirm"), {"token": token})
    assert confirmed.status_code == 302
    assert Alliance.objects.get(code="LJ-UI").lead.code == "ZB-A"
