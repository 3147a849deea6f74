"""Generated codes (活动编号 ``HD20260305-001``, 资源编号 ``ZY-0001``, ``XQ2026-001`` …): one
allocator for every model whose ``code`` may be left blank.

Why a locked counter row and not "read the taken codes, pick the next, insert and retry on
a clash": two requests creating at the same moment both read the same taken codes, so the
loser's insert fails on the unique index — and it only learns so after waiting for the
winner's whole transaction, then has to roll back to a savepoint and try again, as often as
there are concurrent creators (a bounded retry count just moves the failure). Locking one
:class:`~lianjian.core.models.CodeCounter` row per code family instead queues the creators
at the allocator: each one waits for the previous inserting transaction to commit, then
reads the codes that are really taken and takes the next. Nobody fails, no retry loop, and
the lock is per family (one day of activities, one year of needs), so unrelated creates do
not wait. On SQLite every write transaction is already serialised (``BEGIN IMMEDIATE``) and
the lock is a no-op.

Numbers only grow: a code is never handed out twice (audit rows are keyed by code), and a
code someone typed by hand (an import, the API's ``code``) is skipped, never reused.
"""

from __future__ import annotations

from django.db import models, transaction

from lianjian.core.models import CodeCounter


def next_code(model: type[models.Model], prefix: str, width: int = 3) -> str:
    """The next free ``{prefix}{n:0{width}d}`` of ``model.code``, reserved for the caller.

    Call it inside the transaction that inserts the row: the counter row stays locked until
    that transaction ends, so a concurrent caller for the same ``prefix`` gets the number
    after this one (or this one again if the insert was rolled back).
    """
    key = f"{model._meta.label_lower}:{prefix}"
    with transaction.atomic():
        # INSERT … ON CONFLICT DO NOTHING: the first caller of a family creates its row; a
        # concurrent first caller waits on the unique index instead of failing.
        CodeCounter.objects.bulk_create([CodeCounter(key=key)], ignore_conflicts=True)
        counter = CodeCounter.objects.select_for_update().get(key=key)
        taken = set(
            model._default_manager.filter(code__startswith=prefix).values_list("code", flat=True)
        )
        n = counter.last + 1
        while f"{prefix}{n:0{width}d}" in taken:
            n += 1
        counter.last = n
        counter.save(update_fields=["last"])
    return f"{prefix}{n:0{width}d}"
