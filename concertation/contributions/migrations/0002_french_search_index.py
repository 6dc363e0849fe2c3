from django.db import migrations

INDEX = "contributions_text_french_fts"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite searches by plain word match, without an index
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON contributions_contribution "
        "USING gin (to_tsvector('french'::regconfig, COALESCE(text, '')))"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("contributions", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
