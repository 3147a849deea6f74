"""An index for the member search by one or two characters of a name, on PostgreSQL.

The trigram index (0004) serves ``name__icontains`` from three characters on; a name is two
to four characters and most searches type one or two (“张伟”), which pg_trgm cannot serve, so
the search and its count read all members (207–221 ms at 400,000, #15). The function gives a
name's distinct one- and two-character pieces (upper-cased like ``icontains``), and its GIN
index answers ``lianjian_short_grams(name::text) @> ARRAY[UPPER(q)]`` — a condition every row
that contains ``q`` (1–2 characters) meets, added beside the ``LIKE`` by the
``icontains_indexed`` lookup (lianjian/core/lookups.py). SQLite skips both operations.

The initials get a larger statistics sample: with the default one the planner guessed 3,077
members with initials “zs…” for 491 and walked the number index for the first page of
matches (132 ms) instead of reading the 491 through the indexes (measured on 400,000).
"""

from django.db import migrations

_FUNCTION = "lianjian_short_grams"
_INDEX = "member_name_grams_idx"


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # COST 1000: the planner must not evaluate it row by row along another index.
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {_FUNCTION}(text) RETURNS text[]"
        " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$"
        " SELECT coalesce(array_agg(DISTINCT substr(upper($1), i, n)), '{}')"
        " FROM generate_series(1, char_length($1)) AS i, (VALUES (1), (2)) AS v(n)"
        " WHERE i + n - 1 <= char_length($1) $$"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {_INDEX} ON orgs_member USING gin ({_FUNCTION}(name::text))"
    )
    schema_editor.execute("ALTER TABLE orgs_member ALTER COLUMN initials SET STATISTICS 1000")


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE orgs_member ALTER COLUMN initials SET STATISTICS -1")
    schema_editor.execute(f"DROP INDEX IF EXISTS {_INDEX}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0006_org_figures_org_fields"),
    ]

    operations = [
        migrations.RunPython(_create, _drop),
    ]
