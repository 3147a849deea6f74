"""Import and export of resources (``lianjian import/export resources`` and /orgs/excel/)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.core.excel import get_kind, import_file
from lianjian.core.models import AuditLog
from lianjian.sharing.models import Resource
from tests.excel_helpers import make_xlsx, read_xlsx, run
from tests.sharing_helpers import make_sharing

HEADERS = [
    "资源编号*",
    "资源名称*",
    "资源类别*",
    "所属组织编码*",
    "共享范围",
    "标签",
    "容纳人数",
    "地址",
    "纬度",
    "经度",
    "开放时间",
    "设施设备",
    "专长领域",
    "联系人",
    "联系电话",
    "说明",
]


@pytest.fixture
def sw(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_sharing(world)


def state() -> list:
    return [list(Resource.objects.order_by("pk").values_list()), AuditLog.objects.count()]


def test_a_good_file_creates_and_updates_resources(world, sw, tmp_path):
    path = make_xlsx(
        tmp_path / "r.xlsx",
        [
            "资源名称",
            "资源编号",
            "资源类别",
            "所属组织编码",
            "容纳人数",
            "开放时间",
            "标签",
            "纬度",
            "经度",
            "专长领域",
            "联系电话",
            "共享范围",
        ],
        [
            [
                "桥头供电所党员活动室",
                "R-NEW",
                "党员活动室",
                "ZB-B",
                24,
                "周一至周五 8:30-17:30；周六 9:00-12:00",
                "活动阵地、志愿服务",
                41.18,
                123.73,
                None,
                "024-4455 6677",
                None,
            ],
            [
                "带电作业专家",
                "R-EXP",
                "专家",
                "ZB-A",
                None,
                None,
                "技术攻关",
                None,
                None,
                "带电作业，技术攻关",
                13900000001,
                "全部内部组织",
            ],
            [
                "营销服务党员活动室（改）",
                "R-A",
                "党员活动室",
                "ZB-A",
                30,
                None,
                None,
                None,
                None,
                None,
                None,
                "联建单位",
            ],
        ],
    )
    code, out, err = run("import", "resources", str(path))
    assert (code, out, err) == (0, "导入完成：新建 2 条，更新 1 条，未变 0 条。\n", "")
    new = Resource.objects.get(code="R-NEW")
    assert (
        new.kind,
        new.owner.code,
        new.capacity,
        new.opening_hours,
        new.tags,
        new.lat,
        new.sharing,
        new.contact_phone,
    ) == (
        "党员活动室",
        "ZB-B",
        24,
        "周一至周五 08:30-17:30；周六 09:00-12:00",
        ["活动阵地", "志愿服务"],
        41.18,
        "联建单位",
        "024-4455 6677",
    )
    expert = Resource.objects.get(code="R-EXP")
    assert (expert.expertise, expert.contact_phone, expert.sharing) == (
        ["带电作业", "技术攻关"],
        "13900000001",
        "全部内部组织",
    )
    a = Resource.objects.get(code="R-A")
    # Columns absent from the file keep their values; empty cells of present columns clear them.
    assert (a.name, a.capacity, a.address, a.opening_hours, a.tags) == (
        "营销服务党员活动室（改）",
        30,
        "营销服务中心三楼",
        "",
        [],
    )
    assert AuditLog.objects.filter(action="import", target_id="resources").count() == 1


def test_export_then_import_changes_nothing(world, sw, tmp_path):
    out = tmp_path / "export.xlsx"
    code, _, _ = run("export", "resources", str(out))
    headers, rows = read_xlsx(out)
    assert code == 0 and headers == HEADERS
    assert len(rows) == 7
    by_code = {r[0]: r for r in rows}
    assert by_code["R-A"] == [
        "R-A",
        "营销服务党员活动室",
        "党员活动室",
        "ZB-A",
        "联建单位",
        "活动阵地、客户服务",
        20,
        "营销服务中心三楼",
        41.3,
        123.7,
        "周一至周五 08:30-17:30",
        None,
        None,
        "张三",
        "13812345678",
    ]
    before = state()
    code, out_text, err = run("import", "resources", str(out))
    assert (code, err) == (0, "") and out_text == "导入完成：新建 0 条，更新 0 条，未变 7 条。\n"
    assert state()[0] == before[0]


def test_every_bad_row_is_listed_and_nothing_is_imported(world, sw, tmp_path):
    path = make_xlsx(
        tmp_path / "bad.xlsx",
        HEADERS,
        [
            ["R-1", "甲", "会议室", "ZB-A"],
            ["R-2", "乙", "设备", "ZB-NOPE", None, None, 10],
            ["R-3", "丙", "阵地", "ZB-A", "全公司", None, "很多", None, 41.2, None, "上午开放"],
            ["R-3", "丁", "阵地", "ZB-A"],
            ["R-4", "戊", "设备", "ZB-A", None, None, 5, None, None, None, None, None, "技术攻关"],
            [
                "R-5",
                "己",
                "阵地",
                "ZB-A",
                None,
                None,
                None,
                None,
                95,
                200,
                None,
                None,
                None,
                None,
                "打电话",
            ],
            ["bad code!", "庚", "阵地", "ZB-A"],
        ],
    )
    before = state()
    code, out, err = run("import", "resources", str(path))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "第2行 资源类别：应为阵地、党员活动室、教育基地、专家、讲师、设备、课程之一",
        "第3行 所属组织编码：组织 ZB-NOPE 不存在",
        "第4行 共享范围：应为仅本组织、联建单位、全部内部组织之一",
        "第4行 容纳人数：应为正整数",
        "第4行 开放时间：“上午开放”应以星期开头，如“周一至周五 08:30-17:30”",
        "第5行 资源编号：与第4行重复",
        "第6行 容纳人数：只有阵地、党员活动室和教育基地可以填写容纳人数",
        "第6行 专长领域：只有专家和讲师可以填写专长领域",
        "第7行 纬度：纬度应在 -90 到 90 之间",
        "第7行 经度：经度应在 -180 到 180 之间",
        "第7行 联系电话：只能包含数字、空格、+、- 和括号，最长 20 位",
        "第8行 资源编号：编码只能包含字母、数字、下划线、点和短横线，最长 32 位",
        "共 12 处错误，未导入任何数据。",
    ]
    assert state() == before


def test_a_model_rule_on_a_good_looking_row_is_reported_by_row(world, sw, tmp_path):
    path = make_xlsx(
        tmp_path / "lat.xlsx",
        HEADERS,
        [["R-9", "甲", "阵地", "ZB-A", None, None, None, None, 41.2]],
    )
    before = state()
    code, _, err = run("import", "resources", str(path))
    assert code == 1 and err.splitlines()[0] == "第2行 经度：纬度和经度需同时填写"
    assert state() == before


def test_a_manager_imports_only_their_own_resources(world, sw, tmp_path):
    kind = get_kind("resources")
    path = make_xlsx(
        tmp_path / "m.xlsx",
        HEADERS,
        [
            ["R-B", "运维检修党建阵地", "阵地", "ZB-B"],
            ["R-N", "新阵地", "阵地", "ZB-B"],
            ["R-M", "营销新阵地", "阵地", "ZB-A"],
            ["R-X2", "外单位", "阵地", "ZB-X"],
        ],
    )
    before = state()
    result = import_file(
        kind, path, file_name="m.xlsx", actor=world.manager_a, user=world.manager_a
    )
    assert result.errors == [
        "第2行 资源编号：无权修改该资源（资源编号已被其他组织使用）",
        "第2行 所属组织编码：组织 ZB-B 不存在",
        "第3行 所属组织编码：组织 ZB-B 不存在",
        "第5行 所属组织编码：组织 ZB-X 不存在",
    ]
    assert state() == before
    result = import_file(kind, path, file_name="m.xlsx", actor=world.member_a, user=world.member_a)
    assert result.errors == ["当前账户无权导入数据"]
    ok = make_xlsx(tmp_path / "ok.xlsx", HEADERS, [["R-M", "营销新阵地", "阵地", "ZB-A"]])
    result = import_file(
        kind, ok, file_name="ok.xlsx", actor=world.manager_a, user=world.manager_a, dry_run=True
    )
    assert (result.ok, result.created) == (True, 1) and not Resource.objects.filter(
        code="R-M"
    ).exists()
    result = import_file(kind, ok, file_name="ok.xlsx", actor=world.manager_a, user=world.manager_a)
    assert result.ok and Resource.objects.get(code="R-M").owner == world.zb_a


def test_the_screen_exports_what_the_user_sees_with_phones_masked(world, sw):
    c = Client()
    c.force_login(world.manager_b)
    response = c.get(reverse("orgs:export_download"), {"kind": "resources"})
    headers, rows = read_xlsx(b"".join(response.streaming_content))
    assert {r[0] for r in rows} == {"R-A", "R-B", "R-CALL", "R-GOV"}
    assert next(r for r in rows if r[0] == "R-A")[14] == "138****5678"
    assert (
        c.get(reverse("orgs:export_download"), {"kind": "resources", "org": "ZB-A"}).status_code
        == 404
    )
    template = c.get(reverse("orgs:template_download"), {"kind": "resources"})
    assert template.status_code == 200
    assert read_xlsx(b"".join(template.streaming_content))[0] == HEADERS


def test_the_longest_description_the_screens_accept_still_imports_back(world, sw, tmp_path):
    from lianjian.sharing import services

    services.resource_update(actor=None, resource=sw.r["R-A"], description="长" * 5000)
    out = tmp_path / "export.xlsx"
    assert run("export", "resources", str(out))[0] == 0
    code, text, err = run("import", "resources", str(out))
    assert (code, text, err) == (0, "导入完成：新建 0 条，更新 0 条，未变 7 条。\n", "")
