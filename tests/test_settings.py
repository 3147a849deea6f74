"""Deployment defaults read from the environment (lianjian/settings.py, lianjian/wsgi.py, the
Makefile): production-safe unless asked otherwise.

Settings are read once per process, so each case loads them in a fresh interpreter —
through ``lianjian.wsgi`` as gunicorn does, or through ``django.setup()`` as ``runserver``
and the command line do — with only the ``LIANJIAN_*`` variables the case sets.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, os, sys
if sys.argv[1] == "wsgi":
    import lianjian.wsgi
else:
    import django
    os.environ["DJANGO_SETTINGS_MODULE"] = "lianjian.settings"
    django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({"debug": s.DEBUG, "conn_max_age": db["CONN_MAX_AGE"], "health_checks": db["CONN_HEALTH_CHECKS"],
                  "hsts": [s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD]}))
"""


def _env(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LIANJIAN_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(LIANJIAN_DATA_DIR=str(tmp_path), **variables)
    return env


def probe(tmp_path: Path, entry: str, **variables: str) -> dict | str:
    """The settings as ``entry`` (``wsgi`` or ``cli``) sees them, or the configuration error."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, entry],
        env=_env(tmp_path, **variables),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        return done.stderr.strip().splitlines()[-1]
    return json.loads(done.stdout)


def test_debug_is_off_unless_explicitly_turned_on(tmp_path):
    assert probe(tmp_path, "wsgi")["debug"] is False
    assert probe(tmp_path, "cli")["debug"] is False
    assert probe(tmp_path, "cli", LIANJIAN_DEBUG="true")["debug"] is True
    assert (
        probe(tmp_path, "wsgi", LIANJIAN_DEBUG="maybe")
        == "ValueError: LIANJIAN_DEBUG must be true or false, got 'maybe'"
    )


def test_connections_persist_only_under_the_production_server_and_are_health_checked(tmp_path):
    wsgi, cli = probe(tmp_path, "wsgi"), probe(tmp_path, "cli")
    assert (wsgi["conn_max_age"], wsgi["health_checks"]) == (60, True)
    assert (cli["conn_max_age"], cli["health_checks"]) == (0, True)  # runserver, the command line
    assert probe(tmp_path, "wsgi", LIANJIAN_CONN_MAX_AGE="0")["conn_max_age"] == 0
    assert probe(tmp_path, "cli", LIANJIAN_CONN_MAX_AGE="30")["conn_max_age"] == 30
    assert (
        probe(tmp_path, "wsgi", LIANJIAN_CONN_MAX_AGE="-1")
        == "ValueError: LIANJIAN_CONN_MAX_AGE must be at least 0, got -1"
    )
    assert probe(tmp_path, "wsgi", LIANJIAN_CONN_MAX_AGE="1m") == (
        "ValueError: LIANJIAN_CONN_MAX_AGE must be a whole number, got '1m'"
    )


def test_hsts_is_off_by_default_and_configurable(tmp_path):
    assert probe(tmp_path, "wsgi")["hsts"] == [0, False, False]
    assert probe(tmp_path, "wsgi", LIANJIAN_HSTS_SECONDS="3600")["hsts"] == [3600, False, False]
    assert probe(
        tmp_path,
        "wsgi",
        LIANJIAN_HSTS_SECONDS="31536000",
        LIANJIAN_HSTS_INCLUDE_SUBDOMAINS="true",
        LIANJIAN_HSTS_PRELOAD="true",
    )["hsts"] == [31536000, True, True]
    assert probe(tmp_path, "wsgi", LIANJIAN_HSTS_INCLUDE_SUBDOMAINS="true") == (
        "ValueError: LIANJIAN_HSTS_INCLUDE_SUBDOMAINS/LIANJIAN_HSTS_PRELOAD need LIANJIAN_HSTS_SECONDS > 0"
    )
    assert probe(
        tmp_path,
        "wsgi",
        LIANJIAN_HSTS_SECONDS="3600",
        LIANJIAN_HSTS_INCLUDE_SUBDOMAINS="true",
        LIANJIAN_HSTS_PRELOAD="true",
    ) == (
        "ValueError: LIANJIAN_HSTS_PRELOAD needs LIANJIAN_HSTS_SECONDS >= 31536000 and LIANJIAN_HSTS_INCLUDE_SUBDOMAINS=true"
    )


# --- make run / make dev ------------------------------------------------------------------


def _make_server_line(target: str, port: int) -> str:
    """The command ``make TARGET`` starts the server with (its last line)."""
    # Under `make test` MAKELEVEL is set and make would add "Leaving directory" lines: ask it not to.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}
    lines = (
        subprocess.run(
            ["make", "--no-print-directory", "-n", target, f"PORT={port}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()
    )
    return lines[-1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _serve(target: str, tmp_path: Path, **variables: str) -> dict[str, tuple[int, str]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    line = _make_server_line(target, port)
    server = subprocess.Popen(
        ["bash", "-c", f"{line} --noreload"],
        cwd=ROOT,
        env=_env(tmp_path, **variables),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/static/vendor/htmx.min.js", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        return {
            "static": _get(f"{base}/static/vendor/htmx.min.js"),
            "missing": _get(f"{base}/no-such-page/"),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.mark.parametrize("shell_debug", ["", "true"])
def test_make_run_serves_the_product_without_debug_pages(tmp_path, shell_debug):
    # Whatever the shell exports, `make run` shows what users see: the product's 404 page.
    pages = _serve("run", tmp_path, **({"LIANJIAN_DEBUG": shell_debug} if shell_debug else {}))
    status, body = pages["static"]
    assert (status, len(body) > 10_000) == (200, True)  # static files still served (WhiteNoise)
    status, body = pages["missing"]
    assert status == 404 and "页面或对象不存在" in body and "URLconf" not in body


def test_make_dev_shows_the_debug_pages(tmp_path):
    status, body = _serve("dev", tmp_path)["missing"]
    assert status == 404 and "URLconf" in body
