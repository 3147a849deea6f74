"""Word reports and 重新计算并发布 as background tasks: what the click costs now (the
request only queues the job) beside what the task costs (what the request did before).

    LIANJIAN_DATA_DIR=$(mktemp -d) \\
    LIANJIAN_TASKS_BACKEND=django_tasks.backends.dummy.DummyBackend \\
    .venv/bin/python -m bench.tasks_reports [REPEATS]

Builds the demo in a fresh SQLite database under ``LIANJIAN_DATA_DIR`` (nothing else is
touched), then, as the demo admin, for the assessment report of the published version, the
整改情况报告 of every supervision batch and 重新计算并发布 of the published version: times
the request (the dummy backend keeps the queued task) and then the task run as the worker
runs it (``task.call``). Prints the median of REPEATS (default 5) of each, in milliseconds.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from lianjian.accounts.models import User  # noqa: E402
from lianjian.assessment.models import AssessmentRun, RunJob  # noqa: E402
from lianjian.assessment.services.runs import assessment_run_task  # noqa: E402
from lianjian.core.jobs import write_report_task  # noqa: E402
from lianjian.core.models import ReportJob  # noqa: E402
from lianjian.supervision.models import Batch  # noqa: E402


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples):.0f}"


def main(repeats: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("demo", stdout=io.StringIO())
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="admin"))
    rows: list[tuple[str, list[float], list[float]]] = []

    run = AssessmentRun.objects.filter(is_published=True).order_by("pk").first()
    requests, tasks = [], []
    for _ in range(repeats):
        ms, response = timed(lambda: client.post(reverse("assessment:run_report", args=[run.pk])))
        assert response.status_code == 302, response.status_code
        job = ReportJob.objects.order_by("-pk").first()
        requests.append(ms)
        ms, status = timed(lambda: write_report_task.call(job.pk))  # noqa: B023 - called at once
        assert status == "完成", status
        tasks.append(ms)
    rows.append((f"考核情况报告（{run.org_count} 个参评组织）", requests, tasks))

    requests, tasks = [], []
    batches = list(Batch.objects.order_by("code"))
    for _ in range(repeats):
        for batch in batches:
            url = reverse("supervision:batch_report", args=[batch.code])
            ms, response = timed(lambda: client.post(url))  # noqa: B023 - called at once
            assert response.status_code == 302, response.status_code
            job = ReportJob.objects.order_by("-pk").first()
            requests.append(ms)
            ms, status = timed(lambda: write_report_task.call(job.pk))  # noqa: B023
            assert status == "完成", status
            tasks.append(ms)
    rows.append((f"整改情况报告（{len(batches)} 个批次）", requests, tasks))

    requests, tasks = [], []
    for _ in range(repeats):
        run = AssessmentRun.objects.filter(is_published=True).order_by("pk").first()
        url = reverse("assessment:run_republish", args=[run.pk])
        ms, response = timed(lambda: client.post(url))  # noqa: B023
        assert response.status_code == 302, response.status_code
        job = RunJob.objects.order_by("-pk").first()
        requests.append(ms)
        ms, status = timed(lambda: assessment_run_task.call(job.pk))  # noqa: B023
        assert status == "完成", status
        tasks.append(ms)
    rows.append((f"重新计算并发布（{run.org_count} 个参评组织）", requests, tasks))

    print("| 工作 | 点击的请求 (ms, 中位数) | 任务 (ms, 中位数) | 次数 |")
    print("|---|---:|---:|---:|")
    for name, requests, tasks in rows:
        print(f"| {name} | {median_ms(requests)} | {median_ms(tasks)} | {len(requests)} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
