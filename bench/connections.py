"""How many PostgreSQL connections a running server holds (issue #16, item 11).

``.venv/bin/python -m bench.connections [--db postgres://postgres@127.0.0.1:5432/NAME]``

For each server — ``runserver`` as ``make run`` starts it, ``runserver`` with the old
persistent connections (``LIANJIAN_CONN_MAX_AGE=60``), and ``gunicorn lianjian.wsgi`` with
2 workers — it sends 60 API requests one after the other, then 10 at once, and counts the
server's connections in ``pg_stat_activity`` after each burst. For gunicorn it then kills
the server's connections (what a PostgreSQL restart does to them) and counts how many of
the next 10 requests fail. The database (created when missing, then migrated) and a data
folder under ``/tmp`` are the script's own; nothing else is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
USER, PASSWORD = "bench-conn", "Bench-Conn-2026!"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _count(monitor: psycopg.Connection, db: str) -> int:
    with monitor.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [db],
        )
        return int(cur.fetchone()[0])  # type: ignore[index]


def _request(url: str, token: str = "", body: dict | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _token(base: str) -> str:
    req = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        data=json.dumps({"username": USER, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as response:
        return str(json.loads(response.read())["token"])


def _wait(base: str) -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=10)
            return
        except OSError:  # refused while starting, or a timeout while the workers boot
            time.sleep(0.5)
    raise SystemExit(f"server at {base} did not start")


def measure(
    name: str,
    command: list[str],
    env: dict[str, str],
    db: str,
    monitor: psycopg.Connection,
    kill: bool,
) -> dict[str, object]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            *command,
            *([f"127.0.0.1:{port}"] if "runserver" in command else ["--bind", f"127.0.0.1:{port}"]),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        _wait(base)
        token = _token(base)
        url = f"{base}/api/v1/orgs"
        statuses = [_request(url, token) for _ in range(60)]
        after_60 = _count(monitor, db)
        parallel: list[int] = []
        threads = [
            threading.Thread(target=lambda: parallel.append(_request(url, token)))
            for _ in range(10)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        after_parallel = _count(monitor, db)
        result: dict[str, object] = {
            "server": name,
            "errors": sum(s != 200 for s in statuses + parallel),
            "held_after_60": after_60,
            "held_after_10_parallel": after_parallel,
        }
        if kill:
            with monitor.cursor() as cur:
                cur.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [db],
                )
                result["killed"] = cur.fetchone()[0]  # type: ignore[index]
            time.sleep(0.5)
            after_kill = [_request(url, token) for _ in range(10)]
            result["failed_after_kill"] = sum(s != 200 for s in after_kill)
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/lj_bench_connections")
    args = parser.parse_args()
    db = args.db.rsplit("/", 1)[1]
    admin = psycopg.connect(args.db.rsplit("/", 1)[0] + "/postgres", autocommit=True)
    if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone():
        admin.execute(f'CREATE DATABASE "{db}"')
    data = Path(tempfile.mkdtemp(prefix="lj-bench-conn-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANJIAN_")}
    env.update(LIANJIAN_DATABASE_URL=args.db, LIANJIAN_DATA_DIR=str(data))
    subprocess.run(
        [BIN / "lianjian", "migrate", "--noinput"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    subprocess.run(
        [BIN / "lianjian", "user", "add", USER, "--role", "admin", "--password", PASSWORD],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )  # fails harmlessly when it exists
    monitor = psycopg.connect(args.db, autocommit=True)
    runserver = [str(BIN / "lianjian"), "runserver", "--noreload"]
    results = [
        measure("runserver (make run)", runserver, env, db, monitor, kill=False),
        measure(
            "runserver, LIANJIAN_CONN_MAX_AGE=60 (the old default)",
            runserver,
            {**env, "LIANJIAN_CONN_MAX_AGE": "60"},
            db,
            monitor,
            kill=False,
        ),
        measure(
            "gunicorn lianjian.wsgi --workers 2",
            [str(BIN / "gunicorn"), "lianjian.wsgi", "--workers", "2"],
            env,
            db,
            monitor,
            kill=True,
        ),
    ]
    for r in results:
        print(json.dumps(r, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
