"""Upper bounds for instances too large for set partitioning.

Star bound (documented in ``docs/benchmarks.md``): in a feasible grouping org i has
``s_i − 1 ≤ max_size − 1`` partners, so its half of the objective is at most the sum of its
best ``s_i − 1`` pair scores (``f_i``, concave since scores are ≥ 0). With leads, a lead
has no lead partner and a non-lead at most one, so each row keeps non-leads plus its single
best lead. Moreover ``Σ_i (s_i − 1) = 2·pairs ≤ 2·P*`` where ``P*`` is the largest number
of within-group pairs any feasible size profile allows. Hence
``objective ≤ ½ · (sum of the 2·P* largest values among every org's best max_size − 1
scores)``. Exact pair scores over all N² pairs are scanned in row chunks, so the bound is
valid for any instance (cost O(N²) time, O(N·max_size) memory).
"""

from __future__ import annotations

import time

import numpy as np

from .heuristic import Shape
from .score import EARTH_RADIUS_KM, Features


def max_pairs(n: int, shape: Shape) -> int:
    """The most within-group pairs a feasible size profile allows (convexity: extremes)."""
    best = 0
    lo, hi, k = shape.lo, shape.hi, shape.k
    for big in range(k + 1):
        rest_n, rest_k = n - big * hi, k - big
        if rest_k == 0:
            if rest_n == 0:
                best = max(best, big * hi * (hi - 1) // 2)
            continue
        if rest_n < rest_k * lo:
            continue
        mid = rest_n - (rest_k - 1) * lo
        if mid > hi:
            continue
        best = max(
            best,
            big * hi * (hi - 1) // 2 + (rest_k - 1) * lo * (lo - 1) // 2 + mid * (mid - 1) // 2,
        )
    return best


def _top_k(s: np.ndarray, width: int) -> np.ndarray:
    """Row-wise sum-preserving top ``width`` values (unsorted), via block maxima.

    The best ``width`` values of a row lie in the ``width`` blocks (of 64 columns) with the
    largest maxima, so only those blocks are partitioned.
    """
    r, n = s.shape
    if n <= 8 * width + 64:
        return np.partition(s, n - width, axis=1)[:, -width:] if n > width else s
    block = 64
    pad = (-n) % block
    if pad:
        s = np.hstack([s, np.full((r, pad), -np.inf, dtype=s.dtype)])
    blocks = s.reshape(r, -1, block)
    maxima = blocks.max(axis=2)
    pick = np.argpartition(maxima, maxima.shape[1] - width, axis=1)[:, -width:]
    cand = np.take_along_axis(blocks, pick[:, :, None], axis=1).reshape(r, -1)
    return np.partition(cand, cand.shape[1] - width, axis=1)[:, -width:]


def _admissible_top(s: np.ndarray, rows: np.ndarray, is_lead: np.ndarray, width: int) -> np.ndarray:
    """Best ``width`` admissible partner scores of each row (float64, zero-padded)."""
    s[np.arange(len(rows)), rows] = -np.inf
    if is_lead.any():
        lead_cols = np.flatnonzero(is_lead)
        best_lead = s[:, lead_cols].max(axis=1)
        s[:, lead_cols] = -np.inf
        extra = np.where(is_lead[rows], -np.inf, best_lead).astype(s.dtype)
        s = np.hstack([s, extra[:, None]])
    if s.shape[1] < width:
        s = np.hstack([s, np.zeros((len(rows), width - s.shape[1]), dtype=s.dtype)])
    top = _top_k(s, width).astype(np.float64)
    return np.where(np.isfinite(top), np.maximum(top, 0.0), 0.0)


class _DenseScores:
    """Rows of a dense score matrix: exact, copied because the scan overwrites them."""

    def __init__(self, w: np.ndarray) -> None:
        self.w = w

    def rows(self, rows: np.ndarray) -> np.ndarray:
        out: np.ndarray = self.w[rows].copy()
        return out


class _FastScores:
    """Float32 scores for bound scans: class tables for the set measures (professions,
    strengths and needs take few distinct values), float64 dot products for the
    distance (avoiding cancellation), float32 transcendental functions."""

    def __init__(self, feat: Features) -> None:
        self.feat = feat
        _, rep_p, self.pc = np.unique(feat.prof, axis=0, return_index=True, return_inverse=True)
        _, rep_s, self.sc = np.unique(feat.strong, axis=0, return_index=True, return_inverse=True)
        _, rep_n, self.nc = np.unique(feat.need, axis=0, return_index=True, return_inverse=True)
        self.pc, self.sc, self.nc = self.pc.ravel(), self.sc.ravel(), self.nc.ravel()
        prof, _, _ = feat.parts(rep_p[:, None], rep_p[None, :])
        self.prof = (feat.weights[0] * prof).astype(np.float32)
        met = Features._common(feat.strong[rep_s][:, None, :], feat.need[rep_n][None, :, :])
        self.met = met.astype(np.float32)
        self.nneed = feat.nneed.astype(np.float32)
        self.wc = np.float32(feat.weights[2])
        self.wg = np.float32(feat.weights[1])
        self.k = np.float32(-2.0 * EARTH_RADIUS_KM / feat.geo_scale)

    def rows(self, rows: np.ndarray) -> np.ndarray:
        f = self.feat
        # Subtracting the float64 rounding margin of the dot product keeps every distance
        # at or below the true one, hence every geography score at or above it.
        h = ((1.0 - f.xyz[rows] @ f.xyz.T) * 0.5 - 1e-15).astype(np.float32)
        np.clip(h, 0.0, 1.0, out=h)
        geo = np.exp(self.k * np.arcsin(np.sqrt(h)))
        out: np.ndarray = self.prof[self.pc[rows]][:, self.pc]
        met = self.met[self.sc[rows]][:, self.nc] + self.met[:, self.nc[rows]].T[:, self.sc]
        needs = self.nneed[rows][:, None] + self.nneed[None, :]
        comp = np.divide(met, needs, out=np.zeros_like(met), where=needs > 0)
        out += self.wc * comp
        out += self.wg * geo
        return out


def star_bound(
    feat: Features, shape: Shape, deadline: float, w: np.ndarray | None = None, chunk: int = 256
) -> float | None:
    """The star bound (module docstring); None when ``deadline`` passes first.

    With a dense matrix ``w`` the scores are exact; otherwise rows are scanned with float32
    scores and the result is inflated by a relative 1e-5 plus 1e-6 per value summed, far above
    their rounding error, so that it stays a valid bound.
    """
    n = feat.n
    width = max(0, shape.hi - 1)
    if width == 0 or n < 2:
        return 0.0
    tops = np.zeros((n, width))
    cols = np.arange(n)
    scores = _DenseScores(w) if w is not None else _FastScores(feat)
    for start in range(0, n, chunk):
        if time.perf_counter() > deadline:
            return None
        rows = cols[start : start + chunk]
        s = scores.rows(rows)
        tops[rows] = _admissible_top(s, rows, feat.is_lead, width)
    budget = 2 * max_pairs(n, shape)
    values = tops.ravel()
    if budget <= 0:
        values = values[:0]
    elif budget < len(values):
        values = np.partition(values, len(values) - budget)[-budget:]
    total = float(values.sum()) / 2.0
    if w is not None:
        return total * (1 + 1e-12) + 1e-12
    return total * (1 + 1e-5) + 1e-6 * len(values)
