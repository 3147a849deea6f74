"""Requests released at the same instant, each on its own database connection.

Real races need PostgreSQL (``LIANJIAN_DATABASE_URL=postgres://…``): SQLite serialises every
write transaction (``BEGIN IMMEDIATE``), so there is nothing to race and the tests that use
:func:`require_postgresql` skip — loudly. Tests using these helpers need
``pytest.mark.django_db(transaction=True)`` so that the threads see each other's commits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

THREADS = 8


def require_postgresql(what: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            f"!!! SKIPPED on SQLite: {what} needs PostgreSQL (set LIANJIAN_DATABASE_URL=postgres://…) !!!"
        )


def race(work: Callable[[int], Any], n: int = THREADS) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released at the same instant; their results (or the
    exception each raised) in order."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results
