"""The pure scoring engine (lianjian/assessment/scoring.py): every rule of assessment.md on
worked examples, missing values, caps, ties and veto, and properties that must hold for
any input (hypothesis). No database."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianjian.assessment.scoring import (
    DimensionSpec,
    IndicatorScore,
    IndicatorSpec,
    SchemeSpec,
    rank,
    score_indicator,
    score_org,
    stars_for,
    validate_scheme,
)

DIMS = (
    DimensionSpec("DJ", "党建引领", 40),
    DimensionSpec("YW", "业务提升", 50),
    DimensionSpec("LJ", "联建共建", 10),
)
DJ1 = IndicatorSpec(
    "DJ1", "组织生活完成率", "DJ", 20, "ratio", "compliance_rate", target=1.0, floor=0.6
)
YW1 = IndicatorSpec("YW1", "营收完成率", "YW", 30, "ratio", "kpi", target=100, floor=0.6)
YW2 = IndicatorSpec("YW2", "客户投诉", "YW", 10, "deduct", "kpi", per=2)
LJ1 = IndicatorSpec("LJ1", "联建活动", "LJ", 6, "per_item", "joint_activities", per=1.5)
LJ2 = IndicatorSpec(
    "LJ2", "联建成效", "LJ", 8, "stepped", "kpi", steps=(("破冰", 2), ("推进", 4), ("落地", 8))
)
FJ1 = IndicatorSpec("FJ1", "重大安全责任事故", None, None, "veto", "kpi")
SPEC = SchemeSpec(
    "2025-SWD", "2025年度党支部双维度考核", "2025", DIMS, (DJ1, YW1, YW2, LJ1, LJ2, FJ1)
)


def points(ind: IndicatorSpec, value: object) -> float:
    return score_indicator(ind, value).points


# --- ratio -------------------------------------------------------------------------------


def test_ratio_at_or_above_target_scores_the_max():
    assert points(YW1, 100) == 30
    assert points(YW1, 130) == 30


def test_ratio_between_floor_and_target_scores_max_times_r():
    assert points(YW1, 95) == pytest.approx(28.5)
    assert points(DJ1, 0.9) == pytest.approx(18.0)
    assert points(YW1, 60) == pytest.approx(18.0)  # r = floor exactly still scores


def test_ratio_below_floor_scores_nothing():
    assert points(YW1, 59.99) == 0
    assert points(DJ1, 0) == 0


def test_ratio_lower_is_better_inverts_r():
    loss = IndicatorSpec(
        "YW3", "线损率", "YW", 10, "ratio", "kpi", target=5.0, floor=0.5, direction="lower"
    )
    assert points(loss, 5.0) == 10
    assert points(loss, 4.0) == 10  # better than target
    assert points(loss, 8.0) == pytest.approx(10 * 5 / 8)  # r = 0.625
    assert points(loss, 12.0) == 0  # r = 0.4166 < 0.5
    assert points(loss, 0) == 10  # nothing lost: as good as it gets


def test_ratio_without_floor_scales_all_the_way_down():
    ind = IndicatorSpec("X", "x", "YW", 10, "ratio", "kpi", target=200)
    assert points(ind, 20) == pytest.approx(1.0)
    assert points(ind, -5) == 0


# --- per_item, stepped, deduct -----------------------------------------------------------


def test_per_item_counts_up_to_the_max():
    assert points(LJ1, 0) == 0
    assert points(LJ1, 3) == 4.5
    assert points(LJ1, 4) == 6
    assert points(LJ1, 10) == 6


def test_stepped_takes_the_highest_step_reached_and_steps_do_not_add_up():
    assert [points(LJ2, v) for v in (0, 1, 2, 3)] == [0, 2, 4, 8]
    assert points(LJ2, 2.7) == 4  # a fraction does not reach the next step
    assert points(LJ2, 9) == 8  # beyond the last step is the last step


def test_deduct_takes_points_per_occurrence_down_to_zero():
    assert points(YW2, 0) == 10
    assert points(YW2, 2) == 6
    assert points(YW2, 5) == 0
    assert points(YW2, 9) == 0


# --- manual and veto ---------------------------------------------------------------------


def test_manual_is_the_mean_of_the_evaluators():
    ind = IndicatorSpec("DJ2", "书记述职评议", "DJ", 10, "manual", "manual")
    assert score_indicator(ind, [8, 9, 10]) == IndicatorScore(9.0, 9.0, False)
    assert score_indicator(ind, [7.5]) == IndicatorScore(7.5, 7.5, False)


def test_manual_without_scores_is_missing_not_scored():
    ind = IndicatorSpec("DJ2", "书记述职评议", "DJ", 10, "manual", "manual")
    assert score_indicator(ind, []) == IndicatorScore(None, 0.0, True)
    assert score_indicator(ind, None) == IndicatorScore(None, 0.0, True)


def test_veto_occurrence_voids_the_rating():
    assert score_indicator(FJ1, 1) == IndicatorScore(1.0, 0.0, False, True)
    assert score_indicator(FJ1, 0) == IndicatorScore(0.0, 0.0, False, False)
    assert score_indicator(FJ1, None) == IndicatorScore(None, 0.0, True, False)


# --- missing values ----------------------------------------------------------------------


@pytest.mark.parametrize("ind", [DJ1, YW1, YW2, LJ1, LJ2])
def test_a_missing_value_scores_zero_and_is_marked_missing(ind):
    assert score_indicator(ind, None) == IndicatorScore(None, 0.0, True)
    assert score_indicator(ind, float("nan")) == IndicatorScore(None, 0.0, True)


def test_a_missing_deduction_never_becomes_the_full_score():
    # No complaints figure is not "no complaints".
    assert points(YW2, None) == 0


def test_missing_points_is_what_the_indicator_says():
    ind = IndicatorSpec("YW2", "客户投诉", "YW", 10, "deduct", "kpi", per=2, missing_points=5)
    assert score_indicator(ind, None) == IndicatorScore(None, 5.0, True)


# --- whole organisations -----------------------------------------------------------------


def test_worked_example_of_assessment_md():
    result = score_org(SPEC, {"DJ1": 0.9, "YW1": 95, "YW2": 2, "LJ1": 5, "LJ2": 2, "FJ1": 0})
    assert result.dimensions == pytest.approx({"DJ": 18.0, "YW": 34.5, "LJ": 10.0})
    assert result.total == pytest.approx(62.5)
    assert result.stars == 1
    assert result.passed is True
    assert result.vetoed is False
    assert result.indicators["YW1"] == IndicatorScore(95.0, pytest.approx(28.5), False)


def test_dimension_points_are_capped_at_the_dimension_max():
    result = score_org(SPEC, {"LJ1": 5, "LJ2": 3})  # 6 + 8 = 14 in a dimension of 10
    assert result.dimensions["LJ"] == 10
    assert result.total == 10


def test_the_example_caps_a_perfect_record_at_seventy_points():
    result = score_org(SPEC, {"DJ1": 1.0, "YW1": 100, "YW2": 0, "LJ1": 4, "LJ2": 3, "FJ1": 0})
    assert result.dimensions == {"DJ": 20.0, "YW": 40.0, "LJ": 10.0}
    assert result.total == 70 and result.stars == 2


def test_vetoed_organisation_gets_no_stars_and_does_not_pass_but_keeps_its_points():
    result = score_org(SPEC, {"DJ1": 1.0, "YW1": 100, "YW2": 0, "LJ1": 4, "LJ2": 3, "FJ1": 1})
    assert result.total == 70
    assert (result.vetoed, result.stars, result.passed) == (True, None, False)


def test_all_values_missing_gives_zero_and_no_stars():
    result = score_org(SPEC, {})
    assert result.total == 0 and result.stars is None and result.passed is False
    assert all(s.missing for s in result.indicators.values())


def test_star_bands_and_the_pass_line_compare_at_nine_decimals():
    bands = ((95.0, 5), (90.0, 4), (80.0, 3), (70.0, 2), (60.0, 1))
    assert stars_for(95.0, bands) == 5
    assert stars_for(94.99999999999997, bands) == 5  # float noise, not a lower score
    assert stars_for(94.99, bands) == 4
    assert stars_for(59.999, bands) is None
    spec = SchemeSpec(
        "S",
        "s",
        "2025",
        (DimensionSpec("A", "a", 100),),
        (IndicatorSpec("A1", "a", "A", 100, "per_item", "kpi", per=0.1),),
        pass_line=0.3,
    )
    assert score_org(spec, {"A1": 3}).passed is True  # 3 × 0.1 = 0.30000000000000004


def test_custom_star_bands():
    spec = SchemeSpec(
        "S",
        "s",
        "2025",
        (DimensionSpec("A", "a", 100),),
        (IndicatorSpec("A1", "a", "A", 100, "per_item", "kpi", per=1),),
        stars=((85, 3), (75, 2), (50, 1)),
    )
    assert [score_org(spec, {"A1": v}).stars for v in (90, 80, 60, 40)] == [3, 2, 1, None]


# --- rank --------------------------------------------------------------------------------


def test_rank_is_one_based_and_ties_share_a_rank():
    assert rank({"a": (90, False), "b": (95, False), "c": (90, False), "d": (80, False)}) == {
        "b": 1,
        "a": 2,
        "c": 2,
        "d": 4,
    }


def test_vetoed_organisations_rank_after_all_others():
    ranks = rank({"a": (99, True), "b": (50, False), "c": (10, True), "d": (60, False)})
    assert ranks == {"d": 1, "b": 2, "a": 3, "c": 4}


def test_ties_compare_totals_at_nine_decimals():
    assert rank({"a": (0.1 + 0.2, False), "b": (0.3, False)}) == {"a": 1, "b": 1}
    assert rank({"a": (87.494, False), "b": (87.4949, False)}) == {"b": 1, "a": 2}


def test_rank_of_nothing_is_empty():
    assert rank({}) == {}


# --- validation --------------------------------------------------------------------------


def test_the_example_scheme_is_valid():
    assert validate_scheme(SPEC) == []


def test_validation_lists_every_problem_in_chinese():
    bad = SchemeSpec(
        "",
        "",
        "2025Q5",
        (DimensionSpec("DJ", "党建", 0), DimensionSpec("DJ", "重复", 10)),
        (
            IndicatorSpec(
                "A1", "比率", "DJ", 10, "ratio", "kpi", target=0, floor=1.5, direction="up"
            ),
            IndicatorSpec("A1", "重复", "XX", -1, "per_item", "kpi"),
            IndicatorSpec("A3", "分档", "DJ", 5, "stepped", "kpi", steps=(("高", 6), ("低", 1))),
            IndicatorSpec("A4", "评议", "DJ", 5, "manual", "kpi"),
            IndicatorSpec("A5", "否决", None, 5, "veto", "kpi"),
            IndicatorSpec("A6", "无规则", "DJ", 5, "magic", "kpi"),
            IndicatorSpec("A7", "扣分", "DJ", 5, "deduct", "kpi", per=1, missing_points=9),
        ),
        stars=((90, 4), (95, 5), (50, 0)),
        pass_line=-1,
    )
    assert validate_scheme(bad) == [
        "方案编码不能为空",
        "方案名称不能为空",
        "考核期间：期间“2025Q5”格式不正确，应为 2026、2026H1、2026Q3 或 2026-07",
        "维度 DJ：满分应为大于 0 的数字",
        "维度编码 DJ 重复",
        "指标 A1：比率规则的目标值（target）应为大于 0 的数字",
        "指标 A1：最低比率（floor）应在 0 到 1 之间（不含 1），如 0.6",
        "指标 A1：方向（direction）应为 higher（越高越好）或 lower（越低越好）",
        "指标编码 A1 重复",
        "指标 A1：维度 XX 不存在",
        "指标 A1：分值应为大于 0 的数字",
        "指标 A1：每项分值（per）应为大于 0 的数字",
        "指标 A3：第 1 档的分值 6 超过指标分值 5",
        "指标 A3：第 2 档的分值不能低于上一档（档位应从低到高排列）",
        "指标 A4：评议打分（manual）规则须与评议打分来源（manual）配合使用",
        "指标 A5：一票否决指标不计分，不应设置分值",
        "指标 A6：计分规则“magic”无效，应为 ratio、per_item、stepped、deduct、manual、veto 之一",
        "指标 A7：缺数时得分不能超过分值 5",
        "星级第 2 档：各档应按最低总分和星级从高到低排列，且不能重复",
        "星级第 3 档的星级应为不小于 1 的整数",
        "合格线应为不小于 0 的数字",
    ]


def test_a_scheme_needs_an_indicator_and_a_dimension_for_scored_ones():
    spec = SchemeSpec("S", "s", "2026", (), ())
    assert validate_scheme(spec) == ["方案至少需要一个指标"]
    spec = SchemeSpec(
        "S", "s", "2026", (), (IndicatorSpec("A", "a", None, 5, "per_item", "kpi", per=1),)
    )
    assert validate_scheme(spec) == ["指标 A：须属于一个维度"]


# --- properties --------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
maybe = st.one_of(st.none(), finite)
maxima = st.floats(min_value=0.5, max_value=100)


@st.composite
def indicators(draw, dimension: str = "A"):
    rule = draw(st.sampled_from(["ratio", "per_item", "stepped", "deduct", "manual"]))
    top = draw(maxima)
    kwargs: dict = {}
    if rule == "ratio":
        kwargs = {
            "target": draw(st.floats(min_value=0.01, max_value=1e4)),
            "floor": draw(st.one_of(st.none(), st.floats(min_value=0, max_value=0.99))),
            "direction": draw(st.sampled_from(["higher", "lower"])),
        }
    elif rule in ("per_item", "deduct"):
        kwargs = {"per": draw(st.floats(min_value=0.01, max_value=50))}
    elif rule == "stepped":
        pts = sorted(draw(st.lists(st.floats(min_value=0, max_value=top), min_size=1, max_size=5)))
        kwargs = {"steps": tuple((f"档{i}", p) for i, p in enumerate(pts))}
    code = draw(st.text(alphabet="ABCDEFGH", min_size=1, max_size=3))
    return IndicatorSpec(
        code, "指标", dimension, top, rule, "manual" if rule == "manual" else "kpi", **kwargs
    )


def value_for(ind: IndicatorSpec):
    if ind.rule == "manual":
        return st.one_of(st.none(), st.lists(st.floats(min_value=0, max_value=ind.max), max_size=6))
    return maybe


@given(st.data())
@settings(max_examples=300)
def test_points_are_always_between_zero_and_the_max(data):
    ind = data.draw(indicators())
    result = score_indicator(ind, data.draw(value_for(ind)))
    assert 0 <= result.points <= ind.max
    assert result.missing == (result.value is None)
    assert not result.vetoed


@given(st.data())
@settings(max_examples=300)
def test_a_missing_value_never_scores_more_than_missing_points(data):
    ind = data.draw(indicators())
    assert score_indicator(ind, None).points == 0


@given(st.data())
def test_higher_is_better_ratio_is_monotone(data):
    target = data.draw(st.floats(min_value=0.01, max_value=1e4))
    ind = IndicatorSpec(
        "R", "r", "A", 10, "ratio", "kpi", target=target, floor=data.draw(st.floats(0, 0.99))
    )
    a, b = sorted([data.draw(finite), data.draw(finite)])
    # Below the floor nothing; from the floor on never less than before.
    assert points(ind, a) <= points(ind, b) or points(ind, a) == pytest.approx(points(ind, b))


@given(st.data())
def test_deduct_and_per_item_move_in_opposite_directions(data):
    per = data.draw(st.floats(min_value=0.01, max_value=10))
    a, b = sorted([data.draw(st.integers(0, 100)), data.draw(st.integers(0, 100))])
    up = IndicatorSpec("P", "p", "A", 10, "per_item", "kpi", per=per)
    down = IndicatorSpec("D", "d", "A", 10, "deduct", "kpi", per=per)
    assert points(up, a) <= points(up, b)
    assert points(down, a) >= points(down, b)


@given(
    st.lists(st.tuples(st.sampled_from(["A", "B"]), st.data()), min_size=1, max_size=8), st.data()
)
@settings(max_examples=150)
def test_total_is_the_sum_of_capped_dimensions(pairs, data):
    dims = (DimensionSpec("A", "a", data.draw(maxima)), DimensionSpec("B", "b", data.draw(maxima)))
    inds = []
    for i, (dim, d) in enumerate(pairs):
        ind = d.draw(indicators(dim))
        inds.append(
            IndicatorSpec(
                f"I{i}",
                ind.name,
                dim,
                ind.max,
                ind.rule,
                ind.source,
                ind.target,
                ind.floor,
                ind.direction,
                ind.per,
                ind.steps,
            )
        )
    spec = SchemeSpec("S", "s", "2026", dims, tuple(inds))
    values = {ind.code: data.draw(value_for(ind)) for ind in inds}
    result = score_org(spec, values)
    for dim in dims:
        own = math.fsum(result.indicators[i.code].points for i in inds if i.dimension == dim.code)
        assert result.dimensions[dim.code] == pytest.approx(min(own, dim.max))
        assert result.dimensions[dim.code] <= dim.max
    assert result.total == pytest.approx(sum(result.dimensions.values()))
    assert (result.stars is not None) == (round(result.total, 9) >= 60)


@given(
    st.dictionaries(st.integers(0, 50), st.tuples(st.floats(0, 100), st.booleans()), max_size=30)
)
def test_rank_properties(totals):
    ranks = rank(totals)
    assert set(ranks) == set(totals)
    if not totals:
        return
    assert min(ranks.values()) == 1
    for a, (ta, va) in totals.items():
        for b, (tb, vb) in totals.items():
            if not va and vb:
                assert ranks[a] < ranks[b]  # vetoed after all others
            if va == vb and round(ta, 9) > round(tb, 9):
                assert ranks[a] < ranks[b]
            if va == vb and round(ta, 9) == round(tb, 9):
                assert ranks[a] == ranks[b]
    # competition ranking: a rank k is taken by an organisation only when k − 1 others are ahead
    for r in ranks.values():
        assert r == 1 + sum(1 for other in ranks.values() if other < r)


@given(st.floats(min_value=0, max_value=100))
def test_vetoed_never_has_stars(total_value):
    spec = SchemeSpec(
        "S",
        "s",
        "2026",
        (DimensionSpec("A", "a", 100),),
        (IndicatorSpec("A1", "a", "A", 100, "per_item", "kpi", per=1), FJ1),
    )
    result = score_org(spec, {"A1": total_value, "FJ1": 1})
    assert result.stars is None and result.vetoed and not result.passed


def test_the_engine_imports_no_django():
    code = (
        "import sys, lianjian.assessment.scoring, lianjian.assessment.scheme_file as f; "
        "print(sorted(m for m in sys.modules if m.startswith('django')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
