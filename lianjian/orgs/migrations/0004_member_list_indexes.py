"""Indexes of the member list: its order within one organisation, and the name search.

The trigram index exists on PostgreSQL only (pg_trgm; SQLite has no such index and skips
both operations). Its expression is exactly what Django's ``name__icontains`` compares,
``UPPER(name::text) LIKE UPPER('%…%')``, so the planner can use it for a search of three
characters or more.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

_TRGM_INDEX = "member_name_trgm_idx"


def _create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {_TRGM_INDEX} ON orgs_member "
        "USING gin ((UPPER(name::text)) gin_trgm_ops)"
    )


def _drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {_TRGM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0003_organisation_initials"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["org", "number"], name="member_org_number_idx"),
        ),
        TrigramExtension(),
        migrations.RunPython(_create_trigram_index, _drop_trigram_index),
    ]
