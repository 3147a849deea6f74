"""What every app's demo loader shares (``<app>/demo.py``, run by ``lianjian demo``)."""

from __future__ import annotations

from collections.abc import Mapping

from lianjian.core.audit import audit_record
from lianjian.core.models import AuditLog


def record_demo(
    target: str, label: str, created: Mapping[str, int], *, always: bool = False
) -> None:
    """The one audit row of a demo loader that created something: an import by the system
    of ``created`` (what it made, counted), on ``target`` (``app.model``), shown as
    ``演示数据（label）``. A loader that found everything in place writes none, unless
    ``always``."""
    if not always and not any(created.values()):
        return
    audit_record(
        actor=None,
        action=AuditLog.Action.IMPORT,
        target=target,
        target_id="演示",
        target_repr=f"演示数据（{label}）",
        note="演示数据",
        after=dict(created),
    )
