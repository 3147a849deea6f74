"""Foundation benchmark driver: import speed and server time of the list pages, SQLite and PostgreSQL.

For each dataset (full scale, and 1/``--small`` of it to check that query counts stay
flat) and each database: generate the files (cached in ``--out``), create a fresh
database, ``lianjian migrate``, time the real CLI ``lianjian import orgs`` and ``import
members`` (wall time of the process, rows/s), time a re-import of the unchanged members
file, create the accounts with ``lianjian user add``, then time the pages in a child
process (``pages`` sub-command) with Django's test ``Client`` and ``force_login``: median
and p95 of the server time over ``--runs`` requests, the query count from
``CaptureQueriesContext`` and the slowest queries. Results go to ``OUT/results.json``; the
``## 基础平台 (foundation)`` section of ``docs/benchmarks.md`` is rewritten from them
(other sections are left untouched).
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .floor import floor_cpu_seconds, floor_seconds
from .generate import describe, generate, plan_orgs

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## 基础平台 (foundation)"
DOC_TITLE = "# 性能测量 (benchmarks)"
PG_BASE = "postgres://postgres@127.0.0.1:5432/"
PASSWORD = "Bench-Pass-2026!"
MANAGER, ADMIN = "bench-p01", "bench-admin"
TARGET_ROWS_PER_S = 20000  # issue #15 item 1 (was 5,000)
TARGET_FLOOR_RATIO = 2.0
TARGET_MS = 200.0


def log(msg: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", flush=True)


# --- datasets and databases ----------------------------------------------------------------


def dataset(out: Path, n_orgs: int, n_members: int, seed: int) -> tuple[Path, Path, dict[str, int]]:
    """The two files for (n_orgs, n_members, seed), generated once and reused afterwards."""
    folder = out / f"data-{n_orgs}-{n_members}-s{seed}"
    meta = folder / "meta.json"
    if meta.exists():
        return folder / "orgs.xlsx", folder / "members.xlsx", json.loads(meta.read_text())
    log(f"生成数据 {n_orgs} 个组织 / {n_members} 名党员 → {folder}")
    t = time.perf_counter()
    orgs, members, plan = generate(folder, n_orgs, n_members, seed=seed)
    info = describe(plan)
    info["生成秒数"] = round(time.perf_counter() - t)
    meta.write_text(json.dumps(info, ensure_ascii=False))
    return orgs, members, info


def _postgres_reachable() -> bool:
    try:
        proc = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SELECT 1"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def fresh_database(db: str, out: Path, name: str) -> str:
    """Drop and create the database ``name`` on ``db``; returns its LIANJIAN_DATABASE_URL."""
    if db == "sqlite":
        path = out / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)
    return PG_BASE + name


def cli(url: str, out: Path, *args: str, prefix: tuple[str, ...] = ()) -> tuple[float, str]:
    """Run ``lianjian ARGS`` against ``url``; returns (wall seconds, stdout). Fails loudly."""
    env = {
        **os.environ,
        "LIANJIAN_DATABASE_URL": url,
        "LIANJIAN_DATA_DIR": str(out / "data"),
        "LIANJIAN_DEBUG": "0",
    }
    cmd = [*prefix, str(BIN / "lianjian"), *args]
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(
            f"命令失败（{proc.returncode}）：{' '.join(cmd)}\n{proc.stdout}\n{proc.stderr[-4000:]}"
        )
    return elapsed, proc.stdout.strip()


def run_dataset(
    db: str,
    out: Path,
    label: str,
    n_orgs: int,
    n_members: int,
    seed: int,
    runs: int,
    profile: bool,
    analyze: bool,
) -> dict[str, Any]:
    orgs_file, members_file, info = dataset(out, n_orgs, n_members, seed)
    # BENCH_DB_PREFIX: a database name of one's own when several people run this on one server.
    name = f"{os.environ.get('BENCH_DB_PREFIX', 'lianjian_bench')}_{label}"
    url = fresh_database(db, out, name)
    log(f"[{db}/{label}] migrate")
    cli(url, out, "migrate", "--noinput")
    result: dict[str, Any] = {
        "db": db,
        "label": label,
        "orgs": n_orgs,
        "members": n_members,
        "data": info,
    }
    # The fixed cost of starting the CLI (Python, Django, settings), part of every import's time.
    # The importer was being optimised while this benchmark was written: record which version ran.
    # (the engine and the two kinds are packages or modules, whichever the tree holds)
    sources = [p for app in ("core", "orgs") for p in (ROOT / "lianjian" / app).glob("excel*")]
    sources += [p for source in list(sources) if source.is_dir() for p in source.glob("*.py")]
    result["importer_mtime"] = max(
        datetime.datetime.fromtimestamp(p.stat().st_mtime) for p in sources
    ).isoformat(timespec="seconds")
    result["startup_s"] = round(min(cli(url, out, "import", "--help")[0] for _ in range(3)), 2)
    result["imports"] = time_imports(
        db, out, label, url, orgs_file, members_file, n_orgs, n_members, result["startup_s"]
    )
    if profile:
        result["profile"] = profile_import(db, out, label, orgs_file, members_file)
    cli(
        url,
        out,
        "user",
        "add",
        MANAGER,
        "--role",
        "manager",
        "--org",
        "P01",
        "--password",
        PASSWORD,
    )
    cli(url, out, "user", "add", ADMIN, "--role", "admin", "--password", PASSWORD)
    log(f"[{db}/{label}] 页面计时")
    plan = plan_orgs(n_orgs, n_members, seed=seed)
    branch = max(
        (b for b in plan.branches if b.code.startswith("P01")), key=lambda b: (b.members, b.code)
    )
    env = {
        **os.environ,
        "LIANJIAN_DATABASE_URL": url,
        "LIANJIAN_DATA_DIR": str(out / "data"),
        "LIANJIAN_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "lianjian.settings",
    }
    proc = subprocess.run(
        [
            str(BIN / "python"),
            "-m",
            "bench.foundation",
            "pages",
            "--runs",
            str(runs),
            "--branch",
            branch.code,
            *(() if analyze else ("--no-analyze",)),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"页面计时失败：\n{proc.stderr[-4000:]}")
    result.update(json.loads(proc.stdout))
    for page in result["pages"]:
        log(
            f"    {page['user']:<6} {page['name']:<16} 中位 {page['median_ms']:>8.1f} ms  "
            f"p95 {page['p95_ms']:>8.1f} ms  CPU {page['cpu_median_ms']:>7.1f} ms  "
            f"查询 {page['queries']}"
        )
    return result


def time_imports(
    db: str,
    out: Path,
    label: str,
    url: str,
    orgs_file: Path,
    members_file: Path,
    n_orgs: int,
    n_members: int,
    startup_s: float,
) -> list[dict[str, Any]]:
    """Time ``lianjian import orgs``, ``import members`` and a re-import of the unchanged
    members file into the migrated database at ``url``, each beside the floor of its file
    measured in the same run (bench/foundation/floor.py)."""
    imports = []
    steps = [
        ("orgs", orgs_file, n_orgs, "新建"),
        ("members", members_file, n_members, "新建"),
        ("members", members_file, n_members, "重复导入（无变化）"),
    ]
    floors: dict[Path, float] = {}
    cpu_floors: dict[Path, float] = {}
    for kind, file, rows, note in steps:
        # The floor of the same file, measured in the same run just before (bench/foundation/floor.py).
        floor = floors[file] = floors.get(file) or floor_seconds(file)
        cpu_floor = cpu_floors[file] = cpu_floors.get(file) or floor_cpu_seconds(file)
        log(f"[{db}/{label}] import {kind} {note}（底线 {floor:.2f} s）")
        # CPU seconds of the import process (user + system, start-up included): unlike the
        # wall time it does not grow with other jobs on a shared machine. On PostgreSQL the
        # server process's work is not in it.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        secs, stdout = cli(url, out, "import", kind, str(file))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        imports.append(
            {
                "kind": kind,
                "note": note,
                "rows": rows,
                "seconds": round(secs, 2),
                "cpu_s": round(cpu_s, 2),
                "floor_cpu_s": round(cpu_floor, 2),
                "ratio_cpu": round(cpu_s / cpu_floor, 1),
                "load": round(os.getloadavg()[0], 1),
                "rows_per_s": round(rows / secs),
                "floor_s": round(floor, 2),
                "ratio": round(secs / floor, 1),
                "ratio_net": round(max(secs - startup_s, 0) / floor, 1),
                "output": stdout,
            }
        )
        log(
            f"    {secs:.1f} s（CPU {cpu_s:.1f} s），{rows / secs:.0f} 行/秒，"
            f"底线的 {secs / floor:.1f} 倍：{stdout}"
        )
    return imports


def profile_import(
    db: str, out: Path, label: str, orgs_file: Path, members_file: Path
) -> dict[str, str]:
    """cProfile of a fresh orgs + members import into a scratch database: the top functions."""
    import pstats

    url = fresh_database(db, out, f"lianjian_bench_{label}_profile")
    cli(url, out, "migrate", "--noinput")
    texts = {}
    for kind, file in (("orgs", orgs_file), ("members", members_file)):
        prof = out / f"profile-{db}-{label}-{kind}.prof"
        log(f"[{db}/{label}] cProfile import {kind}")
        cli(
            url,
            out,
            "import",
            kind,
            str(file),
            prefix=(str(BIN / "python"), "-m", "cProfile", "-o", str(prof)),
        )
        lines = []
        for sort in ("tottime", "cumulative"):
            buf = io.StringIO()
            pstats.Stats(str(prof), stream=buf).strip_dirs().sort_stats(sort).print_stats(25)
            lines.append(buf.getvalue())
        texts[kind] = "\n".join(lines)
        (out / f"profile-{db}-{label}-{kind}.txt").write_text(texts[kind])
    return texts


# --- the page timer (child process, settings from the environment) ---------------------------


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def time_pages(runs: int, branch_code: str, analyze: bool) -> dict[str, Any]:
    """Server time and query count of each page, as the P01 manager and as the admin.

    With ``analyze`` the planner statistics are refreshed first (``ANALYZE``): the server
    here runs PostgreSQL with autovacuum off and SQLite never gathers them by itself, so
    right after a bulk import both plan as if the tables were empty.
    """
    import django

    django.setup()
    from django.db import connection

    analyze_s = None
    if analyze:
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        analyze_s = round(time.perf_counter() - t, 1)
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lianjian.accounts.models import User
    from lianjian.orgs.models import Member, Organisation

    manager = User.objects.get(username=MANAGER)
    admin = User.objects.get(username=ADMIN)
    visible = Member.objects.visible_to(manager).current().count()
    last_page = max(1, -(-visible // 20))
    visible_all = Member.objects.current().count()
    scope_orgs = Organisation.objects.visible_to(manager).count()
    hx = {"HTTP_HX_REQUEST": "true"}
    deep_all = -(-visible_all // 20)
    from lianjian.accounts.models import ApiToken
    from lianjian.core.paging import encode_cursor
    from lianjian.orgs.selectors import MEMBER_LIST_KEY

    def cursor_at(user: Any, row: int, number: int = 0) -> str:
        """The cursor after the ``row``-th member of ``user``'s list (0-based): a deep page."""
        m = Member.objects.visible_to(user).current().order_by(*MEMBER_LIST_KEY)[row]
        return encode_cursor([m.number], number=number)

    mid_p01, mid_all = visible // 2, visible_all // 2
    api_p01 = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=manager, name='bench')[1]}"}
    api_all = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=admin, name='bench')[1]}"}
    # (key, label, user, url, headers): the key names the same page on every dataset.
    pages: list[tuple[str, str, Any, str, dict[str, str]]] = [
        ("home", "首页", manager, "/", {}),
        ("tree", "组织树", manager, "/orgs/", {}),
        ("children", "树子节点 P01", manager, "/orgs/o/P01/children/", hx),
        ("org_search", "组织搜索“营销部”", manager, "/orgs/?q=营销部", {}),
        ("members", "党员列表 第1页", manager, "/orgs/members/", {}),
        (
            "members_cursor",
            f"党员列表 第{mid_p01 // 20 + 2:,}页（游标“下一页”）",
            manager,
            f"/orgs/members/?after={cursor_at(manager, mid_p01, mid_p01 // 20 + 2)}",
            {},
        ),
        (
            "members_last",
            f"党员列表 末页（第{last_page:,}页）",
            manager,
            "/orgs/members/?last=1",
            {},
        ),
        ("member_search", "党员搜索“zs”", manager, "/orgs/members/?q=zs", {}),
        ("member_search_name", "党员搜索“张伟”", manager, "/orgs/members/?q=张伟", {}),
        ("branch", f"支部详情 {branch_code}", manager, f"/orgs/o/{branch_code}/", {}),
        ("api_members", "API 党员列表 50 条", manager, "/api/v1/members", api_p01),
        (
            "api_members_cursor",
            "API 党员列表 50 条（after 游标，深处）",
            manager,
            f"/api/v1/members?after={cursor_at(manager, mid_p01)}",
            api_p01,
        ),
        ("home", "首页", admin, "/", {}),
        ("tree", "组织树", admin, "/orgs/", {}),
        ("members", "党员列表 第1页", admin, "/orgs/members/", {}),
        (
            "members_cursor",
            f"党员列表 第{mid_all // 20 + 2:,}页（游标“下一页”）",
            admin,
            f"/orgs/members/?after={cursor_at(admin, mid_all, mid_all // 20 + 2)}",
            {},
        ),
        ("members_last", f"党员列表 末页（第{deep_all:,}页）", admin, "/orgs/members/?last=1", {}),
        (
            "members_deep",
            f"党员列表 第{deep_all:,}页（旧链接 ?page=，OFFSET）",
            admin,
            f"/orgs/members/?page={deep_all}",
            {},
        ),
        ("member_search", "党员搜索“zs”", admin, "/orgs/members/?q=zs", {}),
        ("member_search_name", "党员搜索“张伟”", admin, "/orgs/members/?q=张伟", {}),
        ("api_members", "API 党员列表 50 条", admin, "/api/v1/members", api_all),
        (
            "api_members_cursor",
            "API 党员列表 50 条（after 游标，深处）",
            admin,
            f"/api/v1/members?after={cursor_at(admin, mid_all)}",
            api_all,
        ),
    ]
    clients = {}
    for user in (manager, admin):
        c = Client()
        c.force_login(user)
        clients[user.pk] = c
    results = []
    for key, name, user, url, headers in pages:
        c = clients[user.pk]
        resp = c.get(url, **headers)  # warm-up: caches, template loading, DB pages
        if resp.status_code != 200:
            raise SystemExit(f"{url} 返回 {resp.status_code}")
        with CaptureQueriesContext(connection) as ctx:
            c.get(url, **headers)
        # captured_queries reads connection.queries lazily, which the next request resets: copy now.
        captured = list(ctx.captured_queries)
        slow = sorted(captured, key=lambda q: -float(q["time"]))[:3]
        times, cpu = [], []
        budget = time.perf_counter() + 60.0  # a slow page still gets ≥ 5 runs, but at most ~1 min
        for i in range(runs):
            # CPU time of this process as well as wall time: on a shared machine the wall time
            # includes waiting for a core; the CPU time does not (on SQLite it includes the
            # database's work, on PostgreSQL the server process's work is not in it).
            t, cp = time.perf_counter(), time.process_time()
            c.get(url, **headers)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - cp) * 1000)
            if i >= 4 and time.perf_counter() > budget:
                break
        median_ms = statistics.median(times)
        results.append(
            {
                "key": key,
                "name": name,
                "user": "管理员" if user.role == "admin" else "P01 管理员",
                "url": url,
                "runs": len(times),
                "median_ms": round(median_ms, 1),
                "p95_ms": round(_percentile(times, 0.95), 1),
                "cpu_median_ms": round(statistics.median(cpu), 1),
                "cpu_p95_ms": round(_percentile(cpu, 0.95), 1),
                "load": round(os.getloadavg()[0], 1),
                "queries": len(captured),
                "bytes": len(resp.content),
                "slowest": [
                    {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:400]} for q in slow
                ],
                # Over the goal: where the time goes (the Python side and the slowest query's plan).
                **(
                    _explain_gap(c, url, headers, slow[0]["sql"] if slow else "")
                    if median_ms > TARGET_MS
                    else {}
                ),
            }
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]
    else:
        size = sum(
            Path(f"{connection.settings_dict['NAME']}{s}").stat().st_size
            for s in ("", "-wal")
            if Path(f"{connection.settings_dict['NAME']}{s}").exists()
        )
    return {
        "pages": results,
        "scope": {"P01 可见组织": scope_orgs, "P01 可见党员": visible},
        "db_mb": round(size / 2**20),
        "load": round(os.getloadavg()[0], 1),
        "analyze_s": analyze_s,
    }


def _explain_gap(client: Any, url: str, headers: dict[str, str], sql: str) -> dict[str, Any]:
    """For a page over the goal: the cProfile top entries of one request (by cumulative and
    by own time) and the plan of its slowest query (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN
    QUERY PLAN on SQLite; ``captured_queries`` holds the SQL with its parameters inlined)."""
    import cProfile
    import pstats

    from django.db import connection

    prof = cProfile.Profile()
    prof.enable()
    client.get(url, **headers)
    prof.disable()
    texts = []
    for sort in ("cumulative", "tottime"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(sort).print_stats(18)
        texts.append(buf.getvalue().split("\n", 4)[-1].strip())
    plan: list[str] = []
    if sql:
        prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        try:
            with connection.cursor() as cur:
                cur.execute(prefix + sql)
                plan = [" ".join(str(v) for v in row) for row in cur.fetchall()]
        except Exception as exc:  # noqa: BLE001 — the inlined SQL may not parse back; say so
            plan = [f"(EXPLAIN 失败：{exc})"]
    return {"profile_cumulative": texts[0], "profile_tottime": texts[1], "plan": plan}


# --- the document -----------------------------------------------------------------------------


def _machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    import sqlite3

    return (
        f"{os.cpu_count()} 核 {cpu}，内存 {mem:.0f} GiB；Python {platform.python_version()}，"
        f"SQLite {sqlite3.sqlite_version}，PostgreSQL {pg or '?'}（本机，默认配置）"
    )


def render(results: list[dict[str, Any]], machine: str, comment: str) -> str:
    """Our section of docs/benchmarks.md from the results (full and small dataset per database)."""
    lines = [
        HEADING,
        "",
        f"测量日期 {datetime.date.today():%Y-%m-%d}；机器：{machine}。"
        "测量时机器上还有其他进程在运行（见各表的系统负载），数字会偏慢、有波动。",
        "运行：`make bench`（即 `.venv/bin/python -m bench.foundation`，"
        "可选 `--orgs N --members M --db sqlite|postgres|both --small 10 --runs 20`），"
        "数据与原始结果在 `/tmp/bench-foundation/`。",
        "",
    ]
    full = [r for r in results if r["label"] == "full"]
    small = {r["db"]: r for r in results if r["label"] != "full"}
    if full:
        f0 = full[0]
        d = f0["data"]
        kinds = "、".join(
            f"{k} {d[k]:,}" for k in ("党委", "党总支", "党支部", "党小组", "外部单位") if k in d
        )
        lines += [
            "### 数据",
            "",
            f"全量：{f0['orgs']:,} 个组织（{kinds}），{f0['members']:,} 名党员"
            f"（都在党支部，支部平均 {d['支部平均人数']} 人，最大 {d['最大支部人数']} 人）。"
            f"页面以省级党委 P01 的组织管理员身份计时：其下 {d['P01 下党支部']:,} 个党支部，"
            f"共 {f0['scope']['P01 可见组织']:,} 个组织、{f0['scope']['P01 可见党员']:,} 名党员；"
            "另以系统管理员身份（全部数据）测首页、组织树和党员列表。"
            + (
                f"对照组为 1/{round(f0['orgs'] / next(iter(small.values()))['orgs'])} 规模的同构数据。"
                if small
                else ""
            ),
            "",
            "数据由 `bench/foundation/generate.py` 按固定种子生成，列与 contracts §3 完全一致："
            "五级组织树（集团党委 → 20 个省级党委 → 市级党委/党总支 → 党支部 → 党小组，每省若干外部单位），"
            "专业、地址与全国各地的坐标、优势资源与需求、成立日期与任期（少数任期将满或已过期）；"
            "党员有中文姓名、性别、出生日期、入党与转正日期（约 3% 预备党员）、党内职务（支委、党小组长）、"
            "工作岗位、有效的 11 位手机号和带 GB 11643 校验位且与出生日期、性别一致的身份证号。"
            "文件用 xlsxwriter 的 `constant_memory` 模式写出（单元格为内联字符串）。",
            "",
        ]
    lines += [
        "### 导入",
        "",
        "真实命令行 `lianjian import KIND FILE`，新建的空库（先 `lianjian migrate`），"
        "计整个进程的墙钟时间（含启动 Python 与 Django，约见“启动”列）。",
        "",
        "“底线”为同一次运行中、导入之前测得的物理下限（`bench/foundation/floor.py`）：用 python-calamine "
        "读同一文件并把各行插入一张新建的、带两个索引的 SQLite 表，不做校验、不写审计、不含进程启动；"
        "“倍数”= 导入秒数 ÷ 底线秒数，“去启动倍数”先减去“启动”列。",
        "",
        "| 数据库 | 数据集 | 类型 | 行数 | 秒 | 行/秒 | 底线 秒 | 倍数 | 去启动倍数 | 启动 秒 | 负载 |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for imp in r["imports"]:
            ok = "" if imp["rows_per_s"] >= TARGET_ROWS_PER_S else " ✗"
            ratio = imp.get("ratio")
            ratio_ok = "" if ratio is None or ratio <= TARGET_FLOOR_RATIO else " ✗"
            lines.append(
                f"| {r['db']} | {r['label']} | {imp['kind']} {imp['note']} | {imp['rows']:,} | "
                f"{imp['seconds']:.1f} | {imp['rows_per_s']:,}{ok} | {imp.get('floor_s', '—')} | "
                f"{ratio if ratio is not None else '—'}{ratio_ok} | {imp.get('ratio_net', '—')} | "
                f"{r.get('startup_s', 0):.1f} | {imp.get('load', '')} |"
            )
    lines += [
        "",
        f"✗ = 低于目标 {TARGET_ROWS_PER_S:,} 行/秒，或超过底线的 {TARGET_FLOOR_RATIO:g} 倍。",
        "",
        "### 页面服务器时间",
        "",
        "Django 测试 `Client` + `force_login`，在基准进程内计时（中间件、视图、模板、数据库，不含网络）；"
        "先预热一次，再计时 `--runs` 次取中位数与 p95；查询数由 `CaptureQueriesContext` 统计"
        "（含会话、用户等每页固定的几次查询）。计时前先执行一次 `ANALYZE`（`--no-analyze` 可关闭）："
        "本机 PostgreSQL 关闭了 autovacuum，SQLite 从不自动收集统计信息，刚批量导入后两者都按空表做查询计划。"
        "⚠ = 中位数超过 200 ms。",
        "",
    ]
    for r in full:
        s = small.get(r["db"])
        sp = {(p["user"], p["key"]): p for p in (s["pages"] if s else [])}
        head = f"**{r['db']}**（全量库 {r['db_mb']:,} MB，计时时负载 {r.get('load', '?')}"
        head += f"；对照组 {s['orgs']:,} 组织 / {s['members']:,} 党员）" if s else "）"
        lines += [
            head,
            "",
            "| 用户 | 页面 | 中位 ms | p95 ms | 查询数 | 对照组中位 ms | 对照组查询数 |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for p in r["pages"]:
            q = sp.get((p["user"], p["key"]))
            flag = " ⚠" if p["median_ms"] > TARGET_MS else ""
            lines.append(
                f"| {p['user']} | {p['name']} | {p['median_ms']:.1f}{flag} | {p['p95_ms']:.1f} | "
                f"{p['queries']} | {q['median_ms'] if q else '—'} | {q['queries'] if q else '—'} |"
            )
        if s:
            diff = [
                p["name"]
                for p in r["pages"]
                if (p["user"], p["key"]) in sp
                and sp[(p["user"], p["key"])]["queries"] != p["queries"]
            ]
            lines += [
                "",
                "查询数与数据量无关：全量与对照组每个页面的查询数完全相同。"
                if not diff
                else "查询数随数据量变化的页面：" + "、".join(diff) + "。",
            ]
        lines.append("")
    if comment:
        lines += ["### 结论", "", comment.strip(), ""]
    return "\n".join(lines)


def existing_comment() -> str:
    """The 结论 paragraph already in our section of the document ('' if none), kept on a re-run."""
    if not DOC.exists():
        return ""
    text = DOC.read_text()
    start = text.find(HEADING)
    if start < 0:
        return ""
    rest = text[start + len(HEADING) :]
    end = rest.find("\n## ")
    section = rest if end < 0 else rest[:end]
    mark = section.find("### 结论")
    return section[mark + len("### 结论") :].strip() if mark >= 0 else ""


def write_doc(section: str) -> None:
    """Replace (or append) our section of docs/benchmarks.md, keeping every other section."""
    text = (
        DOC.read_text()
        if DOC.exists()
        else (f"{DOC_TITLE}\n\n所有计时都在本机（2 核、24 GiB 内存）上测得。\n")
    )
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == HEADING), None)
    if start is None:
        new = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        new = (
            "\n".join(
                [
                    *lines[:start],
                    *section.rstrip("\n").splitlines(),
                    *([""] if end < len(lines) else []),
                    *lines[end:],
                ]
            )
            + "\n"
        )
    DOC.write_text(new)


# --- entry point ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["pages"]:
        p = argparse.ArgumentParser(prog="python -m bench.foundation pages")
        p.add_argument("--runs", type=int, default=20)
        p.add_argument("--branch", required=True)
        p.add_argument("--no-analyze", action="store_true")
        a = p.parse_args(argv[1:])
        json.dump(time_pages(a.runs, a.branch, not a.no_analyze), sys.stdout, ensure_ascii=False)
        return 0
    p = argparse.ArgumentParser(
        prog="python -m bench.foundation", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--orgs", type=int, default=40000, help="组织数（默认 40000）")
    p.add_argument("--members", type=int, default=400000, help="党员数（默认 400000）")
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument(
        "--small", type=int, default=10, help="另测 1/N 规模的数据集以比较查询数；0 = 不测"
    )
    p.add_argument("--runs", type=int, default=20, help="每个页面的计时次数")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--out", type=Path, default=Path("/tmp/bench-foundation"), help="数据与结果目录（仓库之外）"
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="另用 cProfile 剖析一次导入（写入 OUT/profile-*.txt）",
    )
    p.add_argument("--no-doc", action="store_true", help="不改写 docs/benchmarks.md")
    p.add_argument(
        "--no-analyze",
        action="store_true",
        help="页面计时前不执行 ANALYZE（刚导入完、无统计信息时的情形）",
    )
    p.add_argument("--comment", type=Path, help="结论段落（Markdown 文件），写入文档")
    p.add_argument(
        "--render-only", action="store_true", help="不测量，只用 OUT/results.json 改写文档"
    )
    p.add_argument(
        "--sets", default="full,small", help="要测的数据集：full、small 或两者（逗号分隔）"
    )
    p.add_argument(
        "--merge",
        action="store_true",
        help="保留 OUT/results.json 中本次未测的（数据库, 数据集）结果，只替换本次测的",
    )
    a = p.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    results_file = a.out / "results.json"
    if a.render_only:
        comment = a.comment.read_text() if a.comment else existing_comment()
        write_doc(render(json.loads(results_file.read_text()), _machine(), comment))
        return 0
    dbs = ["sqlite", "postgres"] if a.db == "both" else [a.db]
    if a.db == "both" and not _postgres_reachable():
        log("PostgreSQL 不可用（psql -h 127.0.0.1 -U postgres 连接失败），只测 SQLite")
        dbs = ["sqlite"]
    sets = [("full", a.orgs, a.members)]
    if a.small:
        sets.append(("small", a.orgs // a.small, a.members // a.small))
    wanted = {x.strip() for x in a.sets.split(",") if x.strip()}
    sets = [t for t in sets if t[0] in wanted]
    measured = {(db, t[0]) for db in dbs for t in sets}
    results = []
    if a.merge and results_file.exists():
        results = [
            r for r in json.loads(results_file.read_text()) if (r["db"], r["label"]) not in measured
        ]
    for db in dbs:
        for label, n_orgs, n_members in sets:
            results.append(
                run_dataset(
                    db,
                    a.out,
                    label,
                    n_orgs,
                    n_members,
                    a.seed,
                    a.runs,
                    a.profile and label == "full",
                    not a.no_analyze,
                )
            )
            results_file.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    log(f"结果：{results_file}")
    if not a.no_doc:
        comment = a.comment.read_text() if a.comment else existing_comment()
        write_doc(render(results, _machine(), comment))
        log(f"已写入 {DOC} 的“{HEADING}”一节")
    return 0
