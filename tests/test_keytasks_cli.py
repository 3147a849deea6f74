"""``lianjian tasks status --list CODE [--date D]`` (contracts §2): JSON of progress, 序时进度
and colour per task; Chinese errors and exit 1 for bad input, never a traceback."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys

import pytest
from django.core.management import call_command

from lianjian.core.validation import today
from lianjian.keytasks import services
from tests.keytask_helpers import make_tasks


def _status(*args: str) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("tasks", "status", *args, stdout=out)
    return json.loads(out.getvalue())


def test_status_json_rolls_up_and_colours(world):
    t = make_tasks(world)
    year = today().year
    services.task_transition(None, t.a, "claim")
    services.task_transition(None, t.a, "start", on=datetime.date(year, 1, 10))
    report = services.report_submit(world.member_a, t.a, period=f"{year}-03", percent=100)
    services.report_confirm(world.company, report)
    services.task_update(None, t.b, weight=1)
    day = datetime.date(year, 7, 2)  # 序时进度 about 50 %
    doc = _status("--list", t.lst.code, "--date", day.isoformat())
    assert doc["list"] == t.lst.code and doc["date"] == day.isoformat()
    rows = {r["code"]: r for r in doc["tasks"]}
    assert [r["code"] for r in doc["tasks"]] == [t.parent.code, t.a.code, t.b.code]
    assert set(doc["tasks"][0]) == {"code", "parent", "progress", "expected", "colour", "state"}
    assert rows[t.a.code]["progress"] == 100 and rows[t.a.code]["colour"] == "green"
    assert rows[t.b.code]["progress"] is None
    # B: not claimed, not started four months after its planned start → red
    assert rows[t.b.code]["colour"] == "red"
    assert rows[t.parent.code]["progress"] == 50
    assert rows[t.parent.code]["parent"] is None and rows[t.a.code]["parent"] == t.parent.code
    assert 49 < rows[t.a.code]["expected"] < 51
    assert rows[t.a.code]["state"] == "推进中"


def test_lag_thresholds_follow_the_preset(world):
    from lianjian.deadlines.models import DeadlinePreset
    from lianjian.deadlines.services import preset_update

    t = make_tasks(world)
    year = today().year
    services.task_transition(None, t.a, "claim")
    services.task_transition(None, t.a, "start", on=datetime.date(year, 1, 10))
    report = services.report_submit(world.member_a, t.a, period=f"{year}-03", percent=30)
    services.report_confirm(world.company, report)
    day = datetime.date(year, 7, 2)  # lag about 20 points → yellow under 10/30
    assert {
        r["code"]: r for r in _status("--list", t.lst.code, "--date", day.isoformat())["tasks"]
    }[t.a.code]["colour"] == "yellow"
    lag = DeadlinePreset.objects.get(kind="lag")
    preset_update(actor=None, preset=lag, yellow=25, red=40)
    assert {
        r["code"]: r for r in _status("--list", t.lst.code, "--date", day.isoformat())["tasks"]
    }[t.a.code]["colour"] == "green"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--list", "NOPE"], "清单 NOPE 不存在"),
        (["--list", "QD-T", "--date", "2026-13-01"], "日期不存在"),
        (["--list", "QD-T", "--date", "tomorrow"], "日期格式应为 YYYY-MM-DD"),
        (["--list", "QD-T", "--date", "1800-01-01"], "日期超出有效范围"),
    ],
)
def test_bad_input_exits_1_in_chinese(world, capsys, args, message):
    make_tasks(world)
    with pytest.raises(SystemExit) as exc:
        call_command("tasks", "status", *args)
    assert exc.value.code == 1
    assert message in capsys.readouterr().err


def test_usage_error_exits_2_without_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "lianjian.cli", "tasks", "status"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "缺少必需的参数" in result.stderr


def test_a_red_task_reminds_its_owner_and_sponsor_once(world):
    from lianjian.keytasks.reminders import task_reminders
    from lianjian.notifications.models import Notification
    from lianjian.notifications.reminders import deliver

    t = make_tasks(world)
    services.task_update(None, t.a, sponsor=world.m_b1)
    sponsor = world.manager_b
    sponsor.member = world.m_b1
    sponsor.save()
    year = today().year
    services.task_transition(None, t.a, "claim")
    services.task_transition(None, t.a, "start", on=datetime.date(year, 1, 10))
    day = datetime.date(year, 11, 1)  # nothing reported: lag > 30 → red
    deliver(task_reminders(day))
    deliver(task_reminders(day))
    got = Notification.objects.filter(title__contains=t.a.name)
    assert sorted(n.user.username for n in got) == ["manager_b", "member_a"]
    assert {n.level for n in got} == {"red"}
