"""Matching a need (需求) with resources and partner organisations: tags first, then distance.

Pure Python, no Django: callers pass plain :class:`Candidate` rows and get ranked
:class:`Suggestion` rows back. The rule, in the words of the three lists (三张清单):

1. only candidates that share at least one tag with the need are suggested;
2. more shared tags rank higher ("by tag overlap first");
3. among equal overlap, the nearer candidate ranks higher (great-circle distance between
   coordinates, :func:`haversine_km`); a candidate or need without coordinates sorts after
   every located one of the same overlap;
4. ties are broken by the candidate's key, so the order never depends on input order.

Tags are compared after trimming and case folding (``"Ai"`` equals ``"AI"``), so that the
same word typed twice by two organisations matches.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two WGS-84 points (haversine formula)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def normalise_tag(tag: str) -> str:
    return " ".join(tag.split()).casefold()


def tag_set(tags: Iterable[str]) -> frozenset[str]:
    """Tags as compared: trimmed, inner spaces collapsed, case folded; blanks dropped."""
    return frozenset(t for t in (normalise_tag(x) for x in tags) if t)


@dataclass(frozen=True)
class Target:
    """What is looked for: the need's tags and where the needing organisation is."""

    tags: tuple[str, ...]
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Candidate:
    """A resource or an organisation that might meet the need. ``key`` is unique and
    stable (``resource:ZY-001``, ``org:BX-ZB07``); ``tags`` what it offers."""

    key: str
    tags: tuple[str, ...]
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Suggestion:
    """A ranked candidate: the shared tags (in the candidate's spelling, sorted) and the
    distance in km (None when either side has no coordinates)."""

    key: str
    shared: tuple[str, ...]
    distance_km: float | None

    @property
    def overlap(self) -> int:
        return len(self.shared)


def _distance_km(
    lat1: float | None, lon1: float | None, lat2: float | None, lon2: float | None
) -> float | None:
    """:func:`haversine_km`, or None when either place has no coordinates."""
    if lat1 is None or lon1 is None or lat2 is None or lon2 is None:
        return None
    return haversine_km(lat1, lon1, lat2, lon2)


def suggest(
    target: Target, candidates: Iterable[Candidate], *, limit: int = 10
) -> list[Suggestion]:
    """The best ``limit`` candidates for ``target`` by the rule of this module."""
    wanted = tag_set(target.tags)
    if not wanted or limit <= 0:
        return []
    ranked: list[tuple[tuple[int, int, float, str], Suggestion]] = []
    for c in candidates:
        # Two spellings of one tag ("AI", "ai") count once, in the first spelling given.
        seen: dict[str, str] = {}
        for tag in c.tags:
            norm = normalise_tag(tag)
            if norm in wanted and norm not in seen:
                seen[norm] = " ".join(tag.split())
        if not seen:
            continue
        shared = tuple(sorted(seen.values()))
        overlap = len(shared)
        distance = _distance_km(target.lat, target.lon, c.lat, c.lon)
        key = (
            -overlap,
            0 if distance is not None else 1,
            distance if distance is not None else 0.0,
            c.key,
        )
        ranked.append((key, Suggestion(c.key, shared, distance)))
    ranked.sort(key=lambda item: item[0])
    return [s for _, s in ranked[:limit]]
