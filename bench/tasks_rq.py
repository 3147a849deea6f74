"""The background tasks on Redis/RQ, tried end to end: ``python -m bench.tasks_rq``.

The deployment with several servers (docs/deploy.md §3) keeps the task queue on Redis and
works it with RQ (``django-tasks-rq``, pinned in requirements/rq.txt; ``make rq`` installs
it). This script tries that path on this machine, in a scratch directory:

1. a fresh SQLite database with the demo data, ``LIANJIAN_TASKS_BACKEND`` set to
   ``django_tasks_rq.RQBackend`` and ``LIANJIAN_REDIS_URL`` to a Redis database of its own
   (``--redis``, emptied first);
2. an RQ worker started as production would start it (``lianjian rqworker --job-class
   django_tasks_rq.Job default``);
3. the demo admin, through the real views (Django's test client in this process, which
   enqueues on the same Redis): uploads an organisations file and confirms its import, asks
   for a Word report and downloads it, starts an assessment run, and queues the daily
   reminders (``lianjian remind --queue``); each click's time beside the time until the
   worker finished the job (the job's own record in the database says so);
4. runs each finished task once more, as a retry or a second worker would: nothing may be
   applied twice (the job records answer ``skipped``; the versions and organisations are
   counted before and after).

Nothing here is part of ``make test`` (the suite uses the immediate backend and does not
need Redis). Needs a Redis server on 127.0.0.1 (Debian ``redis-server``).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"


def _env(tmp: Path, redis: str) -> dict[str, str]:
    return {
        "LIANJIAN_TASKS_BACKEND": "django_tasks_rq.RQBackend",
        "LIANJIAN_REDIS_URL": redis,
        "LIANJIAN_DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "LIANJIAN_DATA_DIR": str(tmp / "data"),
        "LIANJIAN_DEBUG": "false",
        "LIANJIAN_ALLOWED_HOSTS": "127.0.0.1,testserver",
    }


def _wait(get: Callable[[], Any], done: Callable[[Any], bool], limit: float = 300) -> float:
    """Seconds until ``done(get())``; raises when the worker did not finish in ``limit``."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if done(get()):
            return time.perf_counter() - start
        time.sleep(0.1)
    raise SystemExit("the RQ worker did not finish the job in time (see worker.log)")


def _workbook(path: Path, parent: str, rows: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党组织")
    ws.append(["组织编码", "组织名称", "组织类型", "上级组织编码"])
    for i in range(rows):
        ws.append([f"RQ-{i:05d}", f"RQ试运行支部{i}", "党支部", parent])
    wb.save(path)


def walk(tmp: Path, rows: int) -> list[tuple[str, str, str, str]]:
    """The clicks of step 3 and the retries of step 4; returns the table rows."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from lianjian.accounts.models import User
    from lianjian.assessment.models import AssessmentRun, RunJob
    from lianjian.assessment.services.runs import assessment_run_task
    from lianjian.core.jobs import run_import, validate_import, write_report_task
    from lianjian.core.models import ImportJob, ReportJob
    from lianjian.orgs.models import Organisation

    out: list[tuple[str, str, str, str]] = []
    c = Client(SERVER_NAME="127.0.0.1")
    c.force_login(User.objects.get(username="admin"))

    # Excel import: upload (validation queued), preview, confirm (import queued).
    path = tmp / "orgs.xlsx"
    _workbook(path, "BXDW", rows)
    page = c.get("/orgs/excel/?kind=orgs")  # also the first request's start-up, not timed
    assert page.status_code == 200
    t = time.perf_counter()
    with path.open("rb") as fh:
        r = c.post("/orgs/excel/", {"kind": "orgs", "file": fh})
    click = time.perf_counter() - t
    job = ImportJob.objects.order_by("-pk").first()
    assert r.status_code == 302 and job is not None, r.status_code
    took = _wait(lambda: ImportJob.objects.get(pk=job.pk), lambda j: not j.is_working)
    job.refresh_from_db()
    out.append(
        (
            f"Excel 导入：上传并校验（{rows} 行）",
            f"{click * 1000:.0f} ms",
            f"{took:.2f} s",
            job.status,
        )
    )
    before = Organisation.objects.count()
    t = time.perf_counter()
    r = c.post("/orgs/excel/confirm/", {"token": job.token})
    click = time.perf_counter() - t
    took = _wait(lambda: ImportJob.objects.get(pk=job.pk), lambda j: not j.is_working)
    job.refresh_from_db()
    added = Organisation.objects.count() - before
    out.append(
        (
            "Excel 导入：确认后写入",
            f"{click * 1000:.0f} ms",
            f"{took:.2f} s",
            f"{job.status}，新增 {added} 个组织",
        )
    )

    # A Word report of the newest assessment version the admin may see.
    for run in AssessmentRun.objects.order_by("-pk"):
        t = time.perf_counter()
        r = c.post(f"/assessment/r/{run.pk}/report/")
        if r.status_code == 302:
            break
    click = time.perf_counter() - t
    report = ReportJob.objects.order_by("-pk").first()
    assert report is not None
    took = _wait(
        lambda: ReportJob.objects.get(pk=report.pk), lambda j: j.status != ReportJob.Status.QUEUED
    )
    report.refresh_from_db()
    d = c.get(f"/jobs/reports/{report.pk}/download/")
    size = len(b"".join(d.streaming_content)) if d.status_code == 200 else 0
    out.append(
        (
            "Word 报告（考核情况报告）",
            f"{click * 1000:.0f} ms",
            f"{took:.2f} s",
            f"{report.status}，下载 {size:,} 字节",
        )
    )

    # An assessment run of the same scheme and period.
    scheme = run.scheme
    versions = AssessmentRun.objects.filter(scheme=scheme).count()
    t = time.perf_counter()
    r = c.post(f"/assessment/s/{scheme.code}/runs/", {"period": run.period, "note": "RQ 试运行"})
    click = time.perf_counter() - t
    rjob = RunJob.objects.order_by("-pk").first()
    assert r.status_code == 302 and rjob is not None, r.status_code
    took = _wait(lambda: RunJob.objects.get(pk=rjob.pk), lambda j: j.status != RunJob.Status.QUEUED)
    rjob.refresh_from_db()
    after = AssessmentRun.objects.filter(scheme=scheme).count()
    out.append(
        (
            "考核计算",
            f"{click * 1000:.0f} ms",
            f"{took:.2f} s",
            f"{rjob.status}，版本 {versions} → {after}",
        )
    )

    # The daily reminders, queued as cron would queue them.
    t = time.perf_counter()
    call_command("remind", "--queue", stdout=io.StringIO())
    out.append(
        (
            "每日提醒（remind --queue）",
            f"{(time.perf_counter() - t) * 1000:.0f} ms",
            "见 worker.log",
            "已入队",
        )
    )

    # Step 4: every task again, as a retry would run it.
    organisations, reports = Organisation.objects.count(), ReportJob.objects.count()
    again = [
        validate_import.call(job.pk),
        run_import.call(job.pk),
        write_report_task.call(report.pk),
        assessment_run_task.call(rjob.pk),
    ]
    unchanged = (
        Organisation.objects.count() == organisations
        and ReportJob.objects.count() == reports
        and AssessmentRun.objects.filter(scheme=scheme).count() == after
    )
    out.append(
        (
            "重试：四个任务各再执行一次",
            "—",
            "—",
            f"{', '.join(map(str, again))}；数据未变：{unchanged}",
        )
    )
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.tasks_rq", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--redis", default="redis://127.0.0.1:6379/15", help="Redis 数据库（先清空）")
    p.add_argument("--rows", type=int, default=2000, help="导入文件的行数")
    p.add_argument("--keep", type=Path, help="保留数据与日志的目录（缺省用临时目录）")
    a = p.parse_args(argv)
    if importlib.util.find_spec("django_tasks_rq") is None:
        print("未安装 django-tasks-rq：先运行 make rq", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        tmp = a.keep or Path(scratch)
        (tmp / "data").mkdir(parents=True, exist_ok=True)
        env = _env(tmp, a.redis)
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
        full = {**os.environ, **env}
        import redis

        redis.Redis.from_url(a.redis).flushdb()
        for args in (["migrate", "--noinput"], ["demo"]):
            subprocess.run([BIN / "lianjian", *args], env=full, check=True, capture_output=True)
        with (tmp / "worker.log").open("w") as log:
            worker = subprocess.Popen(
                [BIN / "lianjian", "rqworker", "--job-class", "django_tasks_rq.Job", "default"],
                env=full,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                rows = walk(tmp, a.rows)
            finally:
                worker.terminate()  # RQ's warm shutdown: the current job finishes first
                try:
                    worker.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    worker.kill()
        print("| 工作 | 点击的请求 | 任务完成（自点击起） | 结果 |")
        print("|---|---:|---:|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
