"""SQLite triggers that keep the search index in step with `articles_article`.

SQLite drops a table's triggers when a migration rebuilds the table (Django does so to add
a column with a default, for one), so these are re-created, if missing, after every
`migrate`. PostgreSQL keeps its triggers through such changes (migrations 0002 and 0006).
"""

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
            SET visible_from = CASE WHEN new.status = 'published' THEN new.published_at END,
                updated_at = new.updated_at
            WHERE id = new.id;
        END""",
]


def ensure(connection):
    """Create any missing trigger (only where the search tables exist)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if {"articles_article", "articles_search", "articles_search_meta"} <= tables:
            for statement in SQLITE:
                cursor.execute(statement)


def ensure_after_migrate(using, **kwargs):
    from django.db import connections

    ensure(connections[using])
