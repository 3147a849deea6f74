"""Markdown tables of a foundation run with the CPU columns (issue #15, the full re-measure):
``.venv/bin/python -m bench.foundation.report OUT/results.json``.

Unlike ``python -m bench.foundation`` (which rewrites the whole ``## 基础平台`` section from
its results), this only prints: the import table (wall and CPU seconds of the CLI process,
rows/s, the floor and the ratios, each beside its goal) and, per database, the page table
(median and p95 wall ms, median and p95 CPU ms of the timing process, query count, load,
each beside the < 200 ms goal), then the profile and the slowest query's plan of every page
over the goal. The dated subsection of docs/benchmarks.md is written from this by hand, so
the older tables there stay as history."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .run import TARGET_FLOOR_RATIO, TARGET_MS, TARGET_ROWS_PER_S


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def imports_table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| 数据库 | 类型 | 行数 | 墙钟 秒 | 行/秒（≥ 20,000） | 底线 秒 | 倍数（≤ 2） "
        "| 去启动倍数 | CPU 秒 | 底线 CPU 秒 | CPU 倍数（≤ 2） | 启动 秒 | 负载 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for imp in r["imports"]:
            rate_ok = imp["rows_per_s"] >= TARGET_ROWS_PER_S
            ratio_ok = imp["ratio"] <= TARGET_FLOOR_RATIO
            cpu_ratio = imp.get("ratio_cpu")
            lines.append(
                f"| {r['db']} | {imp['kind']} {imp['note']} | {imp['rows']:,} | "
                f"{imp['seconds']:.1f} | {imp['rows_per_s']:,} {_mark(rate_ok)} | "
                f"{imp['floor_s']} | {imp['ratio']} {_mark(ratio_ok)} | {imp['ratio_net']} | "
                f"{imp.get('cpu_s', '—')} | {imp.get('floor_cpu_s', '—')} | "
                + (
                    f"{cpu_ratio} {_mark(cpu_ratio <= TARGET_FLOOR_RATIO)}"
                    if cpu_ratio is not None
                    else "—"
                )
                + f" | {r['startup_s']:.1f} | {imp['load']} |"
            )
    return "\n".join(lines)


def pages_table(r: dict[str, Any]) -> str:
    lines = [
        "| 用户 | 页面 | 中位 ms | p95 ms | CPU 中位 ms | CPU p95 ms | 查询数 | 目标 < 200 ms | 负载 |",
        "|---|---|---:|---:|---:|---:|---:|:---:|---:|",
    ]
    # Only on SQLite does this process's CPU include the queries; PostgreSQL runs them elsewhere.
    in_process = r["db"] == "sqlite"
    for p in r["pages"]:
        ok = p["median_ms"] <= TARGET_MS
        lines.append(
            f"| {p['user']} | {p['name']} | {p['median_ms']:.1f} | {p['p95_ms']:.1f} | "
            f"{p['cpu_median_ms']:.1f} | {p['cpu_p95_ms']:.1f} | {p['queries']} | "
            f"{_mark(ok)}{'' if ok or not in_process or p['cpu_median_ms'] > TARGET_MS else '（CPU ✓）'} | "
            f"{p['load']} |"
        )
    return "\n".join(lines)


def gaps(r: dict[str, Any]) -> str:
    out = []
    for p in r["pages"]:
        if "profile_cumulative" not in p:
            continue
        out += [
            f"#### {r['db']}：{p['user']} {p['name']}（{p['median_ms']:.0f} ms，CPU {p['cpu_median_ms']:.0f} ms）",
            "",
            f"最慢的查询（{p['slowest'][0]['ms'] if p['slowest'] else '—'} ms）："
            f"`{p['slowest'][0]['sql'][:300] if p['slowest'] else ''}`",
            "",
            "```",
            *p["plan"],
            "```",
            "",
            "```",
            p["profile_cumulative"],
            "",
            p["profile_tottime"],
            "```",
            "",
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    results = json.loads(Path(argv[0]).read_text())
    print(imports_table(results), end="\n\n")
    for r in results:
        print(
            f"**{r['db']}**（库 {r['db_mb']:,} MB，P01 范围 {r['scope']['P01 可见组织']:,} 个组织 / "
            f"{r['scope']['P01 可见党员']:,} 名党员）\n"
        )
        print(pages_table(r), end="\n\n")
    for r in results:
        print(gaps(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
