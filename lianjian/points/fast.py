"""The attendance sources recomputed set-based, on PostgreSQL and SQLite alike
(docs/benchmarks.md §党员积分).

The same rule as :func:`lianjian.points.sources.attendance` / ``absence`` followed by the
comparison in :func:`lianjian.points.services.recompute`, as two statements per rule: an
``UPDATE`` withdrawing the 生效 auto entries whose attendance no longer qualifies (the
ledger is append-only: the entry stays, 已撤回 with the reason), and an ``INSERT … SELECT``
of the qualifying attendance rows without a 生效 entry (the anti-join on the idempotency
key rule + member + attendance row — the record ``attendance:<id>`` — which the partial
unique index ``points_entry_record_unique`` also guards). The planner's statistics of the
ledger are refreshed after a bulk write (:func:`analyze`). No row crosses the wire. The Python path of ``sources`` stays the reference
(the tests compare both on both databases) and serves a range over a change of UTC offset.

The local day of an activity is its UTC start plus the zone's offset, which is fixed for
the range (:func:`fixed_offset`; Asia/Shanghai has had no daylight saving since 1991).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection

from lianjian.activities.models import COUNTED_STATUSES
from lianjian.activities.times import local_start
from lianjian.points.models import EntrySource, EntryStatus, PointsRule, PointsScheme

# The local day ``d`` of the activity ``act`` and the period code of that day, per backend.
DAY_SQL = {
    "postgresql": "((act.start AT TIME ZONE 'UTC') + %(offset)s * interval '1 second')::date",
    "sqlite": "date(act.start, %(offset_text)s)",
}
PERIOD_SQL = {
    "postgresql": {
        "quarter": "to_char({d}, 'YYYY') || 'Q' || to_char({d}, 'Q')",
        "month": "to_char({d}, 'YYYY-MM')",
        "year": "to_char({d}, 'YYYY')",
    },
    "sqlite": {
        "quarter": "strftime('%%Y', {d}) || 'Q' || ((CAST(strftime('%%m', {d}) AS INTEGER) + 2) / 3)",
        "month": "strftime('%%Y-%%m', {d})",
        "year": "strftime('%%Y', {d})",
    },
}


def supported() -> bool:
    return connection.vendor in DAY_SQL


def fixed_offset(first: datetime.date, last: datetime.date) -> int | None:
    """The zone's UTC offset in seconds if it is the same all through ``first``..``last``."""
    offsets = {
        local_start(day).utcoffset()
        for day in (first, last, *(datetime.date(first.year, m, 1) for m in range(1, 13)))
    }
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    return None if offset is None else int(offset.total_seconds())


def _in(name: str, values: Sequence[str], params: dict[str, Any]) -> str:
    """``IN (%(name0)s, …)`` with the values added to ``params`` (both backends)."""
    keys = []
    for i, value in enumerate(values):
        params[f"{name}{i}"] = value
        keys.append(f"%({name}{i})s")
    return f"IN ({', '.join(keys)})"


def recompute_attendance(
    scheme: PointsScheme,
    rule: PointsRule,
    first: datetime.date,
    last: datetime.date,
    status: str,
    reason: str,
    now: datetime.datetime,
    activity_id: int | None = None,
) -> tuple[int, int] | None:
    """(written, withdrawn) for one attendance rule of ``scheme`` over ``first``..``last``
    (only the attendance of ``activity_id`` when given: the entries of one activity whose
    record changed); None when this path does not apply (another backend, a change of UTC
    offset)."""
    offset = fixed_offset(first, last)
    if not supported() or offset is None:
        return None
    ops = connection.ops
    vendor = connection.vendor
    params: dict[str, Any] = {
        "offset": offset,
        "offset_text": f"{offset:+d} seconds",
        "status": status,
        "start": ops.adapt_datetimefield_value(local_start(first)),
        "end": ops.adapt_datetimefield_value(local_start(last + datetime.timedelta(days=1))),
        "path": scheme.org.path.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%",
        "rule": rule.pk,
        "scheme": scheme.pk,
        "points": ops.adapt_decimalfield_value(rule.points, 7, 2),
        "auto": EntrySource.AUTO.value,
        "active": EntryStatus.ACTIVE.value,
        "withdrawn": EntryStatus.WITHDRAWN.value,
        "reason": reason,
        "text": rule.text,
        "first": ops.adapt_datefield_value(first),
        "last": ops.adapt_datefield_value(last),
        "now": ops.adapt_datetimefield_value(now),
        "activity": activity_id,
    }
    # One activity: its attendance rows only, in the entries compared and in those written.
    one = "AND act.id = %(activity)s" if activity_id is not None else ""
    of_one = (
        "AND {col} IN (SELECT id FROM activities_attendance WHERE activity_id = %(activity)s)"
        if activity_id is not None
        else ""
    )
    held = _in("held", [str(s) for s in COUNTED_STATUSES], params)
    types = f"AND act.type {_in('type', list(rule.activity_types), params)}"
    day = DAY_SQL[vendor]
    period = PERIOD_SQL[vendor][scheme.period].format(d=day)
    # The attendance rows that earn the rule's points: ``status`` at a held, valid activity
    # of the rule's types in the range, of a member of the scheme's subtree on the
    # activity's day — the organisation they left by their first transfer after that day,
    # else today's (activities.compliance.org_on_day, the same rule; a transfer dated that
    # day has taken effect; ties in the engine's order). Transfers are rare: the per-row
    # lookup runs only for members moved since the range began (one hashed set).
    qualifies = f"""
        FROM activities_attendance a
        JOIN activities_activity act ON act.id = a.activity_id
        JOIN orgs_member m ON m.id = a.member_id
        JOIN orgs_organisation o ON o.id = CASE
            WHEN a.member_id IN (SELECT member_id FROM orgs_membertransfer
                                 WHERE date > %(first)s)
            THEN COALESCE(
                (SELECT t.from_org_id FROM orgs_membertransfer t
                 WHERE t.member_id = a.member_id AND t.date > {day}
                 ORDER BY t.date, t.from_org_id, t.to_org_id LIMIT 1),
                m.org_id)
            ELSE m.org_id END
        WHERE a.status = %(status)s AND act.status {held} AND act.is_valid
          AND act.start >= %(start)s AND act.start < %(end)s
          {types if rule.activity_types else ""}
          AND o.path LIKE %(path)s ESCAPE '\\' {one}
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE points_pointsentry SET status = %(withdrawn)s, withdrawn_reason = %(reason)s
            WHERE rule_id = %(rule)s AND source = %(auto)s AND status = %(active)s
              AND happened_on >= %(first)s AND happened_on <= %(last)s {of_one.format(col="attendance_id")}
              AND NOT EXISTS (SELECT 1 {qualifies}
                  AND a.id = points_pointsentry.attendance_id
                  AND a.member_id = points_pointsentry.member_id)""",
            params,
        )
        withdrawn = cursor.rowcount
        # The entries already there are read once, before the insert (a materialised
        # CTE): a plan that probed the table being filled would read every new row again
        # for each one (PostgreSQL planned so for a ledger just emptied: 9 minutes, not 30 s).
        cursor.execute(
            f"""
            WITH have AS MATERIALIZED (
                SELECT e.member_id, e.attendance_id FROM points_pointsentry e
                WHERE e.rule_id = %(rule)s AND e.status = %(active)s
                  AND e.attendance_id IS NOT NULL {of_one.format(col="e.attendance_id")})
            INSERT INTO points_pointsentry (scheme_id, member_id, rule_id, period, happened_on,
                points, source, record_key, attendance_id, status, reason, withdrawn_reason,
                created_at)
            SELECT %(scheme)s, a.member_id, %(rule)s, {period}, {day}, %(points)s,
                %(auto)s, 'attendance:' || a.id, a.id, %(active)s, %(text)s, '', %(now)s
            {qualifies}
              AND NOT EXISTS (SELECT 1 FROM have
                  WHERE have.member_id = a.member_id AND have.attendance_id = a.id)""",
            params,
        )
        written = cursor.rowcount
        if vendor == "sqlite":  # its driver answers -1 for a statement that opens with WITH
            cursor.execute("SELECT changes()")
            written = cursor.fetchone()[0]
    if written > STALE_ROWS:
        analyze()
    return written, withdrawn


# The planner's row counts of the ledger must follow a bulk write: with the statistics of
# an empty table it joins 640,000 entries one index probe at a time (12 s instead of 1 s
# at 40,000 members, docs/benchmarks.md).
STALE_ROWS = 10_000


def analyze() -> None:
    """Refresh the ledger's statistics (PostgreSQL; SQLite plans without them)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE points_pointsentry")


def analyze_if_stale() -> None:
    """:func:`analyze` when the ledger changed much since its statistics were taken
    (a bulk write committed before autovacuum came by)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables"
            " WHERE relname = 'points_pointsentry'"
        )
        row = cursor.fetchone()
    if row and row[1] > STALE_ROWS and row[1] > row[0] / 10:
        analyze()
