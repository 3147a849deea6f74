"""Grouping engine (docs/grouping.md): samples, validation, exactness, baselines, bounds.

No database: nothing here is marked django_db. ``reference_objective`` is an independent,
straightforward implementation of the formulas, computed from the JSON document itself.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lianjian.grouping.bounds import max_pairs, star_bound
from lianjian.grouping.heuristic import (
    Shape,
    geographic_start,
    greedy_assignment,
    random_assignment,
    window_search,
)
from lianjian.grouping.model import InstanceError
from lianjian.grouping.score import Features, violations
from lianjian.grouping.solve import solve
from lianjian.grouping.validate import load_instance, parse_instance

SHARED = Path("/work/shared/grouping")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench" / "grouping"))
from generate import generate  # noqa: E402


def reference_objective(doc: dict, result: dict) -> tuple[float, dict[str, float]]:
    """Recompute objective and components from the input document and the output groups."""
    orgs = {o["id"]: o for o in doc["orgs"]}
    p = doc["params"]
    w = {"profession": 1.0, "geography": 1.0, "complementarity": 1.0, **p.get("weights", {})}
    d0 = p.get("geo_scale_km", 30.0)
    sums = {"profession": 0.0, "geography": 0.0, "complementarity": 0.0}
    for group in result["groups"]:
        for a_id, b_id in itertools.combinations(group["members"], 2):
            a, b = orgs[a_id], orgs[b_id]
            pa, pb = set(a.get("professions", [])), set(b.get("professions", []))
            sums["profession"] += len(pa & pb) / len(pa | pb) if pa | pb else 0.0
            phi1, phi2 = math.radians(a["lat"]), math.radians(b["lat"])
            hav = (
                math.sin((phi2 - phi1) / 2) ** 2
                + math.cos(phi1)
                * math.cos(phi2)
                * math.sin(math.radians(b["lon"] - a["lon"]) / 2) ** 2
            )
            dist = 2 * 6371.0088 * math.asin(math.sqrt(hav))
            sums["geography"] += math.exp(-dist / d0)
            sa, sb = set(a.get("strengths", [])), set(b.get("strengths", []))
            na, nb = set(a.get("needs", [])), set(b.get("needs", []))
            needs = len(na) + len(nb)
            sums["complementarity"] += (len(sa & nb) + len(sb & na)) / needs if needs else 0.0
    comps = {key: w[key] * value for key, value in sums.items()}
    return sum(comps.values()), comps


def check_result(doc: dict, result: dict) -> None:
    """Feasible per the spec, objective and components recomputable, bound honest."""
    p = doc["params"]
    ids = [o["id"] for o in doc["orgs"]]
    leads = {o["id"] for o in doc["orgs"] if o.get("lead")}
    assert len(result["groups"]) == p["groups"]
    seen = [m for g in result["groups"] for m in g["members"]]
    assert sorted(seen) == sorted(ids)
    for group in result["groups"]:
        assert p["min_size"] <= len(group["members"]) <= p["max_size"]
        in_group = [m for m in group["members"] if m in leads]
        if leads:
            assert in_group == [group["lead"]]
        else:
            assert group["lead"] is None
    objective, comps = reference_objective(doc, result)
    assert result["objective"] == pytest.approx(objective, rel=1e-9, abs=1e-9)
    for key in comps:
        assert result["components"][key] == pytest.approx(comps[key], rel=1e-9, abs=1e-9)
    assert sum(result["components"].values()) == pytest.approx(
        result["objective"], rel=1e-12, abs=1e-12
    )
    assert result["status"] in {"optimal", "feasible"}
    if result["status"] == "optimal":
        assert result["bound"] == result["objective"]
    if result["bound"] is not None:
        assert result["bound"] >= result["objective"]


def test_sample_20_reproduces_the_proven_optimum():
    doc = json.loads((SHARED / "sample-20.json").read_text())
    optimum = json.loads((SHARED / "sample-20.optimum.json").read_text())
    result = solve(parse_instance(doc), time_limit=10, seed=0)
    check_result(doc, result)
    assert result["status"] == "optimal"
    assert result["objective"] == pytest.approx(optimum["objective"], abs=1e-9)
    assert result["components"] == pytest.approx(optimum["components"], abs=1e-9)
    assert sorted(map(sorted, (g["members"] for g in result["groups"]))) == sorted(
        map(sorted, (g["members"] for g in optimum["groups"]))
    )
    assert result["seconds"] < 10


def test_sample_41_reaches_the_best_known_objective():
    doc = json.loads((SHARED / "sample-41.json").read_text())
    result = solve(parse_instance(doc), time_limit=10, seed=0)
    check_result(doc, result)
    # 124.5513… is the best objective found by every method tried (see docs/benchmarks.md).
    assert result["objective"] == pytest.approx(124.55131567584881, abs=1e-6)
    assert result["status"] == "feasible"
    assert result["bound"] > result["objective"]
    assert result["seconds"] < 10.5


def brute_force(doc: dict) -> float:
    """Best objective over every set partition (tiny instances only)."""
    inst = parse_instance(doc)
    feat = Features(inst)
    w = feat.matrix()
    p = inst.params
    n = inst.n
    best = -1.0

    def rec(i: int, groups: list[list[int]]) -> None:
        nonlocal best
        if len(groups) > p.groups or any(len(g) > p.max_size for g in groups):
            return
        if i == n:
            if len(groups) == p.groups and not violations(inst, groups):
                best = max(best, sum(float(w[np.ix_(g, g)].sum()) / 2 for g in groups))
            return
        for g in groups:
            g.append(i)
            rec(i + 1, groups)
            g.pop()
        groups.append([i])
        rec(i + 1, groups)
        groups.pop()

    rec(0, [])
    return best


@pytest.mark.parametrize("leads", [True, False])
def test_exact_path_matches_brute_force_and_star_bound_is_valid(leads):
    doc = generate(8, 3, seed=5, leads=leads, min_size=2, max_size=4)
    best = brute_force(doc)
    result = solve(parse_instance(doc), time_limit=5, seed=1)
    check_result(doc, result)
    assert result["status"] == "optimal"
    assert result["objective"] == pytest.approx(best, abs=1e-9)
    inst = parse_instance(doc)
    feat = Features(inst)
    shape = Shape(3, 2, 4, feat.is_lead)
    assert star_bound(feat, shape, float("inf"), w=feat.matrix()) >= best
    assert star_bound(feat, shape, float("inf")) >= best


def test_max_pairs_prefers_extreme_sizes():
    shape = Shape(7, 3, 9, np.zeros(41, dtype=bool))
    # 3 groups of 9, one of 5, three of 3: 3·36 + 10 + 3·3.
    assert max_pairs(41, shape) == 127
    assert max_pairs(12, Shape(3, 4, 4, np.zeros(12, dtype=bool))) == 18


def test_same_seed_gives_the_same_grouping():
    doc = generate(30, 4, seed=3, leads=False, min_size=3, max_size=12)
    first = solve(parse_instance(doc), time_limit=20, seed=7)
    second = solve(parse_instance(doc), time_limit=20, seed=7)
    check_result(doc, first)
    assert first["groups"] == second["groups"]
    assert first["objective"] == second["objective"]


def test_large_path_respects_the_time_limit_and_stays_feasible():
    doc = generate(1200, 150, seed=2)
    result = solve(parse_instance(doc), time_limit=4, seed=0)
    check_result(doc, result)
    assert result["seconds"] <= 4.0
    assert result["bound"] is not None


@pytest.mark.parametrize("leads", [True, False])
def test_baselines_and_window_search_are_feasible(leads):
    doc = generate(300, 30, seed=4, leads=leads)
    inst = parse_instance(doc)
    feat = Features(inst)
    p = inst.params
    shape = Shape(p.groups, p.min_size, p.max_size, feat.is_lead)
    rng = np.random.default_rng(0)
    starts = {
        "random": random_assignment(inst.n, shape, rng),
        "kmeans": geographic_start(feat, shape, rng),
        "greedy": greedy_assignment(feat, shape, rng),
    }
    for a in starts.values():
        groups = [list(np.flatnonzero(a == g)) for g in range(p.groups)]
        assert violations(inst, groups) == []
    improved = window_search(feat, starts["kmeans"], shape, rng, deadline=float("inf"), rounds=2)
    groups = [list(np.flatnonzero(improved == g)) for g in range(p.groups)]
    assert violations(inst, groups) == []
    w_full = feat.matrix()
    before = sum(
        float(w_full[np.ix_(g, g)].sum()) / 2
        for g in [list(np.flatnonzero(starts["kmeans"] == c)) for c in range(p.groups)]
    )
    after = sum(float(w_full[np.ix_(g, g)].sum()) / 2 for g in groups)
    assert after > before


def org(i: int, **extra) -> dict:
    return {
        "id": f"O{i}",
        "name": f"组织{i}",
        "professions": ["营销服务"],
        "lat": 41.0 + i / 100,
        "lon": 123.0,
        "strengths": [],
        "needs": [],
        **extra,
    }


def doc_of(orgs: list[dict], **params) -> dict:
    return {"params": {"groups": 2, "min_size": 1, "max_size": 3, **params}, "orgs": orgs}


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("{", ["输入不是合法的 JSON：第 1 行第 2 列附近有语法错误"]),
        ("[]", ["输入必须是包含 params 与 orgs 的 JSON 对象"]),
        ('{"orgs": []}', ["缺少参数对象 params", "orgs 必须是非空列表"]),
        (json.dumps(doc_of([org(1), org(1)])), ["组织编号重复：O1（第 1 个与第 2 个）"]),
        (
            json.dumps(doc_of([org(1), {"id": "O2", "lat": 41.0}])),
            ["第 2 个组织（O2）缺少经度 lon"],
        ),
        (
            json.dumps(doc_of([org(1), org(2, lat=95.5)])),
            ["第 2 个组织（O2）的纬度 lat（95.5）超出范围 [-90, 90]"],
        ),
        (
            json.dumps(doc_of([org(1), org(2, lon=-181)])),
            ["第 2 个组织（O2）的经度 lon（-181）超出范围 [-180, 180]"],
        ),
        (
            json.dumps(doc_of([org(1), org(2, color="红")])),
            ["第 2 个组织（O2）含有未知字段：color"],
        ),
        (
            json.dumps(doc_of([org(1), org(2)], groups=3, min_size=1)),
            ["无法分组：3 组每组至少 1 个需要 3 个组织，但只有 2 个"],
        ),
        (
            json.dumps(doc_of([org(1), org(2), org(3)], groups=1, max_size=2)),
            ["无法分组：1 组每组至多 2 个只能容纳 2 个组织，但有 3 个"],
        ),
        (
            json.dumps(doc_of([org(1, lead=True), org(2)])),
            ["牵头组织数（1）必须等于分组数（2）：每组恰好一个牵头组织"],
        ),
        (
            json.dumps(doc_of([org(1), org(2)], min_size=3, max_size=2)),
            ["每组最少组织数 min_size（3）不能大于每组最多组织数 max_size（2）"],
        ),
        (
            json.dumps(doc_of([org(1), org(2)], weights={"geography": -1})),
            ["权重 geography（地域相邻）必须是不小于 0 的有限数"],
        ),
        (
            json.dumps(doc_of([org(1), org(2)], geo_scale_km=0)),
            ["地理尺度 geo_scale_km 必须是大于 0 的有限数（公里）"],
        ),
        (json.dumps(doc_of([org(1), org(2)], groups=True)), ["分组数 groups 必须是正整数"]),
        (
            json.dumps(doc_of([org(1), org(2, professions="营销")])),
            ["第 2 个组织（O2）的 professions 必须是由非空字符串组成的列表"],
        ),
        (
            json.dumps(doc_of([org(1), org(2, lead="yes")])),
            ["第 2 个组织（O2）的 lead 必须是 true 或 false"],
        ),
        (
            '{"params": {"groups": 1, "min_size": 1, "max_size": 2}, "orgs": [{"id": "A", "lat": NaN, "lon": 1}]}',
            ["输入不是合法的 JSON：不允许的数值 NaN（NaN 与 Infinity 不是合法数值）"],
        ),
        (json.dumps({**doc_of([org(1), org(2)]), "extra": 1}), ["输入含有未知字段：extra"]),
    ],
)
def test_bad_input_is_refused_with_chinese_messages(text, messages):
    with pytest.raises(InstanceError) as caught:
        load_instance(text)
    assert caught.value.messages == messages


def test_optional_fields_take_their_defaults():
    inst = load_instance(
        json.dumps(doc_of([{"id": "A", "lat": 1, "lon": 2}, {"id": "B", "lat": 1, "lon": 2}]))
    )
    assert (
        inst.params.w_profession == inst.params.w_geography == inst.params.w_complementarity == 1.0
    )
    assert inst.params.geo_scale_km == 30.0
    assert inst.orgs[0].professions == frozenset() and inst.orgs[0].lead is False


def test_package_imports_no_django():
    code = (
        "import sys, lianjian.grouping.cli, lianjian.grouping.solve, lianjian.grouping.exact;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"
    for path in (ROOT / "lianjian" / "grouping").glob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+django", path.read_text(), re.M), path


def test_24_orgs_without_leads_are_proven_optimal_within_10_seconds():
    doc = generate(24, 4, seed=0, leads=False, min_size=3, max_size=8)
    result = solve(parse_instance(doc), time_limit=10, seed=0)
    check_result(doc, result)
    assert result["status"] == "optimal"
    assert result["seconds"] <= 10


def test_exact_path_keeps_the_time_limit_and_reports_its_lp_bound():
    # 150 pairs out of 300 orgs: 44,850 columns, a fractional LP, a MIP too large to finish.
    doc = generate(300, 150, seed=3, leads=False, min_size=2, max_size=2)
    result = solve(parse_instance(doc), time_limit=3, seed=0)
    check_result(doc, result)
    assert result["seconds"] <= 3
    assert result["status"] == "feasible"
    assert result["bound"] > result["objective"]
