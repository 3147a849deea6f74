"""The rules of 党员积分 (points.md), on the pure engine: worked examples, caps, vetoes,
periods and the scheme validator (减负 included)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from lianjian.points import engine
from lianjian.points.engine import Event, SchemeError

SOURCES = {"attendance", "absence", "milestone_accepted", "problem_closed", "claim"}
TYPES = {"支部党员大会", "支部委员会", "党小组会", "党课", "主题党日"}

SCHEME_FILE: dict[str, Any] = {
    "code": "2026-JF", "name": "2026年党员积分办法", "org": "BXDW", "year": 2026,
    "period": "quarter", "base": 80, "bonus_cap": 20, "floor": None, "ceiling": 100,
    "exempt_categories": ["特殊"],
    "rules": [
        {"code": "A1", "text": "参加三会一课", "category": "任务", "points": 3,
         "cap_period": 6, "cap_year": 12, "source": "attendance",
         "activity_types": ["支部党员大会", "支部委员会", "党小组会", "党课"]},
        {"code": "A2", "text": "参加主题党日", "category": "任务", "points": 2, "cap_year": 8,
         "source": "attendance", "activity_types": ["主题党日"]},
        {"code": "B1", "text": "关键任务节点验收", "category": "奖励", "points": 2,
         "source": "milestone_accepted"},
        {"code": "B2", "text": "获得表彰", "category": "奖励", "points": 5, "source": "claim"},
        {"code": "C1", "text": "无故缺席组织生活", "category": "扣分", "points": -2,
         "source": "absence"},
        {"code": "V1", "text": "受到党纪处分", "category": "一票否决", "source": "claim",
         "veto_total": 0},
    ],
}  # fmt: skip


def parse(data: dict[str, Any] | None = None, **changes: Any) -> engine.Scheme:
    return engine.parse_scheme(
        {**(data or SCHEME_FILE), **changes}, sources=SOURCES, activity_types=TYPES
    )


def refused(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SchemeError) as exc:
        engine.parse_scheme(data, sources=SOURCES, activity_types=TYPES)
    return exc.value.problems


def ev(rule: str, points: float, period: str = "2026Q1", n: int = 0) -> Event:
    return Event(rule, period, Decimal(str(points)), (period, n))


def with_rule(**rule: Any) -> dict[str, Any]:
    base = {
        "code": "X1",
        "text": "参加志愿服务",
        "category": "奖励",
        "points": 1,
        "source": "claim",
    }
    return {**SCHEME_FILE, "rules": [{**base, **rule}]}


def test_the_scheme_file_of_points_md_parses_and_exports_the_same() -> None:
    scheme = parse()
    assert scheme.period == "quarter" and scheme.base == 80 and scheme.floor is None
    assert [r.code for r in scheme.rules] == ["A1", "A2", "B1", "B2", "C1", "V1"]
    again = parse(engine.scheme_to_data(scheme))
    assert again == scheme


def test_worked_example_bonus_capped_and_a_deduction() -> None:
    # bonus claims +25 and a deduction −5 → 80 + 20 − 5 = 95
    scheme = parse()
    events = [ev("B2", 5, n=i) for i in range(5)] + [ev("C1", -2, n=10), ev("C1", -3, n=11)]
    total = engine.period_total(scheme, "2026Q1", events)
    assert total.total == 95
    assert (total.bonus, total.deductions, total.raw_bonus) == (20, 5, 25)
    assert total.as_json() == {
        "total": 95, "bonus": 20, "deductions": 5, "vetoed": False, "exempt": False
    }  # fmt: skip


def test_worked_example_floor() -> None:
    # deductions −90 with no floor → −10, with floor 0 → 0
    events = [ev("C1", -2, n=i) for i in range(45)]
    assert engine.period_total(parse(), "2026Q1", events).total == -10
    assert engine.period_total(parse(floor=0), "2026Q1", events).total == 0


def test_worked_example_year_cap_of_study_sessions() -> None:
    # 15 study sessions × 2 → 12 (cap)
    data = with_rule(code="S1", text="集中学习", category="任务", points=2, cap_year=12)
    scheme = parse(data)
    events = [ev("S1", 2, period=f"2026Q{i % 4 + 1}", n=i) for i in range(15)]
    kept = engine.kept_points(scheme, events)
    assert sum(p for _, p in kept) == 12
    assert engine.period_total(scheme, "2026", events).bonus == 12


def test_the_period_where_the_year_cap_is_reached_keeps_only_what_fits() -> None:
    scheme = parse()  # A1: 3 a time, at most 6 a period and 12 a year
    events = [ev("A1", 3, "2026Q1", 1), ev("A1", 3, "2026Q1", 2), ev("A1", 3, "2026Q1", 3)]
    events += [ev("A1", 3, "2026Q2", 1), ev("A1", 3, "2026Q2", 2)]
    events += [ev("A1", 3, "2026Q3", 1)]
    assert engine.period_total(scheme, "2026Q1", events).bonus == 6  # period cap
    assert engine.period_total(scheme, "2026Q2", events).bonus == 6
    assert engine.period_total(scheme, "2026Q3", events).bonus == 0  # year cap reached


def test_a_partial_fit_at_the_year_cap() -> None:
    scheme = parse(with_rule(code="S1", points=5, cap_year=12))
    events = [ev("S1", 5, "2026Q1", 1), ev("S1", 5, "2026Q2", 1), ev("S1", 5, "2026Q3", 1)]
    assert [p for _, p in engine.kept_points(scheme, events)] == [5, 5, 2]


def test_veto_sets_the_period_total() -> None:
    scheme = parse()
    events = [ev("B2", 5), ev("V1", 0, n=2)]
    total = engine.period_total(scheme, "2026Q1", events)
    assert total.vetoed and total.total == 0
    assert engine.period_total(scheme, "2026Q2", events).total == 80


def test_exempt_members_have_no_total() -> None:
    total = engine.period_total(parse(), "2026Q1", [ev("B2", 5)], exempt=True)
    assert total.total is None and total.exempt
    assert total.as_json()["total"] is None


def test_ceiling() -> None:
    scheme = parse(bonus_cap=50)
    assert engine.period_total(scheme, "2026Q1", [ev("B2", 5, n=i) for i in range(8)]).total == 100


def test_periods() -> None:
    assert engine.periods_of(2026, "quarter") == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert engine.periods_of(2026, "month")[11] == "2026-12"
    assert engine.period_of(datetime.date(2026, 8, 3), "quarter") == "2026Q3"
    assert engine.period_of(datetime.date(2026, 8, 3), "month") == "2026-08"
    assert engine.period_bounds("2026Q1") == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert engine.period_bounds("2026-12")[1] == datetime.date(2026, 12, 31)
    for bad in ("1900", "2026Q5", "2026-13", "abc"):
        with pytest.raises(ValueError):
            engine.period_bounds(bad)


@pytest.mark.parametrize(
    ("rule", "word"),
    [
        ({"source": "login"}, "登录"),
        ({"source": "minutes"}, "登录"),
        ({"source": "clicks"}, "登录"),
        ({"text": "学习强国积分达标"}, "学习强国"),
        ({"text": "每日登录平台"}, "登录"),
        ({"text": "在线学习时长满60分钟"}, "时长"),
        ({"text": "每日打卡"}, "打卡"),
        ({"text": "点击阅读文章"}, "点击"),
    ],
)
def test_formalism_is_refused(rule: dict[str, Any], word: str) -> None:
    problems = refused(with_rule(**rule))
    assert any("减负" in p and word in p for p in problems), problems


def test_every_problem_is_listed() -> None:
    data = {
        "code": "X", "org": "BXDW", "year": 1900, "period": "week",
        "rules": [
            {"code": "A", "text": "t", "category": "任务", "points": 1, "source": "dues_paid"},
            {"code": "A", "text": "t", "category": "任务", "source": "claim"},
            {"code": "B", "text": "t", "category": "一票否决", "source": "claim"},
            {"code": "C", "text": "t", "category": "扣分", "points": 2, "source": "absence"},
            {"code": "D", "text": "t", "category": "任务", "points": 1, "source": "attendance"},
            {"code": "E", "text": "t", "category": "任务", "points": 1, "source": "attendance",
             "activity_types": ["茶话会"]},
        ],
    }  # fmt: skip
    problems = refused(data)
    expected = [
        "缺少 name",
        "year 应在 2000 到 2200 之间",
        "period 应为",
        "未知的来源 dues_paid",
        "编码重复",
        "缺少 points",
        "缺少 veto_total",
        "扣分规则的 points 应为负数",
        "出勤来源须列出 activity_types",
        "未知的活动类型 茶话会",
    ]
    for text in expected:
        assert any(text in p for p in problems), (text, problems)


def test_not_an_object_and_no_rules() -> None:
    assert refused([])[0] == "积分办法文件应为一个 JSON 对象"
    assert any("缺少 rules" in p for p in refused({**SCHEME_FILE, "rules": []}))
