"""Proven optima for small instances: set partitioning over every feasible group.

Columns are all feasible groups (sizes in [lo, hi]; with leads, exactly one lead each),
enumerated with NumPy and scored from the dense pair matrix. The LP relaxation
``max Σ v_c x_c  s.t.  Σ_{c∋i} x_c = 1 ∀i,  Σ x_c = K,  x ≥ 0`` is solved by column
generation (GLOP on a restricted master; exact pricing is a vectorised scan of all
columns). For any duals (y, z) the Lagrangian value ``Σy + K·z + K·max(0, max_c rc_c)``
(rc_c = v_c − Σ_{i∈c} y_i − z) is a valid upper bound, so a bound survives a time-out.
Columns whose reduced cost proves they cannot beat the incumbent are dropped and the
remaining set-partitioning MIP is solved by SCIP. The result is proven optimal when SCIP
finishes (or when the bound meets the incumbent).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from .heuristic import Shape

COLUMN_LIMIT = 3_000_000
TOL = 1e-9


def column_count(n: int, shape: Shape) -> int:
    """How many feasible groups exist (the size of the set-partitioning model)."""
    if shape.has_leads:
        m = n - shape.k
        return shape.k * sum(math.comb(m, s - 1) for s in range(shape.lo, shape.hi + 1))
    return sum(math.comb(n, s) for s in range(shape.lo, shape.hi + 1))


@dataclass
class Columns:
    """Blocks of equally sized columns: ``members[b]`` is (C_b × s_b), ``values[b]`` (C_b,);
    ``masks[b]`` the members as 64-bit sets when N ≤ 64 (fast dual sums), else None."""

    members: list[np.ndarray]
    values: list[np.ndarray]
    masks: list[np.ndarray] | None

    def dual_sums(self, y: np.ndarray) -> list[np.ndarray]:
        """Σ_{i∈c} y_i for every column, block by block."""
        if self.masks is None:
            return [y[block].sum(axis=1) for block in self.members]
        # One 256-entry table per byte of the bit set: 8 gathers instead of s per column.
        bits = (np.arange(256)[:, None] >> np.arange(8)[None, :]) & 1
        padded = np.zeros(64)
        padded[: len(y)] = y
        tables = [bits @ padded[8 * b : 8 * b + 8] for b in range((len(y) + 7) // 8)]
        out = []
        for masks in self.masks:
            acc = np.zeros(len(masks))
            for b, table in enumerate(tables):
                acc += table[(masks >> np.uint64(8 * b)) & np.uint64(255)]
            out.append(acc)
        return out


def enumerate_columns(w: np.ndarray, shape: Shape) -> Columns:
    n = len(w)
    blocks: list[np.ndarray] = []
    if shape.has_leads:
        leads = np.flatnonzero(shape.is_lead)
        others = np.flatnonzero(~shape.is_lead)
        for s in range(shape.lo, shape.hi + 1):
            if s - 1 > len(others):
                break
            count = math.comb(len(others), s - 1)
            flat = np.fromiter(
                itertools.chain.from_iterable(itertools.combinations(range(len(others)), s - 1)),
                dtype=np.int32,
                count=count * (s - 1),
            )
            rest = others[flat.reshape(count, s - 1)] if s > 1 else np.empty((1, 0), dtype=np.int64)
            for lead in leads:
                blocks.append(np.hstack([np.full((len(rest), 1), lead), rest]).astype(np.int32))
    else:
        for s in range(shape.lo, min(shape.hi, n) + 1):
            count = math.comb(n, s)
            flat = np.fromiter(
                itertools.chain.from_iterable(itertools.combinations(range(n), s)),
                dtype=np.int32,
                count=count * s,
            )
            blocks.append(flat.reshape(count, s))
    masks = None
    if n <= 64:
        masks = []
        for block in blocks:
            m = np.zeros(len(block), dtype=np.uint64)
            for x in range(block.shape[1]):
                m |= np.left_shift(np.uint64(1), block[:, x].astype(np.uint64))
            masks.append(m)
    values = []
    for block in blocks:
        s = block.shape[1]
        if len(block) <= s:  # few large groups: sum sub-matrices instead of s² gathers
            values.append(np.array([w[np.ix_(r, r)].sum() / 2.0 for r in block]))
            continue
        v = np.zeros(len(block))
        for x in range(s):
            for y in range(x + 1, s):
                v += w[block[:, x], block[:, y]]
        values.append(v)
    return Columns(blocks, values, masks)


def _master(
    cols: list[tuple[int, ...]], vals: list[float], n: int, k: int, integer: bool
) -> tuple[Any, list[Any], list[Any], Any]:
    """The set-partitioning model (LP with GLOP or MIP with SCIP) over ``cols``."""
    solver = pywraplp.Solver.CreateSolver("SCIP" if integer else "GLOP")
    x = [solver.BoolVar("") if integer else solver.NumVar(0.0, solver.infinity(), "") for _ in cols]
    rows = [solver.Constraint(1.0, 1.0) for _ in range(n)]
    count = solver.Constraint(float(k), float(k))
    obj = solver.Objective()
    for var, col, val in zip(x, cols, vals, strict=True):
        for i in col:
            rows[i].SetCoefficient(var, 1.0)
        count.SetCoefficient(var, 1.0)
        obj.SetCoefficient(var, float(val))
    obj.SetMaximization()
    if integer:
        solver.SetNumThreads(1)
    return solver, x, rows, count


@dataclass
class ExactResult:
    groups: list[list[int]] | None
    proven: bool
    bound: float | None


def solve_exact(
    w: np.ndarray, shape: Shape, incumbent: list[list[int]], deadline: float
) -> ExactResult:
    """Prove (or improve) ``incumbent`` by column generation + SCIP before ``deadline``."""
    n, k = len(w), shape.k
    columns = enumerate_columns(w, shape)
    inc_val = sum(float(w[np.ix_(g, g)].sum()) / 2.0 for g in incumbent)
    pool: dict[tuple[int, ...], float] = {}
    for g in incumbent:
        key = tuple(sorted(int(i) for i in g))
        pool[key] = float(w[np.ix_(key, key)].sum()) / 2.0
    bound = math.inf
    y = np.zeros(n)
    z = 0.0
    converged = False
    # Enough new columns per round to cover every row a few times.
    per_block = max(50, 2 * n)
    while time.perf_counter() < deadline:
        keys = list(pool)
        solver, x, rows, count = _master(keys, [pool[c] for c in keys], n, k, False)
        solver.SetTimeLimit(max(1, int((deadline - time.perf_counter()) * 1000)))
        if solver.Solve() != pywraplp.Solver.OPTIMAL:
            break
        y = np.array([r.dual_value() for r in rows])
        z = count.dual_value()
        lp = solver.Objective().Value()
        best_rc = -math.inf
        added = 0
        sums = columns.dual_sums(y)
        for block, vals, ysum in zip(columns.members, columns.values, sums, strict=True):
            rc = vals - ysum - z
            best_rc = max(best_rc, float(rc.max()))
            take = np.flatnonzero(rc > TOL)
            if len(take) > per_block:
                take = take[np.argpartition(-rc[take], per_block - 1)[:per_block]]
            for c in take:
                key = tuple(int(i) for i in block[c])
                if key not in pool:
                    pool[key] = float(vals[c])
                    added += 1
        lagrange = float(y.sum() + k * z + k * max(0.0, best_rc))
        bound = min(bound, lagrange)
        if added == 0:
            converged = True
            bound = min(bound, lp + TOL * max(1.0, abs(lp)))
            break
    if bound <= inc_val + TOL * max(1.0, abs(inc_val)):
        return ExactResult(incumbent, True, inc_val)
    if not converged:
        return ExactResult(None, False, bound if math.isfinite(bound) else None)
    # Reduced-cost fixing: a column with rc < inc_val - (Σy + Kz) cannot be in a better solution.
    threshold = inc_val - float(y.sum() + k * z) - TOL * max(1.0, abs(inc_val))
    keep: list[tuple[int, ...]] = []
    vals_keep: list[float] = []
    sums = columns.dual_sums(y)
    for block, vals, ysum in zip(columns.members, columns.values, sums, strict=True):
        rc = vals - ysum - z
        for c in np.flatnonzero(rc >= threshold):
            keep.append(tuple(int(i) for i in block[c]))
            vals_keep.append(float(vals[c]))
    # Building and handing the model to SCIP costs up to ~0.1 ms per column and is not
    # covered by SCIP's own time limit: skip the MIP when that alone would not fit.
    if len(keep) * 1e-4 > 0.5 * (deadline - time.perf_counter()):
        return ExactResult(None, False, bound)
    solver, x, _, _ = _master(keep, vals_keep, n, k, True)
    incumbent_keys = {tuple(sorted(int(i) for i in g)) for g in incumbent}
    solver.SetHint(x, [1.0 if c in incumbent_keys else 0.0 for c in keep])
    remaining = deadline - time.perf_counter()
    if remaining <= 0.05:
        return ExactResult(None, False, bound)
    solver.SetTimeLimit(max(1, int(remaining * 0.8 * 1000)))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 0.0)
    status = solver.Solve(params)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return ExactResult(None, False, bound)
    chosen = [list(keep[c]) for c, var in enumerate(x) if var.solution_value() > 0.5]
    mip_val = solver.Objective().Value()
    if status == pywraplp.Solver.OPTIMAL:
        best = chosen if mip_val > inc_val else incumbent
        return ExactResult(best, True, max(mip_val, inc_val))
    mip_bound = max(solver.Objective().BestBound(), inc_val)
    return ExactResult(chosen if mip_val > inc_val else incumbent, False, min(bound, mip_bound))
