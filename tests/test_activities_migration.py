"""Migration 0003: every existing activity and link gets 所属年度 = the local year of its start."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lianjian.activities.selectors import TZ

BEFORE = [("activities", "0002_default_rules")]
AFTER = [("activities", "0003_void_and_for_year")]


# serialized_rollback: the flush after a transactional test would drop the seeded rules.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_activities_get_the_local_year_of_their_start():
    # Whatever happens, the database goes back to the latest state: a test left at an old
    # migration would break every test after it.
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        # The state of the database now: activities before 0003, every other app as far as it
        # is still applied (their later columns, e.g. organisation initials, are in the
        # tables; apps whose migrations need later activities were unapplied with them).
        executor = MigrationExecutor(connection)
        applied = [node for node in executor.loader.applied_migrations if node[0] != "activities"]
        apps = executor.loader.project_state(applied + BEFORE).apps
        Org = apps.get_model("orgs", "Organisation")
        Activity = apps.get_model("activities", "Activity")
        ActivityOrg = apps.get_model("activities", "ActivityOrg")
        org = Org.objects.create(code="ZB-M", name="支部", kind="党支部", path="/ZB-M/")
        # 2025-12-31 23:30 in Beijing is 15:30 UTC: the year is 2025, not 2026 nor by UTC.
        starts = {
            "M-1": datetime.datetime(2025, 12, 31, 23, 30, tzinfo=TZ),
            "M-2": datetime.datetime(2026, 1, 1, 0, 30, tzinfo=TZ),
        }
        for code, start in starts.items():
            a = Activity.objects.create(
                code=code, type="主题党日", host=org, start=start, topic=code
            )
            ActivityOrg.objects.create(
                activity=a, org=org, position=0, start=start, type="主题党日", status="草稿"
            )
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        Activity = apps.get_model("activities", "Activity")
        ActivityOrg = apps.get_model("activities", "ActivityOrg")
        assert dict(Activity.objects.values_list("code", "for_year")) == {"M-1": 2025, "M-2": 2026}
        assert dict(ActivityOrg.objects.values_list("activity__code", "for_year")) == {
            "M-1": 2025,
            "M-2": 2026,
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
