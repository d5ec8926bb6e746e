"""The full-text index, made fast for common words at 100,000 articles (see articles/search/backends/).

- SQLite: an index on `articles_search_meta.visible_from`, so that the few drafts and
  scheduled articles are found without reading every row; and the article triggers again.
- PostgreSQL: `tag_ids` on each row (filters and facets read it instead of joining the tag
  table for every match), kept in step with `articles_taggedarticle` by statement triggers;
  and the long columns stored out of line, so that a bitmap scan over every match of a
  common word reads a narrow table. The UPDATE rewrites existing rows in that layout.
"""

from django.db import migrations


SQLITE = ["CREATE INDEX articles_search_meta_visible ON articles_search_meta (visible_from)"]
SQLITE_DROP = ["DROP INDEX IF EXISTS articles_search_meta_visible"]

TAG_IDS = """coalesce((SELECT array_agg(t.tag_id ORDER BY t.tag_id) FROM articles_taggedarticle t
    WHERE t.content_object_id = articles_search.article_id), '{}')"""

POSTGRESQL = [
    "ALTER TABLE articles_search ADD COLUMN tag_ids integer[] NOT NULL DEFAULT '{}'",
    # Rows longer than 2 kB are toasted down to this: `document` and `plain` move out of
    # line, `head` and `tag_ids` (read for every match) stay in the row.
    "ALTER TABLE articles_search SET (toast_tuple_target = 128)",
    "ALTER TABLE articles_search ALTER COLUMN head SET STORAGE MAIN, ALTER COLUMN tag_ids SET STORAGE PLAIN",
    f"UPDATE articles_search SET tag_ids = {TAG_IDS}",
    f"""CREATE FUNCTION articles_search_tag_ids() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE articles_search SET tag_ids = {TAG_IDS}
            WHERE article_id IN (SELECT content_object_id FROM changed_rows);
            RETURN NULL;
        END $$""",
    *(
        f"""CREATE TRIGGER articles_search_tags_{name} AFTER {event} ON articles_taggedarticle
            REFERENCING {table} TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION articles_search_tag_ids()"""
        for name, event, table in [
            ("insert", "INSERT", "NEW"),
            ("delete", "DELETE", "OLD"),
            ("update_old", "UPDATE", "OLD"),
            ("update_new", "UPDATE", "NEW"),
        ]
    ),
]
POSTGRESQL_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS articles_search_tags_{name} ON articles_taggedarticle"
        for name in ["insert", "delete", "update_old", "update_new"]
    ),
    "DROP FUNCTION IF EXISTS articles_search_tag_ids()",
    "ALTER TABLE articles_search RESET (toast_tuple_target)",
    "ALTER TABLE articles_search DROP COLUMN IF EXISTS tag_ids",
]


# The SQL as it was when this migration was written: old migrations never import app code.
SQLITE_ARTICLE_TRIGGERS = [
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
]


def run(statements):
    def apply(apps, schema_editor):
        for statement in statements[schema_editor.connection.vendor]:
            schema_editor.execute(statement)
        # Migration 0003 rebuilt the articles table, which in SQLite drops its triggers.
        if schema_editor.connection.vendor == "sqlite":
            for statement in SQLITE_ARTICLE_TRIGGERS:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_tag_redirects")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
        )
    ]
