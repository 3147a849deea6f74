"""Excel kind ``projects`` (the awards of 揭榜挂帅 projects): import through the services,
all-or-nothing with every bad row listed, scope, and export → import round trip."""

from __future__ import annotations

import datetime

from lianjian.core.excel import export_file, get_kind, import_file
from lianjian.core.models import AuditLog
from lianjian.core.validation import today
from lianjian.projects.models import Award
from tests.excel_helpers import make_xlsx, read_xlsx
from tests.project_helpers import award_a, make_scene

HEADERS = ["项目编号", "级别", "奖项名称", "颁发单位", "获奖日期"]


def _import(path, user, **kw):
    return import_file(get_kind("projects"), path, file_name=path.name, actor=user, user=user, **kw)


def test_import_records_awards_and_round_trips(world, tmp_path):
    project = award_a(world, make_scene(world))
    path = make_xlsx(
        tmp_path / "a.xlsx",
        HEADERS,
        [
            [project.code, "省部", "辽宁省管理创新成果一等奖", "辽宁省企业联合会", today()],
            [project.code, "国家", "全国管理创新成果二等奖", None, today()],
        ],
    )
    result = _import(path, world.company)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 0)
    assert Award.objects.filter(project=project).count() == 2
    assert AuditLog.objects.filter(target_type="projects.award", action="create").count() == 2
    out = tmp_path / "out.xlsx"
    assert export_file(get_kind("projects"), out, user=world.company) == 2
    headers, rows = read_xlsx(out)
    assert headers[:3] == ["项目编号*", "项目名称", "承担组织"]
    again = _import(out, world.company)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_bad_row_refuses_the_whole_file_listing_every_error(world, tmp_path):
    project = award_a(world, make_scene(world))
    path = make_xlsx(
        tmp_path / "bad.xlsx",
        HEADERS,
        [
            [project.code, "省部", "好的一行", None, today()],
            ["XM-NONE", "省部", "不存在的项目", None, today()],
            [project.code, "世界", "级别错", None, today()],
            [project.code, "省部", "太早", None, datetime.date(1900, 1, 1)],
            [project.code, "省部", "好的一行", None, today()],
        ],
    )
    result = _import(path, world.company)
    assert not result.ok
    text = "\n".join(result.errors)
    assert "第3行 项目编号：项目 XM-NONE 不存在" in text
    assert "第4行 级别" in text
    assert "第5行 获奖日期" in text
    assert "第6行 奖项名称：与第2行重复" in text
    assert not Award.objects.exists()


def test_the_winner_cannot_record_its_own_awards(world, tmp_path):
    project = award_a(world, make_scene(world))
    path = make_xlsx(
        tmp_path / "own.xlsx", HEADERS, [[project.code, "国家", "自评奖", None, today()]]
    )
    result = _import(path, world.manager_a)
    assert result.errors == ["第2行 项目编号：无权登记该项目的获奖"]
    result = _import(path, world.manager_b)
    assert result.errors == [f"第2行 项目编号：项目 {project.code} 不存在"]
    assert not Award.objects.exists()
