"""The read replica tried against a real streaming standby: ``python -m bench.replica``.

docs/deploy.md §2 routes reports and dashboards to a PostgreSQL read replica
(``LIANJIAN_REPLICA_URL``, :mod:`lianjian.core.dbrouters`). This script checks, against a
primary and a streaming standby given in the environment (``LIANJIAN_DATABASE_URL``,
``LIANJIAN_REPLICA_URL``; docs/deploy.md §7 says how to make a pair of local clusters):

1. the standby is in recovery (read-only) and the primary streams to it;
2. a write on the primary (an audited service call) becomes visible on the standby, and
   after how long (the replication lag the dashboards may show);
3. through the real views (Django's test client, the demo admin), how many queries each page
   sends to the primary and to the replica: the dashboards read from the replica (the user
   and session from the primary), the lists and the forms only from the primary;
4. a write attempted on the replica is refused by PostgreSQL, so a routing mistake would
   fail loudly rather than write somewhere it is lost.

Prints a Markdown table; nothing here is part of ``make test``.
"""

from __future__ import annotations

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
os.environ.setdefault("LIANJIAN_ALLOWED_HOSTS", "127.0.0.1,testserver")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import DatabaseError, connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from lianjian.accounts.models import User  # noqa: E402
from lianjian.core.dbrouters import REPLICA, replica_in_use  # noqa: E402
from lianjian.orgs.models import Organisation  # noqa: E402
from lianjian.orgs.services import org_create  # noqa: E402

PAGES = (
    ("首页（统计，读副本）", "/"),
    ("组织生活统计（读副本）", "/activities/stats/"),
    ("组织列表（读主库）", "/orgs/"),
    ("活动列表（读主库）", "/activities/"),
)


def _one(alias: str, sql: str) -> object:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def main() -> int:
    if not replica_in_use():
        print("LIANJIAN_REPLICA_URL 未设置：见 docs/deploy.md §7", file=sys.stderr)
        return 2
    rows: list[tuple[str, str]] = []
    rows.append(("副本处于恢复（只读）状态", str(_one(REPLICA, "SELECT pg_is_in_recovery()"))))
    rows.append(
        (
            "主库的复制连接",
            str(
                _one(
                    "default",
                    "SELECT string_agg(state || '/' || sync_state, ', ') FROM pg_stat_replication",
                )
            ),
        )
    )

    # 2. A write on the primary, then poll the standby until it shows the row.
    root = Organisation.objects.filter(parent__isnull=True).order_by("pk").first()
    assert root is not None
    stamp = int(time.time())
    admin = User.objects.get(username="admin")
    with transaction.atomic():
        org = org_create(
            actor=admin,
            code=f"REPL-{stamp}",
            name=f"副本试验支部{stamp}",
            kind="党支部",
            parent=root,
        )
    written = time.perf_counter()
    while not Organisation.objects.using(REPLICA).filter(pk=org.pk).exists():
        if time.perf_counter() - written > 30:
            rows.append(("主库写入后副本可见", "30 s 内未见"))
            break
        time.sleep(0.002)
    else:
        rows.append(
            ("主库写入后副本可见（复制延迟）", f"{(time.perf_counter() - written) * 1000:.1f} ms")
        )

    # 3. Which database each page reads.
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(admin)
    for label, url in PAGES:
        client.get(url)  # warm-up
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections[REPLICA]) as replica,
        ):
            status = client.get(url).status_code
        rows.append(
            (f"{label} {url}", f"{status}；主库 {len(primary)} 条查询，副本 {len(replica)} 条")
        )

    # 4. The standby refuses writes.
    try:
        with transaction.atomic(using=REPLICA), connections[REPLICA].cursor() as cursor:
            cursor.execute("UPDATE orgs_organisation SET name = name WHERE id = %s", [org.pk])
        rows.append(("在副本上写入", "未被拒绝（不是只读副本）"))
    except DatabaseError as exc:
        rows.append(("在副本上写入", f"被拒绝：{str(exc).splitlines()[0]}"))

    print(
        f"主库 {settings.DATABASES['default']['PORT']}，副本 {settings.DATABASES[REPLICA]['PORT']}"
    )
    print("| 检查 | 结果 |")
    print("|---|---|")
    for check, result in rows:
        print(f"| {check} | {result} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
