"""Time a member's own pages at scale: 我的 (``/my/``) and 我的积分 (``/points/mine/``).

Runs on the data :mod:`bench.points` leaves (``BENCH_BRANCHES`` branches of 10 members,
a year of 三会一课 and 主题党日 with attendance, the points of the year recomputed): run
that first on the same database. If its first recompute was stopped (the ledger empty),
the timed member's branch gets its points activity by activity, as a submit does, timed. The member timed is one of a branch with a full year of
attendance (32 activities, about 30 ledger entries); they are given an account and open
to-dos so every card of 我的 is filled as a member sees it.

Each page is requested through the whole Django stack (test ``Client`` with
``force_login``: middleware, session, context processors, template), server time only —
no network; database connections kept between requests as under gunicorn. Printed per page: the first request (the URLconf already imported), the median and the slowest of
``BENCH_REPEAT`` (default 20) after three warm-up requests, the median CPU time of the
process (the page's own work), and the number of queries of one request. Then the same with the scheme's ranking inside the branch switched on (the
page then also totals every member of the branch), restored afterwards.

Usage: ``LIANJIAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lj_bench_points
python -m bench.mine`` (``BENCH_PROFILE=1``: also a cProfile of 20 requests per page,
the 25 most expensive functions by cumulative time).
"""

from __future__ import annotations

import cProfile
import datetime
import os
import pstats
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
# Kept connections, as under gunicorn (lianjian.wsgi sets the same).
os.environ.setdefault("LIANJIAN_CONN_MAX_AGE", "60")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import get_resolver  # noqa: E402
from django.utils import timezone  # noqa: E402

from lianjian.accounts.models import User  # noqa: E402
from lianjian.activities.models import Activity, Attendance  # noqa: E402
from lianjian.notifications.models import Notification  # noqa: E402
from lianjian.orgs.models import Member  # noqa: E402
from lianjian.points import services  # noqa: E402
from lianjian.points.models import PointsEntry, PointsScheme  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
WARM = 3
PAGES = (("我的", "/my/?year=2026"), ("我的积分", "/points/mine/?year=2026"))


def bench_member() -> User:
    """The account of the member timed (created once; open and done to-dos added)."""
    user = User.objects.filter(username="bench_mine").first()
    if user is None:
        # A member near the one bench.points times (member 12,346 at the default scale)
        # with entries and no account yet.
        member = (
            Member.objects.filter(pk__gte=12346, points_entries__scheme__code="BENCH-JF")
            .exclude(pk__in=User.objects.filter(member__isnull=False).values("member_id"))
            .order_by("pk")
            .first()
        )
        if member is None:
            member = branch_points()
        user = User.objects.create_user(
            username="bench_mine", password="x", role="member", member=member, org_id=member.org_id
        )
        today = timezone.localdate()
        for i in range(12):
            Notification.objects.create(
                user=user,
                kind=Notification.Kind.TASK,
                key=f"bench-mine-{i}",
                title=f"待办事项 {i + 1}",
                due=today + datetime.timedelta(days=i - 3),
                done_at=timezone.now() if i % 3 == 0 else None,
            )
    return user


def branch_points() -> Member:
    """When the ledger is empty (a first full recompute of bench.points that was stopped),
    the points of one branch: each of its activities brought in line as a submit does
    (``services.recompute_activity``), timed — the member's own page then shows what it
    would after a full recompute, on a ledger holding that branch only."""
    member = Member.objects.filter(pk__gte=12346).order_by("pk").first()
    assert member is not None, "run bench.points on this database first"
    activities = list(
        Activity.objects.filter(host_id=member.org_id)
        .order_by("start")
        .values_list("pk", flat=True)
    )
    times = []
    for pk in activities:
        start = time.perf_counter()
        services.recompute_activity(pk)
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"ledger empty: {len(activities)} activities of {member.org.code} recomputed one by one "
        f"(services.recompute_activity): median {statistics.median(times):.0f} ms, "
        f"max {max(times):.0f} ms each",
        flush=True,
    )
    return member


def timed(client: Client, path: str) -> tuple[float, float, float, float, int]:
    """(first, median, slowest) wall time in ms, the median CPU time of this process in ms
    (the page's own work, less inflated than the wall time on a shared machine), and the
    queries of one request to ``path``."""
    start = time.perf_counter()
    assert client.get(path).status_code == 200
    first = (time.perf_counter() - start) * 1000
    for _ in range(WARM):
        client.get(path)
    times, cpu = [], []
    for _ in range(REPEAT):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    return first, statistics.median(times), max(times), statistics.median(cpu), len(ctx)


def profile(client: Client, path: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get(path)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def run(client: Client, label: str) -> None:
    for name, path in PAGES:
        first, median, slowest, cpu, queries = timed(client, path)
        print(
            f"{name:6s} {label:10s} first {first:6.1f} ms  median {median:6.1f} ms  "
            f"max {slowest:6.1f} ms  cpu {cpu:5.1f} ms  {queries} queries  (goal < 100 ms)",
            flush=True,
        )
        if os.environ.get("BENCH_PROFILE"):
            profile(client, path)


def main() -> None:
    user = bench_member()
    member = user.member
    assert member is not None
    attendance = Attendance.objects.filter(member=member).count()
    entries = PointsEntry.objects.filter(member=member).count()
    print(
        f"member {member.number} of {member.org.code}: {attendance} attendance rows, "
        f"{entries} ledger entries; {PointsEntry.objects.count():,} entries in all",
        flush=True,
    )
    # The URLconf (with the API's schemas) is imported once per process, before any page:
    # not part of a page's time.
    get_resolver().url_patterns  # noqa: B018
    client = Client()
    client.force_login(user)
    run(client, "")
    scheme = PointsScheme.objects.get(code="BENCH-JF")
    ranking = scheme.ranking
    PointsScheme.objects.filter(pk=scheme.pk).update(ranking=True)
    try:
        run(client, "(ranking)")
    finally:
        PointsScheme.objects.filter(pk=scheme.pk).update(ranking=ranking)


if __name__ == "__main__":
    main()
