"""Database triggers that keep derived columns in step with `articles_article`.

- The search index: `articles_search_meta` (SQLite) mirrors each article's visibility and
  update time, and loses its rows with the article.
- Tag listings: each `articles_taggedarticle` row carries its article's `visible_from` (the
  publication time of a published article, NULL otherwise) and `updated_at`, so that a
  tag's page is read in order from one index (see `tagged.py`).

- The feed's count: `articles_published_count` holds the number of articles whose status is
  published (whatever their publication time), so that counting the feed does not read an
  index entry per article (see `queries.published_count`).

Triggers, not save hooks, because bulk updates, imports and tag merges bypass `save()`.
SQLite drops a table's triggers when a migration rebuilds the table (Django does so to add
a column with a default, for one), so these are re-created, if missing, after every
`migrate`. PostgreSQL keeps its triggers through such changes (migrations 0002, 0006, 0007).
"""

VISIBLE_FROM = "CASE WHEN {row}.status = 'published' THEN {row}.published_at END"

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS articles_search_delete AFTER DELETE ON articles_article
        BEGIN
            DELETE FROM articles_search WHERE rowid = old.id;
            DELETE FROM articles_search_meta WHERE id = old.id;
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_search_visibility
        AFTER UPDATE OF status, published_at, updated_at ON articles_article
        BEGIN
            UPDATE articles_search_meta
            SET visible_from = {VISIBLE_FROM.format(row="new")}, updated_at = new.updated_at
            WHERE id = new.id;
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_tagged_visibility
        AFTER UPDATE OF status, published_at, updated_at ON articles_article
        BEGIN
            UPDATE articles_taggedarticle
            SET visible_from = {VISIBLE_FROM.format(row="new")}, updated_at = new.updated_at
            WHERE content_object_id = new.id;
        END""",
    *(
        f"""CREATE TRIGGER IF NOT EXISTS articles_tagged_{name} AFTER {event} ON articles_taggedarticle
            BEGIN
                UPDATE articles_taggedarticle
                SET (visible_from, updated_at) = (
                    SELECT {VISIBLE_FROM.format(row="a")}, a.updated_at
                    FROM articles_article a WHERE a.id = new.content_object_id
                )
                WHERE id = new.id;
            END"""
        for name, event in [("insert", "INSERT"), ("move", "UPDATE OF content_object_id")]
    ),
]

POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION articles_tagged_listing() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            SELECT {VISIBLE_FROM.format(row="a")}, a.updated_at INTO NEW.visible_from, NEW.updated_at
            FROM articles_article a WHERE a.id = NEW.content_object_id;
            RETURN NEW;
        END $$""",
    """CREATE OR REPLACE TRIGGER articles_tagged_listing
        BEFORE INSERT OR UPDATE OF content_object_id ON articles_taggedarticle
        FOR EACH ROW EXECUTE FUNCTION articles_tagged_listing()""",
    f"""CREATE OR REPLACE FUNCTION articles_tagged_visibility() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE articles_taggedarticle
            SET visible_from = {VISIBLE_FROM.format(row="NEW")}, updated_at = NEW.updated_at
            WHERE content_object_id = NEW.id;
            RETURN NULL;
        END $$""",
    """CREATE OR REPLACE TRIGGER articles_tagged_visibility
        AFTER UPDATE OF status, published_at, updated_at ON articles_article
        FOR EACH ROW EXECUTE FUNCTION articles_tagged_visibility()""",
]

PUBLISHED = "{row}.status = 'published'"
COUNT_TABLE = "CREATE TABLE articles_published_count (id integer PRIMARY KEY CHECK (id = 1), articles bigint NOT NULL)"
# Set from the articles themselves: when the table is made, and after every migrate (to heal
# any drift). PostgreSQL: under a lock that holds off writers until the transaction ends.
RECOUNT = f"""UPDATE articles_published_count
    SET articles = (SELECT COUNT(*) FROM articles_article WHERE {PUBLISHED.format(row="articles_article")})"""
COUNT_SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS articles_count_insert AFTER INSERT ON articles_article
        WHEN {PUBLISHED.format(row="new")}
        BEGIN UPDATE articles_published_count SET articles = articles + 1; END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_count_delete AFTER DELETE ON articles_article
        WHEN {PUBLISHED.format(row="old")}
        BEGIN UPDATE articles_published_count SET articles = articles - 1; END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_count_status AFTER UPDATE OF status ON articles_article
        WHEN ({PUBLISHED.format(row="old")}) IS NOT ({PUBLISHED.format(row="new")})
        BEGIN
            UPDATE articles_published_count
            SET articles = articles + CASE WHEN {PUBLISHED.format(row="new")} THEN 1 ELSE -1 END;
        END""",
]
COUNT_POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION articles_count() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            change integer := 0;
        BEGIN
            IF TG_OP IN ('INSERT', 'UPDATE') AND {PUBLISHED.format(row="NEW")} THEN change := change + 1; END IF;
            IF TG_OP IN ('DELETE', 'UPDATE') AND {PUBLISHED.format(row="OLD")} THEN change := change - 1; END IF;
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

# Existing rows, when the columns are added.
FILL_TAGGED = f"""UPDATE articles_taggedarticle SET (visible_from, updated_at) = (
    SELECT {VISIBLE_FROM.format(row="a")}, a.updated_at FROM articles_article a
    WHERE a.id = articles_taggedarticle.content_object_id
)"""


def ensure(connection):
    """Create any missing SQLite trigger (only where its tables exist); recount the feed."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if "articles_published_count" in tables:
            recount(connection, cursor)
        if connection.vendor != "sqlite":
            return
        if "articles_published_count" in tables:
            for statement in COUNT_SQLITE:
                cursor.execute(statement)
        if {"articles_article", "articles_taggedarticle", "articles_search", "articles_search_meta"} <= tables:
            columns = {c.name for c in connection.introspection.get_table_description(cursor, "articles_taggedarticle")}
            for statement in SQLITE:
                if "articles_tagged_" in statement and "visible_from" not in columns:
                    continue  # before migration 0007
                cursor.execute(statement)


def recount(connection, cursor):
    from django.db import transaction

    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE articles_article IN SHARE MODE")
        cursor.execute(RECOUNT)


def ensure_after_migrate(using, **kwargs):
    from django.db import connections

    ensure(connections[using])
