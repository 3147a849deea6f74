"""The progress engine of key tasks — pure, no Django.

Each task has one mode (:mod:`lianjian.keytasks.rules`):

- ``手动`` (manual): the percent last confirmed;
- ``里程碑`` (milestones): the weights of the accepted milestones over all the weights × 100;
- ``子任务`` (children): the weighted mean of the children's progress; a child marked 不计入
  is left out, a child without progress counts 0; every weight 1 is the plain mean;
- ``指标`` (KPI): how far the current value went from the baseline towards the target,
  direction aware, capped to 0–100.

:func:`roll_up` computes every task of a tree in one pass over already-loaded nodes, children
before parents, so a selector loads a list's tasks and milestones in a fixed number of
queries however large the list.

Worked examples (fusion.md §1): children 100 / 60 / 20 → 60; the 20 child 不计入 → 80;
weights 500 / 300 / 200 → 72.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lianjian.keytasks.rules import CHILDREN, HIGHER, KPI, MANUAL, MILESTONES


def clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


@dataclass(frozen=True)
class MilestoneFact:
    weight: float
    accepted: bool


@dataclass(frozen=True)
class Node:
    """One task as the engine sees it."""

    id: int
    parent_id: int | None = None
    mode: str = MANUAL
    weight: float = 1.0
    excluded: bool = False
    manual: float | None = None
    milestones: tuple[MilestoneFact, ...] = ()
    kpi_baseline: float | None = None
    kpi_target: float | None = None
    kpi_current: float | None = None
    kpi_direction: str = HIGHER


@dataclass(frozen=True)
class Child:
    progress: float | None
    weight: float = 1.0
    excluded: bool = False


def manual_progress(value: float | None) -> float | None:
    return None if value is None else clamp(value)


def milestone_progress(milestones: Iterable[MilestoneFact]) -> float | None:
    """Accepted weight over total weight × 100; None without milestones or weight."""
    items = list(milestones)
    total = sum(m.weight for m in items)
    if not items or total <= 0:
        return None
    return clamp(100.0 * sum(m.weight for m in items if m.accepted) / total)


def children_progress(children: Iterable[Child]) -> float | None:
    """The weighted mean of the counted children (不计入 left out; no progress counts 0);
    None when no child counts or every counted weight is 0."""
    counted = [c for c in children if not c.excluded]
    total = sum(c.weight for c in counted)
    if not counted or total <= 0:
        return None
    return clamp(sum((c.progress or 0.0) * c.weight for c in counted) / total)


def kpi_progress(
    baseline: float | None, target: float | None, current: float | None, direction: str = HIGHER
) -> float | None:
    """(current − baseline) / (target − baseline) × 100, capped to 0–100. The direction
    decides nothing more once target and baseline agree with it (the rules check that); a
    target that contradicts the direction, or equals the baseline, gives None."""
    if baseline is None or target is None or current is None:
        return None
    span = target - baseline
    if span == 0 or not math.isfinite(span):
        return None
    if (direction == HIGHER) != (span > 0):
        return None
    return clamp(100.0 * (current - baseline) / span)


def own_progress(node: Node) -> float | None:
    """The progress of a task that does not depend on other tasks (every mode but 子任务)."""
    if node.mode == MILESTONES:
        return milestone_progress(node.milestones)
    if node.mode == KPI:
        return kpi_progress(
            node.kpi_baseline, node.kpi_target, node.kpi_current, node.kpi_direction
        )
    return manual_progress(node.manual)


def roll_up(nodes: Sequence[Node]) -> dict[int, float | None]:
    """The progress of every node, children before parents, in one pass (iterative, so a deep
    tree does not exhaust the stack). A node whose parent is not among ``nodes`` is a root;
    a cycle (which the services never write) leaves its nodes at their own progress."""
    by_id: Mapping[int, Node] = {n.id: n for n in nodes}
    kids: dict[int, list[Node]] = {}
    for n in nodes:
        if n.parent_id is not None and n.parent_id in by_id and n.parent_id != n.id:
            kids.setdefault(n.parent_id, []).append(n)
    result: dict[int, float | None] = {}
    # post-order over every node, iteratively
    visiting: set[int] = set()
    for start in nodes:
        if start.id in result:
            continue
        stack: list[tuple[Node, bool]] = [(start, False)]
        while stack:
            node, expanded = stack.pop()
            if node.id in result:
                continue
            if node.mode != CHILDREN:
                result[node.id] = own_progress(node)
                continue
            if expanded:
                visiting.discard(node.id)
                result[node.id] = children_progress(
                    Child(result.get(c.id), c.weight, c.excluded) for c in kids.get(node.id, [])
                )
                continue
            if node.id in visiting:
                result[node.id] = None
                continue
            visiting.add(node.id)
            stack.append((node, True))
            for child in kids.get(node.id, []):
                if child.id not in result and child.id not in visiting:
                    stack.append((child, False))
    return result
