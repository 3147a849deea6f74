"""Heuristic search: dense local search, iterated local search and windowed LNS.

Solutions are assignment vectors ``a`` (org position → group 0..K-1). Feasibility is kept
at every step: sizes stay within [lo, hi]; with leads, leads never move alone (a lead may
only swap with another lead), so every group keeps exactly one lead.

* :func:`local_search` — best-improvement over all moves (one org to another group) and
  all swaps (two orgs of the same kind exchange groups) on a dense score matrix, with the
  gain matrix ``G[i, g] = Σ_{k∈g} W[i, k]`` updated in O(n) per step.
* :func:`iterated_local_search` — perturbation (random swaps and moves) + local search,
  accepting equal or better solutions; stops after ``rounds`` rounds, ``stall`` rounds
  without a new best, or at the deadline. Deterministic for a given generator state.
* :func:`window_search` — for large instances: repeatedly takes a group and its
  geographically nearest groups (a window of ~``window_orgs`` orgs), builds the dense
  score matrix of that window and improves it with iterated local search; a window is
  revisited only after one of its groups changed, so the search ends by itself when no
  window improves (or at the deadline).
"""

from __future__ import annotations

import time

import numpy as np

from .score import Features

TOL = 1e-9


class Shape:
    """The constraint shape shared by every search: K, size bounds and who may move."""

    def __init__(self, k: int, lo: int, hi: int, is_lead: np.ndarray) -> None:
        self.k, self.lo, self.hi = k, lo, hi
        self.has_leads = bool(is_lead.any())
        self.is_lead = is_lead
        self.movable = ~is_lead if self.has_leads else np.ones(len(is_lead), dtype=bool)
        self.kind = is_lead.astype(np.int8)

    def sub(self, idx: np.ndarray, k: int) -> Shape:
        return Shape(k, self.lo, self.hi, self.is_lead[idx])


def members_of(a: np.ndarray, k: int) -> list[np.ndarray]:
    """Org positions of each group 0..k-1, ascending (O(n log n))."""
    order = np.argsort(a, kind="stable")
    return np.split(order, np.cumsum(np.bincount(a, minlength=k))[:-1])


def value(w: np.ndarray, a: np.ndarray) -> float:
    """Objective of assignment ``a`` under dense matrix ``w`` (vectorised, for search)."""
    same = a[:, None] == a[None, :]
    return float(w[same].sum() / 2.0)


def gains(w: np.ndarray, a: np.ndarray, k: int) -> np.ndarray:
    onehot = np.zeros((len(a), k), dtype=np.float64)
    onehot[np.arange(len(a)), a] = 1.0
    return w @ onehot


def local_search(w: np.ndarray, a: np.ndarray, shape: Shape) -> np.ndarray:
    """Best-improvement moves and swaps until none improves by more than TOL."""
    a = a.copy()
    n, k = len(a), shape.k
    g = gains(w, a, k)
    sizes = np.bincount(a, minlength=k)
    ar = np.arange(n)
    # Swapping a lead with a non-lead is forbidden; with scores ≥ 0 a swap inside one group
    # has gain −2·w ≤ 0, so it never needs masking.
    forbid = (
        np.where(shape.kind[:, None] != shape.kind[None, :], -np.inf, 0.0)
        if shape.has_leads
        else None
    )
    w2 = 2.0 * w
    while True:
        own = g[ar, a]
        best, op = TOL, None
        can_leave = shape.movable & (sizes[a] > shape.lo)
        can_enter = sizes < shape.hi
        if can_leave.any() and can_enter.any():
            d = g - own[:, None]
            d[~can_leave, :] = -np.inf
            d[:, ~can_enter] = -np.inf
            d[ar, a] = -np.inf
            flat = int(np.argmax(d))
            if d.flat[flat] > best:
                best, op = float(d.flat[flat]), ("move", flat // k, flat % k)
        s = g[:, a]
        s -= own[:, None]
        s += s.T.copy()
        s -= w2
        if forbid is not None:
            s += forbid
        flat = int(np.argmax(s))
        if s.flat[flat] > best:
            best, op = float(s.flat[flat]), ("swap", flat // n, flat % n)
        if op is None:
            return a
        if op[0] == "move":
            i, dst = op[1], op[2]
            src = a[i]
            g[:, src] -= w[:, i]
            g[:, dst] += w[:, i]
            sizes[src] -= 1
            sizes[dst] += 1
            a[i] = dst
        else:
            i, j = op[1], op[2]
            gi, gj = a[i], a[j]
            g[:, gi] += w[:, j] - w[:, i]
            g[:, gj] += w[:, i] - w[:, j]
            a[i], a[j] = gj, gi


def perturb(a: np.ndarray, shape: Shape, rng: np.random.Generator, strength: int) -> np.ndarray:
    """Apply ``strength`` random feasible swaps or moves."""
    a = a.copy()
    n, k = len(a), shape.k
    sizes = np.bincount(a, minlength=k)
    for _ in range(strength):
        i = int(rng.integers(n))
        if rng.random() < 0.5 and shape.movable[i] and sizes[a[i]] > shape.lo:
            room = np.flatnonzero(sizes < shape.hi)
            room = room[room != a[i]]
            if len(room):
                dst = int(room[rng.integers(len(room))])
                sizes[a[i]] -= 1
                sizes[dst] += 1
                a[i] = dst
                continue
        others = np.flatnonzero((a != a[i]) & (shape.kind == shape.kind[i]))
        if len(others):
            j = int(others[rng.integers(len(others))])
            a[i], a[j] = a[j], a[i]
    return a


def iterated_local_search(
    w: np.ndarray,
    a: np.ndarray,
    shape: Shape,
    rng: np.random.Generator,
    deadline: float,
    rounds: int,
    stall: int,
    pool: list[np.ndarray] | None = None,
) -> tuple[np.ndarray, float]:
    """ILS from ``a``; returns the best assignment found and its value.

    When ``pool`` is given every local optimum is appended to it (for recombination).
    """
    cur = local_search(w, a, shape)
    cur_val = value(w, cur)
    best, best_val = cur, cur_val
    if pool is not None:
        pool.append(cur)
    n = len(a)
    since = 0
    for _ in range(rounds):
        if since >= stall or time.perf_counter() > deadline:
            break
        strength = int(rng.integers(2, max(3, min(12, n // 4)) + 1))
        cand = local_search(w, perturb(cur, shape, rng, strength), shape)
        val = value(w, cand)
        if pool is not None:
            pool.append(cand)
        since += 1
        if val > best_val + TOL:
            best, best_val, since = cand, val, 0
        if val >= cur_val - TOL:
            cur, cur_val = cand, val
        elif since and since % 25 == 0:
            cur, cur_val = best, best_val
    return best, best_val


def random_sizes(n: int, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    sizes = np.full(shape.k, shape.lo, dtype=np.int64)
    for _ in range(n - shape.k * shape.lo):
        room = np.flatnonzero(sizes < shape.hi)
        sizes[room[rng.integers(len(room))]] += 1
    return sizes


def random_assignment(n: int, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """A uniformly shuffled feasible assignment (the 'random' baseline)."""
    sizes = random_sizes(n, shape, rng)
    a = np.empty(n, dtype=np.int64)
    if shape.has_leads:
        leads = np.flatnonzero(shape.is_lead)
        a[leads] = rng.permutation(shape.k)
        slots = np.repeat(np.arange(shape.k), sizes - 1)
        rest = np.flatnonzero(~shape.is_lead)
        a[rest] = slots[rng.permutation(len(rest))]
    else:
        slots = np.repeat(np.arange(shape.k), sizes)
        a[:] = slots[rng.permutation(n)]
    return a


def _nearest_centres(xyz: np.ndarray, centres: np.ndarray, r: int, chunk: int = 2048) -> np.ndarray:
    """Indices of the r nearest centres of every point, nearest first (chunked)."""
    r = min(r, len(centres))
    out = np.empty((len(xyz), r), dtype=np.int64)
    for s in range(0, len(xyz), chunk):
        sim = xyz[s : s + chunk] @ centres.T
        top = (
            np.argpartition(-sim, r - 1, axis=1)[:, :r]
            if r < len(centres)
            else np.tile(np.arange(len(centres)), (len(sim), 1))
        )
        order = np.argsort(-np.take_along_axis(sim, top, axis=1), axis=1, kind="stable")
        out[s : s + chunk] = np.take_along_axis(top, order, axis=1)
    return out


def kmeans_centres(
    xyz: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 8
) -> np.ndarray:
    """Spherical k-means (Lloyd) on unit vectors from k distinct random orgs."""
    centres = xyz[rng.choice(len(xyz), size=k, replace=False)].copy()
    for _ in range(iterations):
        near = _nearest_centres(xyz, centres, 1)[:, 0]
        sums = np.zeros_like(centres)
        np.add.at(sums, near, xyz)
        norms = np.linalg.norm(sums, axis=1)
        ok = norms > 0
        centres[ok] = sums[ok] / norms[ok, None]
    return centres


def balanced_assignment(xyz: np.ndarray, centres: np.ndarray, shape: Shape) -> np.ndarray:
    """Assign orgs to the nearest centre with room, then repair groups below min size.

    With leads, centre g is lead g's position and lead g is fixed in group g.
    """
    n, k = len(xyz), shape.k
    a = np.full(n, -1, dtype=np.int64)
    sizes = np.zeros(k, dtype=np.int64)
    if shape.has_leads:
        leads = np.flatnonzero(shape.is_lead)
        a[leads] = np.arange(k)
        sizes[:] = 1
    free = np.flatnonzero(a < 0)
    near = _nearest_centres(xyz[free], centres, 12)
    sims = np.einsum("ij,ikj->ik", xyz[free], centres[near])
    order = np.argsort(-sims, axis=None, kind="stable")
    for flat in order:
        row, col = divmod(int(flat), near.shape[1])
        i = free[row]
        c = near[row, col]
        if a[i] < 0 and sizes[c] < shape.hi:
            a[i] = c
            sizes[c] += 1
    for i in np.flatnonzero(a < 0):
        sim = centres @ xyz[i]
        sim[sizes >= shape.hi] = -np.inf
        c = int(np.argmax(sim))
        a[i] = c
        sizes[c] += 1
    for c in np.flatnonzero(sizes < shape.lo):
        while sizes[c] < shape.lo:
            donors = shape.movable & (sizes[a] > shape.lo)
            sim = xyz @ centres[c]
            sim[~donors] = -np.inf
            i = int(np.argmax(sim))
            sizes[a[i]] -= 1
            a[i] = c
            sizes[c] += 1
    return a


def geographic_start(feat: Features, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """Balanced geographic k-means: lead positions (or k-means centres) as centres."""
    if shape.has_leads:
        centres = feat.xyz[np.flatnonzero(shape.is_lead)]
    else:
        centres = kmeans_centres(feat.xyz, shape.k, rng)
    return balanced_assignment(feat.xyz, centres, shape)


def greedy_assignment(feat: Features, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """The 'greedy' baseline: seed each group (leads, or k-means centres' nearest orgs),
    then insert the other orgs in random order into the candidate group (among the 12
    nearest seeds) with the largest score gain that still has room, while reserving
    enough orgs to bring every group up to the minimum size."""
    n, k = feat.n, shape.k
    a = np.full(n, -1, dtype=np.int64)
    if shape.has_leads:
        seeds = np.flatnonzero(shape.is_lead)
    else:
        centres = kmeans_centres(feat.xyz, k, rng)
        seeds = np.empty(k, dtype=np.int64)
        taken = np.zeros(n, dtype=bool)
        for c in range(k):
            sim = feat.xyz @ centres[c]
            sim[taken] = -np.inf
            seeds[c] = int(np.argmax(sim))
            taken[seeds[c]] = True
    a[seeds] = np.arange(k)
    members: list[list[int]] = [[int(s)] for s in seeds]
    sizes = np.ones(k, dtype=np.int64)
    rest = rng.permutation(np.flatnonzero(a < 0))
    near = _nearest_centres(feat.xyz[rest], feat.xyz[seeds], 12)
    deficit = int(np.maximum(shape.lo - sizes, 0).sum())
    for pos, i in enumerate(rest):
        left = len(rest) - pos
        cand = [int(c) for c in near[pos] if sizes[c] < shape.hi]
        if left <= deficit:
            cand = [c for c in cand if sizes[c] < shape.lo] or [
                int(c) for c in np.flatnonzero(sizes < shape.lo)
            ]
        if not cand:
            cand = [int(c) for c in np.flatnonzero(sizes < shape.hi)]
        best_c, best_gain = cand[0], -np.inf
        for c in cand:
            gain = float(feat.pairs(np.array([i]), np.array(members[c])).sum())
            if gain > best_gain:
                best_c, best_gain = c, gain
        if sizes[best_c] < shape.lo:
            deficit -= 1
        a[i] = best_c
        members[best_c].append(int(i))
        sizes[best_c] += 1
    return a


def window_search(
    feat: Features,
    a: np.ndarray,
    shape: Shape,
    rng: np.random.Generator,
    deadline: float,
    window_orgs: int = 160,
    rounds: int = 12,
) -> np.ndarray:
    """Windowed large-neighbourhood search (see module docstring); returns the new ``a``."""
    a = a.copy()
    k = shape.k
    members = [list(g) for g in members_of(a, k)]
    cent = np.zeros((k, 3))
    for c in range(k):
        cent[c] = feat.xyz[members[c]].mean(axis=0)
    m = int(min(k, max(2, round(window_orgs * k / len(a)))))
    version = np.zeros(k, dtype=np.int64)
    seen: dict[int, bytes] = {}
    while time.perf_counter() < deadline:
        improved = False
        for c in rng.permutation(k):
            if time.perf_counter() > deadline:
                break
            sim = cent @ cent[c]
            win = np.argpartition(-sim, m - 1)[:m] if m < k else np.arange(k)
            win = np.sort(win)
            stamp = version[win].tobytes() + win.tobytes()
            if seen.get(int(c)) == stamp:
                continue
            idx = np.concatenate([members[g] for g in win]).astype(np.int64)
            local = np.concatenate([np.full(len(members[g]), p) for p, g in enumerate(win)])
            w = feat.matrix(idx)
            before = value(w, local)
            sub = shape.sub(idx, len(win))
            new, val = iterated_local_search(w, local, sub, rng, deadline, rounds, rounds)
            if val > before + TOL:
                improved = True
                a[idx] = win[new]
                for g in win:
                    members[g] = list(idx[win[new] == g])
                    cent[g] = feat.xyz[members[g]].mean(axis=0)
                version[win] += 1
                stamp = version[win].tobytes() + win.tobytes()
            seen[int(c)] = stamp
        if not improved:
            break
    return a
