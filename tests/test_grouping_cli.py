"""``lianjian group solve``: exit codes 0/1/2, JSON on stdout, Chinese errors, no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lianjian.grouping.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE20 = "/work/shared/grouping/sample-20.json"
LIANJIAN = Path(sys.executable).parent / "lianjian"


def test_console_script_solves_without_database_or_settings(tmp_path):
    env = {
        **os.environ,
        "LIANJIAN_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "DJANGO_SETTINGS_MODULE": "no.such.settings",
    }
    proc = subprocess.run(
        [str(LIANJIAN), "group", "solve", SAMPLE20, "--time-limit", "8", "--seed", "3"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"groups", "objective", "components", "status", "bound", "seconds"}
    assert out["status"] == "optimal"
    assert out["objective"] == pytest.approx(44.872121228243614, abs=1e-9)
    assert [g["lead"] for g in out["groups"]] == ["O00001", "O00002", "O00003", "O00004"]
    assert proc.stderr == ""


def test_console_script_bad_input_exits_1_with_one_message_per_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "params": {"groups": 2, "min_size": 3, "max_size": 4},
                "orgs": [{"id": "A", "lat": 1, "lon": 1}, {"id": "A", "lat": 1}],
            }
        ),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [str(LIANJIAN), "group", "solve", str(bad)], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == ["第 2 个组织（A）缺少经度 lon"]


@pytest.mark.parametrize(
    ("argv", "first_line"),
    [
        ([], "用法错误：缺少子命令 solve"),
        (["solve"], "用法错误：缺少参数：FILE.json"),
        (
            ["solve", SAMPLE20, "--time-limit", "0"],
            "用法错误：参数 --time-limit：时间限制必须是正数（秒）：0",
        ),
        (["solve", SAMPLE20, "--seed", "x"], "用法错误：参数 --seed：随机种子必须是非负整数：x"),
        (["solve", SAMPLE20, "--bogus"], "用法错误：无法识别的参数：--bogus"),
        (["solve", SAMPLE20, "--seed"], "用法错误：参数 --seed 需要一个值"),
        (["optimise"], "用法错误：未知的子命令 'optimise'"),
    ],
)
def test_usage_errors_exit_2(argv, first_line, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [first_line, "用法：lianjian group solve FILE.json [--time-limit S] [--seed N]"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "输入不是合法的 JSON：第 1 行第 2 列附近有语法错误"),
        (b"\xff\xfe", "输入不是 UTF-8 编码的文本"),
        (
            json.dumps(
                {
                    "params": {"groups": 5, "min_size": 1, "max_size": 2},
                    "orgs": [{"id": "A", "lat": 1, "lon": 1}],
                }
            ).encode(),
            "无法分组：5 组每组至少 1 个需要 5 个组织，但只有 1 个",
        ),
    ],
)
def test_bad_files_exit_1(content, message, tmp_path, capsys):
    path = tmp_path / "in.json"
    path.write_bytes(content)
    assert main(["solve", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [message]


def test_missing_file_exits_1(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "nope.json")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"无法读取输入文件 {tmp_path / 'nope.json'}：文件不存在"
    ]


def test_stdin_input(monkeypatch, capsys):
    doc = {
        "params": {"groups": 1, "min_size": 2, "max_size": 2},
        "orgs": [
            {"id": "A", "lat": 41.0, "lon": 123.0, "professions": ["运维检修"]},
            {"id": "B", "lat": 41.0, "lon": 123.0, "professions": ["运维检修"]},
        ],
    }

    class Stdin:
        buffer = __import__("io").BytesIO(json.dumps(doc).encode())

    monkeypatch.setattr(sys, "stdin", Stdin)
    assert main(["solve", "-", "--time-limit", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["groups"] == [{"lead": None, "members": ["A", "B"]}]
    assert out["objective"] == 2.0
    assert out["components"] == {"profession": 1.0, "geography": 1.0, "complementarity": 0.0}
    assert out["status"] == "optimal" and out["bound"] == 2.0


def test_help_exits_0(capsys):
    assert main(["solve", "--help"]) == 0
    assert capsys.readouterr().out.startswith(
        "usage: lianjian group solve [-h] [--time-limit S] [--seed N] FILE.json"
    )
