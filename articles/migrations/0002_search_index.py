"""The full-text index table, per database (see articles/search/index.py).

Besides the words, each row carries `visible_from` (the publication time of a published
article, NULL for a draft) and `updated_at`, so that a search filters and sorts inside the
index. Triggers keep both in step when articles are updated by any means, bulk updates
included, and remove the row when its article goes.
"""

from django.db import migrations

# SQLite keeps the two columns in a narrow table of their own: reading them from the FTS5
# table would load each matching row's whole text.
SQLITE = [
    """CREATE VIRTUAL TABLE articles_search USING fts5(
        title, tags, headings, body, bigrams, plain UNINDEXED, tokenize = 'unicode61 remove_diacritics 2'
    )""",
    """CREATE TABLE articles_search_meta (
        id integer PRIMARY KEY, visible_from datetime NULL, updated_at datetime NOT NULL
    )""",
    """CREATE TRIGGER articles_search_delete AFTER DELETE ON articles_article
        BEGIN
            DELETE FROM articles_search WHERE rowid = old.id;
            DELETE FROM articles_search_meta WHERE id = old.id;
        END""",
    """CREATE TRIGGER articles_search_visibility AFTER UPDATE OF status, published_at, updated_at ON articles_article
        BEGIN
            UPDATE articles_search_meta
            SET visible_from = CASE WHEN new.status = 'published' THEN new.published_at END,
                updated_at = new.updated_at
            WHERE id = new.id;
        END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS articles_search_visibility",
    "DROP TRIGGER IF EXISTS articles_search_delete",
    "DROP TABLE IF EXISTS articles_search_meta",
    "DROP TABLE IF EXISTS articles_search",
]

POSTGRESQL = [
    """CREATE TABLE articles_search (
        article_id bigint PRIMARY KEY,
        document tsvector NOT NULL,
        head tsvector NOT NULL DEFAULT '',
        plain text NOT NULL DEFAULT '',
        visible_from timestamptz NULL,
        updated_at timestamptz NOT NULL
    )""",
    "CREATE INDEX articles_search_document ON articles_search USING gin (document)",
    "CREATE INDEX articles_search_updated ON articles_search (updated_at DESC)",
    """CREATE FUNCTION articles_search_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN DELETE FROM articles_search WHERE article_id = OLD.id; RETURN NULL; END $$""",
    """CREATE TRIGGER articles_search_delete AFTER DELETE ON articles_article
        FOR EACH ROW EXECUTE FUNCTION articles_search_delete()""",
    """CREATE FUNCTION articles_search_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN TRUNCATE articles_search; RETURN NULL; END $$""",
    """CREATE TRIGGER articles_search_truncate AFTER TRUNCATE ON articles_article
        FOR EACH STATEMENT EXECUTE FUNCTION articles_search_truncate()""",
    """CREATE FUNCTION articles_search_visibility() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE articles_search
            SET visible_from = CASE WHEN NEW.status = 'published' THEN NEW.published_at END,
                updated_at = NEW.updated_at
            WHERE article_id = NEW.id;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER articles_search_visibility AFTER UPDATE OF status, published_at, updated_at ON articles_article
        FOR EACH ROW EXECUTE FUNCTION articles_search_visibility()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS articles_search_visibility ON articles_article",
    "DROP TRIGGER IF EXISTS articles_search_truncate ON articles_article",
    "DROP TRIGGER IF EXISTS articles_search_delete ON articles_article",
    "DROP FUNCTION IF EXISTS articles_search_visibility()",
    "DROP FUNCTION IF EXISTS articles_search_truncate()",
    "DROP FUNCTION IF EXISTS articles_search_delete()",
    "DROP TABLE IF EXISTS articles_search",
]


def run(statements):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise RuntimeError(f"Full-text search supports SQLite and PostgreSQL, not {vendor}.")
        for statement in statements[vendor]:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
        )
    ]
