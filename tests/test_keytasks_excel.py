"""Excel kinds tasks, milestones and task_progress (contracts §3): round trip, all-or-nothing
with every bad row listed, scope in one aggregate check, re-import idempotent."""

from __future__ import annotations

import datetime

from lianjian.core.excel import get_kind, import_file
from lianjian.core.validation import today
from lianjian.keytasks import services
from lianjian.keytasks.models import KeyTask, KeyTaskList, ListVersion, Milestone, ProgressReport
from tests.excel_helpers import make_xlsx, run
from tests.keytask_helpers import make_tasks

TASK_HEADERS = [
    "清单编码",
    "年度",
    "任务编码",
    "上级任务编码",
    "任务名称",
    "类别",
    "主题",
    "责任组织编码",
    "责任人编号",
    "计划开始",
    "计划完成",
    "进度方式",
    "权重",
    "不计入",
    "指标单位",
    "基准值",
    "目标值",
    "指标方向",
    "预警方案",
]


def _row(code, parent=None, *, org="ZB-A", owner="M-A1", year=None, lst="QD-N", **kw):
    year = year or today().year
    values = {
        "清单编码": lst,
        "年度": year,
        "任务编码": code,
        "上级任务编码": parent,
        "任务名称": f"任务{code}",
        "类别": "安全环保",
        "主题": "党建+安全生产",
        "责任组织编码": org,
        "责任人编号": owner,
        "计划开始": datetime.date(year, 1, 1),
        "计划完成": datetime.date(year, 12, 31),
        "进度方式": "手动",
        "权重": 1,
        "不计入": "否",
        "指标单位": None,
        "基准值": None,
        "目标值": None,
        "指标方向": None,
        "预警方案": None,
    }
    values.update(kw)
    return [values[h] for h in TASK_HEADERS]


def test_import_creates_a_list_and_a_tree_then_round_trips(world, tmp_path):
    rows = [
        _row("N-1", org="DW", owner=None, 进度方式="子任务"),
        _row("N-1-A", "N-1", 权重=500),
        _row("N-1-B", "N-1", org="ZB-B", owner="M-B1", 权重=300, 预警方案="临期"),
    ]
    code, out, err = run("import", "tasks", str(make_xlsx(tmp_path / "t.xlsx", TASK_HEADERS, rows)))
    assert code == 0, err
    lst = KeyTaskList.objects.get(code="QD-N")
    assert lst.organisation == world.dw and lst.state == "草拟"
    b = KeyTask.objects.get(code="N-1-B")
    assert b.parent.code == "N-1" and b.weight == 300 and b.preset == "due"
    assert b.state == "草拟"
    out_file = tmp_path / "out.xlsx"
    assert run("export", "tasks", str(out_file))[0] == 0
    code, out, err = run("import", "tasks", str(out_file))
    assert code == 0, err
    assert "新建 0 条，更新 0 条，未变 3 条" in out


def test_every_bad_row_listed_nothing_imported(world, tmp_path):
    year = today().year
    rows = [
        _row("N-1"),
        _row("N-2", owner="M-B1"),  # owner not of the owner organisation
        _row("N-3", 计划开始=datetime.date(year, 6, 1), 计划完成=datetime.date(year, 5, 1)),
        _row("N-4", 类别="不存在"),
        _row("N-5", 进度方式="指标", 基准值=5, 目标值=5, 指标方向="越高越好"),
        _row("N-6", "N-9"),  # parent unknown
        _row("N-1"),  # duplicate
        _row("X-1", org="ZB-X", owner="M-X1", lst="QD-X"),
        _row("X-2", org="DW2", owner=None, lst="QD-X", 年度=2031),
    ]
    code, out, err = run("import", "tasks", str(make_xlsx(tmp_path / "t.xlsx", TASK_HEADERS, rows)))
    assert code == 1
    for expected in (
        "第3行 责任人编号：责任人须是",
        "第4行 计划完成：计划完成日期不能早于计划开始日期",
        "第5行 类别：类别“不存在”不存在",
        "第6行 目标值：目标值不能等于基准值",
        "第7行 上级任务编码：任务 N-9 不存在或不在您的范围内",
        "第8行 任务编码：与第2行重复",
        "第10行 年度：同一清单 QD-X 的年度不一致",
    ):
        assert expected in err, (expected, err)
    assert not KeyTask.objects.exists() and not KeyTaskList.objects.exists()


def test_owner_must_be_a_party_member_at_import(world, tmp_path):
    m = world.m_a2
    m.left_on = datetime.date(2026, 1, 1)
    m.save()
    rows = [_row("N-1", owner="M-A2")]
    code, _, err = run("import", "tasks", str(make_xlsx(tmp_path / "t.xlsx", TASK_HEADERS, rows)))
    assert code == 1 and "已离开组织，不能担任责任人" in err


def test_scope_one_check_and_a_branch_cannot_change_the_company_list(world, tmp_path):
    make_tasks(world)
    rows = [_row("QD-T-1-A", lst="QD-T", 任务名称="改名")]
    path = make_xlsx(tmp_path / "t.xlsx", TASK_HEADERS, rows)
    result = import_file(
        get_kind("tasks"), path, file_name="t.xlsx", actor=world.manager_a, user=world.manager_a
    )
    assert result.errors == ["第2行 清单编码：无权修改清单 QD-T（须为下达组织的管理员）"]
    result = import_file(
        get_kind("tasks"), path, file_name="t.xlsx", actor=world.manager_b, user=world.manager_b
    )
    assert any("该编号不可用" in e for e in result.errors)
    result = import_file(
        get_kind("tasks"), path, file_name="t.xlsx", actor=world.company, user=world.company
    )
    assert result.ok and result.updated == 1
    # an issued list changed by a file is a new version
    assert ListVersion.objects.filter(task_list__code="QD-T").count() == 1


PROGRESS_HEADERS = ["任务编码", "期间", "进度", "指标值", "说明"]


def test_progress_import_all_or_nothing_and_idempotent(world, tmp_path):
    t = make_tasks(world)
    services.task_transition(None, t.a, "claim")
    services.task_transition(None, t.b, "claim")
    period = f"{today():%Y-%m}"
    rows = [["QD-T-1-A", period, 40, None, "完成设计"], ["QD-T-1-B", period, 20, None, None]]
    good = make_xlsx(tmp_path / "p.xlsx", PROGRESS_HEADERS, rows)
    bad = make_xlsx(
        tmp_path / "bad.xlsx",
        PROGRESS_HEADERS,
        [*rows, ["QD-T-1", period, 120, None, None], ["QD-T-1-A", "2026H1", 10, None, None]],
    )
    code, _, err = run("import", "task_progress", str(bad))
    assert code == 1
    assert "第4行 进度：进度应在 0 到 100 之间" in err and "第5行 期间" in err
    assert not ProgressReport.objects.exists()
    code, out, err = run("import", "task_progress", str(good))
    assert code == 0, err
    assert ProgressReport.objects.filter(state="已提交").count() == 2
    assert KeyTask.objects.get(code="QD-T-1-A").state == "推进中"
    code, out, _ = run("import", "task_progress", str(good))
    assert "未变 2 条" in out
    # a branch manager may report for its own task only
    result = import_file(
        get_kind("task_progress"),
        good,
        file_name="p.xlsx",
        actor=world.manager_a,
        user=world.manager_a,
    )
    assert result.errors == ["第3行 任务编码：任务 QD-T-1-B 不存在或不在您的范围内"]
    # confirmed reports do not change any more
    services.report_confirm(world.company, ProgressReport.objects.get(task__code="QD-T-1-A"))
    changed = make_xlsx(
        tmp_path / "c.xlsx", PROGRESS_HEADERS, [["QD-T-1-A", period, 50, None, None]]
    )
    code, _, err = run("import", "task_progress", str(changed))
    assert code == 1 and "已确认，不能修改" in err
    out_file = tmp_path / "export.xlsx"
    assert run("export", "task_progress", str(out_file))[0] == 0
    code, out, _ = run("import", "task_progress", str(out_file))
    assert code == 0 and "未变 2 条" in out


MILESTONE_HEADERS = ["任务编码", "节点名称", "权重", "计划日期", "完成日期", "验收日期"]


def test_milestones_rights_by_column(world, tmp_path):
    make_tasks(world)
    year = today().year
    plan = make_xlsx(
        tmp_path / "m.xlsx",
        MILESTONE_HEADERS,
        [["QD-T-1-A", "完成设计", 1, datetime.date(year, 3, 1), None, None]],
    )
    result = import_file(
        get_kind("milestones"),
        plan,
        file_name="m.xlsx",
        actor=world.manager_a,
        user=world.manager_a,
    )
    assert result.errors == ["第2行 计划日期：无权修改节点计划（须为下达组织的管理员）"]
    result = import_file(
        get_kind("milestones"), plan, file_name="m.xlsx", actor=world.company, user=world.company
    )
    assert result.ok and result.created == 1
    done = make_xlsx(
        tmp_path / "d.xlsx",
        MILESTONE_HEADERS,
        [["QD-T-1-A", "完成设计", 1, datetime.date(year, 3, 1), today(), today()]],
    )
    result = import_file(
        get_kind("milestones"),
        done,
        file_name="d.xlsx",
        actor=world.manager_a,
        user=world.manager_a,
    )
    assert result.errors == [
        "第2行 验收日期：无权验收该节点（须为下达组织的管理员，责任组织不能验收自己的节点）"
    ]
    result = import_file(
        get_kind("milestones"), done, file_name="d.xlsx", actor=world.company, user=world.company
    )
    assert result.ok and result.updated == 1
    m = Milestone.objects.get()
    assert m.accepted_on == today() and m.accepted_by == world.company
    out_file = tmp_path / "e.xlsx"
    assert run("export", "milestones", str(out_file))[0] == 0
    code, out, _ = run("import", "milestones", str(out_file))
    assert code == 0 and "未变 1 条" in out
