"""Load test on PostgreSQL behind gunicorn: ``python -m bench.load`` (not part of ``make test``).

1. **Prepare** a fresh PostgreSQL database ``--db`` on 127.0.0.1: ``migrate``, ``lianjian demo``,
   and 1/10 of the foundation benchmark's data (4,000 organisations, 40,000 members, written by
   ``bench/foundation/generate.py`` and loaded with ``lianjian import``), then ``ANALYZE``; the
   writes' targets (each secretary's editable held activities and their members, the resources
   they may book, the problems their organisations handle) go to ``OUT/targets.json``.
2. **Serve** it with gunicorn on 127.0.0.1 (``--workers``, sync workers, DEBUG off, persistent
   connections as ``lianjian.wsgi`` sets them).
3. **Load** it with Locust, headless: ``--users`` people of mixed roles (bench/load/locustfile.py),
   each pausing 1–3 s between steps, for ``--time`` seconds, at most ``--max-requests``
   requests; loopback only.
4. **Report** per page group (requests, failures, p50/p95/max, throughput), the outcome of every
   write (done / refused with its message), the 5xx answers and tracebacks in gunicorn's log,
   and write the section "负载测试 (load)" of docs/benchmarks.md (``--no-doc`` to skip).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.foundation.run import _machine, cli, dataset, fresh_database
from bench.load.pages import group_of

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## 负载测试 (load)"
TARGET_P95_MS = 300
WRITE_GROUPS = ("写：记录出勤", "写：预约资源", "写：报送办理进展")
MANAGERS = ("admin", "dangwei", "zhibu", "zhibu2")

TARGETS_SCRIPT = """
import json, sys
from django.utils import timezone
from lianjian.accounts.models import User
from lianjian.activities.models import Activity, EDITABLE_STATUSES
from lianjian.consultations.models import Problem
from lianjian.core.scope import CHANGE, may
from lianjian.orgs.models import Organisation
from lianjian.sharing.models import Resource

now = timezone.now()
out = {}
for name in %r:
    u = User.objects.get(username=name)
    acts = (
        Activity.objects.restrict(u, CHANGE)
        .filter(status__in=EDITABLE_STATUSES, start__lt=now)
        .order_by("-start")[:5]
    )
    problems = []
    for p in Problem.objects.visible_to(u).filter(state__in=["已分派", "办理中"]).order_by("code"):
        problems += [
            {"code": p.code, "org": link.org.code}
            for link in p.owner_links.all()
            if may(u, CHANGE, link.org)
        ][:1]
    org = u.org or Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    out[name] = {
        "org": org.code,
        "activities": [
            {"code": a.code, "members": list(a.attendances.values_list("member_id", flat=True))}
            for a in acts
        ],
        "resources": list(Resource.objects.visible_to(u).order_by("code").values_list("code", flat=True)[:10]),
        "problems": problems[:5],
    }
json.dump(out, sys.stdout, ensure_ascii=False)
"""


def log(msg: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", flush=True)


def _env(url: str, out: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LIANJIAN_DATABASE_URL": url,
        "LIANJIAN_DATA_DIR": str(out / "data"),
        "LIANJIAN_DEBUG": "false",
        "LIANJIAN_ALLOWED_HOSTS": "127.0.0.1",
    }


def prepare(db: str, out: Path, seed: int) -> str:
    url = fresh_database("postgres", out, db)
    log(f"数据库 {db}：migrate、demo")
    cli(url, out, "migrate", "--noinput")
    cli(url, out, "demo")
    orgs, members, info = dataset(out, 4000, 40000, seed)
    log(f"导入 1/10 规模数据：{info}")
    for kind, path in (("orgs", orgs), ("members", members)):
        seconds, _ = cli(url, out, "import", kind, str(path))
        log(f"  import {kind}：{seconds:.1f} s")
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-qc", "ANALYZE"], check=True
    )
    targets(url, out)
    return url


def targets(url: str, out: Path) -> None:
    _, text = cli(url, out, "shell", "-c", TARGETS_SCRIPT % (MANAGERS,))
    data = json.loads(text.splitlines()[-1])
    (out / "targets.json").write_text(json.dumps(data, ensure_ascii=False, indent=1))
    log(
        f"写入目标：{ {k: (len(v['activities']), len(v['resources']), len(v['problems'])) for k, v in data.items()} }"
    )


def serve(url: str, out: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = _env(url, out)
    cmd = [
        str(BIN / "gunicorn"),
        "lianjian.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
        "--access-logfile",
        str(out / "access.log"),
        "--access-logformat",
        '%(t)s "%(r)s" %(s)s %(b)s %(M)sms',
        "--error-logfile",
        str(out / "gunicorn.log"),
    ]
    for name in ("access.log", "gunicorn.log"):
        (out / name).unlink(missing_ok=True)
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as r:
                if r.status == 200:
                    log(f"gunicorn 已启动：{workers} 个 worker，127.0.0.1:{port}")
                    return proc
        except OSError:
            time.sleep(1)
    proc.terminate()
    raise SystemExit("gunicorn 未能在 120 秒内启动，见 gunicorn.log")


def load(
    out: Path,
    port: int,
    users: int,
    seconds: int,
    max_requests: int,
    spawn_rate: float,
    prefix: str = "locust",
) -> int:
    env = {
        **os.environ,
        "LOAD_TARGETS": str(out / "targets.json"),
        "LOAD_WRITES": str(out / "writes.json"),
        "LOAD_MAX_REQUESTS": str(max_requests),
        "PYTHONPATH": str(ROOT),
    }
    cmd = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(out / prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    log(f"Locust（{prefix}）：{users} 人，{seconds} 秒，最多 {max_requests} 个请求")
    return subprocess.run(cmd, env=env, cwd=ROOT).returncode


def _uptime() -> str:
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


ACCESS = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[0-9.]+" (?P<status>\d+) \S+ (?P<ms>\d+)ms'
)


def _pct(values: list[int], q: float) -> float | None:
    """The ``q`` quantile of sorted ``values`` (nearest rank), None when there are none."""
    if not values:
        return None
    return float(values[min(len(values) - 1, round(q * (len(values) - 1)))])


def summarise(out: Path) -> dict[str, Any]:
    rows = list(csv.DictReader((out / "locust_stats.csv").open(encoding="utf-8")))
    groups = []
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        groups.append(
            {
                "name": row["Name"],
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "max": float(row["Max Response Time"]),
            }
        )
    total = next(r for r in rows if r["Name"] == "Aggregated")
    access = (out / "access.log").read_text(encoding="utf-8", errors="replace").splitlines()
    server_errors = [line for line in access if '" 5' in line]
    server_ms: dict[str, list[int]] = {}
    for line in access:
        m = ACCESS.search(line)
        if m:
            server_ms.setdefault(group_of(m["method"], m["path"]), []).append(int(m["ms"]))
    for g in groups:
        times = sorted(server_ms.get(g["name"], []))
        g["server_p50"] = _pct(times, 0.50)
        g["server_p95"] = _pct(times, 0.95)
    glog = (out / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
    failures = out / "locust_failures.csv"
    writes_file = out / "writes.json"
    return {
        "groups": sorted(groups, key=lambda g: (g["name"].startswith("写"), -g["p95"])),
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "max": float(total["Max Response Time"]),
        "server_errors": server_errors[:20],
        "server_error_count": len(server_errors),
        "tracebacks": glog.count("Traceback"),
        "failure_rows": list(csv.DictReader(failures.open(encoding="utf-8")))
        if failures.exists()
        else [],
        "writes": json.loads(writes_file.read_text()) if writes_file.exists() else {},
    }


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def render(s: dict[str, Any], meta: dict[str, Any]) -> str:
    page_groups = [
        g for g in s["groups"] if not g["name"].startswith("写") and g["method"] == "GET"
    ]
    slow = [g["name"] for g in page_groups if g["p95"] >= TARGET_P95_MS]
    lines = [
        HEADING,
        "",
        f"测量：{meta['date']}，`python -m bench.load`（bench/load/run.py，locustfile.py）。"
        f"机器：{meta['machine']}。",
        f"负载（/proc/loadavg 1/5/15 分钟）：开始前 {meta['load_before']}，结束时 {meta['load_after']}。"
        "本机 2 核由 gunicorn、PostgreSQL 与 Locust 自身共用（另有进程时负载见上）；同一次运行内的比较才可靠。",
        "",
        f"设置：PostgreSQL（本机，默认配置）数据库 `{meta['db']}`：演示数据 + 基础平台 1/10 规模数据"
        "（4,000 个组织、40,000 名党员，`lianjian import` 导入），`ANALYZE` 之后；"
        f"gunicorn {meta['workers']} 个同步 worker（2 核 × 2），DEBUG 关闭，数据库持久连接 60 秒；"
        f"Locust 无界面模式，{meta['users']} 名已登录用户（管理员、党委、两个支部书记、党员、"
        f"巡察、纪检、审计、决策办按权重分配），每步之间停 1–3 秒，运行 {meta['seconds']} 秒"
        f"（上限 {meta['max_requests']} 个请求；之前 8 人预热 {meta['warmup']} 秒，不计入），"
        "只连 127.0.0.1。每个用户登录一次，"
        "然后浏览其菜单中的主要页面，支部书记与党委还会记录出勤、预约共享资源、报送事务共商问题的办理进展"
        f"（表单提交，带 CSRF 令牌）。用户每秒登录 {meta['spawn_rate']:g} 人。"
        "p50/p95/最大为客户端（Locust）测得的响应时间，含在 gunicorn 队列中的等待和回环网络"
        "（Locust 的百分位在 100 ms 以上取两位有效数字）；「服务器」两列取自 gunicorn 访问日志，"
        "是 worker 处理该请求的时间（写入一行只计 POST 本身，跳转后的页面另计）。",
        "",
        f"**目标：页面 p95 < {TARGET_P95_MS} ms，错误为零，每次写入要么完成、要么给出明确的拒绝信息。**",
        "",
        "| 合计 | 请求 | 失败 | 吞吐 (请求/秒) | p50 | p95 | 最大 | 5xx | 日志中的 Traceback |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| 全部 | {s['requests']:,} | {s['failures']} | {s['rps']:.1f} | {s['p50']:.0f} ms | "
        f"{s['p95']:.0f} ms | {s['max']:.0f} ms | {s['server_error_count']} | {s['tracebacks']} |",
        "",
        "| 页面组 | 方法 | 请求 | 失败 | p50 (ms) | p95 (ms) | 最大 (ms) | 服务器 p50 | 服务器 p95 | 目标 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for g in s["groups"]:
        goal = f"p95 < {TARGET_P95_MS} ms" if g["method"] == "GET" else "完成或明确拒绝"
        mark = "" if g["method"] != "GET" or g["p95"] < TARGET_P95_MS else " ✗"
        lines.append(
            f"| {g['name']} | {g['method']} | {g['requests']:,} | {g['failures']} | {g['p50']:.0f} | "
            f"{g['p95']:.0f}{mark} | {g['max']:.0f} | {_ms(g['server_p50'])} | "
            f"{_ms(g['server_p95'])} | {goal} |"
        )
    lines += ["", "写入结果（次数）：", ""]
    for key, n in sorted(s["writes"].items()):
        lines.append(f"- {key}：{n}")
    lines += [""]
    if s["failure_rows"]:
        lines.append("失败：")
        for row in s["failure_rows"][:10]:
            lines.append(
                f"- {row['Method']} {row['Name']}：{row['Error']}（{row['Occurrences']} 次）"
            )
        lines.append("")
    verdict = (
        "错误为零。"
        if s["failures"] == 0 and s["server_error_count"] == 0
        else f"有 {s['failures']} 个失败、{s['server_error_count']} 个 5xx（见上）。"
    )
    verdict += (
        f"全部页面组 p95 < {TARGET_P95_MS} ms。"
        if not slow
        else f"p95 未达目标的页面组：{'、'.join(slow)}。"
    )
    lines += [f"结论：{verdict}", ""]
    if meta.get("comment"):
        lines += [meta["comment"].rstrip("\n"), ""]
    return "\n".join(lines)


def write_doc(section: str) -> None:
    """Replace (or append) this section of docs/benchmarks.md, keeping every other section."""
    lines = DOC.read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == HEADING), None)
    if start is None:
        DOC.write_text("\n".join(lines).rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n")
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    rest = ["", *lines[end:]] if end < len(lines) else []
    DOC.write_text("\n".join([*lines[:start], *section.rstrip("\n").splitlines(), *rest]) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="lianjian_bench_load", help="PostgreSQL 数据库名（会被重建）")
    p.add_argument("--out", type=Path, default=Path("/tmp/bench-load"), help="数据、日志与结果目录")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--time", type=int, default=300, help="运行秒数")
    p.add_argument("--max-requests", type=int, default=30000)
    p.add_argument("--spawn-rate", type=float, default=1.0, help="每秒新登录的用户数")
    p.add_argument("--warmup", type=int, default=20, help="不计入结果的预热秒数")
    p.add_argument("--workers", type=int, default=4, help="gunicorn worker 数（2 核 × 2）")
    p.add_argument("--port", type=int, default=18765)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--skip-prepare", action="store_true", help="沿用上次准备好的数据库")
    p.add_argument("--no-doc", action="store_true", help="不改写 docs/benchmarks.md")
    p.add_argument("--comment", type=Path, help="结论段落（Markdown 文件），写入文档")
    a = p.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    url = f"postgres://postgres@127.0.0.1:5432/{a.db}"
    if a.skip_prepare:
        targets(url, a.out)
    else:
        prepare(a.db, a.out, a.seed)
    for name in ("locust_stats.csv", "locust_failures.csv", "writes.json"):
        (a.out / name).unlink(missing_ok=True)
    server = serve(url, a.out, a.port, a.workers)
    try:
        # Warm-up, not counted: each worker imports the views and templates on first use.
        load(a.out, a.port, 8, a.warmup, 2000, 8, prefix="warmup")
        (a.out / "writes.json").unlink(missing_ok=True)
        load_before = _uptime()
        code = load(a.out, a.port, a.users, a.time, a.max_requests, a.spawn_rate)
    finally:
        load_after = _uptime()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    s = summarise(a.out)
    (a.out / "summary.json").write_text(json.dumps(s, ensure_ascii=False, indent=1))
    meta = {
        "date": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "machine": _machine(),
        "load_before": load_before,
        "load_after": load_after,
        "db": a.db,
        "workers": a.workers,
        "users": a.users,
        "seconds": a.time,
        "warmup": a.warmup,
        "max_requests": a.max_requests,
        "spawn_rate": a.spawn_rate,
        "comment": a.comment.read_text() if a.comment else "",
    }
    (a.out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    section = render(s, meta)
    print(section)
    if not a.no_doc:
        write_doc(section)
    log(f"Locust 退出码 {code}；结果在 {a.out}")
    return 0 if s["failures"] == 0 and s["server_error_count"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
