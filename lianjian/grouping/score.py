"""Pair scores and objective (``docs/grouping.md``, sections Score and Objective).

Two implementations of the same formulas: plain-Python :func:`pair_parts` /
:func:`evaluate` (the reference: the objective reported to users is always recomputed by
:func:`evaluate`), and the vectorised :class:`Features` used by the solvers, which may
differ from the reference only by floating-point rounding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .model import Instance, Org

EARTH_RADIUS_KM = 6371.0088


def distance_km(a: Org, b: Org) -> float:
    """Great-circle (haversine) distance in km, Earth radius 6371.0088 km."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def pair_parts(a: Org, b: Org, geo_scale_km: float) -> tuple[float, float, float]:
    """Unweighted (profession, geography, complementarity) of a pair, each in [0, 1]."""
    union = a.professions | b.professions
    prof = len(a.professions & b.professions) / len(union) if union else 0.0
    geo = math.exp(-distance_km(a, b) / geo_scale_km)
    needs = len(a.needs) + len(b.needs)
    comp = (len(a.strengths & b.needs) + len(b.strengths & a.needs)) / needs if needs else 0.0
    return prof, geo, comp


def pair_score(inst: Instance, i: int, j: int) -> float:
    """Weighted score of orgs i and j (positions in ``inst.orgs``)."""
    p = inst.params
    prof, geo, comp = pair_parts(inst.orgs[i], inst.orgs[j], p.geo_scale_km)
    return p.w_profession * prof + p.w_geography * geo + p.w_complementarity * comp


def evaluate(inst: Instance, groups: Sequence[Sequence[int]]) -> tuple[float, dict[str, float]]:
    """Objective and weighted components of a grouping given as lists of org positions.

    Components are summed pair by pair and the objective is their sum
    (profession + geography + complementarity), so they add up exactly.
    """
    p = inst.params
    sums = [0.0, 0.0, 0.0]
    for group in groups:
        members = list(group)
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                parts = pair_parts(inst.orgs[members[x]], inst.orgs[members[y]], p.geo_scale_km)
                for c in range(3):
                    sums[c] += parts[c]
    components = {
        "profession": p.w_profession * sums[0],
        "geography": p.w_geography * sums[1],
        "complementarity": p.w_complementarity * sums[2],
    }
    objective = components["profession"] + components["geography"] + components["complementarity"]
    return objective, components


def violations(inst: Instance, groups: Sequence[Sequence[int]]) -> list[str]:
    """Chinese descriptions of every constraint a grouping breaks (empty when feasible)."""
    p = inst.params
    out: list[str] = []
    if len(groups) != p.groups:
        out.append(f"分组数为 {len(groups)}，应为 {p.groups}")
    counts = [0] * inst.n
    for g, group in enumerate(groups):
        if not p.min_size <= len(group) <= p.max_size:
            out.append(
                f"第 {g + 1} 组有 {len(group)} 个组织，应在 {p.min_size} 到 {p.max_size} 之间"
            )
        for i in group:
            counts[i] += 1
        if inst.has_leads:
            leads = sum(1 for i in group if inst.orgs[i].lead)
            if leads != 1:
                out.append(f"第 {g + 1} 组有 {leads} 个牵头组织，应恰好 1 个")
    for i, c in enumerate(counts):
        if c != 1:
            out.append(f"组织 {inst.orgs[i].id} 出现在 {c} 个组中，应恰好 1 个")
    return out


def _bitsets(sets: list[frozenset[str]], vocab: dict[str, int]) -> np.ndarray:
    words = max(1, (len(vocab) + 63) // 64)
    out = np.zeros((len(sets), words), dtype=np.uint64)
    for row, items in enumerate(sets):
        for item in items:
            b = vocab[item]
            out[row, b // 64] |= np.uint64(1) << np.uint64(b % 64)
    return out


class Features:
    """Vectorised pair scores: bit sets for the set measures, radians for haversine.

    ``pairs(I, J)`` broadcasts index arrays and returns weighted scores (float64);
    ``matrix(idx)`` is the dense score matrix of a subset with a zero diagonal.
    """

    def __init__(self, inst: Instance) -> None:
        p = inst.params
        orgs = inst.orgs
        self.n = inst.n
        self.weights = (p.w_profession, p.w_geography, p.w_complementarity)
        self.geo_scale = p.geo_scale_km
        self.lat = np.radians(np.array([o.lat for o in orgs], dtype=np.float64))
        self.lon = np.radians(np.array([o.lon for o in orgs], dtype=np.float64))
        self.coslat = np.cos(self.lat)
        self.xyz = np.stack(
            [self.coslat * np.cos(self.lon), self.coslat * np.sin(self.lon), np.sin(self.lat)],
            axis=1,
        )
        pvocab: dict[str, int] = {}
        rvocab: dict[str, int] = {}
        for o in orgs:
            for x in sorted(o.professions):
                pvocab.setdefault(x, len(pvocab))
            for x in sorted(o.strengths | o.needs):
                rvocab.setdefault(x, len(rvocab))
        self.prof = _bitsets([o.professions for o in orgs], pvocab)
        self.strong = _bitsets([o.strengths for o in orgs], rvocab)
        self.need = _bitsets([o.needs for o in orgs], rvocab)
        self.nprof = np.array([len(o.professions) for o in orgs], dtype=np.float64)
        self.nneed = np.array([len(o.needs) for o in orgs], dtype=np.float64)
        self.is_lead = np.array([o.lead for o in orgs], dtype=bool)

    @staticmethod
    def _common(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        common: np.ndarray = np.bitwise_count(a & b).sum(axis=-1, dtype=np.int64).astype(np.float64)
        return common

    def parts(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unweighted (prof, geo, comp) for broadcast index arrays ``i`` and ``j``."""
        inter = self._common(self.prof[i], self.prof[j])
        union = self.nprof[i] + self.nprof[j] - inter
        prof = np.divide(inter, union, out=np.zeros_like(union), where=union > 0)
        h = (
            np.sin((self.lat[j] - self.lat[i]) / 2) ** 2
            + self.coslat[i] * self.coslat[j] * np.sin((self.lon[j] - self.lon[i]) / 2) ** 2
        )
        dist = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        geo = np.exp(-dist / self.geo_scale)
        met = self._common(self.strong[i], self.need[j]) + self._common(
            self.strong[j], self.need[i]
        )
        needs = self.nneed[i] + self.nneed[j]
        comp = np.divide(met, needs, out=np.zeros_like(needs), where=needs > 0)
        return prof, geo, comp

    def pairs(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Weighted scores for broadcast index arrays ``i`` and ``j``."""
        prof, geo, comp = self.parts(i, j)
        wp, wg, wc = self.weights
        return wp * prof + wg * geo + wc * comp

    def matrix(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Dense score matrix of the orgs ``idx`` (all when None), zero on the diagonal."""
        idx = np.arange(self.n) if idx is None else np.asarray(idx)
        w = self.pairs(idx[:, None], idx[None, :])
        np.fill_diagonal(w, 0.0)
        return w
