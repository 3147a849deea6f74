"""Property tests (hypothesis): every returned grouping is feasible, its objective and
components recompute independently, bounds are honest, tiny instances are optimal."""

from __future__ import annotations

import math
import time

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianjian.grouping.bounds import star_bound
from lianjian.grouping.heuristic import (
    Shape,
    iterated_local_search,
    random_assignment,
    window_search,
)
from lianjian.grouping.score import Features, violations
from lianjian.grouping.solve import solve
from lianjian.grouping.validate import parse_instance
from tests.test_grouping_engine import brute_force, check_result

PROFS = ["营销服务", "运维检修", "调度控制", "科技信息"]
RES = ["专家团队", "活动阵地", "技术攻关", "培训师资", "应急抢修"]


@st.composite
def instances(draw, max_n: int = 12) -> dict:
    n = draw(st.integers(1, max_n))
    k = draw(st.integers(1, min(n, 4)))
    lo = draw(st.integers(1, n // k))
    hi = draw(st.integers(max(lo, math.ceil(n / k)), n))
    leads = draw(st.booleans())
    lead_set = set(draw(st.permutations(range(n)))[:k]) if leads else set()
    orgs = []
    for i in range(n):
        orgs.append(
            {
                "id": f"X{i:02d}",
                "name": f"组织{i}",
                "professions": draw(st.lists(st.sampled_from(PROFS), max_size=3, unique=True)),
                "lat": draw(st.floats(40.0, 42.0)),
                "lon": draw(st.floats(122.0, 125.0)),
                "strengths": draw(st.lists(st.sampled_from(RES), max_size=3, unique=True)),
                "needs": draw(st.lists(st.sampled_from(RES), max_size=2, unique=True)),
                **({"lead": i in lead_set} if leads else {}),
            }
        )
    weights = {
        key: draw(st.sampled_from([0.0, 0.5, 1.0, 2.5]))
        for key in ("profession", "geography", "complementarity")
    }
    scale = draw(st.sampled_from([5.0, 30.0, 120.0]))
    return {
        "params": {
            "groups": k,
            "min_size": lo,
            "max_size": hi,
            "weights": weights,
            "geo_scale_km": scale,
        },
        "orgs": orgs,
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=instances(), seed=st.integers(0, 2**31))
def test_every_solution_is_feasible_recomputable_and_small_ones_optimal(doc, seed):
    result = solve(parse_instance(doc), time_limit=3, seed=seed)
    check_result(doc, result)
    assert result["status"] == "optimal"
    if len(doc["orgs"]) <= 7:
        assert math.isclose(result["objective"], brute_force(doc), rel_tol=1e-9, abs_tol=1e-9)
    inst = parse_instance(doc)
    feat = Features(inst)
    p = inst.params
    shape = Shape(p.groups, p.min_size, p.max_size, feat.is_lead)
    assert star_bound(feat, shape, math.inf) >= result["objective"] - 1e-9
    assert star_bound(feat, shape, math.inf, w=feat.matrix()) >= result["objective"] - 1e-9


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=instances(max_n=40), seed=st.integers(0, 2**31))
def test_heuristics_keep_every_constraint(doc, seed):
    inst = parse_instance(doc)
    feat = Features(inst)
    p = inst.params
    shape = Shape(p.groups, p.min_size, p.max_size, feat.is_lead)
    rng = np.random.default_rng(seed)
    start = random_assignment(inst.n, shape, rng)
    w = feat.matrix()
    best, value = iterated_local_search(w, start, shape, rng, time.perf_counter() + 1, 30, 10)
    groups = [list(np.flatnonzero(best == g)) for g in range(p.groups)]
    assert violations(inst, groups) == []
    assert math.isclose(
        value, sum(float(w[np.ix_(g, g)].sum()) / 2 for g in groups), rel_tol=1e-9, abs_tol=1e-9
    )
    windowed = window_search(
        feat, start, shape, rng, time.perf_counter() + 1, window_orgs=8, rounds=3
    )
    assert violations(inst, [list(np.flatnonzero(windowed == g)) for g in range(p.groups)]) == []
