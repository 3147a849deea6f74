"""Keyset (cursor) paging of the long lists: EXPLAIN and timings of page 1, a deep page
reached by cursor, the last page and the old ``?page=`` (OFFSET) deep page, as the admin.

Lists: the assessment results API and screen (36,000 rows of one run; the screen also
ordered by a dimension), the KPI values API, the points ledger (screen and API), the activity
list (screen) and the admin's inbox (60,000 notifications, tabs 全部 and 未办结). Data of its own on the database
``LIANJIAN_DATABASE_URL`` names, which must be an empty scratch database (it is migrated
and filled here; the organisations and members come from ``bench.assessment.generate``):
37,000 organisations, 40,000 members, 200,000 activities, 144,000 KPI values, one run of
36,000 results, 200,000 ledger entries and 60,000 notifications. Prints Markdown table rows and the EXPLAIN lines.

Usage: ``LIANJIAN_DATABASE_URL=sqlite:////tmp/keyset.sqlite3 python -m bench.keyset_lists``
(or a ``postgres://…/scratch`` URL); ``ONLY=考核结果（页面）,消息`` times only the lists whose
label contains one of those words. The results screen is timed as its table (the request
its filters and pager send with ``HX-Request``): the full page adds the owners' staleness
check of the run's inputs, which is not a paging cost.
"""

from __future__ import annotations

import datetime
import itertools
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.assessment import generate  # noqa: E402
from lianjian.accounts.models import ApiToken, User  # noqa: E402
from lianjian.activities.models import Activity  # noqa: E402
from lianjian.activities.schemas import ActivityFilter  # noqa: E402
from lianjian.activities.selectors import ACTIVITY_LIST_KEY, activity_list  # noqa: E402
from lianjian.assessment import selectors as assessment_selectors  # noqa: E402
from lianjian.assessment.models import AssessmentResult, AssessmentRun, KpiBatch, KpiValue  # noqa: E402
from lianjian.assessment.schemas import KpiFilter  # noqa: E402
from lianjian.assessment.scheme_file import scheme_to_dict  # noqa: E402
from lianjian.assessment.scoring import rank  # noqa: E402
from lianjian.assessment.services import scheme_import  # noqa: E402
from lianjian.core.paging import encode_cursor, key_values, seek  # noqa: E402
from lianjian.notifications import selectors as inbox_selectors  # noqa: E402
from lianjian.notifications.models import Notification  # noqa: E402
from lianjian.orgs.models import Member, Organisation  # noqa: E402
from lianjian.points import selectors as points_selectors  # noqa: E402
from lianjian.points.models import PointsEntry  # noqa: E402
from lianjian.points.schemas import EntryFilter  # noqa: E402
from lianjian.points.services import import_scheme  # noqa: E402

MEMBERS = 40_000
ACTIVITIES = 200_000
ENTRIES = 200_000
NOTIFICATIONS = 60_000
KPI_CODES = ("YW1", "YW2", "YW3", "YW4")


def fill() -> None:
    rng = random.Random(15)
    now = timezone.now()
    with transaction.atomic():
        generate.insert(Organisation, generate.orgs(), now)
        generate.insert(Member, itertools.islice(generate.members(), MEMBERS), now)
        generate.insert(
            Activity,
            # for_year as Activity.save() fills it (the generator leaves it to the model).
            (
                {**a, "for_year": a["start"].year}
                for a in itertools.islice(generate.activities(rng, []), ACTIVITIES)
            ),
            now,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("orgs_organisation", "orgs_member", "activities_activity"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
        for i in (1, 2):  # the scheme's evaluators
            User.objects.create(username=f"bench-eval-{i}", role="admin", first_name=f"评议人{i}")
        scheme = scheme_import(generate.SCHEME, actor=None)[0]
        branches = dict(Organisation.objects.filter(kind="党支部").values_list("pk", "code"))
        totals = {pk: (round(rng.uniform(40, 100), 1), rng.random() < 0.01) for pk in branches}
        ranks = rank(totals)
        run = AssessmentRun.objects.create(
            scheme=scheme,
            period="2025",
            version=1,
            scheme_snapshot=scheme_to_dict(scheme),
            org_count=len(branches),
            is_published=True,
        )
        generate.insert(
            AssessmentResult,
            (
                {
                    "run_id": run.pk,
                    "org_id": pk,
                    "total": totals[pk][0],
                    "vetoed": totals[pk][1],
                    "passed": True,
                    "rank": ranks[pk],
                    # a few results without the dimension: the screen's order puts them last
                    "dimensions": {} if pk % 97 == 0 else {"YW": round(rng.uniform(0, 50), 2)},
                    "indicators": {},
                }
                for pk in sorted(branches, key=lambda o: (ranks[o], branches[o]))
            ),
            now,
        )
        batch = KpiBatch.objects.create(channel="excel", created_by_name="系统")
        generate.insert(
            KpiValue,
            (
                {
                    "org_id": pk,
                    "period": "2025",
                    "indicator_code": code,
                    "value": rng.random(),
                    "batch_id": batch.pk,
                }
                for pk in branches
                for code in KPI_CODES
            ),
            now,
        )
        points = import_scheme(actor=None, data=_points_scheme())
        rule = points.rules.get(code="B2")
        members = list(Member.objects.values_list("pk", flat=True))
        generate.insert(
            PointsEntry,
            (
                {
                    "scheme_id": points.pk,
                    "member_id": rng.choice(members),
                    "rule_id": rule.pk,
                    "period": "2026Q1",
                    "points": 5,
                    "source": "manual",
                    "status": "生效",
                    "happened_on": datetime.date(2026, 1, 1)
                    + datetime.timedelta(rng.randrange(330)),
                }
                for _ in range(ENTRIES)
            ),
            now,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def fill_inbox(user: User) -> None:
    """``NOTIFICATIONS`` for ``user``: to-dos (most with a due date) and messages, a third
    done, half read, created over a year."""
    rng = random.Random(16)
    start = timezone.now() - datetime.timedelta(days=365)
    today = datetime.date.today()
    with transaction.atomic():
        generate.insert(
            Notification,
            (
                {
                    "user_id": user.pk,
                    "kind": "todo" if i % 3 else "message",
                    "key": f"bench:{i}",
                    "title": f"提醒 {i}",
                    "due": today + datetime.timedelta(rng.randrange(-60, 120))
                    if i % 3 and i % 5
                    else None,
                    "created_at": start + datetime.timedelta(seconds=i * 500),
                    "read_at": start if i % 2 else None,
                    "done_at": start if i % 3 == 1 else None,
                }
                for i in range(NOTIFICATIONS)
            ),
            timezone.now(),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _points_scheme() -> dict[str, Any]:
    from tests.points_helpers import scheme_file

    return scheme_file("ROOT")


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, float, int]:
    """Median and p95 wall milliseconds of ``runs`` calls after a warm-up, the median CPU
    milliseconds of this process (the load-independent figure on a shared machine; on SQLite
    it includes the database's work, on PostgreSQL not the server's) and the query count of
    one call (pinned in tests/test_paging_keyset.py)."""
    fn()
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    times.sort()
    return (
        statistics.median(times),
        times[max(0, int(len(times) * 0.95) - 1)],
        statistics.median(cpu),
        queries,
    )


def deep_cursor(qs: Any, key: tuple[str, ...], position: int, number: int) -> str:
    row = qs.order_by(*key)[position]
    return encode_cursor(key_values(row, key), number=number)


def explain(label: str, qs: Any) -> None:
    print(f"\nEXPLAIN {label} ({connection.vendor}):")
    for line in qs.explain().splitlines()[:8]:
        print("   ", line)


def main() -> None:
    call_command("migrate", verbosity=0)
    if not AssessmentResult.objects.exists():
        start = time.perf_counter()
        fill()
        print(f"filled in {time.perf_counter() - start:.0f} s")
    admin, _ = User.objects.get_or_create(username="keyset-admin", defaults={"role": "admin"})
    if not Notification.objects.filter(user=admin).exists():
        fill_inbox(admin)
    _, token = ApiToken.issue(user=admin)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    client.force_login(admin)
    runs = int(os.environ.get("RUNS", "10"))
    print(f"load before: {os.getloadavg()}")

    run = AssessmentRun.objects.get()
    results = assessment_selectors.result_list(admin, run)
    kpis = assessment_selectors.kpi_values(admin, KpiFilter.model_validate({}))
    ledger = points_selectors.entry_list(admin, EntryFilter.model_validate({}))
    acts = activity_list(admin, ActivityFilter.model_validate({}))
    ranking = assessment_selectors.ranking(run, admin)
    by_dimension = assessment_selectors.ranking(run, admin, sort="YW")
    inbox_all = inbox_selectors.inbox(admin, inbox_selectors.InboxFilter(show="all"))
    inbox_open = inbox_selectors.inbox(admin, inbox_selectors.InboxFilter(show="open"))
    lists = [
        ("API 考核结果", "/api/v1/assessment/results?scheme=BENCH-2025&page_size=50", results,
         assessment_selectors.RESULT_LIST_KEY, 50, True),
        ("API 业务指标数值", "/api/v1/assessment/kpis?page_size=50", kpis,
         assessment_selectors.KPI_LIST_KEY, 50, True),
        ("API 积分台账", "/api/v1/points/entries?page_size=50", ledger,
         points_selectors.ENTRY_LIST_KEY, 50, True),
        ("积分台账（页面）", "/points/ledger/?size=50", ledger, points_selectors.ENTRY_LIST_KEY, 50, False),
        ("活动列表（页面）", "/activities/?size=20", acts, ACTIVITY_LIST_KEY, 20, False),
        ("考核结果（页面）", f"/assessment/r/{run.pk}/?size=50", ranking,
         assessment_selectors.RESULT_LIST_KEY, 50, False),
        ("考核结果按维度（页面）", f"/assessment/r/{run.pk}/?size=50&sort=YW", by_dimension,
         assessment_selectors.RANKING_DIMENSION_KEY, 50, False),
        ("消息与待办·全部（页面）", "/inbox/?show=all&size=50", inbox_all,
         inbox_selectors.INBOX_KEY, 50, False),
        ("消息与待办·未办结（页面）", "/inbox/?show=open&size=50", inbox_open,
         inbox_selectors.INBOX_KEY, 50, False),
    ]  # fmt: skip
    print(
        "\n| 列表 | 页 | 中位 ms | p95 ms | CPU 中位 ms | 查询数 | 负载 |"
        "\n|---|---|---:|---:|---:|---:|---:|"
    )
    only = [word for word in os.environ.get("ONLY", "").split(",") if word]
    for label, url, qs, key, size, api in lists:
        if only and not any(word in label for word in only):
            continue
        count = qs.count()
        middle = (count // size // 2) * size
        pages = count // size
        extra = auth if api else {"HTTP_HX_REQUEST": "true"} if "考核结果" in label else {}
        cursor = deep_cursor(qs, key, middle - 1, middle // size + 1)
        variants = [
            ("第 1 页", url),
            (f"第 {middle // size + 1:,} 页（游标）", f"{url}&after={cursor}"),
            (f"第 {pages:,} 页（旧 page=，OFFSET）", f"{url}&page={pages}"),
        ]
        if not api:
            variants.insert(2, ("末页（last=1）", f"{url}&last=1"))
        for name, target in variants:

            def get(target: str = target, extra: dict[str, str] = extra) -> None:
                response = client.get(target, **extra)
                assert response.status_code == 200, response.content[:300]

            median, p95, cpu, queries = timed(get, runs)
            print(
                f"| {label}（{count:,} 行） | {name} | {median:.1f} | {p95:.1f} | {cpu:.1f} | "
                f"{queries} | {os.getloadavg()[0]:.1f} |",
                flush=True,
            )
        row = qs.order_by(*key)[middle - 1]
        explain(f"{label} 游标页", seek(qs, key, key_values(row, key), forward=True)[:size])
    print(f"\nload after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
