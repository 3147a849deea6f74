"""Time who is scored in a period (points.selectors.scored_members) at scale: the members of
a closed quarter decided as of its last day, against today's members (the way before).

Generates the company of :mod:`bench.points` (``BENCH_BRANCHES`` branches of 10 members,
their year of activities), moves ``BENCH_MOVED`` members (default 1 %) to the next branch on
15 September 2026 (a transfer row each and their organisation today), imports the scheme
of points.md on the root, recomputes the year once, then times for 2026Q1 (before the
moves: every moved member is placed in Python) and 2026Q4 (after them):

- the members of today's subtree alone, the query the totals made before (old);
- ``scored_members`` (new) and the whole ``period_totals``, and ``org_means`` of the 2
  committees (the assessment source ``member_points``).

Usage (``BENCH_REUSE=1`` times again on the data left): ``LIANJIAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lj_h3_bench
python -m bench.points_scored`` (a migrated database of its own; its rows are replaced).
"""

from __future__ import annotations

import os
import time

from django.db import connection
from django.db.models import Q

from bench.points import BRANCHES, MEMBERS_PER, SCHEME, generate  # sets Django up
from lianjian.orgs.models import Member, Organisation
from lianjian.points import engine, services
from lianjian.points.models import PointsScheme
from lianjian.points.selectors import org_means, period_totals, scored_members

MOVED = int(os.environ.get("BENCH_MOVED", str(BRANCHES * MEMBERS_PER // 100)))


def timed(label: str, fn, repeat: int = 3):
    best, out = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    print(f"{label:44s} {best * 1000:8.0f} ms (best of {repeat})", flush=True)
    return out


def move() -> None:
    """Every (members / MOVED)-th member moves to the next branch on 2026-09-15."""
    step = max(1, BRANCHES * MEMBERS_PER // MOVED)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orgs_membertransfer (member_id, from_org_id, to_org_id, date, reason,
                actor_name, created_at)
            SELECT m.id, m.org_id, (SELECT min(o.id) FROM orgs_organisation o
                                    WHERE o.id > m.org_id AND o.kind = '党支部'),
                   DATE '2026-09-15', '基准', '', now()
            FROM orgs_member m WHERE m.id %% %s = 0 AND EXISTS (
                SELECT 1 FROM orgs_organisation o WHERE o.id > m.org_id AND o.kind = '党支部')""",
            [step],
        )
        cursor.execute(
            """UPDATE orgs_member m SET org_id = t.to_org_id FROM orgs_membertransfer t
               WHERE t.member_id = m.id"""
        )
        cursor.execute("SELECT count(*) FROM orgs_membertransfer")
        print(f"transfers          {cursor.fetchone()[0]:>12,}", flush=True)


def main() -> None:
    # BENCH_REUSE=1: time on the data a previous run left (no generation).
    if not (os.environ.get("BENCH_REUSE") and PointsScheme.objects.filter(code="BENCH-JF")):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE orgs_membertransfer")
        generate()
        move()
        scheme = services.import_scheme(actor=None, data=SCHEME)
        start = time.perf_counter()
        written, _ = services.recompute(actor=None, scheme=scheme)
        print(f"recompute (first)  {time.perf_counter() - start:7.1f} s  written {written:,}")
    scheme = PointsScheme.objects.select_related("org").get(code="BENCH-JF")
    committees = list(Organisation.objects.filter(depth=1).order_by("pk").values_list("pk", "path"))
    for period in ("2026Q1", "2026Q4"):
        first, _ = engine.period_bounds(period)

        def today_members(first=first):
            return list(
                Member.objects.filter(org__path__under=scheme.org.path)
                .filter(Q(left_on__isnull=True) | Q(left_on__gte=first))
                .order_by("number")
                .values_list("pk", "number", "name")
            )

        old = timed(f"{period} today's members (before)", today_members)
        new = timed(f"{period} scored_members (now)", lambda p=period: scored_members(scheme, p))
        print(f"{period} members: before {len(old):,}, now {len(new):,}")
        timed(f"{period} period_totals (now)", lambda p=period: period_totals(scheme, p), 1)
        means = timed(
            f"{period} org_means of {len(committees)} committees",
            lambda p=period: org_means(committees, p, 2026),
            1,
        )
        print(f"{period} means {sorted((v[0], v[1]['scored']) for v in means.values())}")


if __name__ == "__main__":
    main()
