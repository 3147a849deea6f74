"""The Excel kind ``carriers``: import (declare or update, all or nothing, every bad row
listed), export, and the round trip (an export imports back unchanged)."""

from __future__ import annotations

import datetime

from lianjian.carriers import rules, services
from lianjian.carriers.models import Carrier
from lianjian.core.excel import export_file, get_kind, import_file
from tests.carrier_helpers import named_post
from tests.excel_helpers import make_xlsx

HEADERS = [
    "编号",
    "类型",
    "名称",
    "所属组织编码",
    "负责人编号",
    "岗位",
    "覆盖班组编码",
    "公开承诺",
    "成立日期",
    "任务结束日期",
]
D = datetime.date


def _import(path, user, **kw):
    return import_file(get_kind("carriers"), path, actor=user, user=user, file_name="c.xlsx", **kw)


def test_a_good_file_declares_carriers(world, tmp_path):
    services.create_work_group(None, org=world.zb_a, code="ZB-A-BZ1", name="抄表班")
    path = make_xlsx(tmp_path / "c.xlsx", HEADERS, [
        ["GQ-1", "示范岗", "抄表示范岗", "ZB-A", "M-A1", "抄表", None, "服务零投诉", D(2026, 3, 1), None],
        ["GQ-2", "责任区", "抄表责任区", "ZB-A", "M-A2", None, "ZB-A-BZ1", None, None, None],
        ["GQ-3", "突击队", "保电突击队", "ZB-A", None, None, None, None, D(2026, 3, 1), D(2026, 9, 30)],
    ])  # fmt: skip
    result = _import(path, world.manager_a)
    assert result.ok, result.errors
    assert result.created == 3
    area = Carrier.objects.get(code="GQ-2")
    assert area.state == rules.DECLARED and [g.code for g in area.work_groups.all()] == ["ZB-A-BZ1"]
    assert _import(path, world.manager_a).unchanged == 3


def test_a_bad_file_writes_nothing_and_lists_every_bad_row(world, tmp_path):
    path = make_xlsx(tmp_path / "c.xlsx", HEADERS, [
        ["GQ-1", "示范岗", "抄表示范岗", "ZB-A", "M-A1", None, None, None, None, None],
        ["GQ-2", "示范岗", "无人岗", "ZB-A", None, None, None, None, None, None],
        ["GQ-3", "突击队", "无期限", "ZB-A", None, None, None, None, None, None],
        ["GQ-4", "服务队", "别家的", "ZB-B", None, None, None, None, None, None],
        ["GQ-5", "小组", "错类型", "ZB-A", None, None, None, None, None, None],
        ["GQ-1", "示范岗", "重复", "ZB-A", "M-A1", None, None, None, None, None],
    ])  # fmt: skip
    result = _import(path, world.manager_a)
    text = "\n".join(result.errors)
    assert "第3行 负责人编号" in text
    assert "第4行 任务结束日期" in text
    assert "第5行 所属组织编码" in text
    assert "第6行 类型" in text
    assert "第7行 编号：与第2行重复" in text
    assert not Carrier.objects.exists()


def test_a_member_may_not_import(world, tmp_path):
    path = make_xlsx(tmp_path / "c.xlsx", HEADERS, [["GQ-1", "服务队", "x", "ZB-A"]])
    assert not _import(path, world.member_a).ok
    assert not Carrier.objects.exists()


def test_export_then_import_changes_nothing(world, tmp_path):
    named = named_post(world)
    gone = named_post(world, name="安全督查党员示范岗")
    services.record_veto(None, gone, kind=rules.DISCIPLINE, description="违纪")
    out = tmp_path / "out.xlsx"
    assert export_file(get_kind("carriers"), out, user=world.manager_a) == 2
    result = _import(out, world.manager_a)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert export_file(get_kind("carriers"), tmp_path / "b.xlsx", user=world.manager_b) == 0
    hidden = _import(out, world.manager_b)
    assert hidden.errors == [
        "第2行 编号：该编号不可用（已被占用）",
        "第3行 编号：该编号不可用（已被占用）",
    ]
    assert Carrier.objects.get(pk=named.pk).name == named.name
