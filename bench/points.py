"""Time 党员积分 at scale: recomputing a year of automatic entries from attendance, and a
member's 我的积分 page.

Generates, server-side on PostgreSQL (``INSERT … SELECT generate_series``), a company of
``BENCH_BRANCHES`` branches (default 4,000) under 18-style committees of 2,000 branches,
10 members each, and per branch a year (2026, January–November) of 12 主题党日, 12 支委会,
4 支部党员大会 and 4 党课 with 10 attendance rows each (8 出席, 1 请假, 1 缺席). Then:

1. imports the scheme file of points.md on the root and times ``services.recompute`` for
   the whole year (first run: every entry written), and again (idempotent: nothing written);
2. times the page 我的积分 of one member (full Django stack through the test client), and
   ``lianjian points --scheme … --period 2026Q3`` for all members, then the same totals
   computed from every entry (the way before the SQL sum) and summed in SQL, in one run.

Usage: ``LIANJIAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lj_bench_points
python -m bench.points`` (the database must exist and be migrated; the rows of these tables
are removed first). ``BENCH_ONLY=generate``: only generate the data (it takes ~14 min at
400,000 members); ``BENCH_ONLY=recompute``: on data generated before, the ledger emptied
(``TRUNCATE``), time the first recompute, the idempotent one, one quarter (``period``) and
one activity's recompute after a change of its record (``services.recompute_activity``),
then stop. Each timed recompute prints its wall time, the CPU of this process and the CPU
of the PostgreSQL backend serving it (``/proc``: the server on the same host).
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import time
from collections.abc import Iterator

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from lianjian.accounts.models import User  # noqa: E402
from lianjian.activities.models import Activity, Attendance  # noqa: E402
from lianjian.orgs.models import Member  # noqa: E402
from lianjian.points import engine, services  # noqa: E402
from lianjian.points.models import EntryStatus, PointsEntry, PointsScheme  # noqa: E402
from lianjian.points.selectors import exempt_members, period_totals  # noqa: E402

BRANCHES = int(os.environ.get("BENCH_BRANCHES", "4000"))
PER_COMMITTEE = 2000
COMMITTEES = max(1, (BRANCHES + PER_COMMITTEE - 1) // PER_COMMITTEE)
MEMBERS_PER = 10

STEPS = [
    (
        "clear",
        """TRUNCATE points_pointsentry, points_pointsclaim, points_memberstanding, points_pointsrule,
                 points_pointsscheme, activities_attendance, activities_activityorg, activities_activity,
                 orgs_member, accounts_user CASCADE""",
    ),
    ("clear orgs", "TRUNCATE orgs_organisation RESTART IDENTITY CASCADE"),
    (
        "orgs",
        f"""
        INSERT INTO orgs_organisation (id, code, name, initials, kind, parent_id, path, depth, is_partner, partner_kind,
            is_temporary, is_joint, is_functional, unit, professions, address, strengths, needs, created_at, updated_at)
        SELECT 1, 'ROOT', '集团党组', '', '党委', NULL, '/ROOT/', 0, false, '', false, false, false, '', '[]'::jsonb, '',
            '[]'::jsonb, '[]'::jsonb, now(), now()
        UNION ALL
        SELECT 1 + c, 'DW' || lpad(c::text, 2, '0'), '二级单位党委' || c, '', '党委', 1, '/ROOT/DW' || lpad(c::text, 2, '0') || '/', 1,
            false, '', false, false, false, '', '[]'::jsonb, '', '[]'::jsonb, '[]'::jsonb, now(), now()
        FROM generate_series(1, {COMMITTEES}) c
        UNION ALL
        SELECT 100 + b, 'ZB' || lpad(b::text, 6, '0'), '党支部' || b, '', '党支部', 2 + (b - 1) / {PER_COMMITTEE},
            '/ROOT/DW' || lpad((1 + (b - 1) / {PER_COMMITTEE})::text, 2, '0') || '/ZB' || lpad(b::text, 6, '0') || '/', 2,
            false, '', false, false, false, '', '[]'::jsonb, '', '[]'::jsonb, '[]'::jsonb, now(), now()
        FROM generate_series(1, {BRANCHES}) b""",
    ),
    (
        "members",
        f"""
        INSERT INTO orgs_member (id, number, name, initials, gender, org_id, category, joined_on, post, job, phone,
            id_number, is_floating, left_reason, created_at, updated_at)
        SELECT m, 'M' || lpad(m::text, 7, '0'), '党员' || m, 'dy', '男', 100 + (m - 1) / {MEMBERS_PER} + 1, '正式党员',
            DATE '2010-07-01', '', '', '', '', false, '', now(), now()
        FROM generate_series(1, {BRANCHES * MEMBERS_PER}) m""",
    ),
    (
        "activities",
        f"""
        INSERT INTO activities_activity (id, code, type, sub_kind, host_id, start, venue, topic, minutes, lecturer,
            host_person, recorder, status, return_reason, void_reason, for_year, expected_count, present_count, is_valid,
            created_at, updated_at)
        SELECT b * 40 + t.slot, 'A' || b || '-' || t.slot, t.type, '', 100 + b,
            make_timestamptz(2026, t.month, 1 + abs(hashtext(b::text || t.type)) % 28, 9, 0, 0, 'Asia/Shanghai'),
            '', t.type, '', '', '', '', '已通过', '', '', 2026, {MEMBERS_PER}, {MEMBERS_PER} - 2, true, now(), now()
        FROM generate_series(1, {BRANCHES}) b
        CROSS JOIN (
            SELECT '主题党日' AS type, m AS slot, least(m, 11) AS month FROM generate_series(1, 12) m
            UNION ALL SELECT '支部委员会', 12 + m, least(m, 11) FROM generate_series(1, 12) m
            UNION ALL SELECT '支部党员大会', 24 + q, 3 * q - 1 FROM generate_series(1, 4) q
            UNION ALL SELECT '党课', 28 + q, least(3 * q, 11) FROM generate_series(1, 4) q
        ) t""",
    ),
    (
        "attendance",
        f"""
        INSERT INTO activities_attendance (activity_id, member_id, status, reason, checked_in_at, method)
        SELECT a.id, (a.host_id - 101) * {MEMBERS_PER} + k + 1,
            CASE WHEN k < {MEMBERS_PER} - 2 THEN '出席' WHEN k = {MEMBERS_PER} - 2 THEN '请假' ELSE '缺席' END,
            CASE WHEN k < {MEMBERS_PER} - 2 THEN '' ELSE '出差' END,
            NULL, CASE WHEN k < {MEMBERS_PER} - 2 THEN '补录' ELSE '' END
        FROM activities_activity a CROSS JOIN generate_series(0, {MEMBERS_PER - 1}) k""",
    ),
    (
        "sequences",
        """
        SELECT setval(pg_get_serial_sequence('orgs_organisation', 'id'), (SELECT max(id) FROM orgs_organisation));
        SELECT setval(pg_get_serial_sequence('orgs_member', 'id'), (SELECT max(id) FROM orgs_member));
        SELECT setval(pg_get_serial_sequence('activities_activity', 'id'), (SELECT max(id) FROM activities_activity))""",
    ),
    ("analyze", "ANALYZE"),
]

SCHEME = {
    "code": "BENCH-JF", "name": "基准积分办法", "org": "ROOT", "year": 2026, "period": "quarter",
    "rules": [
        {"code": "A1", "text": "参加三会一课", "category": "任务", "points": 3, "cap_period": 6,
         "cap_year": 12, "source": "attendance", "activity_types": ["支部党员大会", "支部委员会", "党课"]},
        {"code": "A2", "text": "参加主题党日", "category": "任务", "points": 2, "cap_year": 8,
         "source": "attendance", "activity_types": ["主题党日"]},
        {"code": "C1", "text": "无故缺席组织生活", "category": "扣分", "points": -2, "source": "absence"},
        {"code": "B2", "text": "获得表彰", "category": "奖励", "points": 5, "source": "claim"},
    ],
}  # fmt: skip


def generate() -> None:
    print(f"generate: {BRANCHES:,} branches, {load()}", flush=True)
    with connection.cursor() as cursor:
        for name, sql in STEPS:
            start = time.perf_counter()
            for statement in sql.split(";\n"):
                if statement.strip():
                    cursor.execute(statement)
            print(f"{name:12s} {time.perf_counter() - start:7.1f} s", flush=True)
        for table in ("orgs_member", "activities_activity", "activities_attendance"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            print(f"{table:28s} {cursor.fetchone()[0]:>12,}")


def load() -> str:
    """The machine's load average (1, 5, 15 min), as ``uptime`` shows it."""
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextlib.contextmanager
def profiled(label: str) -> Iterator[None]:
    """Time the block (wall and CPU of this process) and every SQL statement in it; prints
    the statements over 0.2 s as they end, then the sum and the rest (Python, and the COMMIT with its deferred
    foreign-key checks, which runs outside ``execute``) as the remainder."""
    statements: list[tuple[float, str]] = []

    def timer(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - start, " ".join(sql.split())))
            if statements[-1][0] >= 0.2:  # as it ends: a stopped run still shows its profile
                print(f"    {statements[-1][0]:8.1f} s  {statements[-1][1][:150]}", flush=True)

    print(f"{label}: start, {load()}", flush=True)
    backend = backend_cpu()
    start, start_cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(timer):
        yield
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    in_sql = sum(t for t, _ in statements)
    print(
        f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU of this process, "
        f"{backend_cpu() - backend:.1f} s CPU of the PostgreSQL backend, {len(statements)} "
        f"statements {in_sql:.1f} s, the rest (COMMIT, Python) {wall - in_sql:.1f} s; {load()}",
        flush=True,
    )


def backend_cpu() -> float:
    """CPU seconds (user + system) the server process of this connection has used so far;
    0 when it cannot be read (not PostgreSQL, or the server on another host)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def recompute_only() -> None:
    """The recompute at the scale generated before: first (ledger emptied), again, one
    quarter, and one activity after a change of its record."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE points_pointsentry, points_pointsclaim, points_memberstanding")
    scheme = PointsScheme.objects.select_related("org").filter(code="BENCH-JF").first()
    if scheme is None:
        scheme = services.import_scheme(actor=None, data=SCHEME)
        scheme = PointsScheme.objects.select_related("org").get(pk=scheme.pk)
    with profiled("recompute (first)"):
        written, withdrawn = services.recompute(actor=None, scheme=scheme)
    print(f"recompute (first)  written {written:,}  withdrawn {withdrawn}", flush=True)
    for label in ("again", "again (2)"):
        with profiled(f"recompute ({label})"):
            counts = services.recompute(actor=None, scheme=scheme)
        print(f"recompute ({label})  {counts}", flush=True)
    with profiled("recompute (period 2026Q3)"):
        counts = services.recompute(actor=None, scheme=scheme, period="2026Q3")
    print(f"recompute (period 2026Q3)  {counts}", flush=True)
    # One activity after its record changed: a member marked 请假, then 出席 again.
    times = []
    activities = list(
        Activity.objects.filter(host_id=100 + BRANCHES // 2)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in activities:
        row = Attendance.objects.filter(activity_id=pk, status="出席").order_by("pk").first()
        assert row is not None
        for status, expected in (("请假", (0, 1)), ("出席", (1, 0))):
            Attendance.objects.filter(pk=row.pk).update(status=status)
            start = time.perf_counter()
            with transaction.atomic():
                counts = services.recompute_activity(pk)
            times.append(time.perf_counter() - start)
            assert counts == expected, counts
    print(
        f"one activity after a change (services.recompute_activity, {len(times)} runs on "
        f"{len(activities)} activities): median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms; {load()}",
        flush=True,
    )


def main() -> None:
    only = os.environ.get("BENCH_ONLY")
    if only == "generate":
        generate()
        return
    if only == "recompute":
        recompute_only()
        return
    # BENCH_REUSE=1: time the pages on the data a previous run left (no generation).
    if not (
        os.environ.get("BENCH_REUSE") and PointsScheme.objects.filter(code="BENCH-JF").exists()
    ):
        generate()
        scheme = services.import_scheme(actor=None, data=SCHEME)
        scheme = PointsScheme.objects.select_related("org").get(pk=scheme.pk)
        with profiled("recompute (first)"):
            written, withdrawn = services.recompute(actor=None, scheme=scheme)
        print(f"recompute (first)  written {written:,}  withdrawn {withdrawn}")
        with profiled("recompute (again)"):
            again = services.recompute(actor=None, scheme=scheme)
        print(f"recompute (again)  {again}")
    print(f"entries            {PointsEntry.objects.count():,}")
    member_id = 12345 % (BRANCHES * MEMBERS_PER) + 1
    User.objects.filter(username="bench_member").delete()
    user = User.objects.create_user(
        username="bench_member",
        password="x",
        role="member",
        member_id=member_id,
        org_id=100 + (member_id - 1) // MEMBERS_PER + 1,
    )
    client = Client()
    client.force_login(user)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        response = client.get("/points/mine/")
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    print(f"{load()}")
    print(
        f"我的积分 page       first {times[0] * 1000:6.0f} ms  median {statistics.median(times) * 1000:6.0f} ms"
    )
    start = time.perf_counter()
    call_command("points", "--scheme", "BENCH-JF", "--period", "2026Q3", stdout=io.StringIO())
    summed = time.perf_counter() - start
    print(f"points --period Q3 {summed:7.1f} s ({BRANCHES * MEMBERS_PER:,} members)")
    # The same totals from every entry as one engine event each (the way before the SQL
    # sum), in the same run: the ratio holds however loaded the machine is.
    scheme = PointsScheme.objects.select_related("org").get(code="BENCH-JF")
    start = time.perf_counter()
    by_entry = entry_by_entry_totals(scheme, "2026Q3")
    old = time.perf_counter() - start
    start = time.perf_counter()
    by_sum = {t.member_id: t.total for t in period_totals(scheme, "2026Q3")}
    new = time.perf_counter() - start
    assert by_sum == by_entry
    print(f"totals Q3: entry by entry {old:6.1f} s, summed in SQL {new:6.1f} s (x{old / new:.1f})")


def entry_by_entry_totals(scheme: PointsScheme, period: str) -> dict[int, engine.Total]:
    spec = scheme.as_engine()
    events: dict[int, list[engine.Event]] = {}
    rows = PointsEntry.objects.filter(scheme=scheme, status=EntryStatus.ACTIVE).values_list(
        "member_id", "rule__code", "period", "points", "happened_on", "pk"
    )
    for member_id, code, p, points, day, pk in rows.iterator(chunk_size=10000):
        events.setdefault(member_id, []).append(engine.Event(code, p, points, (day, pk)))
    members = Member.objects.filter(org__path__under=scheme.org.path).values_list("pk", flat=True)
    exempt = exempt_members(scheme, [])
    return {
        pk: engine.period_total(spec, period, events.get(pk, []), exempt=pk in exempt)
        for pk in members
    }


if __name__ == "__main__":
    main()
