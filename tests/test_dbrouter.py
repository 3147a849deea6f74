"""The read replica (lianjian/core/dbrouters.py, docs/deploy.md): reports and dashboards read
from it when one is configured; writes, migrations and every other read stay on the primary.

On PostgreSQL the ``replica`` alias always exists and, under tests, mirrors the test database
(``TEST: {"MIRROR": "default"}``): a second connection to the same database, as a streaming
replica would be. It only sees committed rows, so the routing test commits
(``transaction=True``; ``serialized_rollback`` so that the rows seeded by data migrations are
there for it and for the transactional tests after it). On SQLite there is no replica: that
test is skipped with its reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext, override_settings

from lianjian.core.dbrouters import REPLICA, ReplicaRouter, reporting
from lianjian.orgs.models import Member, Organisation
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
router = ReplicaRouter()
needs_postgres = pytest.mark.skipif(
    REPLICA not in settings.DATABASES,
    reason="读副本路由只在 PostgreSQL 上测试：请设置 LIANJIAN_DATABASE_URL=postgres://…",
)


def test_reads_stay_on_the_primary_outside_reporting_or_without_a_replica():
    with override_settings(LIANJIAN_READ_REPLICA=True):
        assert router.db_for_read(Member) == "default"
    with override_settings(LIANJIAN_READ_REPLICA=False), reporting():
        assert router.db_for_read(Member) == "default"


@needs_postgres
def test_reads_inside_reporting_go_to_the_replica_and_writes_never_do():
    with override_settings(LIANJIAN_READ_REPLICA=True):
        with reporting():
            assert router.db_for_read(Organisation) == REPLICA
            assert router.db_for_write(Organisation) == "default"
            with reporting():  # nested blocks end cleanly
                pass
            assert router.db_for_read(Organisation) == REPLICA
        assert router.db_for_read(Organisation) == "default"


def test_only_the_primary_is_migrated():
    assert router.allow_migrate("default", "orgs") is True
    assert router.allow_migrate(REPLICA, "orgs") is False
    assert router.allow_relation(object(), object()) is True


PROBE = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "lianjian.settings"
import django
django.setup()
from django.conf import settings as s
r = s.DATABASES.get("replica")
print(json.dumps({"use": s.LIANJIAN_READ_REPLICA,
                  "replica": r and {"name": r["NAME"], "host": r["HOST"], "mirror": r["TEST"]["MIRROR"]}}))
"""


def probe(tmp_path: Path, **variables: str) -> dict | str:
    """The replica settings a fresh process reads from ``variables``, or its configuration error."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANJIAN_")}
    env.update(LIANJIAN_DATA_DIR=str(tmp_path), **variables)
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        return done.stderr.strip().splitlines()[-1]
    return json.loads(done.stdout)


def test_the_replica_is_read_from_the_environment(tmp_path):
    assert probe(tmp_path) == {"use": False, "replica": None}  # SQLite: no replica
    primary = "postgres://postgres@127.0.0.1:5432/lj_primary"
    assert probe(tmp_path, LIANJIAN_DATABASE_URL=primary) == {
        "use": False,
        "replica": {"name": "lj_primary", "host": "127.0.0.1", "mirror": "default"},
    }
    assert probe(
        tmp_path,
        LIANJIAN_DATABASE_URL=primary,
        LIANJIAN_REPLICA_URL="postgres://postgres@10.0.0.2:5432/lj_primary",
    ) == {
        "use": True,
        "replica": {"name": "lj_primary", "host": "10.0.0.2", "mirror": "default"},
    }
    assert probe(tmp_path, LIANJIAN_REPLICA_URL="postgres://postgres@10.0.0.2/lj") == (
        "ValueError: LIANJIAN_REPLICA_URL needs PostgreSQL for both the primary"
        " (LIANJIAN_DATABASE_URL) and the replica, got 'postgres://postgres@10.0.0.2/lj'"
    )


def _get(client, url: str) -> tuple[int, list[str], list[str]]:
    """GET ``url``; returns the status and the SQL run on the primary and on the replica."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.get(url)
    return (
        response.status_code,
        [q["sql"] for q in primary.captured_queries],
        [q["sql"] for q in replica.captured_queries],
    )


@pytest.fixture
def replica_closed():
    """Close the replica's connection after the test: left open, it keeps the test database
    busy and the suite's teardown cannot drop it."""
    yield
    connections[REPLICA].close()


@needs_postgres
@pytest.mark.usefixtures("replica_closed")
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])
def test_dashboards_read_from_the_replica_and_other_pages_from_the_primary(client, world):
    assert client.login(username="company", password=PASSWORD)
    with override_settings(LIANJIAN_READ_REPLICA=True):
        status, primary, replica = _get(client, "/")
        assert status == 200
        # The figures came from the replica; the session and the account from the primary.
        assert any("orgs_organisation" in sql for sql in replica)
        assert any("django_session" in sql for sql in primary)
        assert not any("django_session" in sql or "accounts_user" in sql for sql in replica)
        assert not any("orgs_organisation" in sql for sql in primary)
        for url in ("/supervision/", "/activities/stats/", "/consultations/stats/"):
            status, _, replica = _get(client, url)
            assert (url, status, bool(replica)) == (url, 200, True)
        # A list page must see the request's own writes: it reads from the primary only.
        status, primary, replica = _get(client, "/orgs/")
        assert (status, replica) == (200, [])
        assert any("orgs_organisation" in sql for sql in primary)
    # Without a configured replica the dashboards read from the primary.
    status, primary, replica = _get(client, "/")
    assert (status, replica) == (200, [])
