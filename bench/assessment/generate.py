"""Generate a State Grid-scale assessment: 37,000 organisations and a 20-indicator scheme.

Data (deterministic, ``random.Random(6)``), on the database ``LIANJIAN_DATABASE_URL``
names (SQLite or PostgreSQL; every other row of the app tables is removed first, the
migration-seeded compliance rules are kept):

* 37,000 organisations: a root 党委, 18 党委 × 2,000 党支部 (36,000 branches), 981 党小组;
  10 members per branch (3 of them committee members, so the 支委会 rule applies);
* a year (2025) of organisational life per branch — 12 主题党日, 12 支委会, 4 支部党员大会,
  4 党课, 组织生活会, 民主评议党员 (~3 % dropped at random: gaps) — 12 党小组会 per group,
  and 3 joint activities (联建活动) per branch with the next branch as co-organiser;
* the scheme ``BENCH-2025`` (owner the root, applies to 党支部): 4 dimensions, 20
  indicators — 1 compliance_rate, 1 manual (2 evaluators), 2 joint (activities,
  person-times), 16 kpi (13 scored with ratio/per_item/stepped/deduct, 2 veto) —
  576,000 KPI values (2 % left missing) in one batch, 72,000 evaluator scores.

Usage: ``LIANJIAN_DATABASE_URL=… python -m bench.assessment.generate`` on a migrated database.
"""

from __future__ import annotations

import datetime
import os
import random
import time
from collections.abc import Iterator, Sequence
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Model  # noqa: E402
from django.utils import timezone  # noqa: E402

from lianjian.accounts.models import User  # noqa: E402
from lianjian.activities.models import Activity, ActivityOrg  # noqa: E402
from lianjian.activities.selectors import TZ  # noqa: E402
from lianjian.assessment.models import KpiBatch, KpiValue, ManualScore  # noqa: E402
from lianjian.assessment.services import scheme_import  # noqa: E402
from lianjian.core.excel import insert_rows  # noqa: E402
from lianjian.orgs.models import Member, Organisation  # noqa: E402

COMMITTEES = 18
BRANCHES_PER = 2000
BRANCHES = COMMITTEES * BRANCHES_PER
GROUPS = 981
MEMBERS_PER = 10
JOINT_PER = 3
CODE = "BENCH-2025"
KEEP = {
    "activities_compliancerule",
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "django_site",
    "alliances_alliancetype",
}

SCHEME: dict[str, Any] = {
    "code": CODE,
    "name": "2025年度党支部双维度考核（基准测试）",
    "period": "2025",
    "owner": "ROOT",
    "applies_to": {"kind": "党支部"},
    "dimensions": [
        {"code": "DJ", "name": "党建引领", "max": 40},
        {"code": "YW", "name": "业务提升", "max": 50},
        {"code": "LJ", "name": "联建共建", "max": 10},
        {"code": "CX", "name": "创新创效", "max": 5},
    ],
    "indicators": [
        {
            "code": "DJ1",
            "name": "组织生活完成率",
            "dimension": "DJ",
            "max": 15,
            "rule": "ratio",
            "target": 1,
            "floor": 0.6,
            "direction": "higher",
            "source": "compliance_rate",
        },
        {
            "code": "DJ2",
            "name": "书记述职评议",
            "dimension": "DJ",
            "max": 10,
            "rule": "manual",
            "source": "manual",
            "evaluators": ["bench-eval-1", "bench-eval-2"],
        },
        {
            "code": "DJ3",
            "name": "发展党员",
            "dimension": "DJ",
            "max": 5,
            "rule": "per_item",
            "per": 2.5,
            "source": "kpi",
        },
        {
            "code": "DJ4",
            "name": "主题教育",
            "dimension": "DJ",
            "max": 5,
            "rule": "stepped",
            "steps": [["部署", 1], ["推进", 3], ["见效", 5]],
            "source": "kpi",
        },
        {
            "code": "DJ5",
            "name": "意识形态问题",
            "dimension": "DJ",
            "max": 5,
            "rule": "deduct",
            "per": 2.5,
            "source": "kpi",
        },
        {
            "code": "YW1",
            "name": "营收完成率",
            "dimension": "YW",
            "max": 10,
            "rule": "ratio",
            "target": 100,
            "floor": 0.6,
            "direction": "higher",
            "source": "kpi",
        },
        {
            "code": "YW2",
            "name": "利润完成率",
            "dimension": "YW",
            "max": 10,
            "rule": "ratio",
            "target": 100,
            "floor": 0.6,
            "direction": "higher",
            "source": "kpi",
        },
        {
            "code": "YW3",
            "name": "供电可靠率",
            "dimension": "YW",
            "max": 5,
            "rule": "ratio",
            "target": 99.9,
            "floor": 0.95,
            "direction": "higher",
            "source": "kpi",
        },
        {
            "code": "YW4",
            "name": "线损率",
            "dimension": "YW",
            "max": 5,
            "rule": "ratio",
            "target": 5,
            "floor": 0.5,
            "direction": "lower",
            "source": "kpi",
        },
        {
            "code": "YW5",
            "name": "安全生产天数",
            "dimension": "YW",
            "max": 5,
            "rule": "ratio",
            "target": 365,
            "floor": 0.8,
            "direction": "higher",
            "source": "kpi",
        },
        {
            "code": "YW6",
            "name": "客户投诉",
            "dimension": "YW",
            "max": 5,
            "rule": "deduct",
            "per": 1,
            "source": "kpi",
        },
        {
            "code": "YW7",
            "name": "电费回收率",
            "dimension": "YW",
            "max": 5,
            "rule": "ratio",
            "target": 100,
            "floor": 0.9,
            "direction": "higher",
            "source": "kpi",
        },
        {
            "code": "YW8",
            "name": "重点任务完成",
            "dimension": "YW",
            "max": 5,
            "rule": "per_item",
            "per": 1,
            "source": "kpi",
        },
        {
            "code": "YW9",
            "name": "降本增效",
            "dimension": "CX",
            "max": 5,
            "rule": "stepped",
            "steps": [["立项", 1], ["实施", 3], ["推广", 5]],
            "source": "kpi",
        },
        {
            "code": "LJ1",
            "name": "联建活动",
            "dimension": "LJ",
            "max": 4,
            "rule": "per_item",
            "per": 1.5,
            "source": "joint_activities",
        },
        {
            "code": "LJ2",
            "name": "联建参与人次",
            "dimension": "LJ",
            "max": 2,
            "rule": "per_item",
            "per": 0.05,
            "source": "joint_person_times",
        },
        {
            "code": "LJ3",
            "name": "联建成效",
            "dimension": "LJ",
            "max": 4,
            "rule": "stepped",
            "steps": [["破冰", 1], ["推进", 2], ["落地", 4]],
            "source": "kpi",
        },
        {
            "code": "LJ4",
            "name": "共建项目",
            "dimension": "LJ",
            "max": 2,
            "rule": "per_item",
            "per": 1,
            "source": "kpi",
        },
        {"code": "FJ1", "name": "重大安全责任事故", "rule": "veto", "source": "kpi"},
        {"code": "FJ2", "name": "违纪违法案件", "rule": "veto", "source": "kpi"},
    ],
    "stars": [[95, 5], [90, 4], [80, 3], [70, 2], [60, 1]],
}


def kpi_value(rng: random.Random, code: str, strength: float) -> float:
    """A plausible value of one KPI for a branch of ``strength`` 0…1."""
    if code in ("YW1", "YW2", "YW7"):
        return round(80 + 25 * strength + rng.uniform(-5, 5), 2)
    if code == "YW3":
        return round(99.5 + 0.45 * strength + rng.uniform(-0.05, 0.05), 3)
    if code == "YW4":
        return round(7 - 3 * strength + rng.uniform(-0.5, 0.5), 2)
    if code == "YW5":
        return 365 if rng.random() < 0.9 else rng.randint(200, 364)
    if code in ("YW6", "DJ5"):
        return rng.choices((0, 1, 2, 3), weights=(60, 25, 10, 5))[0]
    if code in ("DJ4", "YW9", "LJ3"):
        return rng.choices((0, 1, 2, 3), weights=(10, 30, 40, 20))[0]
    if code in ("DJ3", "YW8", "LJ4"):
        return rng.randint(0, 6)
    if code in ("FJ1", "FJ2"):
        return 1 if rng.random() < 0.002 else 0
    raise ValueError(code)


def clear() -> None:
    tables = [t for t in connection.introspection.table_names() if t not in KEEP]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} RESTART IDENTITY CASCADE"
            )
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
            cursor.execute("PRAGMA foreign_keys = ON")


def plain_row(
    model: type[Model], values: dict[str, Any], now: datetime.datetime
) -> tuple[list[str], list[Any]]:
    """Field names and values of a full row: given ``values``, else the field default."""
    names, row = [], []
    for field in model._meta.concrete_fields:
        name = field.attname
        if field.primary_key and name not in values or field.generated:
            continue  # the database numbers the row and derives generated columns
        names.append(name)
        if name in values:
            row.append(values[name])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            row.append(now)
        elif field.has_default():
            row.append(field.get_default())
        elif field.null:
            row.append(None)
        else:
            row.append("")
    return names, row


def insert(
    model: type[Model], items: Iterator[dict[str, Any]], now: datetime.datetime, chunk: int = 20000
) -> int:
    count = 0
    names: Sequence[str] = ()
    batch: list[list[Any]] = []
    for values in items:
        names, row = plain_row(model, values, now)
        batch.append(row)
        if len(batch) == chunk:
            insert_rows(model, names, batch)
            count += len(batch)
            batch = []
    if batch:
        insert_rows(model, names, batch)
        count += len(batch)
    return count


def branch_code(b: int) -> str:
    return f"ZB{b:06d}"


def orgs() -> Iterator[dict[str, Any]]:
    yield {
        "id": 1,
        "code": "ROOT",
        "name": "集团党组",
        "kind": "党委",
        "parent_id": None,
        "path": "/ROOT/",
        "depth": 0,
    }
    for c in range(1, COMMITTEES + 1):
        yield {
            "id": 1 + c,
            "code": f"DW{c:02d}",
            "name": f"二级单位党委{c}",
            "kind": "党委",
            "parent_id": 1,
            "path": f"/ROOT/DW{c:02d}/",
            "depth": 1,
        }
    for b in range(1, BRANCHES + 1):
        c = 1 + (b - 1) // BRANCHES_PER
        yield {
            "id": 100 + b,
            "code": branch_code(b),
            "name": f"党支部{b}",
            "kind": "党支部",
            "parent_id": 1 + c,
            "path": f"/ROOT/DW{c:02d}/{branch_code(b)}/",
            "depth": 2,
        }
    for g in range(1, GROUPS + 1):
        c = 1 + (g - 1) // BRANCHES_PER
        yield {
            "id": 100000 + g,
            "code": f"XZ{g:06d}",
            "name": f"党小组{g}",
            "kind": "党小组",
            "parent_id": 100 + g,
            "path": f"/ROOT/DW{c:02d}/{branch_code(g)}/XZ{g:06d}/",
            "depth": 3,
        }


def members() -> Iterator[dict[str, Any]]:
    for m in range(1, BRANCHES * MEMBERS_PER + 1):
        yield {
            "number": f"M{m:07d}",
            "name": f"党员{m}",
            "initials": "dy",
            "org_id": 100 + (m - 1) // MEMBERS_PER + 1,
            "category": "正式党员",
            "joined_on": datetime.date(2010, 7, 1),
            "post": "委员" if (m - 1) % MEMBERS_PER < 3 else "",
        }


PLAN = (
    [("主题党日", m) for m in range(1, 13)]
    + [("支部委员会", m) for m in range(1, 13)]
    + [("支部党员大会", 3 * q - 1) for q in range(1, 5)]
    + [("党课", 3 * q) for q in range(1, 5)]
    + [("组织生活会", 2), ("民主评议党员", 2)]
)


def activities(
    rng: random.Random, links: list[tuple[int, int, int, datetime.datetime, str]]
) -> Iterator[dict[str, Any]]:
    """Activity rows; their (activity id, org id, position, start, type) links go to ``links``."""
    next_id = 1
    for b in range(1, BRANCHES + 1):
        host = 100 + b
        rows = [(t, m, None) for t, m in PLAN if rng.random() >= 0.03]
        rows += [("联建活动", rng.randint(1, 12), 100 + b % BRANCHES + 1) for _ in range(JOINT_PER)]
        for kind, month, co in rows:
            start = datetime.datetime(2025, month, rng.randint(1, 28), 9, 0, tzinfo=TZ)
            present = MEMBERS_PER - rng.randint(0, 2) if kind != "联建活动" else rng.randint(8, 30)
            expected = MEMBERS_PER if kind != "联建活动" else present
            yield {
                "id": next_id,
                "code": f"A{next_id}",
                "type": kind,
                "host_id": host,
                "start": start,
                "topic": kind,
                "status": "已通过",
                "for_year": 2025,  # 所属年度: all activities of this bench are of 2025
                "expected_count": expected,
                "present_count": present,
                "is_valid": True,
                "sub_kind": "党课互讲" if kind == "联建活动" else "",
            }
            links.append((next_id, host, 0, start, kind))
            if co is not None:
                links.append((next_id, co, 1, start, kind))
            next_id += 1
    for g in range(1, GROUPS + 1):
        for month in range(1, 13):
            start = datetime.datetime(2025, month, 10, 17, 0, tzinfo=TZ)
            yield {
                "id": next_id,
                "code": f"A{next_id}",
                "type": "党小组会",
                "host_id": 100000 + g,
                "start": start,
                "topic": "党小组会",
                "status": "已通过",
                "for_year": 2025,
                "is_valid": True,
            }
            links.append((next_id, 100000 + g, 0, start, "党小组会"))
            next_id += 1


def main() -> None:
    rng = random.Random(6)
    now = timezone.now()
    total = time.perf_counter()

    def step(name: str, fn: Any) -> Any:
        start = time.perf_counter()
        result = fn()
        print(
            f"{name:14s} {time.perf_counter() - start:7.1f} s  {result if result is not None else ''}",
            flush=True,
        )
        return result

    with transaction.atomic():
        step("clear", clear)
        step("orgs", lambda: insert(Organisation, orgs(), now))
        step("members", lambda: insert(Member, members(), now))
        links: list[tuple[int, int, int, datetime.datetime, str]] = []
        step("activities", lambda: insert(Activity, activities(rng, links), now))
        step(
            "links",
            lambda: insert(
                ActivityOrg,
                (
                    {
                        "activity_id": a,
                        "org_id": o,
                        "position": p,
                        "start": s,
                        "type": t,
                        "status": "已通过",
                        "for_year": 2025,
                        "is_valid": True,
                    }
                    for a, o, p, s, t in links
                ),
                now,
            ),
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in (
                    "orgs_organisation",
                    "orgs_member",
                    "activities_activity",
                    "activities_activityorg",
                ):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
        evaluators = [
            User.objects.create(username=f"bench-eval-{i}", role="admin", first_name=f"评议人{i}")
            for i in (1, 2)
        ]
        scheme = step("scheme", lambda: scheme_import(SCHEME, actor=None)[0])
        batch = KpiBatch.objects.create(
            channel=KpiBatch.Channel.EXCEL, file_name="bench.xlsx", created_by_name="系统"
        )
        strength = {b: rng.random() for b in range(1, BRANCHES + 1)}
        kpi_codes = [i["code"] for i in SCHEME["indicators"] if i["source"] == "kpi"]

        def kpis() -> Iterator[dict[str, Any]]:
            for b in range(1, BRANCHES + 1):
                for code in kpi_codes:
                    if rng.random() < 0.02:
                        continue
                    yield {
                        "org_id": 100 + b,
                        "period": "2025",
                        "indicator_code": code,
                        "value": float(kpi_value(rng, code, strength[b])),
                        "batch_id": batch.pk,
                    }

        written = step("kpis", lambda: insert(KpiValue, kpis(), now))
        KpiBatch.objects.filter(pk=batch.pk).update(row_count=written)
        dj2 = scheme.indicators.get(code="DJ2")

        def scores() -> Iterator[dict[str, Any]]:
            for b in range(1, BRANCHES + 1):
                for user in evaluators:
                    yield {
                        "indicator_id": dj2.pk,
                        "org_id": 100 + b,
                        "period": "2025",
                        "evaluator_id": user.pk,
                        "score": round(min(10, 6 + 4 * strength[b] + rng.uniform(-1, 1)), 1),
                        "comment": "",
                    }

        step("scores", lambda: insert(ManualScore, scores(), now))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for model in (Organisation, Member, Activity, ActivityOrg, KpiValue, ManualScore):
        print(f"{model._meta.db_table:28s} {model.objects.count():>12,}")
    print(f"total          {time.perf_counter() - total:7.1f} s  ({connection.vendor})")


if __name__ == "__main__":
    main()
