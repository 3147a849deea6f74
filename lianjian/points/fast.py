"""The attendance sources recomputed set-based on PostgreSQL (docs/benchmarks.md §党员积分).

The same rule as :func:`lianjian.points.sources.attendance` / ``absence`` followed by the
comparison in :func:`lianjian.points.services.recompute`, as two statements per rule: an
``UPDATE`` withdrawing the 生效 auto entries whose attendance no longer qualifies, and an
``INSERT … SELECT`` of the qualifying attendance rows that have no 生效 entry yet. No row
crosses the wire. The Python path stays the reference (SQLite, and the tests compare).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection

from lianjian.activities.models import COUNTED_STATUSES
from lianjian.activities.times import local_start
from lianjian.points.models import EntrySource, EntryStatus, PointsRule, PointsScheme

TZ = "Asia/Shanghai"
PERIOD_SQL = {
    "quarter": "to_char(d.day, 'YYYY') || 'Q' || to_char(d.day, 'Q')",
    "month": "to_char(d.day, 'YYYY-MM')",
    "year": "to_char(d.day, 'YYYY')",
}

# The attendance rows that earn the rule's points: %(status)s at a held, valid activity of
# the rule's types in the range, of a member of the scheme's subtree.
_QUALIFIES = """
    FROM activities_attendance a
    JOIN activities_activity act ON act.id = a.activity_id
    JOIN orgs_member m ON m.id = a.member_id
    JOIN orgs_organisation o ON o.id = m.org_id
    CROSS JOIN LATERAL (SELECT (act.start AT TIME ZONE %(tz)s)::date AS day) d
    WHERE a.status = %(status)s AND act.status = ANY(%(held)s) AND act.is_valid
      AND act.start >= %(start)s AND act.start < %(end)s
      AND (%(any_type)s OR act.type = ANY(%(types)s))
      AND o.path LIKE %(path)s
"""


def recompute_attendance(
    scheme: PointsScheme,
    rule: PointsRule,
    first: datetime.date,
    last: datetime.date,
    status: str,
    reason: str,
) -> tuple[int, int]:
    """(written, withdrawn) for one attendance rule of ``scheme`` over ``first``..``last``."""
    params: dict[str, Any] = {
        "tz": TZ,
        "status": status,
        "held": [str(s) for s in COUNTED_STATUSES],
        "start": local_start(first),
        "end": local_start(last + datetime.timedelta(days=1)),
        "any_type": not rule.activity_types,
        "types": list(rule.activity_types),
        "path": scheme.org.path.replace("%", r"\%").replace("_", r"\_") + "%",
        "rule": rule.pk,
        "scheme": scheme.pk,
        "points": rule.points,
        "auto": EntrySource.AUTO.value,
        "active": EntryStatus.ACTIVE.value,
        "withdrawn": EntryStatus.WITHDRAWN.value,
        "reason": reason,
        "text": rule.text,
        "first": first,
        "last": last,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE points_pointsentry e SET status = %(withdrawn)s, withdrawn_reason = %(reason)s
            WHERE e.rule_id = %(rule)s AND e.source = %(auto)s AND e.status = %(active)s
              AND e.happened_on >= %(first)s AND e.happened_on <= %(last)s
              AND NOT EXISTS (SELECT 1 {_QUALIFIES}
                  AND a.id = e.attendance_id AND a.member_id = e.member_id
                  AND e.record_key = 'attendance:' || a.id)""",
            params,
        )
        withdrawn = cursor.rowcount
        cursor.execute(
            f"""
            INSERT INTO points_pointsentry (scheme_id, member_id, rule_id, period, happened_on, points,
                source, record_key, attendance_id, status, reason, withdrawn_reason, created_at)
            SELECT %(scheme)s, a.member_id, %(rule)s, {PERIOD_SQL[scheme.period]}, d.day, %(points)s,
                %(auto)s, 'attendance:' || a.id, a.id, %(active)s, %(text)s, '', now()
            {_QUALIFIES}
              AND NOT EXISTS (SELECT 1 FROM points_pointsentry e
                  WHERE e.rule_id = %(rule)s AND e.member_id = a.member_id
                    AND e.record_key = 'attendance:' || a.id AND e.status = %(active)s)""",
            params,
        )
        written = cursor.rowcount
    return written, withdrawn
