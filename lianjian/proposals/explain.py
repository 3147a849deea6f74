"""Explanations of a grouping, pure Python on the engine's own types (no Django).

Everything here is computed with the engine's reference formulas (:func:`pair_parts`,
:func:`distance_km`), so what a page explains is what the engine optimised:

* :func:`explain_group` — one group: lead, shared professions, mean and largest distance,
  which needs are met by whose strengths, strongest and weakest pairs with their parts.
* :func:`pairs_objective` — the objective of any collection of groups that may overlap
  (today's alliances): every pair sharing at least one group counts once.
* :func:`rank_partners` — the best partners of one organisation, with reasons.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lianjian.grouping.model import Instance, Org, Params
from lianjian.grouping.score import distance_km, pair_parts

# How many pairs a group card shows at each end (strongest / weakest).
PAIRS_SHOWN = 3


@dataclass(frozen=True)
class Pair:
    """A scored pair: positions ``i < j`` in the instance, unweighted parts and weighted score."""

    i: int
    j: int
    profession: float
    geography: float
    complementarity: float
    score: float
    km: float


def score_pair(inst: Instance, i: int, j: int) -> Pair:
    """The pair (i, j) with its parts, weighted score and distance."""
    p = inst.params
    a, b = inst.orgs[i], inst.orgs[j]
    prof, geo, comp = pair_parts(a, b, p.geo_scale_km)
    score = p.w_profession * prof + p.w_geography * geo + p.w_complementarity * comp
    return Pair(min(i, j), max(i, j), prof, geo, comp, score, distance_km(a, b))


def _pair_dict(inst: Instance, pair: Pair) -> dict[str, Any]:
    a, b = inst.orgs[pair.i], inst.orgs[pair.j]
    return {
        "a": a.name or a.id,
        "b": b.name or b.id,
        "score": pair.score,
        "km": pair.km,
        "profession": pair.profession,
        "geography": pair.geography,
        "complementarity": pair.complementarity,
    }


def explain_group(inst: Instance, members: Sequence[int], lead: int | None) -> dict[str, Any]:
    """Everything a group card shows, for the orgs at positions ``members``.

    ``shared_professions`` lists each profession held by at least two members with its
    count (most common first); ``needs`` has one row per member with needs, each need with
    the names of the members whose strengths meet it (empty when none does); ``strongest``/``weakest``
    are up to :data:`PAIRS_SHOWN` pairs each, never the same pair twice.
    """
    orgs = [inst.orgs[i] for i in members]
    pairs = [score_pair(inst, i, j) for i, j in itertools.combinations(members, 2)]
    counts = Counter(x for o in orgs for x in o.professions)
    shared = sorted(
        ((name, c) for name, c in counts.items() if c >= 2), key=lambda t: (-t[1], t[0])
    )
    needs: list[dict[str, Any]] = []
    for o in orgs:
        items: list[dict[str, Any]] = [
            {
                "need": need,
                "providers": [q.name or q.id for q in orgs if q is not o and need in q.strengths],
            }
            for need in sorted(o.needs)
        ]
        if items:
            needs.append({"org": o.name or o.id, "items": items})
    ordered = sorted(pairs, key=lambda p: (-p.score, p.i, p.j))
    shown = min(PAIRS_SHOWN, len(ordered) // 2) if len(ordered) > 1 else len(ordered)
    strongest = ordered[:shown]
    weakest = list(reversed(ordered[len(ordered) - shown :])) if len(ordered) > 1 else []
    total = sum(p.score for p in pairs)
    return {
        "lead": (inst.orgs[lead].name or inst.orgs[lead].id) if lead is not None else None,
        "size": len(members),
        "score": total,
        "shared_professions": shared,
        "mean_km": sum(p.km for p in pairs) / len(pairs) if pairs else 0.0,
        "max_km": max((p.km for p in pairs), default=0.0),
        "needs": needs,
        "needs_total": sum(len(row["items"]) for row in needs),
        "needs_met": sum(1 for row in needs for item in row["items"] if item["providers"]),
        "strongest": [_pair_dict(inst, p) for p in strongest],
        "weakest": [_pair_dict(inst, p) for p in weakest],
    }


def pairs_objective(
    inst: Instance, groups: Iterable[Iterable[int]]
) -> tuple[float, dict[str, float]]:
    """Objective and weighted components of possibly overlapping groups.

    A pair of organisations that shares several groups counts once; an organisation in no
    group contributes nothing (a singleton). For a partition this equals
    :func:`lianjian.grouping.score.evaluate`.
    """
    seen: set[tuple[int, int]] = set()
    for group in groups:
        members = sorted(set(group))
        seen.update(itertools.combinations(members, 2))
    p = inst.params
    sums = [0.0, 0.0, 0.0]
    for i, j in sorted(seen):
        parts = pair_parts(inst.orgs[i], inst.orgs[j], p.geo_scale_km)
        for c in range(3):
            sums[c] += parts[c]
    components = {
        "profession": p.w_profession * sums[0],
        "geography": p.w_geography * sums[1],
        "complementarity": p.w_complementarity * sums[2],
    }
    return sum(components.values()), components


def rank_partners(
    target: Org, candidates: Sequence[Org], params: Params, limit: int = 10
) -> list[dict[str, Any]]:
    """The ``limit`` best partners of ``target`` by weighted pair score, best first.

    Ties are broken by distance, then by id, so the ranking is deterministic. Each row
    gives the parts and the reasons: shared professions, distance, which of the target's
    needs the candidate's strengths meet and which of the candidate's needs the target meets.
    """
    rows: list[dict[str, Any]] = []
    for c in candidates:
        if c.id == target.id:
            continue
        prof, geo, comp = pair_parts(target, c, params.geo_scale_km)
        score = (
            params.w_profession * prof + params.w_geography * geo + params.w_complementarity * comp
        )
        rows.append(
            {
                "org": c,
                "score": score,
                "profession": prof,
                "geography": geo,
                "complementarity": comp,
                "km": distance_km(target, c),
                "shared_professions": sorted(target.professions & c.professions),
                "they_meet": sorted(target.needs & c.strengths),
                "we_meet": sorted(c.needs & target.strengths),
            }
        )
    rows.sort(key=lambda r: (-r["score"], r["km"], r["org"].id))
    return rows[:limit]
