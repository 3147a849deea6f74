"""The compliance engine (pure) and ``lianjian compliance`` on tricky cases, exact rows."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from lianjian.activities.compliance import OrgInfo, Row, RuleInfo, by_month, periods
from lianjian.activities.compliance import evaluate as evaluate_engine
from lianjian.activities.models import ActivityStatus
from lianjian.activities.selectors import TZ
from lianjian.activities.services import activity_record
from lianjian.orgs.services import member_create, org_create

D = datetime.date
QUARTERLY = RuleInfo("支部党员大会", "党支部", "季度")
MONTHLY = RuleInfo("主题党日", "党支部", "月度")
YEARLY = RuleInfo("组织生活会", "党支部", "年度")
COMMITTEE = RuleInfo("支部委员会", "党支部", "月度", 1, 7)
GROUP = RuleInfo("党小组会", "党小组", "月度")


def evaluate(*, held, **kwargs):
    """The engine with held counts given as {(org, type, month): (valid, invalid)}."""
    return evaluate_engine(held=by_month(held), **kwargs)


def rows_of(rows: list[Row]) -> list[tuple[str, str, str, int, str]]:
    return [(r.org, r.rule, r.period, r.held, r.status) for r in rows]


def test_periods_cover_the_year_exactly():
    assert [(p.label, p.first, p.last) for p in periods(2024, "季度")] == [
        ("2024Q1", D(2024, 1, 1), D(2024, 3, 31)),
        ("2024Q2", D(2024, 4, 1), D(2024, 6, 30)),
        ("2024Q3", D(2024, 7, 1), D(2024, 9, 30)),
        ("2024Q4", D(2024, 10, 1), D(2024, 12, 31)),
    ]
    assert periods(2024, "月度")[1].last == D(2024, 2, 29)
    assert [p.label for p in periods(2024, "半年")] == ["2024H1", "2024H2"]
    assert [p.label for p in periods(2024, "年度")] == ["2024"]


def test_an_organisation_founded_mid_year_gets_only_the_periods_it_existed_through():
    org = OrgInfo(1, "ZB1", "党支部", founded=D(2025, 2, 15))
    rows = evaluate(year=2025, today=D(2026, 1, 10), orgs=[org], rules=[QUARTERLY, YEARLY], held={})
    assert rows_of(rows) == [("ZB1", "支部党员大会", f"2025Q{q}", 0, "missing") for q in (2, 3, 4)]


def test_founded_on_the_first_day_of_a_period_counts_for_it():
    org = OrgInfo(1, "ZB1", "党支部", founded=D(2025, 4, 1))
    rows = evaluate(year=2025, today=D(2026, 1, 10), orgs=[org], rules=[QUARTERLY], held={})
    assert [r.period for r in rows] == ["2025Q2", "2025Q3", "2025Q4"]


def test_an_organisation_dissolved_mid_year_keeps_the_periods_up_to_its_dissolution():
    org = OrgInfo(1, "ZB1", "党支部", founded=D(2010, 1, 1), dissolved=D(2025, 8, 31))
    rows = evaluate(
        year=2025,
        today=D(2026, 1, 10),
        orgs=[org],
        rules=[QUARTERLY, MONTHLY],
        held={(1, "主题党日", 8): (1, 0)},
    )
    assert [r.period for r in rows if r.rule == "支部党员大会"] == ["2025Q1", "2025Q2"]
    assert [(r.period, r.status) for r in rows if r.rule == "主题党日"][-2:] == [
        ("2025-07", "missing"),
        ("2025-08", "ok"),
    ]
    assert len([r for r in rows if r.rule == "主题党日"]) == 8


def test_partner_organisations_never_get_rows():
    partner = OrgInfo(1, "WB", "党支部", is_partner=True)
    assert (
        evaluate(
            year=2025,
            today=D(2025, 6, 1),
            orgs=[partner],
            rules=[QUARTERLY, MONTHLY],
            held={(1, "主题党日", 1): (3, 0)},
        )
        == []
    )


def test_the_committee_rule_applies_only_from_seven_full_members():
    small = OrgInfo(1, "S", "党支部", full_members=6)
    big = OrgInfo(2, "B", "党支部", full_members=7)
    rows = evaluate(
        year=2025,
        today=D(2026, 1, 1),
        orgs=[small, big],
        rules=[COMMITTEE],
        held={(2, "支部委员会", 1): (1, 1)},
    )
    assert {r.org for r in rows} == {"B"}
    assert len(rows) == 12
    assert (rows[0].held, rows[0].invalid, rows[0].status) == (1, 1, "ok")
    assert (rows[1].held, rows[1].status, rows[1].level) == (0, "missing", "red")


@pytest.mark.parametrize(
    ("today", "level"),
    [
        (D(2025, 12, 31), "yellow"),  # the last day of the year: 临期
        (D(2026, 1, 1), "yellow"),  # may still be held for 2025 (所属年度) until 31 March
        (D(2026, 3, 31), "yellow"),
        (D(2026, 4, 1), "red"),  # can no longer be made good
    ],
)
def test_a_missing_annual_duty_is_yellow_while_it_may_still_be_held_for_its_year(today, level):
    rows = evaluate(
        year=2025, today=today, orgs=[OrgInfo(1, "ZB", "党支部")], rules=[YEARLY], held={}
    )
    assert [(r.period, r.held, r.level) for r in rows] == [("2025", 0, level)]
    assert rows[0].status == ("open" if today.year == 2025 else "missing")


def test_other_yearly_rules_are_red_once_their_year_is_over():
    yearly_talks = RuleInfo("谈心谈话", "党支部", "年度")
    rows = evaluate(
        year=2025,
        today=D(2026, 1, 1),
        orgs=[OrgInfo(1, "ZB", "党支部")],
        rules=[yearly_talks],
        held={},
    )
    assert [(r.status, r.level) for r in rows] == [("missing", "red")]


def test_group_rules_apply_to_groups_only():
    rows = evaluate(
        year=2025,
        today=D(2026, 1, 1),
        orgs=[OrgInfo(1, "ZB", "党支部"), OrgInfo(2, "XZ", "党小组")],
        rules=[GROUP],
        held={},
    )
    assert {r.org for r in rows} == {"XZ"}


def test_open_periods_are_open_and_turn_yellow_ten_days_before_their_end():
    org = OrgInfo(1, "ZB1", "党支部")
    rows = {
        r.period: r
        for r in evaluate(
            year=2025,
            today=D(2025, 11, 20),
            orgs=[org],
            rules=[MONTHLY],
            held={(1, "主题党日", 10): (1, 0)},
        )
    }
    assert (rows["2025-10"].status, rows["2025-10"].level) == ("ok", "")
    assert (rows["2025-11"].status, rows["2025-11"].level, rows["2025-11"].days_left) == (
        "open",
        "yellow",
        10,
    )
    assert (rows["2025-12"].status, rows["2025-12"].level) == ("open", "")
    assert (rows["2025-09"].status, rows["2025-09"].level) == ("missing", "red")
    earlier = {
        r.period: r
        for r in evaluate(year=2025, today=D(2025, 11, 19), orgs=[org], rules=[MONTHLY], held={})
    }
    assert earlier["2025-11"].level == ""


def test_an_open_period_already_held_is_ok_and_the_last_day_is_still_open():
    org = OrgInfo(1, "ZB1", "党支部")
    rows = {
        r.period: r
        for r in evaluate(
            year=2025,
            today=D(2025, 12, 31),
            orgs=[org],
            rules=[MONTHLY, YEARLY],
            held={(1, "组织生活会", 3): (1, 0)},
        )
    }
    assert rows["2025"].status == "ok"
    assert (rows["2025-12"].status, rows["2025-12"].days_left) == ("open", 0)


def test_required_counts_above_one_need_that_many():
    rule = RuleInfo("党课", "党支部", "季度", 2)
    rows = evaluate(
        year=2025,
        today=D(2026, 1, 1),
        orgs=[OrgInfo(1, "Z", "党支部")],
        rules=[rule],
        held={(1, "党课", 1): (1, 0), (1, "党课", 5): (1, 0), (1, "党课", 6): (1, 0)},
    )
    assert [(r.period, r.held, r.status) for r in rows] == [
        ("2025Q1", 1, "missing"),
        ("2025Q2", 2, "ok"),
        ("2025Q3", 0, "missing"),
        ("2025Q4", 0, "missing"),
    ]


@settings(max_examples=60, deadline=None)
@given(
    held=st.dictionaries(
        st.tuples(st.just(1), st.sampled_from(["主题党日", "支部党员大会"]), st.integers(1, 12)),
        st.tuples(st.integers(0, 3), st.integers(0, 2)),
        max_size=24,
    ),
    today=st.dates(D(2024, 6, 1), D(2026, 6, 1)),
)
def test_held_sums_match_the_monthly_counts_and_statuses_are_consistent(held, today):
    rows = evaluate(
        year=2025,
        today=today,
        orgs=[OrgInfo(1, "Z", "党支部")],
        rules=[MONTHLY, QUARTERLY],
        held=held,
    )
    for rule in ("主题党日", "支部党员大会"):
        total = sum(v[0] for k, v in held.items() if k[1] == rule)
        assert sum(r.held for r in rows if r.rule == rule) == total
    for r in rows:
        assert (r.status == "ok") == (r.held >= r.required)
        assert (r.status == "missing") == (r.held < r.required and r.days_left < 0)
        assert r.level == (
            "red"
            if r.status == "missing"
            else "yellow"
            if r.status == "open" and r.days_left <= 10
            else ""
        )


# --- the command on the database ---------------------------------------------------------


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("compliance", *args, stdout=out)
    return json.loads(out.getvalue())


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=TZ)


def record(code: str, atype: str, host, start, *co, status=ActivityStatus.APPROVED, **extra):
    return activity_record(
        actor=None,
        code=code,
        type=atype,
        host=host,
        co_orgs=list(co),
        start=start,
        topic=code,
        status=status,
        **extra,
    )


@pytest.mark.django_db
def test_the_command_follows_the_contract_on_tricky_cases(world):
    late = org_create(
        actor=None,
        code="ZB-L",
        name="年中成立党支部",
        kind="党支部",
        parent=world.dw,
        founded=D(2025, 7, 15),
    )
    # Asia/Shanghai edges: 23:30 on 31 March is Q1 (15:30 UTC); 00:30 on 1 April is Q2 (16:30 UTC on 31 March).
    record("E1", "支部党员大会", world.zb_a, at(2025, 3, 31, 23, 30))
    record("E2", "支部党员大会", world.zb_b, at(2025, 4, 1, 0, 30))
    # A joint 主题党日: counts for A, B and the late branch; the partner gets nothing.
    record("J1", "主题党日", world.zb_a, at(2025, 9, 10), world.zb_b, world.partner, late)
    record("D1", "主题党日", world.zb_a, at(2025, 10, 10), status=ActivityStatus.DRAFT)
    record("R1", "主题党日", world.zb_b, at(2025, 10, 10), status=ActivityStatus.RETURNED)
    record("S1", "主题党日", world.zb_b, at(2025, 11, 3), status=ActivityStatus.SUBMITTED)
    record("F1", "主题党日", world.zb_a, at(2025, 12, 5))  # after "today": not held yet
    record("G1", "党小组会", world.xz_a1, at(2025, 1, 31, 20))
    doc = run("--year", "2025", "--org", "DW", "--today", "2025-11-21")
    assert doc["year"] == 2025
    rows = {(r["org"], r["rule"], r["period"]): (r["held"], r["status"]) for r in doc["results"]}
    assert set(doc["results"][0]) == {"org", "rule", "period", "required", "held", "status"}
    assert {org for org, _, _ in rows} == {"ZB-A", "ZB-B", "XZ-A1", "ZB-L"}
    assert rows[("ZB-A", "支部党员大会", "2025Q1")] == (1, "ok")
    assert rows[("ZB-A", "支部党员大会", "2025Q2")] == (0, "missing")
    assert rows[("ZB-B", "支部党员大会", "2025Q1")] == (0, "missing")
    assert rows[("ZB-B", "支部党员大会", "2025Q2")] == (1, "ok")
    assert rows[("ZB-A", "主题党日", "2025-09")] == (1, "ok")
    assert rows[("ZB-B", "主题党日", "2025-09")] == (1, "ok")
    assert rows[("ZB-L", "主题党日", "2025-09")] == (1, "ok")
    assert rows[("ZB-A", "主题党日", "2025-10")] == (0, "missing")
    assert rows[("ZB-B", "主题党日", "2025-10")] == (0, "missing")
    assert rows[("ZB-B", "主题党日", "2025-11")] == (1, "ok")
    assert rows[("ZB-A", "主题党日", "2025-11")] == (0, "open")
    assert rows[("ZB-A", "主题党日", "2025-12")] == (0, "open")
    assert rows[("ZB-A", "支部党员大会", "2025Q4")] == (0, "open")
    assert rows[("ZB-A", "组织生活会", "2025")] == (0, "open")
    assert rows[("XZ-A1", "党小组会", "2025-01")] == (1, "ok")
    assert rows[("XZ-A1", "党小组会", "2025-02")] == (0, "missing")
    assert sorted(p for o, r, p in rows if o == "ZB-L" and r == "主题党日") == [
        f"2025-{m:02d}" for m in range(8, 13)
    ]
    assert sorted(p for o, r, p in rows if o == "ZB-L" and r == "支部党员大会") == ["2025Q4"]
    assert not any(o == "ZB-L" and r == "组织生活会" for o, r, _ in rows)
    # 5 branch rules × periods for A and B (12 + 4 + 4 + 1 + 1), 12 group rows, ZB-L 5 + 1 + 1.
    assert len(doc["results"]) == 2 * 22 + 12 + 7


@pytest.mark.django_db
def test_a_committee_meeting_without_a_quorum_does_not_count(world):
    branch = org_create(actor=None, code="ZB-C", name="七人党支部", kind="党支部", parent=world.dw)
    for i in range(7):
        member_create(
            actor=None,
            number=f"C{i}",
            name=f"党员{i}",
            org=branch,
            category="正式党员",
            joined_on=D(2010, 1, 1),
            post="书记" if i == 0 else "",
        )
    record("C-1", "支部委员会", branch, at(2025, 1, 8), expected_count=5, present_count=2)
    record("C-2", "支部委员会", branch, at(2025, 2, 8), expected_count=5, present_count=3)
    record("C-3", "支部委员会", branch, at(2025, 3, 8), expected_count=4, present_count=2)
    doc = run("--year", "2025", "--org", "ZB-C", "--today", "2026-01-05")
    rows = [
        (r["period"], r["held"], r["status"]) for r in doc["results"] if r["rule"] == "支部委员会"
    ]
    assert rows[:3] == [("2025-01", 0, "missing"), ("2025-02", 1, "ok"), ("2025-03", 0, "missing")]
    assert len(rows) == 12
    assert not any(
        r["rule"] == "支部委员会"
        for r in run("--year", "2025", "--org", "ZB-A", "--today", "2026-01-05")["results"]
    )


@pytest.mark.django_db
def test_the_command_refuses_bad_input_in_chinese(world, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        call_command("compliance", "--year", "2025", "--org", "NOPE")
    assert exc.value.code == 1
    assert "组织 NOPE 不存在" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        call_command("compliance", "--year", "2025", "--format", "xlsx")
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        call_command("compliance", "--year", "2025", "--today", "2025-13-01")
    assert exc.value.code == 1


@pytest.mark.django_db
def test_the_command_writes_xlsx_and_json_files(world, tmp_path):
    from openpyxl import load_workbook

    record("X1", "主题党日", world.zb_a, at(2025, 1, 5))
    out = io.StringIO()
    call_command(
        "compliance",
        "--year",
        "2025",
        "--org",
        "ZB-A",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "c.xlsx"),
        "--today",
        "2026-01-01",
        stdout=out,
    )
    sheet = load_workbook(tmp_path / "c.xlsx").active
    assert [c.value for c in sheet[1]][:6] == [
        "组织编码",
        "组织名称",
        "规则",
        "期间",
        "应开展次数",
        "已开展次数",
    ]
    assert sheet.max_row == 1 + 22 + 12  # ZB-A and its 党小组 XZ-A1
    call_command(
        "compliance",
        "--year",
        "2025",
        "--org",
        "ZB-A",
        "--out",
        str(tmp_path / "c.json"),
        "--today",
        "2026-01-01",
        stdout=out,
    )
    doc = json.loads((tmp_path / "c.json").read_text())
    assert [r for r in doc["results"] if r["period"] == "2025-01" and r["rule"] == "主题党日"] == [
        {
            "org": "ZB-A",
            "rule": "主题党日",
            "period": "2025-01",
            "required": 1,
            "held": 1,
            "status": "ok",
        }
    ]
