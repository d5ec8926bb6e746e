"""Tag listings read from one index: each tag-article row carries its article's visibility
and update time, kept by triggers (articles/database/triggers.py)."""

from django.db import migrations, models

# The SQL as it was when this migration was written: old migrations never import app code.
FILL_TAGGED = """UPDATE articles_taggedarticle SET (visible_from, updated_at) = (
    SELECT CASE WHEN a.status = 'published' THEN a.published_at END, a.updated_at FROM articles_article a
    WHERE a.id = articles_taggedarticle.content_object_id
)"""
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION articles_tagged_listing() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            SELECT CASE WHEN a.status = 'published' THEN a.published_at END, a.updated_at INTO NEW.visible_from, NEW.updated_at
            FROM articles_article a WHERE a.id = NEW.content_object_id;
            RETURN NEW;
        END $$""",
    """CREATE OR REPLACE TRIGGER articles_tagged_listing
        BEFORE INSERT OR UPDATE OF content_object_id ON articles_taggedarticle
        FOR EACH ROW EXECUTE FUNCTION articles_tagged_listing()""",
    """CREATE OR REPLACE FUNCTION articles_tagged_visibility() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE articles_taggedarticle
            SET visible_from = CASE WHEN NEW.status = 'published' THEN NEW.published_at END, updated_at = NEW.updated_at
            WHERE content_object_id = NEW.id;
            RETURN NULL;
        END $$""",
    """CREATE OR REPLACE TRIGGER articles_tagged_visibility
        AFTER UPDATE OF status, published_at, updated_at ON articles_article
        FOR EACH ROW EXECUTE FUNCTION articles_tagged_visibility()""",
]
SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS articles_search_delete AFTER DELETE ON articles_article
        BEGIN
            DELETE FROM articles_search WHERE rowid = old.id;
            DELETE FROM articles_search_meta WHERE id = old.id;
        END""",
    """CREATE TRIGGER IF NOT EXISTS articles_search_visibility
        AFTER UPDATE OF status, published_at, updated_at ON articles_article
        BEGIN
            UPDATE articles_search_meta
            SET visible_from = CASE WHEN new.status = 'published' THEN new.published_at END, updated_at = new.updated_at
            WHERE id = new.id;
        END""",
    """CREATE TRIGGER IF NOT EXISTS articles_tagged_visibility
        AFTER UPDATE OF status, published_at, updated_at ON articles_article
        BEGIN
            UPDATE articles_taggedarticle
            SET visible_from = CASE WHEN new.status = 'published' THEN new.published_at END, updated_at = new.updated_at
            WHERE content_object_id = new.id;
        END""",
    """CREATE TRIGGER IF NOT EXISTS articles_tagged_insert AFTER INSERT ON articles_taggedarticle
            BEGIN
                UPDATE articles_taggedarticle
                SET (visible_from, updated_at) = (
                    SELECT CASE WHEN a.status = 'published' THEN a.published_at END, a.updated_at
                    FROM articles_article a WHERE a.id = new.content_object_id
                )
                WHERE id = new.id;
            END""",
    """CREATE TRIGGER IF NOT EXISTS articles_tagged_move AFTER UPDATE OF content_object_id ON articles_taggedarticle
            BEGIN
                UPDATE articles_taggedarticle
                SET (visible_from, updated_at) = (
                    SELECT CASE WHEN a.status = 'published' THEN a.published_at END, a.updated_at
                    FROM articles_article a WHERE a.id = new.content_object_id
                )
                WHERE id = new.id;
            END""",
]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    schema_editor.execute(FILL_TAGGED)
    if connection.vendor == "postgresql":
        for statement in POSTGRESQL:
            schema_editor.execute(statement)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement)


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
