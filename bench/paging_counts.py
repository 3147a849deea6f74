"""The pages that #15 measured over a slow count, on an existing bench database: median and
p95 wall and process-CPU ms, the request's query count, and the ``EXPLAIN ANALYZE``
execution time of its count query (PostgreSQL). Used to time ``core.paging``'s bounded count
before and after (run once with each checkout's interpreter, on the same load).

Usage (``SET``: ``full`` — the foundation database of ``bench.foundation``, users
``bench-p01``/``bench-admin``; ``keyset`` — the database of ``bench.keyset_lists``)::

    LIANJIAN_DATABASE_URL=postgres://…/m1_bench_full python -m bench.paging_counts full [RUNS]
    LIANJIAN_DATABASE_URL=postgres://…/m1_keyset python -m bench.paging_counts keyset [RUNS]
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from lianjian.accounts.models import User  # noqa: E402

PAGES = {
    "full": [
        ("bench-p01", "P01 党员列表 末页（?last=1）", "/orgs/members/?last=1"),
        ("bench-p01", "P01 党员搜索“zs”", "/orgs/members/?q=zs"),
        ("bench-admin", "管理员 党员列表 第1页", "/orgs/members/"),
        ("bench-admin", "管理员 党员搜索“zs”", "/orgs/members/?q=zs"),
        ("bench-admin", "管理员 党员搜索“张伟”", "/orgs/members/?q=张伟"),
    ],
    "keyset": [
        ("keyset-admin", "积分台账（页面）第1页", "/points/ledger/?size=50"),
        ("keyset-admin", "积分台账（页面）末页", "/points/ledger/?size=50&last=1"),
        ("keyset-admin", "活动列表（页面）第1页", "/activities/?size=20"),
        ("keyset-admin", "活动列表（页面）末页", "/activities/?size=20&last=1"),
    ],
}


def _count_ms(queries: list[dict[str, str]]) -> str:
    """The EXPLAIN ANALYZE execution time of the request's count query (PostgreSQL)."""
    sql = next((q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(")), None)
    if sql is None or connection.vendor != "postgresql":
        return "—"
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cur.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else plan
    return f"{plan['Execution Time']:.1f}"


def main(name: str, runs: int) -> None:
    for username, label, url in PAGES[name]:
        client = Client()
        user = User.objects.get(username=username)
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        # captured_queries reads connection.queries lazily; the next request resets them.
        captured = list(ctx.captured_queries)
        walls, cpus = [], []
        for _ in range(runs):
            w, c = time.perf_counter(), time.process_time()
            client.get(url)
            cpus.append((time.process_time() - c) * 1000)
            walls.append((time.perf_counter() - w) * 1000)
        walls.sort()
        p95 = walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))]
        print(
            f"| {label} | {statistics.median(walls):.1f} | {p95:.1f} | "
            f"{statistics.median(cpus):.1f} | {len(captured)} | "
            f"{_count_ms(captured)} | {os.getloadavg()[0]:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10)
