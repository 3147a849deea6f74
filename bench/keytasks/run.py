"""Time the key-task screens of a company list (``generate.py``: 2,000 tasks, 40,000
milestones) and a ``task_progress`` import of 20,000 rows, on a new database.

Pages (Django test ``Client`` + ``force_login`` as a system administrator, in process:
middleware, view, template, database; no network): the tree ``/keytasks/l/KB-GJRW/``, the
roll-up ``/keytasks/rollup/?list=KB-GJRW``, the timeline; one warm-up, then ``--runs`` timed
requests, median and p95 of the wall time, median of this process's CPU time (which
does not grow with other jobs' load; on SQLite it is nearly all the work), queries counted with ``CaptureQueriesContext``. Then the import:
2,000 manual tasks × 10 months written with xlsxwriter and imported by the real command
line ``lianjian import task_progress FILE`` (whole process, Python and Django start-up
included) into the same database.

Usage: ``python -m bench.keytasks.run [--db sqlite|postgres] [--runs 20]``; the SQLite file
and the workbook go to ``$BENCH_OUT`` (default ``/tmp/bench-keytasks/``), the PostgreSQL
database is ``$BENCH_PG_NAME`` (default ``lianjian_bench_keytasks``; dropped and created
again); results are printed as the rows of docs/benchmarks.md and written to
``$BENCH_OUT/results-<db>.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# BENCH_OUT and BENCH_PG_NAME: a folder and database of one's own on a shared machine.
OUT = Path(os.environ.get("BENCH_OUT", "/tmp/bench-keytasks"))
PG = "postgres://postgres@127.0.0.1:5432"
PG_NAME = os.environ.get("BENCH_PG_NAME", "lianjian_bench_keytasks")


def _database(db: str) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    if db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
        return f"{PG}/{PG_NAME}"
    path = OUT / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    url = _database(args.db)
    os.environ["LIANJIAN_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.keytasks.generate import LIST_CODE, generate
    from lianjian.accounts.models import User
    from lianjian.keytasks import rules
    from lianjian.keytasks.models import KeyTask, Milestone

    call_command("migrate", verbosity=0)
    year = timezone.localdate().year
    start = time.perf_counter()
    task_list = generate(year)
    print(
        f"generated {KeyTask.objects.count():,} tasks, {Milestone.objects.count():,} milestones"
        f" in {time.perf_counter() - start:.1f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    admin = User.objects.create_user(username="bench-admin", role=User.Role.ADMIN)
    client = Client()
    client.force_login(admin)
    results: dict[str, object] = {
        "db": args.db,
        "date": datetime.date.today().isoformat(),
        "load": round(os.getloadavg()[0], 1),
    }
    pages = {
        "树形清单（第 1 页，100 行）": f"/keytasks/l/{LIST_CODE}/",
        "树形清单（第 20 页）": f"/keytasks/l/{LIST_CODE}/?page=20",
        "汇总（本清单）": f"/keytasks/rollup/?list={LIST_CODE}",
        "汇总（本年度全部清单）": f"/keytasks/rollup/?year={year}",
        "时间轴（第 1 页）": f"/keytasks/l/{LIST_CODE}/timeline/",
    }
    for label, url_path in pages.items():
        response = client.get(url_path)  # warm-up
        assert response.status_code == 200, (url_path, response.status_code)
        times = []
        cpus = []
        queries = 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as ctx:
                c0 = time.process_time()
                t0 = time.perf_counter()
                response = client.get(url_path)
                times.append((time.perf_counter() - t0) * 1000)
                cpus.append((time.process_time() - c0) * 1000)
            queries = len(ctx.captured_queries)
        times.sort()
        median = statistics.median(times)
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        cpu = statistics.median(cpus)
        results[label] = {
            "median_ms": round(median),
            "p95_ms": round(p95),
            "cpu_ms": round(cpu),
            "queries": queries,
        }
        flag = " ⚠" if median > 200 else ""
        print(f"| {args.db} | {label} | {median:.0f}{flag} | {p95:.0f} | {cpu:.0f} | {queries} |")

    # task_progress: 2,000 tasks reporting by hand, ten months each = 20,000 rows.
    import xlsxwriter

    from lianjian.core.excel.kinds import get_kind

    kind = get_kind("task_progress")
    assert kind is not None
    manual = list(
        KeyTask.objects.filter(task_list=task_list, parent__isnull=False).values_list(
            "pk", flat=True
        )
    )
    KeyTask.objects.filter(pk__in=manual).update(
        progress_mode=rules.MANUAL, state=rules.IN_PROGRESS, kpi_direction=""
    )
    codes = list(
        KeyTask.objects.filter(task_list=task_list).order_by("code").values_list("code", flat=True)
    )
    KeyTask.objects.filter(task_list=task_list).update(state=rules.IN_PROGRESS)
    workbook_path = OUT / "task_progress.xlsx"
    book = xlsxwriter.Workbook(str(workbook_path), {"constant_memory": True})
    sheet = book.add_worksheet(kind.label)
    headers = [c.header for c in kind.columns]
    sheet.write_row(0, 0, headers)
    row = 1
    for code in codes:
        for month in range(1, 11):
            sheet.write_row(row, 0, [code, f"{year}-{month:02d}", month * 9.5, None, "按月报送"])
            row += 1
            if row > 20_000:
                break
        if row > 20_000:
            break
    book.close()
    rows = row - 1
    env = {**os.environ, "LIANJIAN_DATABASE_URL": url}
    lianjian = str(Path(sys.executable).with_name("lianjian"))
    t0 = time.perf_counter()
    subprocess.run([lianjian, "check"], env=env, check=True, capture_output=True)
    startup = time.perf_counter() - t0
    t0 = time.perf_counter()
    done = subprocess.run(
        [lianjian, "import", "task_progress", str(workbook_path)],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    print(done.stdout[-500:], done.stderr[-2000:])
    assert done.returncode == 0, done.returncode
    results["task_progress"] = {
        "rows": rows,
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "startup_s": round(startup, 1),
    }
    print(
        f"| {args.db} | task_progress 新建 | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} |"
        f" {startup:.1f} | {os.getloadavg()[0]:.1f} |"
    )
    (OUT / f"results-{args.db}.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
