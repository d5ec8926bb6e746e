"""The feed's count kept by triggers (articles/database/triggers.py): counting 100,000 articles read
100,000 index entries on every uncached feed page."""

from django.db import migrations

# The SQL as it was when this migration was written: old migrations never import app code.
COUNT_TABLE = (
    """CREATE TABLE articles_published_count (id integer PRIMARY KEY CHECK (id = 1), articles bigint NOT NULL)"""
)
RECOUNT = """UPDATE articles_published_count
    SET articles = (SELECT COUNT(*) FROM articles_article WHERE articles_article.status = 'published')"""
COUNT_POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION articles_count() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            change integer := 0;
        BEGIN
            IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'published' THEN change := change + 1; END IF;
            IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.status = 'published' THEN change := change - 1; END IF;
            IF change <> 0 THEN
                UPDATE articles_published_count SET articles = articles + change;
            END IF;
            RETURN NULL;
        END $$""",
    """CREATE OR REPLACE TRIGGER articles_count
        AFTER INSERT OR DELETE OR UPDATE OF status ON articles_article
        FOR EACH ROW EXECUTE FUNCTION articles_count()""",
    """CREATE OR REPLACE FUNCTION articles_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE articles_published_count SET articles = 0;
            RETURN NULL;
        END $$""",
    """CREATE OR REPLACE TRIGGER articles_count_truncate AFTER TRUNCATE ON articles_article
        FOR EACH STATEMENT EXECUTE FUNCTION articles_count_truncate()""",
]
COUNT_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS articles_count_insert AFTER INSERT ON articles_article
        WHEN new.status = 'published'
        BEGIN UPDATE articles_published_count SET articles = articles + 1; END""",
    """CREATE TRIGGER IF NOT EXISTS articles_count_delete AFTER DELETE ON articles_article
        WHEN old.status = 'published'
        BEGIN UPDATE articles_published_count SET articles = articles - 1; END""",
    """CREATE TRIGGER IF NOT EXISTS articles_count_status AFTER UPDATE OF status ON articles_article
        WHEN (old.status = 'published') IS NOT (new.status = 'published')
        BEGIN
            UPDATE articles_published_count
            SET articles = articles + CASE WHEN new.status = 'published' THEN 1 ELSE -1 END;
        END""",
]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    schema_editor.execute(COUNT_TABLE)
    schema_editor.execute("INSERT INTO articles_published_count (id, articles) VALUES (1, 0)")
    if connection.vendor == "postgresql":
        for statement in COUNT_POSTGRESQL:
            schema_editor.execute(statement)
    else:
        for statement in COUNT_SQLITE:
            schema_editor.execute(statement)
    schema_editor.execute(RECOUNT)


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
