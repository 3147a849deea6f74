"""Where an import's time goes, beside its floor, in one process (issue #15 item 1):
``LIANJIAN_DATABASE_URL=… .venv/bin/python -m bench.foundation.breakdown FILE [--kind members]``.

The database must already hold what the file refers to (for ``members``: the organisations,
imported with ``lianjian import orgs``). Each step is timed in **CPU seconds of this process**
(best of ``--runs``), which a shared machine's load inflates far less than wall time; the
import's writes are rolled back after each run, so the database is left as it was. The steps:
the floor (bench/foundation/floor.py, calamine read + SQLite insert), the calamine read with
its safety scan (``open_first_sheet``), the whole parse (``read_sheet``), the kind's checks
alone (a dry run), the checks and writes (``apply``), and the whole ``import_file``."""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _best(step: Callable[[], Any], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        step()
        best = min(best, time.process_time() - start)
        gc.collect()
    return round(best, 3)


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.foundation.breakdown")
    p.add_argument("file", type=Path)
    p.add_argument("--kind", default="members")
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
    import django

    django.setup()
    from django.db import transaction

    from lianjian.core.excel import get_kind, import_file
    from lianjian.core.excel.limits import ReadLimits
    from lianjian.core.excel.reading import read_sheet
    from lianjian.core.excel.xlsx import open_first_sheet

    from .floor import _once

    kind = get_kind(a.kind)
    if kind is None:
        raise SystemExit(f"未知的类型：{a.kind}")

    class Undo(Exception):
        pass

    def rolled_back(step: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            try:
                with transaction.atomic():
                    result = step()
                    if result.errors:
                        raise SystemExit("\n".join(result.errors[:10]))
                    raise Undo
            except Undo:
                pass

        return run

    sheet = read_sheet(a.file, kind.columns)
    gc.disable()  # as during an import (core.excel.kinds.collector_paused)
    steps = {
        "floor": lambda: _once(a.file),
        "read_rows": lambda: list(open_first_sheet(a.file, ReadLimits.default())),
        "read_sheet": lambda: read_sheet(a.file, kind.columns),
        "check": rolled_back(
            lambda: kind.apply(sheet, actor=None, user=None, dry_run=True, file_name="bench")
        ),
        "check_write": rolled_back(
            lambda: kind.apply(sheet, actor=None, user=None, dry_run=False, file_name="bench")
        ),
        "import_file": rolled_back(lambda: import_file(kind, a.file, file_name="bench")),
    }
    out: dict[str, Any] = {"kind": a.kind, "rows": len(sheet.rows)}
    for name, step in steps.items():
        out[name] = _best(step, a.runs)
    out["ratio"] = round(out["import_file"] / out["floor"], 1)
    out["load"] = round(os.getloadavg()[0], 1)
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
