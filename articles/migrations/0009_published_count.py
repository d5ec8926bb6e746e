"""The feed's count kept by triggers (articles/triggers.py): counting 100,000 articles read
100,000 index entries on every uncached feed page."""

from django.db import migrations

from articles import triggers


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    schema_editor.execute(triggers.COUNT_TABLE)
    schema_editor.execute("INSERT INTO articles_published_count (id, articles) VALUES (1, 0)")
    if connection.vendor == "postgresql":
        for statement in triggers.COUNT_POSTGRESQL:
            schema_editor.execute(statement)
    else:
        for statement in triggers.COUNT_SQLITE:
            schema_editor.execute(statement)
    schema_editor.execute(triggers.RECOUNT)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in [
            "DROP TRIGGER IF EXISTS articles_count ON articles_article",
            "DROP TRIGGER IF EXISTS articles_count_truncate ON articles_article",
            "DROP FUNCTION IF EXISTS articles_count()",
            "DROP FUNCTION IF EXISTS articles_count_truncate()",
        ]:
            schema_editor.execute(statement)
    else:
        for name in ["insert", "delete", "status"]:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS articles_count_{name}")
    schema_editor.execute("DROP TABLE articles_published_count")


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_feed_listing_index")]

    operations = [migrations.RunPython(forwards, backwards)]
