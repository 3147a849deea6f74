"""Pure rules of alliances that the services and the ``alliances`` import share (one home
of each, issue #17 point 2). No Django: callers pass plain values."""

from __future__ import annotations

from collections.abc import Sequence


def dissolved_join_problem(labels: Sequence[str]) -> str:
    """A dissolved organisation joins no alliance: the refusal naming ``labels`` (names on
    the screens and in the API, codes in a file), or "" when there are none."""
    return f"组织 {'、'.join(labels)} 已撤销，不能加入联建" if labels else ""
