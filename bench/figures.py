"""Time the home page's scope figures on a database the foundation benchmark filled
(``python -m bench.foundation`` keeps its databases): the stored figures
(``orgs.selectors.scope_figures``, what the home page uses) against the recount from the
member rows (``scope_figures_recount``, the former implementation) in the same process, for
the P01 manager and the admin; the home page through the test client; and
``lianjian figures rebuild`` (a full recount). Prints Markdown table rows.

Usage: ``LIANJIAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianjian_bench_full
python -m bench.figures [--runs 20]`` (adds the accounts figures-p01 and figures-admin).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
django.setup()

from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from lianjian.accounts.models import User  # noqa: E402
from lianjian.orgs import figures  # noqa: E402
from lianjian.orgs.models import Member, Organisation  # noqa: E402
from lianjian.orgs.selectors import scope_figures, scope_figures_recount  # noqa: E402

# Accounts of its own (the foundation run adds bench-p01 / bench-admin only at its end).
USERS = (
    ("P01 管理员", "figures-p01", "manager", "P01"),
    ("管理员", "figures-admin", "admin", None),
)


def account(username: str, role: str, org_code: str | None) -> User:
    org = Organisation.objects.get(code=org_code) if org_code else None
    user, _ = User.objects.get_or_create(
        username=username, defaults={"role": role, "org": org, "first_name": username}
    )
    return user


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, int]:
    """Median milliseconds of ``runs`` calls after one warm-up, and the query count of one."""
    fn()
    reset_queries()  # a request resets the log: count from an empty one
    with CaptureQueriesContext(connection) as ctx:
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), len(ctx.captured_queries)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.figures")
    p.add_argument("--runs", type=int, default=20)
    a = p.parse_args()
    db = connection.vendor
    n_orgs, n_members = Organisation.objects.count(), Member.objects.current().count()
    load = os.getloadavg()[0]
    print(f"<!-- {db}: {n_orgs} orgs, {n_members} members, load {load:.1f} -->")
    for label, username, role, org_code in USERS:
        user = account(username, role, org_code)
        orgs = Organisation.objects.visible_to(user)
        members = Member.objects.visible_to(user)
        new = scope_figures(orgs)
        assert new == scope_figures_recount(orgs, members), "stored figures differ"
        t_new, q_new = timed(lambda o=orgs: scope_figures(o), a.runs)
        t_old, q_old = timed(
            lambda o=orgs, m=members: scope_figures_recount(o, m), max(3, a.runs // 4)
        )
        client = Client()
        client.force_login(user)
        # (the page's query count is in the foundation run: a request closes the connection)
        t_page, _ = timed(lambda c=client: c.get("/"), a.runs)
        print(
            f"| {db} | {n_orgs:,} / {n_members:,} | {label} | {t_page:.1f} | "
            f"{t_new:.1f} | {q_new} | {t_old:.1f} | {q_old} | {t_old / t_new:.0f}× | {load:.1f} |"
        )
    t = time.perf_counter()
    with transaction.atomic():
        n = figures.rebuild()
    print(f"<!-- {db}: figures rebuild of {n} orgs {time.perf_counter() - t:.1f} s -->")


if __name__ == "__main__":
    main()
