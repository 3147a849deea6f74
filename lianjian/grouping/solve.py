"""The solver entry point: ``solve(instance, time_limit, seed) -> dict`` (grouping.md Output).

Strategy by size:

* **exact** — when the set-partitioning model is small enough (≤ 2,000,000 feasible
  groups, in practice ≤ ~24 orgs): a short iterated local search gives an incumbent, then
  :mod:`.exact` proves it optimal or finds the optimum (status ``optimal``, bound = objective);
  on time-out the Lagrangian/LP bound is reported with status ``feasible``.
* **dense** — up to 400 orgs: multi-start iterated local search on the full score matrix
  (starts: balanced geographic k-means, then random), the star bound of :mod:`.bounds`.
* **windows** — larger: the star bound (given at most a third of the time), balanced
  geographic k-means as the start, then :func:`.heuristic.window_search` with windows of
  80, 160 and 320 orgs, each until no window improves.

Determinism: all randomness comes from ``numpy.random.default_rng(seed)`` and every search
has its own stopping rule (rounds, stall counts, a sweep without improvement), so the same
instance and seed give the same grouping whenever the search ends before the time limit;
the time limit (default :func:`default_time_limit`) cuts it short otherwise. The reported
objective and components are always recomputed by :func:`.score.evaluate`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from . import exact
from .bounds import star_bound
from .heuristic import (
    Shape,
    geographic_start,
    iterated_local_search,
    members_of,
    random_assignment,
    window_search,
)
from .model import Instance
from .score import Features, evaluate
from .validate import parse_instance

EXACT_COLUMNS = 2_000_000
DENSE_MAX = 400
# Window sizes (orgs) and ILS rounds per window: small windows converge fast, larger ones
# then escape their local optima.
WINDOWS = ((80, 6), (160, 12), (320, 16))


def default_time_limit(n: int) -> float:
    """10 s up to 333 orgs, then 30 ms per org, at most 600 s."""
    return float(min(600.0, max(10.0, 0.03 * n)))


def _groups(a: np.ndarray, k: int) -> list[list[int]]:
    return [[int(i) for i in g] for g in members_of(a, k)]


def _dense_search(
    w: np.ndarray,
    feat: Features,
    shape: Shape,
    rng: np.random.Generator,
    deadline: float,
    quick: bool = False,
) -> np.ndarray:
    """Multi-start ILS; stops after 6 starts without a new best (2 starts when ``quick``)."""
    n = len(w)
    rounds, stall, patience = (20 + 2 * n, 10 + n, 2) if quick else (400 + 10 * n, 100 + 3 * n, 6)
    # The first start (from geography) always runs, whatever the deadline.
    best, best_val = iterated_local_search(
        w, geographic_start(feat, shape, rng), shape, rng, deadline, rounds, stall
    )
    idle = 0
    for _ in range(59):
        if time.perf_counter() > deadline or idle >= patience:
            break
        a, val = iterated_local_search(
            w, random_assignment(n, shape, rng), shape, rng, deadline, rounds, stall
        )
        if val > best_val + 1e-9:
            best, best_val, idle = a, val, 0
        else:
            idle += 1
    return best


def solve(
    instance: Instance | dict[str, Any], time_limit: float | None = None, seed: int = 0
) -> dict[str, Any]:
    """Solve a validated instance (or a raw document, validated first) within ``time_limit`` s."""
    t0 = time.perf_counter()
    inst = instance if isinstance(instance, Instance) else parse_instance(instance)
    p = inst.params
    n = inst.n
    limit = default_time_limit(n) if time_limit is None else float(time_limit)
    # Keep a margin for recomputing the objective and printing.
    deadline = t0 + max(0.05, limit - min(1.0 + n * 2e-5, 0.1 * limit))
    rng = np.random.default_rng(seed)
    feat = Features(inst)
    # A group cannot be larger (smaller) than what the other K-1 groups leave at their
    # minimum (maximum); tightening the bounds shrinks the exact model and the star bound.
    hi = min(p.max_size, n - (p.groups - 1) * p.min_size)
    lo = max(p.min_size, n - (p.groups - 1) * p.max_size)
    shape = Shape(p.groups, lo, hi, feat.is_lead)
    status, bound = "feasible", None
    columns = exact.column_count(n, shape)
    if columns <= EXACT_COLUMNS and columns * 3e-6 < 0.5 * (deadline - time.perf_counter()):
        w = feat.matrix()
        warm = min(t0 + 0.1 * limit, deadline)
        a = _dense_search(w, feat, shape, rng, warm, quick=True)
        result = exact.solve_exact(w, shape, _groups(a, shape.k), deadline)
        groups = result.groups if result.groups is not None else _groups(a, shape.k)
        bound = result.bound
        if result.proven:
            status = "optimal"
    elif n <= DENSE_MAX:
        w = feat.matrix()
        bound = star_bound(feat, shape, deadline, w=w)
        groups = _groups(_dense_search(w, feat, shape, rng, deadline), shape.k)
    else:
        bound = star_bound(feat, shape, t0 + limit / 3)
        # The geographic start costs ~50 µs per org; under a very short limit a random
        # feasible grouping is the only start that still fits.
        if deadline - time.perf_counter() > 5e-5 * n:
            a = geographic_start(feat, shape, rng)
        else:
            a = random_assignment(n, shape, rng)
        for window_orgs, rounds in WINDOWS:
            if time.perf_counter() > deadline:
                break
            a = window_search(feat, a, shape, rng, deadline, window_orgs, rounds)
        groups = _groups(a, shape.k)
    return render(inst, groups, status, bound, time.perf_counter() - t0)


def render(
    inst: Instance, groups: list[list[int]], status: str, bound: float | None, seconds: float
) -> dict[str, Any]:
    """The output document: canonical group order, objective recomputed from scratch."""
    ordered = []
    for group in groups:
        members = sorted(group)
        leads = [i for i in members if inst.orgs[i].lead]
        if leads:
            members = leads + [i for i in members if i not in leads]
        ordered.append(members)
    ordered.sort(key=lambda g: g[0])
    objective, components = evaluate(inst, ordered)
    if status == "optimal":
        bound = objective
    elif bound is not None:
        bound = max(float(bound), objective)
    return {
        "groups": [
            {
                "lead": inst.orgs[g[0]].id if inst.has_leads else None,
                "members": [inst.orgs[i].id for i in g],
            }
            for g in ordered
        ],
        "objective": objective,
        "components": components,
        "status": status,
        "bound": bound,
        "seconds": round(seconds, 3),
    }
