"""The permission matrix, once for every app's tests (in the spirit of NetBox's
``utilities/testing``): fixed personas, a client per persona over each edge, and a
declarative matrix — endpoint × persona → expected status — with "a denied write changes
nothing" checked in one place.

Personas are the users of the ``world`` fixture (tests/conftest.py), always in this order::

    admin      the administrator (sees everything)
    company    manager of DW, the company's committee (sees DW's subtree)
    manager_a  manager of branch ZB-A
    member_a   member of ZB-A (read-only; linked to member M-A1)
    manager_b  manager of branch ZB-B
    outsider   manager of DW2, another company

A matrix row lists the expected answers in that order::

    MATRIX = {"detail_a": [200, 200, 200, 200, 404, 404], ...}

    @pytest.mark.parametrize(("view", "persona"), matrix.cases(MATRIX))
    def test_every_view_answers_by_scope(world, view, persona):
        response = matrix.client_for(world, persona).get(url(view))
        assert response.status_code == matrix.expected(MATRIX, view, persona)

and a write is checked with :func:`assert_write`: the status, nothing changed on a denial,
something changed on success.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import pytest
from django.test import Client

from tests.api_helpers import call

PERSONAS: tuple[str, ...] = ("admin", "company", "manager_a", "member_a", "manager_b", "outsider")
# The statuses of an accepted request: the screens redirect (302), the API answers 200/201/204.
SUCCESS = frozenset({200, 201, 204, 302})

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def user_of(world: Any, persona: str) -> Any:
    """The user of ``persona`` in ``world``."""
    if persona not in PERSONAS and not hasattr(world, persona):
        raise KeyError(persona)
    return getattr(world, persona)


def client_for(world: Any, persona: str) -> Client:
    """A test client with a session logged in as ``persona`` (the screens' edge)."""
    client = Client()
    client.force_login(user_of(world, persona))
    return client


def api_call(world: Any, persona: str, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    """One request to ``/api/v1{url}`` with a bearer token of ``persona`` (the API's edge)."""
    return call(method, url, user=user_of(world, persona), body=body)


def by_persona(answer: Callable[[str], T], personas: Iterable[str] = PERSONAS) -> list[T]:
    """``answer(persona)`` for every persona, in matrix order — one matrix row as observed."""
    return [answer(p) for p in personas]


def expected(matrix: Mapping[K, Sequence[int]], key: K, persona: str) -> int:
    """The expected status of ``persona`` in the row ``key`` of ``matrix``."""
    return matrix[key][PERSONAS.index(persona)]


def _id(key: Any) -> str:
    return "-".join(map(str, key)) if isinstance(key, tuple) else str(key)


def cases(matrix: Mapping[K, Any], personas: Sequence[str] = PERSONAS) -> list[Any]:
    """``(key, persona)`` parameters for every cell of ``matrix``, with readable ids
    (``"detail_a-manager_b"``); use with ``pytest.mark.parametrize(("key", "persona"), …)``."""
    return [pytest.param(key, p, id=f"{_id(key)}-{p}") for key in matrix for p in personas]


def keys(matrix: Mapping[K, Any]) -> list[Any]:
    """One parameter per row of ``matrix`` (for a test that checks a whole row at once)."""
    return [pytest.param(key, id=_id(key)) for key in matrix]


def visible_row(code: str, visible: Mapping[str, Iterable[str]], *, seen: int = 200) -> list[int]:
    """The row of an object that answers ``seen`` to whoever sees it and 404 to the others."""
    return [seen if code in set(visible[p]) else 404 for p in PERSONAS]


def assert_write(
    state: Callable[[], Any],
    send: Callable[[], Any],
    status: int,
    *,
    changes: bool | None = True,
) -> Any:
    """Send one write and check it against the matrix: the answer is ``status``; when it is
    refused nothing observable by ``state()`` changed; when accepted, something did
    (``changes=True``), nothing did (``False``), or either (``None``). ``send`` returns a
    status, a response, or the ``(status, body)`` of :func:`api_call`; that is returned."""
    before = state()
    answer = send()
    got = answer[0] if isinstance(answer, tuple) else getattr(answer, "status_code", answer)
    assert got == status, f"expected {status}, got {got}: {answer!r}"[:500]
    if got not in SUCCESS:
        assert state() == before, "a refused write changed something"
    elif changes is not None:
        assert (state() != before) is changes, (
            "an accepted write changed nothing" if changes else "it changed"
        )
    return answer
