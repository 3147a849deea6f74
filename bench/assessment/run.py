"""Time a State Grid-scale assessment on the data of ``generate.py`` (SQLite or PostgreSQL).

1. ``services.assessment_run`` of ``BENCH-2025`` for 2025 (36,000 branches × 20 indicators),
   three times (each stores a new version), with its parts timed alone: collecting the
   values (``sources.collect``), scoring and ranking (pure Python), storing;
2. ``lianjian assess run … --out FILE`` (JSON) through ``call_command``;
3. the ranking workbook (``output.run_xlsx``), ``output.run_compare`` of two versions;
4. the results pages as an admin, 50 rows each: the API (``/api/v1/assessment/results``:
   page 1, page 2 by its ``next`` cursor, page 10 and the last page by ``page=``) and the
   screen (``/assessment/r/<pk>/``: page 1, the last page, sorted by a dimension; then page
   1 of the version that counts, where its managers also see what changed since — a stored
   reading; the check itself, ``stale_check_task``, is timed apart).

Earlier runs of the scheme are removed first, so that every timing starts from the same
database. Usage: ``LIANJIAN_DATABASE_URL=… python -m bench.assessment.run``; results are
printed and written to ``$BENCH_OUT/bench-<vendor>.json`` (default ``/tmp/assess-engine``).
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from lianjian.accounts.models import ApiToken, User  # noqa: E402
from lianjian.assessment import sources  # noqa: E402
from lianjian.assessment.models import (  # noqa: E402
    AssessmentResult,
    AssessmentRun,
    Scheme,
    StaleCheck,
)
from lianjian.assessment.output import run_compare, run_xlsx  # noqa: E402
from lianjian.assessment.scheme_file import spec_from_model  # noqa: E402
from lianjian.assessment.scoring import rank, scorer  # noqa: E402
from lianjian.assessment.services import assessment_run, scheme_orgs, stale_check_task  # noqa: E402

CODE = "BENCH-2025"
TODAY = datetime.date(2026, 1, 10)
OUT = Path(os.environ.get("BENCH_OUT", "/tmp/assess-engine"))
PAGE_REPEAT = 10


def timed(fn: Callable[[], Any]) -> tuple[float, Any, int, float]:
    """Wall seconds, result, number of queries and CPU seconds of this process for one call
    (the CPU time does not grow with other jobs' load; on SQLite it is nearly all the work).
    A call of a second or more prints its statements over 0.5 s and the time in SQL (a COPY
    is not among them: it counts in the rest)."""
    with CaptureQueriesContext(connection) as ctx:
        cpu = time.process_time()
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
    if seconds >= 1:  # where the time of a long step goes: its slow statements
        timings = [(float(q["time"]), " ".join(q["sql"].split())) for q in ctx.captured_queries]
        for took, sql in timings:
            if took >= 0.5:
                print(f"      {took:6.2f} s  {sql[:160]}")
        print(
            f"      in {len(timings)} statements {sum(t for t, _ in timings):.2f} s of {seconds:.2f} s"
        )
    return seconds, result, len(ctx.captured_queries), cpu


def page_times(name: str, client: Client, url: str, repeat: int = 0) -> dict[str, Any]:
    """Server time of one page through the whole Django stack (no network): the first
    request, then the median and slowest of ``repeat`` (default ``PAGE_REPEAT``) more, the median CPU of this
    process, and the queries of one request."""
    times, cpus = [], []
    for _ in range((repeat or PAGE_REPEAT) + 1):
        seconds, response, queries, cpu = timed(lambda: client.get(url))
        assert response.status_code == 200, (url, response.status_code, response.content[:200])
        times.append(seconds * 1000)
        cpus.append(cpu * 1000)
    row = {
        "url": url,
        "first": times[0],
        "median": statistics.median(times[1:]),
        "max": max(times[1:]),
        "cpu": statistics.median(cpus[1:]),
        "queries": queries,
        "load": os.getloadavg()[0],
    }
    print(
        f"  {name}: first {row['first']:.0f} ms, median {row['median']:.0f} ms, max {row['max']:.0f} ms, "
        f"CPU {row['cpu']:.0f} ms, {queries} queries, load {row['load']:.1f}  (goal < 200 ms)",
        flush=True,
    )
    return row


def main() -> None:
    results: dict[str, Any] = {
        "vendor": connection.vendor,
        "date": datetime.date.today().isoformat(),
    }
    scheme = Scheme.objects.get(code=CODE)
    old_runs = list(AssessmentRun.objects.filter(scheme=scheme).values_list("pk", flat=True))
    AssessmentResult.objects.filter(run_id__in=old_runs).delete()
    StaleCheck.objects.filter(run_id__in=old_runs).delete()  # the screen's checks of them
    AssessmentRun.objects.filter(pk__in=old_runs).delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    load = os.getloadavg()[0]
    print(f"{connection.vendor}: load {load:.1f}")

    spec = spec_from_model(scheme)
    orgs = scheme_orgs(scheme, "2025")
    seconds, values, queries, cpu = timed(
        lambda: sources.collect(scheme, "2025", orgs, spec=spec, today=TODAY)
    )
    print(
        f"  sources.collect: {seconds:.2f} s (CPU {cpu:.2f} s), {queries} queries, {len(values):,} organisations"
    )
    results["collect"] = {"seconds": seconds, "cpu": cpu}

    def score() -> dict[int, int]:
        fn = scorer(spec)
        scores = {
            org_id: fn({c: p[0] for c, p in found.items()}) for org_id, found in values.items()
        }
        return rank({k: (s.total, s.vetoed) for k, s in scores.items()})

    seconds, ranks, _, cpu = timed(score)
    print(f"  scoring + ranking (pure): {seconds:.2f} s (CPU {cpu:.2f} s)")
    results["score"] = {"seconds": seconds, "cpu": cpu}

    runs, cpus = [], []
    for i in range(3):
        seconds, run, queries, cpu = timed(
            lambda i=i: assessment_run(None, scheme, "2025", note=f"bench {i}", today=TODAY)
        )
        runs.append(seconds)
        cpus.append(cpu)
        print(
            f"  assessment_run #{i + 1}: {seconds:.2f} s (CPU {cpu:.2f} s), {queries} queries, version {run.version}, "
            f"{run.org_count:,} organisations, load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    results["run"] = {
        "times": runs,
        "median": statistics.median(runs),
        "cpu": cpus,
        "queries": queries,
        "orgs": run.org_count,
    }
    stored = AssessmentResult.objects.filter(run=run)
    vetoed = stored.filter(vetoed=True).count()
    stars = dict(stored.values_list("stars").annotate(n=Count("id")).order_by("stars"))
    print(f"  stored: {stored.count():,} results, {vetoed} vetoed, stars {stars}")
    results["stars"] = {str(k): v for k, v in stars.items()}

    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "run.json")
        seconds, _, _, cpu = timed(
            lambda: call_command(
                "assess",
                "run",
                "--scheme",
                CODE,
                "--period",
                "2025",
                "--out",
                out,
                "--today",
                TODAY.isoformat(),
            )
        )
        size = os.path.getsize(out)
        print(
            f"  lianjian assess run --out FILE: {seconds:.2f} s (CPU {cpu:.2f} s), {size / 1e6:.1f} MB JSON"
        )
        results["cli"] = {"seconds": seconds, "cpu": cpu, "mb": size / 1e6}
        book = os.path.join(folder, "run.xlsx")
        seconds, _, queries, cpu = timed(lambda: run_xlsx(run, book))
        print(
            f"  run_xlsx: {seconds:.2f} s (CPU {cpu:.2f} s), {os.path.getsize(book) / 1e6:.1f} MB, {queries} queries"
        )
        results["xlsx"] = {"seconds": seconds, "cpu": cpu}

    first = AssessmentRun.objects.get(scheme=scheme, version=1)
    seconds, rows, queries, cpu = timed(lambda: run_compare(first, run))
    print(
        f"  run_compare(v1, v{run.version}): {seconds:.2f} s (CPU {cpu:.2f} s), {len(rows):,} rows, {queries} queries"
    )
    results["compare"] = {"seconds": seconds, "cpu": cpu}

    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": "admin"})
    _, key = ApiToken.issue(user=admin)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    screen = Client()
    screen.force_login(admin)
    base = f"/api/v1/assessment/results?scheme={CODE}&period=2025"
    following = api.get(base).json()["next"]
    last = (run.org_count + 49) // 50
    pages = [
        ("API results page 1", api, base),
        ("API results page 2 (cursor)", api, f"{base}&after={following}"),
        ("API results page 10 (page=, OFFSET)", api, f"{base}&page=10"),
        (f"API results page {last} (page=, OFFSET)", api, f"{base}&page={last}"),
        ("screen results page 1", screen, f"/assessment/r/{run.pk}/"),
        (f"screen results page {last}", screen, f"/assessment/r/{run.pk}/?page={last}"),
        ("screen results sorted by DJ", screen, f"/assessment/r/{run.pk}/?sort=DJ"),
    ]
    results["pages"] = {}
    for name, client, url in pages:
        results["pages"][name] = page_times(name, client, url)
    # The pages above show version 3, superseded by the CLI's version 4. On the version that
    # counts (the latest draft or the published one) a manager's full view asks for the
    # "inputs changed" check (services.stale_checks) and shows the stored reading; the check
    # itself — every source collected again for all the run's organisations — is a task.
    # Timed apart: the page (the first request queues the check; with the immediate task
    # backend it would run it), then the task as the task process runs it.
    counting = AssessmentRun.objects.filter(scheme=scheme).order_by("-version").first()
    assert counting is not None
    name = f"screen results page 1, version {counting.version} (counting; stored check)"
    results["pages"][name] = page_times(name, screen, f"/assessment/r/{counting.pk}/", repeat=2)
    waiting = StaleCheck.objects.filter(run=counting, status=StaleCheck.Status.QUEUED).first()
    if waiting is not None:
        seconds, outcome, queries, cpu = timed(lambda: stale_check_task.call(waiting.pk))
        waiting.refresh_from_db()
        print(
            f"  stale_check_task (the task): {seconds:.2f} s (CPU {cpu:.2f} s), {outcome}, "
            f"{len(waiting.changes):,} organisations changed, {queries} queries"
        )
        results["stale_check"] = {"seconds": seconds, "cpu": cpu, "queries": queries}
    results["load"] = [load, os.getloadavg()[0]]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"bench-{connection.vendor}.json").write_text(
        json.dumps(results, indent=2), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
