"""Tag listings read from one index: each tag-article row carries its article's visibility
and update time, kept by triggers (articles/triggers.py)."""

from django.db import migrations, models

from articles import triggers


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    schema_editor.execute(triggers.FILL_TAGGED)
    if connection.vendor == "postgresql":
        for statement in triggers.POSTGRESQL:
            schema_editor.execute(statement)
    else:
        triggers.ensure(connection)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in [
            "DROP TRIGGER IF EXISTS articles_tagged_listing ON articles_taggedarticle",
            "DROP TRIGGER IF EXISTS articles_tagged_visibility ON articles_article",
            "DROP FUNCTION IF EXISTS articles_tagged_listing()",
            "DROP FUNCTION IF EXISTS articles_tagged_visibility()",
        ]:
            schema_editor.execute(statement)
    else:
        for name in ["visibility", "insert", "move"]:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS articles_tagged_{name}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_search_speed")]

    operations = [
        migrations.AddField(
            model_name="taggedarticle",
            name="updated_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="taggedarticle",
            name="visible_from",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="taggedarticle",
            index=models.Index(
                fields=["tag", "-updated_at", "-content_object", "visible_from"], name="tagged_tag_listing"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
