"""The attendance sources recomputed set-based, on PostgreSQL and SQLite alike
(docs/benchmarks.md §党员积分).

The same rule as :func:`lianjian.points.sources.attendance` / ``absence`` followed by the
comparison in :func:`lianjian.points.services.recompute`, for all attendance rules of a
scheme in one pass: one join of the qualifying attendance rows (each with its rule) and
the 生效 entries of those rules into a temporary table of the difference, then one
``UPDATE`` withdrawing the auto entries whose attendance no longer qualifies (the ledger is
append-only: the entry stays, 已撤回 with the reason) and one ``INSERT … SELECT`` of the
qualifying rows without an entry (the idempotency key rule + member + attendance row — the
record ``attendance:<id>`` — which the partial unique index
``points_entry_attendance_unique`` also guards). A ledger already current costs the join and
writes nothing. The planner's statistics of the ledger are refreshed after a bulk write
(:func:`analyze`). No row crosses the wire. The Python path of ``sources`` stays the
reference (the tests compare both on both databases) and serves a range over a change of
UTC offset.

The local day of an activity is its UTC start plus the zone's offset, which is fixed for
the range (:func:`fixed_offset`; Asia/Shanghai has had no daylight saving since 1991).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator, Mapping, Sequence
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
    rules: Sequence[PointsRule],
    statuses: Mapping[str, str],
    first: datetime.date,
    last: datetime.date,
    reason: str,
    now: datetime.datetime,
    activity_id: int | None = None,
) -> tuple[int, int] | None:
    """(written, withdrawn) for the attendance rules ``rules`` of ``scheme`` over
    ``first``..``last``, all in one pass (``statuses``: the attendance status each rule's
    source counts); only the attendance of ``activity_id`` when given (the entries of one
    activity whose record changed). None when this path does not apply (another backend,
    a change of UTC offset): the caller then takes the Python reference path."""
    offset = fixed_offset(first, last)
    if not supported() or offset is None:
        return None
    if not rules:
        return 0, 0
    ops = connection.ops
    vendor = connection.vendor
    params: dict[str, Any] = {
        "offset": offset,
        "offset_text": f"{offset:+d} seconds",
        "start": ops.adapt_datetimefield_value(local_start(first)),
        "end": ops.adapt_datetimefield_value(local_start(last + datetime.timedelta(days=1))),
        "path": scheme.org.path.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%",
        "scheme": scheme.pk,
        "auto": EntrySource.AUTO.value,
        "active": EntryStatus.ACTIVE.value,
        "withdrawn": EntryStatus.WITHDRAWN.value,
        "reason": reason,
        "first": ops.adapt_datefield_value(first),
        "last": ops.adapt_datefield_value(last),
        "now": ops.adapt_datetimefield_value(now),
        "activity": activity_id,
    }
    # The rules as two small tables: one row per (rule, counted status, activity type) for
    # the rules that list types, joined on both; one row per (rule, status) for the rules
    # that list none (every type), joined on the status alone. Two joins, not one with an
    # ``OR`` on the type: that can be hashed on the status only, and fanned 12.8 M
    # attendance rows out to 42 M before the type threw most away (docs/benchmarks.md).
    typed, untyped = [], []
    for i, rule in enumerate(rules):
        params[f"r{i}"], params[f"s{i}"] = rule.pk, statuses[rule.source]
        if not rule.activity_types:
            untyped.append(f"SELECT %(r{i})s AS rule_id, %(s{i})s AS status")
        for j, kind in enumerate(rule.activity_types):
            params[f"t{i}_{j}"] = str(kind)
            typed.append(f"SELECT %(r{i})s AS rule_id, %(s{i})s AS status, %(t{i}_{j})s AS type")
    joins = [
        f"JOIN ({' UNION ALL '.join(rows)}) r ON {on}"
        for rows, on in (
            (typed, "r.status = a.status AND r.type = act.type"),
            (untyped, "r.status = a.status"),
        )
        if rows
    ]
    rule_ids = _in("rule", [str(r.pk) for r in rules], params)
    held = _in("held", [str(s) for s in COUNTED_STATUSES], params)
    day = DAY_SQL[vendor]
    period = PERIOD_SQL[vendor][scheme.period].format(d="d.day")
    # One activity: its attendance rows only, in the entries compared and in those written.
    one = "AND act.id = %(activity)s" if activity_id is not None else ""
    of_one = (
        "AND e.attendance_id IN (SELECT id FROM activities_attendance WHERE activity_id = %(activity)s)"
        if activity_id is not None
        else ""
    )
    # The attendance rows that earn a rule's points: its status at a held, valid activity
    # of the rule's types in the range, of a member of the scheme's subtree on the
    # activity's day — the organisation they left by their first transfer after that day,
    # else today's (activities.compliance.org_on_day, the same rule; a transfer dated that
    # day has taken effect; ties in the engine's order). Transfers are rare: the per-row
    # lookup runs only for members moved since the range began (one hashed set).
    qualifying = f"""
        SELECT r.rule_id, a.id AS attendance_id, a.member_id, {day} AS day
        FROM activities_attendance a
        JOIN activities_activity act ON act.id = a.activity_id
        {{rules}}
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
        WHERE act.status {held} AND act.is_valid
          AND act.start >= %(start)s AND act.start < %(end)s
          AND o.path LIKE %(path)s ESCAPE '\\' {one}
    """
    qualifies = " UNION ALL ".join(qualifying.format(rules=join) for join in joins)
    # The 生效 entries of these rules from attendance (of any day: one that is there
    # already is never written twice, the unique index points_entry_attendance_unique).
    current = f"""
        SELECT e.id, e.rule_id, e.attendance_id, e.member_id, e.source, e.happened_on
        FROM points_pointsentry e
        WHERE e.status = %(active)s AND e.attendance_id IS NOT NULL AND e.rule_id {rule_ids}
          {of_one}
    """
    with connection.cursor() as cursor, _work_mem(cursor, large=activity_id is None):
        cursor.execute(f"DROP TABLE IF EXISTS {DIFF}")
        # The difference in one join of the two sides, each read once for all rules: the
        # entries no record qualifies for any more (auto, of the range: withdrawn) and the
        # qualifying records without an entry (written). A recompute that finds the ledger
        # current writes nothing but this (empty) table.
        cursor.execute(
            f"""
            CREATE TEMP TABLE {DIFF} AS
            SELECT e.id AS entry_id, q.rule_id, q.attendance_id, q.member_id, q.day
            FROM ({qualifies}) q
            FULL JOIN ({current}) e
              ON e.rule_id = q.rule_id AND e.attendance_id = q.attendance_id
             AND e.member_id = q.member_id
            WHERE e.id IS NULL
               OR (q.rule_id IS NULL AND e.source = %(auto)s
                   AND e.happened_on >= %(first)s AND e.happened_on <= %(last)s)""",
            params,
        )
        cursor.execute(f"SELECT count(*) FROM {DIFF}")
        if cursor.fetchone()[0] > STALE_ROWS and vendor == "postgresql":
            cursor.execute(f"ANALYZE {DIFF}")
        # Withdrawn first: a record whose entry is withdrawn here may be written anew below.
        cursor.execute(
            f"""
            UPDATE points_pointsentry SET status = %(withdrawn)s, withdrawn_reason = %(reason)s
            WHERE id IN (SELECT entry_id FROM {DIFF} WHERE entry_id IS NOT NULL)""",
            params,
        )
        withdrawn = cursor.rowcount
        cursor.execute(
            f"""
            INSERT INTO points_pointsentry (scheme_id, member_id, rule_id, period, happened_on,
                points, source, record_key, attendance_id, status, reason, withdrawn_reason,
                created_at)
            SELECT %(scheme)s, d.member_id, d.rule_id, {period}, d.day, r.points,
                %(auto)s, 'attendance:' || d.attendance_id, d.attendance_id, %(active)s, r.text,
                '', %(now)s
            FROM {DIFF} d JOIN points_pointsrule r ON r.id = d.rule_id
            WHERE d.entry_id IS NULL""",
            params,
        )
        written = cursor.rowcount
        cursor.execute(f"DROP TABLE {DIFF}")
    if written > STALE_ROWS:
        analyze()
    return written, withdrawn


# The difference between the records and the ledger, per recompute (a temporary table of
# the connection, dropped at the end; a failed recompute rolls its creation back).
DIFF = "points_recompute_diff"


@contextlib.contextmanager
def _work_mem(cursor: Any, *, large: bool) -> Iterator[None]:
    """PostgreSQL: the year's recompute joins two sides of millions of rows each: hashed
    in memory (256 MB) rather than spilled in batches to disk at the default 4 MB; set for
    this transaction's statements only and restored after them (a caller's transaction goes
    on with its own setting)."""
    if not large or connection.vendor != "postgresql":
        yield
        return
    cursor.execute(
        "SELECT current_setting('work_mem'), set_config('work_mem', %s, true)", [WORK_MEM]
    )
    before = cursor.fetchone()[0]
    yield
    # Not on an error: the rollback of the transaction undoes the setting with the rest.
    cursor.execute("SELECT set_config('work_mem', %s, true)", [before])


WORK_MEM = "256MB"


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
