"""Reports and dashboards read from a PostgreSQL read replica; everything else uses the primary.

A deployment with a streaming replica sets ``LIANJIAN_REPLICA_URL`` (docs/deploy.md). Only
the code that runs inside :func:`reporting` — the report and dashboard views, through
:func:`reads_from_replica` — reads from it. All other reads stay on the primary, on purpose:
a page shown right after a write (the redirect after a POST, the list that must show the new
row) has to read what was just written, and a replica may lag behind by a moment. Writes,
transactions and migrations always go to ``default``.

Without a configured replica :func:`reporting` changes nothing, so the views behave as on
one database. The router is stateless apart from a context variable, so it is safe under
threads (``runserver``) and gunicorn's workers alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from django.conf import settings

REPLICA = "replica"
_P = ParamSpec("_P")
_R = TypeVar("_R")

_reporting: ContextVar[bool] = ContextVar("lianjian_reporting", default=False)


def replica_in_use() -> bool:
    """Whether a replica is configured (``LIANJIAN_READ_REPLICA`` in settings, set by
    ``LIANJIAN_REPLICA_URL``) and its alias exists."""
    return bool(getattr(settings, "LIANJIAN_READ_REPLICA", False)) and REPLICA in settings.DATABASES


@contextmanager
def reporting() -> Iterator[None]:
    """Within the block, reads go to the replica (when one is configured).

    Use it only around reads that may be a moment behind the primary: figures, dashboards,
    reports. Never around a write or a read that must see the request's own write."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def reads_from_replica(view: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorate a report or dashboard view: its reads run inside :func:`reporting`.

    The signed-in user is loaded from the primary first (the session and the account are
    the request's own state, and a replica that lags must not log anyone out)."""

    @functools.wraps(view)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        request: Any = args[0] if args else None
        user = getattr(request, "user", None)
        if user is not None:
            # Evaluates the lazy user (and its scope) on the primary, outside the block.
            bool(getattr(user, "is_authenticated", False))
        with reporting():
            return view(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Django database router (``DATABASE_ROUTERS``): the replica for reads inside
    :func:`reporting` when a replica is configured, ``default`` for everything else."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if _reporting.get() and replica_in_use():
            return REPLICA
        return "default"

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica holds the same rows as the primary: a row read from either may be
        # related to a row of the other.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica follows the primary by streaming replication; nothing migrates it.
        return db == "default"
