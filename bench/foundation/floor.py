"""The physical floor of an import (issue #15 item 1): read the same file with python-calamine
and insert its rows into a fresh SQLite table with two indexes (the key and the parent or
organisation code), in one transaction. No validation, no derived fields, no audit, no
Django: what any importer of the file has to spend at least. Timed in this process, so it
excludes interpreter start-up, which the product's time (a real CLI process) includes."""

from __future__ import annotations

import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from python_calamine import CalamineWorkbook


def floor_seconds(path: Path) -> float:
    """Wall seconds to read ``path`` with calamine and insert its rows into a fresh SQLite
    table with two indexes (best of two, to damp the noise of a shared machine)."""
    return min(_once(path) for _ in range(2))


def floor_cpu_seconds(path: Path) -> float:
    """The same floor in CPU seconds of this process (best of two): on a shared machine the
    figure to set beside an import's CPU seconds, since neither grows with other jobs' load."""
    return min(_once(path, clock=time.process_time) for _ in range(2))


def _once(path: Path, clock: Callable[[], float] = time.perf_counter) -> float:
    with tempfile.TemporaryDirectory(prefix="lianjian-floor-") as folder:
        t = clock()
        workbook = CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=True)
        workbook.close()
        header, data = rows[0], rows[1:]
        width = len(header)
        db = sqlite3.connect(Path(folder) / "floor.sqlite3")
        columns = ", ".join(f"c{i}" for i in range(width))
        db.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {columns})")
        db.execute("CREATE UNIQUE INDEX t_key ON t (c0)")
        parent = next((i for i, h in enumerate(header) if "组织编码" in str(h) and i), 1)
        db.execute(f"CREATE INDEX t_parent ON t (c{parent})")
        with db:
            db.executemany(
                f"INSERT INTO t ({columns}) VALUES ({', '.join('?' * width)})",
                (tuple(str(v) for v in row) for row in data),
            )
        db.close()
        return clock() - t
