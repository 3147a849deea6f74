"""Validated, immutable grouping instances (``docs/grouping.md``, section Input).

An :class:`Instance` is only ever built by :mod:`lianjian.grouping.validate`, so every
instance that reaches the solver satisfies the constraints of the spec: K·min_size ≤ N ≤
K·max_size, unique ids, finite in-range coordinates, and either no leads or exactly K.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class InstanceError(ValueError):
    """Bad input: ``messages`` holds one Chinese sentence per problem found."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class Org:
    """One organisation; the list fields are sets because the scores are set measures."""

    id: str
    name: str
    professions: frozenset[str]
    lat: float
    lon: float
    strengths: frozenset[str]
    needs: frozenset[str]
    lead: bool = False


@dataclass(frozen=True)
class Params:
    """K groups, size bounds, score weights and the geographic scale d0 (km)."""

    groups: int
    min_size: int
    max_size: int
    w_profession: float = 1.0
    w_geography: float = 1.0
    w_complementarity: float = 1.0
    geo_scale_km: float = 30.0


@dataclass(frozen=True)
class Instance:
    """Params plus orgs in input order; org positions (0..N-1) are the solver's indices."""

    params: Params
    orgs: tuple[Org, ...]
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {o.id: i for i, o in enumerate(self.orgs)})

    @property
    def n(self) -> int:
        return len(self.orgs)

    @property
    def has_leads(self) -> bool:
        return any(o.lead for o in self.orgs)

    def lead_indices(self) -> list[int]:
        return [i for i, o in enumerate(self.orgs) if o.lead]
