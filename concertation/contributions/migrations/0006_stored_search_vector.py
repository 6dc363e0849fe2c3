"""The French text vector stored with each contribution (PostgreSQL only), instead of an index
on the expression: with the expression, a search sorted by date made PostgreSQL compute
to_tsvector for every row it walked through in date order (a quarter of a second for a word
found in 1% of 100,000 contributions); a stored vector costs microseconds to test."""

from django.db import migrations

OLD_INDEX = "contributions_text_french_fts"
INDEX = "contributions_search_vector"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite searches by plain word match, without an index
    schema_editor.execute(
        "ALTER TABLE contributions_contribution ADD COLUMN IF NOT EXISTS search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('french'::regconfig, COALESCE(text, ''))) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON contributions_contribution "
        "USING gin (search_vector)"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON contributions_contribution "
        "USING gin (to_tsvector('french'::regconfig, COALESCE(text, '')))"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(
        "ALTER TABLE contributions_contribution DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("contributions", "0005_list_sort_indexes")]
    operations = [migrations.RunPython(create, drop)]
