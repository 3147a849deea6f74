"""``lianjian assess scheme import|export`` and ``lianjian assess run`` (contracts §2):
Chinese errors one per line, exit 0 / 1 (nothing changed) / 2 (usage)."""

from __future__ import annotations

import copy
import datetime
import json

import pytest
from openpyxl import load_workbook

from lianjian.assessment.management.commands.assess import Command
from lianjian.assessment.models import AssessmentResult, AssessmentRun, Scheme
from lianjian.assessment.output import run_json
from lianjian.assessment.services import kpi_set, scheme_import
from lianjian.core.models import AuditLog
from tests.assessment_engine_helpers import EXAMPLE, example, joint_activity
from tests.excel_helpers import run


def write(tmp_path, data, name="scheme.json"):
    path = tmp_path / name
    path.write_text(
        data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8"
    )
    return path


@pytest.fixture
def scheme(world):
    scheme = scheme_import(example(), actor=None)[0]
    kpi_set(None, org=world.zb_a, period="2025", indicator_code="YW1", value=100)
    kpi_set(None, org=world.zb_b, period="2025", indicator_code="YW1", value=80)
    kpi_set(None, org=world.zb_b, period="2025", indicator_code="FJ1", value=1)
    joint_activity(world.zb_a, world.zb_b, day=datetime.date(2025, 5, 1))
    return scheme


# --- scheme import / export ---------------------------------------------------------------


def test_scheme_import_creates_then_updates(world, tmp_path):
    path = write(tmp_path, example())
    assert run("assess", "scheme", "import", str(path)) == (
        0,
        "已新建考核方案 2025-SWD（2025年度党支部双维度考核）：3 个维度，6 个指标。\n",
        "",
    )
    assert run("assess", "scheme", "import", str(path))[:2] == (
        0,
        "已更新考核方案 2025-SWD（2025年度党支部双维度考核）：3 个维度，6 个指标。\n",
    )
    assert Scheme.objects.get().owner == world.dw


def test_scheme_import_lists_every_problem_and_changes_nothing(world, tmp_path):
    data = example(owner="NOPE")
    data["indicators"][0]["floor"] = 2
    data["indicators"][1]["rule"] = "magic"
    count = AuditLog.objects.count()
    code, out, err = run("assess", "scheme", "import", str(write(tmp_path, data)))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "指标 YW1：rule 应为 ratio、per_item、stepped、deduct、manual、veto 之一",
        "指标 DJ1：最低比率（floor）应在 0 到 1 之间（不含 1），如 0.6",
        "共 2 处错误，方案未导入。",
    ]
    assert Scheme.objects.count() == 0 and AuditLog.objects.count() == count


@pytest.mark.parametrize(
    "content, message",
    [
        ("{", "文件不是有效的 JSON：第 1 行第 2 列"),
        ('{"max": NaN}', "文件不是有效的 JSON：不支持 NaN"),
        ("[]", "方案文件应为 JSON 对象"),
    ],
)
def test_scheme_import_bad_files_exit_1(world, tmp_path, content, message):
    code, _, err = run("assess", "scheme", "import", str(write(tmp_path, content)))
    assert (code, err.splitlines()[0]) == (1, message)


def test_scheme_import_missing_file(world, tmp_path):
    code, _, err = run("assess", "scheme", "import", str(tmp_path / "none.json"))
    assert (code, err) == (1, f"文件不存在：{tmp_path / 'none.json'}\n")


def test_scheme_import_references_are_checked(world, tmp_path):
    code, _, err = run("assess", "scheme", "import", str(write(tmp_path, example(owner="NOPE"))))
    assert (code, err.splitlines()) == (1, ["owner：组织 NOPE 不存在", "共 1 处错误，方案未导入。"])


def test_scheme_export_round_trips(world, tmp_path):
    scheme_import(copy.deepcopy(EXAMPLE), actor=None)
    code, out, _ = run("assess", "scheme", "export", "2025-SWD")
    assert code == 0 and json.loads(out) == EXAMPLE
    target = tmp_path / "out.json"
    assert run("assess", "scheme", "export", "2025-SWD", str(target)) == (
        0,
        f"已导出方案 2025-SWD 到 {target}。\n",
        "",
    )
    assert json.loads(target.read_text(encoding="utf-8")) == EXAMPLE
    assert run("assess", "scheme", "import", str(target))[0] == 0


def test_scheme_export_unknown_code(world):
    assert run("assess", "scheme", "export", "NOPE") == (1, "", "方案 NOPE 不存在\n")


# --- run ----------------------------------------------------------------------------------


def test_run_prints_the_assessment_md_json_and_stores_a_version(scheme, world):
    code, out, err = run(
        "assess", "run", "--scheme", "2025-SWD", "--period", "2025", "--today", "2026-01-10"
    )
    assert (code, err) == (0, "")
    document = json.loads(out)
    stored = AssessmentRun.objects.get()
    assert document == run_json(stored)
    assert (stored.version, stored.is_published, stored.created_by) == (1, False, None)
    assert list(document) == ["scheme", "period", "results"]
    assert (document["scheme"], document["period"]) == ("2025-SWD", "2025")
    first, second = document["results"]
    assert list(first) == ["org", "total", "stars", "vetoed", "rank", "dimensions", "indicators"]
    # ZB-A: YW1 30, YW2 (no complaints figure: missing) 0, LJ1 1.5; DJ1 no meetings: 0/22
    assert first == {
        "org": "ZB-A",
        "total": 31.5,
        "stars": None,
        "vetoed": False,
        "rank": 1,
        "dimensions": {"DJ": 0.0, "YW": 30.0, "LJ": 1.5},
        "indicators": {
            "DJ1": {"value": 0.0, "points": 0.0},
            "YW1": {"value": 100.0, "points": 30.0},
            "YW2": {"value": None, "points": 0.0},
            "LJ1": {"value": 1, "points": 1.5},
            "LJ2": {"value": None, "points": 0.0},
            "FJ1": {"value": None, "points": 0.0},
        },
    }
    assert (second["org"], second["vetoed"], second["stars"], second["rank"]) == (
        "ZB-B",
        True,
        None,
        2,
    )
    assert second["indicators"]["YW1"] == {"value": 80.0, "points": 24.0}
    code, out, _ = run(
        "assess", "run", "--scheme", "2025-SWD", "--period", "2025", "--publish", "--note", "复核"
    )
    assert code == 0
    assert list(
        AssessmentRun.objects.order_by("version").values_list("version", "is_published", "note")
    ) == [(1, False, ""), (2, True, "复核")]


def test_run_writes_json_or_xlsx_files(scheme, tmp_path):
    target = tmp_path / "result.json"
    code, out, _ = run(
        "assess", "run", "--scheme", "2025-SWD", "--period", "2025", "--out", str(target)
    )
    assert (code, out) == (0, f"已计算 2025-SWD 2025 第 1 版（2 个组织），结果已写入 {target}。\n")
    assert json.loads(target.read_text(encoding="utf-8"))["results"][0]["org"] == "ZB-A"
    book = tmp_path / "result.xlsx"
    code, out, _ = run(
        "assess",
        "run",
        "--scheme",
        "2025-SWD",
        "--period",
        "2025",
        "--format",
        "xlsx",
        "--out",
        str(book),
        "--publish",
    )
    assert (code, out) == (
        0,
        f"已计算 2025-SWD 2025 第 2 版（2 个组织，已发布），结果已写入 {book}。\n",
    )
    sheets = load_workbook(book, read_only=True)
    assert sheets.sheetnames == ["考核排名", "指标取值", "方案说明"]
    rows = list(sheets["考核排名"].iter_rows(values_only=True))
    assert rows[0][:9] == (
        "排名",
        "组织编码",
        "组织名称",
        "总分",
        "星级",
        "结论",
        "党建引领（40）",
        "业务提升（50）",
        "联建共建（10）",
    )
    assert rows[1][:6] == (1, "ZB-A", "营销服务党支部", 31.5, "无星级", "不合格")
    assert rows[2][:6] == (2, "ZB-B", "运维检修党支部", 25.5, "否决", "一票否决")
    assert list(tmp_path.glob(".*part")) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scheme", "NOPE", "--period", "2025"], "方案 NOPE 不存在"),
        (
            ["--scheme", "2025-SWD", "--period", "2025Q1"],
            "该方案为年度考核，期间应为年度期间，如 2026",
        ),
        (
            ["--scheme", "2025-SWD", "--period", "25"],
            "期间“25”格式不正确，应为 2026、2026H1、2026Q3 或 2026-07",
        ),
        (
            ["--scheme", "2025-SWD", "--period", "2025", "--today", "2026/01/01"],
            "日期格式应为 YYYY-MM-DD：2026/01/01",
        ),
        (
            ["--scheme", "2025-SWD", "--period", "2025", "--out", "/nonexistent/dir/x.json"],
            "无法写入文件：/nonexistent/dir/x.json",
        ),
    ],
)
def test_run_bad_input_exits_1_and_stores_nothing(scheme, args, message):
    code, out, err = run("assess", "run", *args)
    assert (code, out, err) == (1, "", message + "\n")
    assert AssessmentRun.objects.count() == 0 and AssessmentResult.objects.count() == 0


def test_xlsx_needs_out(scheme):
    code, _, err = run(
        "assess", "run", "--scheme", "2025-SWD", "--period", "2025", "--format", "xlsx"
    )
    assert (code, err) == (2, "xlsx 格式需用 --out 指定输出文件\n")
    assert AssessmentRun.objects.count() == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "--scheme", "X"], "缺少必需的参数：--period"),
        (
            ["run", "--scheme", "X", "--period", "2025", "--format", "pdf"],
            "参数 --format 的取值 pdf 无效，可选：json、xlsx",
        ),
        (["scheme", "delete", "X"], "参数 操作 的取值 delete 无效，可选：import、export"),
        ([], "缺少必需的参数：操作"),
    ],
)
def test_usage_errors_exit_2_in_chinese(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        Command().run_from_argv(["lianjian", "assess", *argv])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(f"error: {message}")
