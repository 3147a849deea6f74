"""Time compliance at scale on the database made by ``generate.py``.

1. ``compliance_rows`` for every organisation for 2025 (the engine behind ``lianjian
   compliance --year 2025``), and the command itself writing JSON to a file;
2. the compliance matrix page for one 党委 with 2,000 branches (GET as an admin, full
   Django stack through the test client), first request and the median of five;
3. the matrix for the national administrator (all 37,000 organisations), with and without
   ``only=problem``, and the statistics page of the whole tree;
4. the per-organisation page and the activity list of that 党委.

Each page line gives wall time and the CPU time of this process (``time.process_time``:
Django and Python, not the database server), since the machine is shared.

Usage: ``LIANJIAN_DATABASE_URL=postgres://…/lj_bench_act python -m bench.activities.run
[--pages] [--national] [--once]`` (``--pages``: the pages only, not the whole-country
engine and command; ``--national``: only the national administrator's pages; ``--once``:
one request per page).
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import tempfile
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from lianjian.accounts.models import User  # noqa: E402
from lianjian.activities.selectors import compliance_rows  # noqa: E402
from lianjian.orgs.models import Organisation  # noqa: E402

TODAY = datetime.date(2026, 1, 10)
# Requests timed after the first (``--once``: none, for pages that take seconds); one more
# counts the queries.
REPEAT = 0 if "--once" in sys.argv else 5


def timed(fn, repeat: int = 1) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times), result


def page(client: Client, url: str) -> tuple[float, float, int]:
    def get():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return len(response.content)

    cpu_start = time.process_time()
    first, _, size = timed(get)
    cpu_first = time.process_time() - cpu_start
    times, cpus = [first], [cpu_first]
    for _ in range(REPEAT):
        cpu_start, start = time.process_time(), time.perf_counter()
        size = get()
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu_start)
    if REPEAT:
        times, cpus = times[1:], cpus[1:]
    median = statistics.median(times)
    with CaptureQueriesContext(connection) as ctx:
        get()
    print(
        f"  {url}: first {first * 1000:.0f} ms (CPU {cpu_first * 1000:.0f} ms), median of {len(times)} "
        f"{median * 1000:.0f} ms (CPU {statistics.median(cpus) * 1000:.0f} ms), "
        f"{size / 1024:.0f} KB, {len(ctx.captured_queries)} queries, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return first, median, len(ctx.captured_queries)


def main() -> None:
    if "--pages" not in sys.argv:
        engine()
    pages()


def engine() -> None:
    print("compliance for every organisation, 2025:")
    first, median, rows = timed(
        lambda: compliance_rows(year=2025, today=TODAY, orgs=Organisation.objects.all()), 3
    )
    statuses: dict[str, int] = {}
    for r in rows:  # type: ignore[union-attr]
        statuses[r.status] = statuses.get(r.status, 0) + 1
    print(
        f"  compliance_rows: first {first:.2f} s, median of 3 {median:.2f} s, {len(rows):,} rows {statuses}"
    )  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "c.json")
        first, _, _ = timed(
            lambda: call_command(
                "compliance", "--year", "2025", "--out", out, "--today", TODAY.isoformat()
            )
        )
        print(
            f"  lianjian compliance --year 2025 --out FILE: {first:.2f} s, {os.path.getsize(out) / 1e6:.0f} MB"
        )


def pages() -> None:
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": "admin"})
    client = Client()
    client.force_login(admin)
    if "--national" not in sys.argv:
        dw01(client)
    print("pages for the national administrator (37,000 organisations):")
    page(client, "/activities/compliance/?year=2025")
    page(client, "/activities/compliance/?year=2025&only=problem")
    page(client, "/activities/stats/?year=2025")


def dw01(client: Client) -> None:
    print("pages for DW01 (2,000 branches + groups):")
    reset_queries()
    page(client, "/activities/compliance/?org=DW01&year=2025")
    page(client, "/activities/compliance/?org=DW01&year=2025&only=problem")
    page(client, "/activities/compliance/?org=DW01&year=2025&page=40")
    page(client, "/activities/compliance/o/ZB000001/?year=2025")
    page(client, "/activities/?org=DW01")
    page(client, "/activities/stats/?org=DW01&year=2025")


if __name__ == "__main__":
    main()
