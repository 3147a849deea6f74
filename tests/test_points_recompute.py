"""The set-based recompute (points/fast.py, in SQL on both databases) gives exactly the
entries of the Python reference path (points/sources.py), local day and period included
at the edges of a day and a quarter; and the totals summed in SQL per (member, rule,
period) equal the engine's entry-by-entry totals, caps and veto included."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from lianjian.activities import services as activity_services
from lianjian.activities.models import Activity, Attendance, AttendanceStatus
from lianjian.core.models import AuditLog
from lianjian.points import engine, fast, selectors, services
from lianjian.points.models import EntryStatus, PointsEntry
from tests.points_helpers import YEAR, held_meeting, make_scheme

D = datetime.date
pytestmark = pytest.mark.django_db
TZ = datetime.timezone(datetime.timedelta(hours=8))


def _at(meeting: Activity, when: datetime.datetime) -> None:
    Activity.objects.filter(pk=meeting.pk).update(start=when)


def _ledger(scheme) -> list[tuple]:
    return sorted(
        PointsEntry.objects.filter(scheme=scheme).values_list(
            "member__number", "rule__code", "period", "happened_on", "points", "source",
            "record_key", "attendance_id", "status", "withdrawn_reason", "reason",
        )
    )  # fmt: skip


def _records(world):
    """Meetings of branch A across the year, two of them at the local edge of a quarter."""
    a1, a2 = world.m_a1, world.m_a2
    out = [
        held_meeting(world.zb_a, D(YEAR, m, 10), present=[a1], absent=[a2])
        for m in (1, 2, 3, 5, 8, 11)
    ]
    out.append(held_meeting(world.zb_a, D(YEAR, 6, 1), present=[a1, a2], type="主题党日"))
    out.append(held_meeting(world.zb_a, D(YEAR, 7, 1), present=[a2], leave=[a1], type="主题党日"))
    held_meeting(world.zb_b, D(YEAR, 2, 12), present=[world.m_b1])
    # 23:30 on 31 March (local) is Q1; 00:30 on 1 April is Q2 (UTC: both on 31 March).
    _at(out[0], datetime.datetime(YEAR, 3, 31, 23, 30, tzinfo=TZ))
    _at(out[1], datetime.datetime(YEAR, 4, 1, 0, 30, tzinfo=TZ))
    return out


def test_the_sql_path_writes_and_withdraws_what_the_python_path_does(world, monkeypatch):
    meetings = _records(world)
    by_sql = make_scheme()
    by_python = make_scheme(code="2026-JF-PY")
    audits = AuditLog.objects.count()
    assert services.recompute(actor=None, scheme=by_sql) == (16, 0)
    assert AuditLog.objects.count() == audits + 1  # one record per run, with the counts
    with monkeypatch.context() as m:
        m.setattr(fast, "recompute_attendance", lambda *a, **k: None)
        assert services.recompute(actor=None, scheme=by_python) == (16, 0)
    assert _ledger(by_sql) == _ledger(by_python)
    edge = {e[3]: e[2] for e in _ledger(by_sql) if e[1] == "A1"}
    assert edge[D(YEAR, 3, 31)] == f"{YEAR}Q1" and edge[D(YEAR, 4, 1)] == f"{YEAR}Q2"
    assert services.recompute(actor=None, scheme=by_sql) == (0, 0)

    # Records change: one meeting voided, one attendance corrected to 请假.
    activity_services.activity_return(actor=None, activity=meetings[2], reason="记录有误")
    meetings[2].refresh_from_db()
    activity_services.activity_void(actor=None, activity=meetings[2], reason="误录")
    Attendance.objects.filter(activity=meetings[3], member=world.m_a1).update(
        status=AttendanceStatus.LEAVE, reason="出差"
    )
    assert services.recompute(actor=None, scheme=by_sql) == (0, 3)
    with monkeypatch.context() as m:
        m.setattr(fast, "recompute_attendance", lambda *a, **k: None)
        assert services.recompute(actor=None, scheme=by_python) == (0, 3)
    assert _ledger(by_sql) == _ledger(by_python)
    # ... and back: a new 生效 entry beside the withdrawn one (the ledger only grows).
    Attendance.objects.filter(activity=meetings[3], member=world.m_a1).update(
        status=AttendanceStatus.PRESENT, reason=""
    )
    assert services.recompute(actor=None, scheme=by_sql) == (1, 0)
    rows = PointsEntry.objects.filter(scheme=by_sql, attendance__activity=meetings[3])
    assert sorted(rows.filter(member=world.m_a1).values_list("status", flat=True)) == [
        EntryStatus.WITHDRAWN,
        EntryStatus.ACTIVE,
    ]


def _reference(scheme, period: str) -> dict[str, dict[str, object]]:
    """The totals from every entry, one engine event each (the definition)."""
    spec = scheme.as_engine()
    exempt = selectors.exempt_members(scheme, [])
    out = {}
    for number, pk in sorted(
        {(e.member.number, e.member_id) for e in PointsEntry.objects.filter(scheme=scheme)}
    ):
        events = [
            e.as_event()
            for e in PointsEntry.objects.filter(
                scheme=scheme, member_id=pk, status=EntryStatus.ACTIVE
            ).select_related("rule")
        ]
        out[number] = engine.period_total(spec, period, events, exempt=pk in exempt).as_json()
    return out


def test_totals_summed_in_sql_equal_the_entry_by_entry_totals(world, django_assert_num_queries):
    scheme = make_scheme()
    _records(world)
    services.recompute(actor=None, scheme=scheme)
    b2, c1, v1 = (scheme.rules.get(code=c) for c in ("B2", "C1", "V1"))
    for day, rule, points in (
        (D(YEAR, 2, 1), c1, Decimal("-1.5")),
        (D(YEAR, 5, 1), b2, None),
        (D(YEAR, 5, 2), b2, None),
        (D(YEAR, 5, 3), b2, None),
        (D(YEAR, 5, 4), b2, None),
        (D(YEAR, 5, 5), b2, None),
    ):
        services.add_manual_entry(
            actor=None,
            member=world.m_a1,
            rule=rule,
            happened_on=day,
            reason="支委会",
            points=points,
        )
    services.add_manual_entry(
        actor=None, member=world.m_b1, rule=v1, happened_on=D(YEAR, 8, 1), reason="处分"
    )
    for period in [*scheme.periods(), str(YEAR)]:
        # the members, the transfers since the period's day, the summed entries, the standings
        # (plus the organisations of moved members, when there are any)
        with django_assert_num_queries(5):
            got = {t.number: t.total.as_json() for t in selectors.period_totals(scheme, period)}
        want = _reference(scheme, period)
        assert {n: got[n] for n in want} == want, period
    year = {t.number: t.total for t in selectors.period_totals(scheme, str(YEAR))}
    # M-A1: A1 capped (12 of 7 × 3 = 21), A2 2, B2 25 → bonus capped at 20; C1 −1.5
    assert (year["M-A1"].raw_bonus, year["M-A1"].total) == (Decimal(39), Decimal("98.5"))
    assert year["M-B1"].vetoed and year["M-B1"].total == 0
