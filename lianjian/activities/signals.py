"""Signals of the activities app, for the apps above it (the layers let them listen, not be
called): :data:`counted_changed` is sent at every review step (提交, 审核, 退回) and at 作废 —
the only moments a record enters or leaves the statuses that count, since attendance can
change only while a record is editable — with ``activity_id``, inside the service's
transaction.
The 党员积分 ledger listens to bring the activity's automatic entries in line.
"""

from __future__ import annotations

from django.dispatch import Signal

counted_changed = Signal()
