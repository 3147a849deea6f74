"""``lianjian supervision status [--date D]`` (contracts §2): the exact JSON shape, colours by
the 临期 preset, the closable flag, report due dates of an internal audit, bad input."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command

from lianjian.supervision import rules, services
from tests.supervision_helpers import Ledger, make_ledger

D = datetime.date


@pytest.fixture
def ledger(world) -> Ledger:
    return make_ledger(world)


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("supervision", "status", *args, stdout=out)
    return json.loads(out.getvalue())


def test_status_json(ledger):
    doc = run("--date", "2026-11-25")
    assert set(doc) == {"date", "batches", "items"}
    assert doc["date"] == "2026-11-25"
    assert doc["batches"] == [
        # internal audit fed back 09-10: first report 10-10 (none submitted) → overdue
        {"code": "NS-2026-01", "report_due": "2026-10-10", "report_colour": "red"},
        # 巡察 fed back 10-15: report due 12-15, 20 days left
        {"code": "XC-2026-01", "report_due": "2026-12-15", "report_colour": "green"},
    ]
    assert doc["items"] == [
        {
            "batch": "XC-2026-01",
            "number": "1",
            "state": "待整改",
            "colour": "green",
            "closable": False,
        },
        # due 11-30: 5 days left → yellow under 临期
        {
            "batch": "XC-2026-01",
            "number": "2",
            "state": "待整改",
            "colour": "yellow",
            "closable": False,
        },
    ]
    assert run("--date", "2026-12-01")["items"][1]["colour"] == "red"


def test_monthly_reports_of_an_internal_audit(ledger):
    services.report_submit(
        actor=ledger.shenji, batch=ledger.audit, submitted_on=D(2026, 10, 9), title="首次整改报告"
    )
    doc = run("--date", "2026-11-03")
    # first met; the report on October is due 11-05 (5 days after the month end)
    assert doc["batches"][0] == {
        "code": "NS-2026-01",
        "report_due": "2026-11-05",
        "report_colour": "yellow",
    }


def test_closable_when_every_measure_is_verified(ledger):
    w = ledger.world
    m = services.measure_add(
        actor=w.manager_b, item=ledger.item_b, text="清点物资", deadline=D(2026, 11, 30)
    )
    for state in (rules.ADVANCING, rules.COMPLETED):
        services.measure_step(actor=w.manager_b, measure=m, state=state)
    assert run("--date", "2026-11-25")["items"][1]["closable"] is False
    services.measure_step(actor=ledger.xuncha, measure=m, state=rules.VERIFIED)
    item = run("--date", "2026-11-25")["items"][1]
    assert (item["state"], item["closable"]) == ("整改中", True)
    services.item_act(actor=w.manager_b, item=ledger.item_b, action=rules.APPLY)
    services.item_act(actor=ledger.xuncha, item=ledger.item_b, action=rules.ACCEPT)
    item = run("--date", "2026-11-25")["items"][1]
    assert (item["state"], item["colour"], item["closable"]) == ("已销号", None, False)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--date", "2026/11/01"], "日期格式应为"), (["--date", "2026-02-30"], "日期不存在")],
)
def test_bad_date_exits_1_in_chinese(db, capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        call_command("supervision", "status", *args)
    assert exc.value.code == 1
    assert message in capsys.readouterr().err
