"""Time the home page's scope figures on a database the foundation benchmark filled
(``python -m bench.foundation`` keeps its databases) or ``--build`` fills: the stored
rows (``orgs.selectors.scope_figures`` on ``OrgFigures``, what the home page uses) against
the recount from the member rows (``scope_figures_recount``, the former implementation) in
the same process, for the P01 manager and the admin; the home page through the test
client; and ``lianjian figures rebuild`` (a full recount). Prints Markdown table rows.

Usage: ``LIANJIAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lj_bench_figures
python -m bench.figures [--build] [--runs 20]`` (adds the accounts figures-p01 and
figures-admin). ``--build`` first fills an empty, migrated database with a generated company
of State Grid's size (:func:`build`: 39,991 organisations, 400,000 members, terms and
member counts spread so that every warning occurs) instead of using a foundation run's.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
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
from lianjian.orgs.models import Member, Organisation, OrgFigures  # noqa: E402
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


# The generated company: a root, 20 党委 (P01…P20), each with 10 党总支 and 1,900 党支部 (half
# under a 党总支; the partner 党委 P20 has 10 fewer) and 89 党小组 per 党委 on average
# → 1 + 20 × (1 + 10 + 1,900 + 89) − 10 = 39,991 organisations.
DW, ZZ, ZB, XZ = 20, 10, 1900, 89
MEMBERS = 400_000


def build(seed: int = 15) -> tuple[int, int]:
    """Fill an empty database with the generated company (organisations by ``bulk_create``
    level by level, members in batches of 5,000), then ``figures.rebuild()``. Returns the
    numbers of organisations and members."""
    rnd = random.Random(seed)
    today = datetime.date.today()
    founded = datetime.date(2000, 1, 1)

    def org(
        code: str, name: str, kind: str, parent: Organisation | None, **kw: Any
    ) -> Organisation:
        path = f"{parent.path if parent else '/'}{code}/"
        depth = path.count("/") - 2
        return Organisation(
            code=code, name=name, kind=kind, parent=parent, path=path, depth=depth,
            founded=founded, **kw,
        )  # fmt: skip

    def term() -> dict[str, Any]:
        # a third overdue or due within the warning window, the rest later or none
        days = rnd.choice([None, -400, -30, -1, 10, 60, 89, 120, 400, 700, 1000])
        if days is None:
            return {}
        return {"term_start": founded, "term_end": today + datetime.timedelta(days=days)}

    root = org("GW", "国家电网公司党组", "党委", None)
    root.save()
    dws = [org(f"P{i:02d}", f"二级党委{i}", "党委", root, **term()) for i in range(1, DW + 1)]
    # the last 党委 is a partner unit's (counted apart, never warned)
    for d in dws[DW - 1 :]:
        d.is_partner = True
    Organisation.objects.bulk_create(dws)
    dws = list(Organisation.objects.filter(depth=1).order_by("code"))
    zzs = [
        org(f"{d.code}Z{j:02d}", f"党总支{d.code}-{j}", "党总支", d, **term())
        for d in dws
        for j in range(ZZ)
    ]
    Organisation.objects.bulk_create(zzs, batch_size=2000)
    zz_of = {d.pk: list(Organisation.objects.filter(parent=d, kind="党总支")) for d in dws}
    zbs = []
    for d in dws:
        for j in range(ZB - (10 if d.is_partner else 0)):
            parent = zz_of[d.pk][j % ZZ] if j % 2 else d
            zbs.append(org(f"{d.code}B{j:04d}", f"党支部{d.code}-{j}", "党支部", parent, **term()))
    Organisation.objects.bulk_create(zbs, batch_size=2000)
    branches = list(Organisation.objects.filter(kind="党支部").order_by("code"))
    groups = [
        org(f"{b.code}G", f"党小组{b.code}", "党小组", b) for b in rnd.sample(branches, DW * XZ)
    ]
    Organisation.objects.bulk_create(groups, batch_size=2000)
    # a few dissolved branches (no members)
    gone = set(rnd.sample(range(len(branches)), 40))
    Organisation.objects.filter(pk__in=[branches[i].pk for i in gone]).update(dissolved=today)
    live = [b for i, b in enumerate(branches) if i not in gone]
    posts = ["", "", "", "", "", "", "书记", "组织委员", "宣传委员", "党小组长"]
    batch: list[Member] = []
    n = 0
    while n < MEMBERS:
        b = live[n % len(live)] if n < len(live) * 8 else rnd.choice(live)
        n += 1
        full = rnd.random() < 0.85
        batch.append(
            Member(
                number=f"M{n:07d}", name="测试党员", org=b,
                category="正式党员" if full else "预备党员",
                joined_on=datetime.date(2005, 7, 1) if full else today - datetime.timedelta(days=90),
                post=rnd.choice(posts), is_floating=rnd.random() < 0.05,
            )
        )  # fmt: skip
        if len(batch) == 5000:
            Member.objects.bulk_create(batch)
            batch = []
    Member.objects.bulk_create(batch)
    figures.rebuild()
    return Organisation.objects.count(), Member.objects.count()


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, int, float]:
    """Median milliseconds of ``runs`` calls after one warm-up, the query count of one, and
    the median CPU milliseconds of this process (does not grow with other jobs' load; on
    SQLite nearly all the work is in this process, on PostgreSQL the server's is not in it)."""
    fn()
    reset_queries()  # a request resets the log: count from an empty one
    with CaptureQueriesContext(connection) as ctx:
        fn()
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(times), len(ctx.captured_queries), statistics.median(cpu)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.figures")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--build", action="store_true", help="fill an empty database first")
    a = p.parse_args()
    db = connection.vendor
    if a.build:
        t = time.perf_counter()
        with transaction.atomic():
            n_o, n_m = build()
        print(f"<!-- built {n_o} orgs, {n_m} members in {time.perf_counter() - t:.0f} s -->")
        if db == "postgresql":
            # a table loaded in one transaction has no statistics until autovacuum comes
            # round (a live server's autovacuum keeps them): without them the recount took minutes
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    n_orgs, n_members = Organisation.objects.count(), Member.objects.current().count()
    load = os.getloadavg()[0]
    print(f"<!-- {db}: {n_orgs} orgs, {n_members} members, load {load:.1f} -->")
    for label, username, role, org_code in USERS:
        user = account(username, role, org_code)
        orgs = Organisation.objects.visible_to(user)
        members = Member.objects.visible_to(user)
        rows = OrgFigures.objects.visible_to(user)
        new = scope_figures(rows)
        assert new == scope_figures_recount(orgs, members), "stored figures differ"
        t_new, q_new, c_new = timed(lambda r=rows: scope_figures(r), a.runs)
        t_old, q_old, _ = timed(
            lambda o=orgs, m=members: scope_figures_recount(o, m), max(3, a.runs // 4)
        )
        client = Client()
        client.force_login(user)
        # (the page's query count is in the foundation run: a request closes the connection)
        t_page, _, c_page = timed(lambda c=client: c.get("/"), a.runs)
        load = os.getloadavg()[0]
        print(
            f"| {db} | {n_orgs:,} / {n_members:,} | {label} | {t_page:.1f} | {c_page:.1f} | "
            f"{t_new:.1f} | {c_new:.1f} | {q_new} | {t_old:.1f} | {q_old} | "
            f"{t_old / t_new:.0f}× | {load:.1f} |"
        )
    t = time.perf_counter()
    with transaction.atomic():
        n = figures.rebuild()
    print(f"<!-- {db}: figures rebuild of {n} orgs {time.perf_counter() - t:.1f} s -->")


if __name__ == "__main__":
    main()
