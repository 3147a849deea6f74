"""Pure explanations of 智能分组: partner ranking, overlapping objective, group cards."""

from __future__ import annotations

import math

import pytest

from lianjian.grouping.model import Instance, Org, Params
from lianjian.grouping.score import distance_km, evaluate
from lianjian.proposals.explain import explain_group, pairs_objective, rank_partners


def org(oid: str, lat: float = 0.0, lon: float = 0.0, prof=(), strengths=(), needs=()) -> Org:
    return Org(
        id=oid,
        name=f"组织{oid}",
        professions=frozenset(prof),
        lat=lat,
        lon=lon,
        strengths=frozenset(strengths),
        needs=frozenset(needs),
    )


PARAMS = Params(groups=1, min_size=1, max_size=1)


def test_partners_are_ranked_by_pair_score_with_reasons():
    target = org("T", prof={"a", "b"}, strengths={"y"}, needs={"x"})
    p1 = org("P1", prof={"a"})  # 1/2 + 1 + 0
    p2 = org("P2", strengths={"x"}, needs={"y"})  # 0 + 1 + 2/2
    p3 = org("P3", lon=1.0, prof={"a", "b"})  # 1 + e^(-111.2/30) + 0
    rows = rank_partners(target, [p3, p1, target, p2], PARAMS)
    assert [r["org"].id for r in rows] == ["P2", "P1", "P3"]
    assert rows[0]["score"] == 2.0
    assert rows[0]["they_meet"] == ["x"]
    assert rows[0]["we_meet"] == ["y"]
    assert rows[0]["shared_professions"] == []
    assert rows[1]["score"] == 1.5
    assert rows[1]["shared_professions"] == ["a"]
    km = distance_km(target, p3)
    assert round(km, 3) == 111.195
    assert rows[2]["km"] == km
    assert rows[2]["score"] == pytest.approx(1.0 + math.exp(-km / 30.0), abs=1e-12)
    assert (rows[2]["profession"], rows[2]["complementarity"]) == (1.0, 0.0)


def test_partner_weights_change_the_ranking():
    target = org("T", prof={"a", "b"}, strengths={"y"}, needs={"x"})
    p1 = org("P1", prof={"a"})
    p2 = org("P2", strengths={"x"}, needs={"y"})
    only_profession = Params(
        groups=1, min_size=1, max_size=1, w_profession=1.0, w_geography=0.0, w_complementarity=0.0
    )
    rows = rank_partners(target, [p1, p2], only_profession)
    assert [(r["org"].id, r["score"]) for r in rows] == [("P1", 0.5), ("P2", 0.0)]


def test_partner_finder_keeps_ten_and_breaks_ties_by_distance_then_id():
    target = org("T")
    same = [org(f"S{n:02d}", lon=0.01 * (n % 3)) for n in range(12)]
    rows = rank_partners(target, same, PARAMS)
    assert len(rows) == 10
    assert [r["org"].id for r in rows[:4]] == ["S00", "S03", "S06", "S09"]
    assert [r["org"].id for r in rows[4:8]] == ["S01", "S04", "S07", "S10"]


def _instance() -> Instance:
    orgs = (
        org("A", 41.30, 123.70, {"营销服务"}, {"客户服务"}, {"技术攻关"}),
        org("B", 41.20, 123.90, {"设备管理"}),
        org("C", 41.31, 123.71, {"营销服务"}, {"技术攻关"}),
        org("D", 41.21, 123.91, {"设备管理", "营销服务"}, (), {"客户服务"}),
    )
    return Instance(params=Params(groups=2, min_size=2, max_size=2), orgs=orgs)


def test_overlapping_objective_counts_each_pair_once_and_equals_evaluate_on_a_partition():
    inst = _instance()
    assert pairs_objective(inst, [[0, 2], [1, 3]]) == evaluate(inst, [[0, 2], [1, 3]])
    once, _ = pairs_objective(inst, [[0, 1, 2]])
    twice, _ = pairs_objective(inst, [[0, 1, 2], [0, 1], [3]])
    assert once == twice
    assert pairs_objective(inst, []) == (
        0.0,
        {"profession": 0.0, "geography": 0.0, "complementarity": 0.0},
    )


def test_group_card_explains_needs_professions_distances_and_pairs():
    inst = _instance()
    card = explain_group(inst, [0, 2, 3], lead=0)
    assert card["lead"] == "组织A"
    assert card["shared_professions"] == [("营销服务", 3)]
    assert card["needs"] == [
        {"org": "组织A", "items": [{"need": "技术攻关", "providers": ["组织C"]}]},
        {"org": "组织D", "items": [{"need": "客户服务", "providers": ["组织A"]}]},
    ]
    assert (card["needs_met"], card["needs_total"]) == (2, 2)
    kms = [distance_km(inst.orgs[i], inst.orgs[j]) for i, j in ((0, 2), (0, 3), (2, 3))]
    assert card["max_km"] == max(kms)
    assert card["mean_km"] == pytest.approx(sum(kms) / 3, abs=1e-12)
    # three pairs: one strongest and one weakest are shown, never the same pair
    assert [(p["a"], p["b"]) for p in card["strongest"]] == [("组织A", "组织C")]
    assert [(p["a"], p["b"]) for p in card["weakest"]] == [("组织C", "组织D")]
    assert card["strongest"][0]["profession"] == 1.0
    assert card["strongest"][0]["complementarity"] == 1.0
    assert card["score"] == pytest.approx(evaluate(inst, [[0, 2, 3]])[0], abs=1e-12)
