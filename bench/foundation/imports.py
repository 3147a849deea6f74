"""Import speed beside its floor (issue #15 item 1), without the page timings:
``.venv/bin/python -m bench.foundation.imports [--orgs N --members M --db sqlite|postgres|both]``.

For each database: a fresh database, ``lianjian migrate``, the CLI's start-up time, then
``lianjian import orgs``, ``import members`` and a re-import of the unchanged members file,
each beside the floor of its file measured in the same run (bench/foundation/floor.py).
Results go to ``OUT/imports.json`` and the table between the markers of the subsection
``### 导入与底线`` of docs/benchmarks.md (the rest of the document is left alone)."""

from __future__ import annotations

import argparse
import datetime
import json
import os
from pathlib import Path
from typing import Any

from .run import DOC, _machine, _postgres_reachable, cli, dataset, fresh_database, log, time_imports

BEGIN, END = "<!-- imports-table:begin -->", "<!-- imports-table:end -->"


def measure(db: str, out: Path, n_orgs: int, n_members: int, seed: int) -> dict[str, Any]:
    orgs_file, members_file, _ = dataset(out, n_orgs, n_members, seed)
    label = f"{n_members // 1000}k"
    # BENCH_DB_PREFIX: a database name of one's own when several people share the server.
    prefix = os.environ.get("BENCH_DB_PREFIX", "lianjian_bench")
    url = fresh_database(db, out, f"{prefix}_imports_{label}")
    cli(url, out, "migrate", "--noinput")
    startup = round(min(cli(url, out, "import", "--help")[0] for _ in range(3)), 2)
    imports = time_imports(db, out, label, url, orgs_file, members_file, n_orgs, n_members, startup)
    return {"db": db, "label": label, "startup_s": startup, "imports": imports}


def render(results: list[dict[str, Any]]) -> str:
    lines = [
        BEGIN,
        f"测量日期 {datetime.date.today():%Y-%m-%d}；{_machine()}。",
        "",
        "| 数据库 | 规模 | 类型 | 行数 | 秒 | 行/秒 | 底线 秒 | 倍数 | 去启动倍数 | 启动 秒 | 负载 |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for imp in r["imports"]:
            lines.append(
                f"| {r['db']} | {r['label']} | {imp['kind']} {imp['note']} | {imp['rows']:,} | "
                f"{imp['seconds']:.1f} | {imp['rows_per_s']:,} | {imp['floor_s']} | "
                f"{imp['ratio']} | {imp['ratio_net']} | {r['startup_s']:.1f} | {imp['load']} |"
            )
    lines.append(END)
    return "\n".join(lines)


def write_doc(table: str) -> None:
    text = DOC.read_text()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < 0:
        raise SystemExit(f"{DOC} 中没有 {BEGIN} … {END} 标记")
    DOC.write_text(text[:start] + table + text[end + len(END) :])


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.foundation.imports")
    p.add_argument("--orgs", type=int, default=4000)
    p.add_argument("--members", type=int, default=40000)
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=Path("/tmp/bench-foundation"))
    p.add_argument("--merge", action="store_true", help="保留 OUT/imports.json 中其他规模的结果")
    p.add_argument("--no-doc", action="store_true")
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    dbs = ["sqlite", "postgres"] if a.db == "both" else [a.db]
    if "postgres" in dbs and not _postgres_reachable():
        log("PostgreSQL 不可用，只测 SQLite")
        dbs = ["sqlite"]
    store = a.out / "imports.json"
    label = f"{a.members // 1000}k"
    results = (
        [
            r
            for r in json.loads(store.read_text())
            if (r["db"], r["label"]) not in {(db, label) for db in dbs}
        ]
        if a.merge and store.exists()
        else []
    )
    for db in dbs:
        results.append(measure(db, a.out, a.orgs, a.members, a.seed))
        store.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    if not a.no_doc:
        write_doc(render(results))
    log(f"结果：{store}（负载 {os.getloadavg()[0]:.1f}）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
