"""Database triggers that keep derived data in step with the articles table, and their checks.

- The search index: its SQLite table of visibility (`tables.SEARCH_META`) mirrors each
  article's visibility and update time, and the index loses its rows with the article.
- Tag listings: each TaggedArticle row carries its article's `visible_from` (the publication
  time of a published article, NULL otherwise) and `updated_at`, so that a tag's page is read
  in order from one index (see `articles/reading/tagged.py`).
- The feed's count: `tables.PUBLISHED_COUNT` holds the number of articles whose status is
  published (whatever their publication time), so that counting the feed does not read an
  index entry per article (see `articles/reading/queries.published_count`).

Triggers, not save hooks, because bulk updates, imports and tag merges bypass `save()`.
SQLite drops a table's triggers when a migration rebuilds the table (Django does so to add
a column with a default, for one), so `ensure()` re-creates them, if missing, after every
`migrate`. PostgreSQL keeps its triggers through such changes: there the migrations made them
(0002 and 0006 for the search index, 0007 for tag listings, 0009 for the count), and the
statements below are what those migrations ran (the migrations keep their own copy, and
tests/database/test_triggers.py checks the two agree; some functions here serve only that
comparison and a PostgreSQL database made without the migrations). `missing()` names any trigger that is not
where it should be.

The SQL is built by functions, when it is run: table names come from the models' `_meta`,
which needs the app registry. Trigger and function names are the database's and stay as
they are.
"""

from django.db import connections, transaction

from articles.database.tables import names

VISIBLE_FROM = "CASE WHEN {row}.status = 'published' THEN {row}.published_at END"
PUBLISHED = "{row}.status = 'published'"


def sqlite_search():
    """SQLite: the search index follows its article (deleted with it; visibility mirrored)."""
    t = names()
    return [
        f"""CREATE TRIGGER IF NOT EXISTS articles_search_delete AFTER DELETE ON {t.article}
        BEGIN
            DELETE FROM {t.search} WHERE rowid = old.id;
            DELETE FROM {t.search_meta} WHERE id = old.id;
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS articles_search_visibility
        AFTER UPDATE OF status, published_at, updated_at ON {t.article}
        BEGIN
            UPDATE {t.search_meta}
            SET visible_from = {VISIBLE_FROM.format(row="new")}, updated_at = new.updated_at
            WHERE id = new.id;
        END""",
    ]


def sqlite_tagged():
    """SQLite: each tag link copies its article's visibility and update time (migration 0007)."""
    t = names()
    return [
        f"""CREATE TRIGGER IF NOT EXISTS articles_tagged_visibility
        AFTER UPDATE OF status, published_at, updated_at ON {t.article}
        BEGIN
            UPDATE {t.tagged}
            SET visible_from = {VISIBLE_FROM.format(row="new")}, updated_at = new.updated_at
            WHERE content_object_id = new.id;
        END""",
        *(
            f"""CREATE TRIGGER IF NOT EXISTS articles_tagged_{name} AFTER {event} ON {t.tagged}
            BEGIN
                UPDATE {t.tagged}
                SET (visible_from, updated_at) = (
                    SELECT {VISIBLE_FROM.format(row="a")}, a.updated_at
                    FROM {t.article} a WHERE a.id = new.content_object_id
                )
                WHERE id = new.id;
            END"""
            for name, event in [("insert", "INSERT"), ("move", "UPDATE OF content_object_id")]
        ),
    ]


def postgresql_tagged():
    """PostgreSQL: the same as `sqlite_tagged`, as migration 0007 made it."""
    t = names()
    return [
        f"""CREATE OR REPLACE FUNCTION articles_tagged_listing() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            SELECT {VISIBLE_FROM.format(row="a")}, a.updated_at INTO NEW.visible_from, NEW.updated_at
            FROM {t.article} a WHERE a.id = NEW.content_object_id;
            RETURN NEW;
        END $$""",
        f"""CREATE OR REPLACE TRIGGER articles_tagged_listing
        BEFORE INSERT OR UPDATE OF content_object_id ON {t.tagged}
        FOR EACH ROW EXECUTE FUNCTION articles_tagged_listing()""",
        f"""CREATE OR REPLACE FUNCTION articles_tagged_visibility() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {t.tagged}
            SET visible_from = {VISIBLE_FROM.format(row="NEW")}, updated_at = NEW.updated_at
            WHERE content_object_id = NEW.id;
            RETURN NULL;
        END $$""",
        f"""CREATE OR REPLACE TRIGGER articles_tagged_visibility
        AFTER UPDATE OF status, published_at, updated_at ON {t.article}
        FOR EACH ROW EXECUTE FUNCTION articles_tagged_visibility()""",
    ]


def fill_tagged():
    """Existing tag links' copies, when the columns are added (migration 0007)."""
    t = names()
    return f"""UPDATE {t.tagged} SET (visible_from, updated_at) = (
    SELECT {VISIBLE_FROM.format(row="a")}, a.updated_at FROM {t.article} a
    WHERE a.id = {t.tagged}.content_object_id
)"""


def count_table():
    """The feed's count: one row (migration 0009)."""
    return f"CREATE TABLE {names().published_count} (id integer PRIMARY KEY CHECK (id = 1), articles bigint NOT NULL)"


def recount_sql():
    """The count set from the articles themselves: when the table is made, and after every
    migrate (to heal any drift)."""
    t = names()
    return f"""UPDATE {t.published_count}
    SET articles = (SELECT COUNT(*) FROM {t.article} WHERE {PUBLISHED.format(row=t.article)})"""


def sqlite_count():
    """SQLite: the count follows every insert, delete and change of status."""
    t = names()
    return [
        f"""CREATE TRIGGER IF NOT EXISTS articles_count_insert AFTER INSERT ON {t.article}
        WHEN {PUBLISHED.format(row="new")}
        BEGIN UPDATE {t.published_count} SET articles = articles + 1; END""",
        f"""CREATE TRIGGER IF NOT EXISTS articles_count_delete AFTER DELETE ON {t.article}
        WHEN {PUBLISHED.format(row="old")}
        BEGIN UPDATE {t.published_count} SET articles = articles - 1; END""",
        f"""CREATE TRIGGER IF NOT EXISTS articles_count_status AFTER UPDATE OF status ON {t.article}
        WHEN ({PUBLISHED.format(row="old")}) IS NOT ({PUBLISHED.format(row="new")})
        BEGIN
            UPDATE {t.published_count}
            SET articles = articles + CASE WHEN {PUBLISHED.format(row="new")} THEN 1 ELSE -1 END;
        END""",
    ]


def postgresql_count():
    """PostgreSQL: the same as `sqlite_count`, and TRUNCATE, as migration 0009 made it."""
    t = names()
    return [
        f"""CREATE OR REPLACE FUNCTION articles_count() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            change integer := 0;
        BEGIN
            IF TG_OP IN ('INSERT', 'UPDATE') AND {PUBLISHED.format(row="NEW")} THEN change := change + 1; END IF;
            IF TG_OP IN ('DELETE', 'UPDATE') AND {PUBLISHED.format(row="OLD")} THEN change := change - 1; END IF;
            IF change <> 0 THEN
                UPDATE {t.published_count} SET articles = articles + change;
            END IF;
            RETURN NULL;
        END $$""",
        f"""CREATE OR REPLACE TRIGGER articles_count
        AFTER INSERT OR DELETE OR UPDATE OF status ON {t.article}
        FOR EACH ROW EXECUTE FUNCTION articles_count()""",
        f"""CREATE OR REPLACE FUNCTION articles_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {t.published_count} SET articles = 0;
            RETURN NULL;
        END $$""",
        f"""CREATE OR REPLACE TRIGGER articles_count_truncate AFTER TRUNCATE ON {t.article}
        FOR EACH STATEMENT EXECUTE FUNCTION articles_count_truncate()""",
    ]


# Every trigger of this module (page_version.py keeps its own), by database. On PostgreSQL the
# search index has four more, on tag links (migration 0006), and its own delete, truncate and
# visibility triggers (migration 0002).
EXPECTED = {
    "sqlite": [
        "articles_search_delete",
        "articles_search_visibility",
        "articles_tagged_visibility",
        "articles_tagged_insert",
        "articles_tagged_move",
        "articles_count_insert",
        "articles_count_delete",
        "articles_count_status",
    ],
    "postgresql": [
        "articles_search_delete",
        "articles_search_truncate",
        "articles_search_visibility",
        "articles_search_tags_insert",
        "articles_search_tags_delete",
        "articles_search_tags_update_old",
        "articles_search_tags_update_new",
        "articles_tagged_listing",
        "articles_tagged_visibility",
        "articles_count",
        "articles_count_truncate",
    ],
}


def missing(connection):
    """The triggers of EXPECTED that the database lacks (an empty list when all are there)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
    return [name for name in EXPECTED.get(connection.vendor, []) if name not in present]


def ensure(connection):
    """Create any missing SQLite trigger (only where its tables exist); recount the feed."""
    t = names()
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if t.published_count in tables:
            recount(connection, cursor)
        if connection.vendor != "sqlite":
            return
        if t.published_count in tables:
            for statement in sqlite_count():
                cursor.execute(statement)
        if {t.article, t.tagged, t.search, t.search_meta} <= tables:
            statements = sqlite_search()
            columns = {c.name for c in connection.introspection.get_table_description(cursor, t.tagged)}
            if "visible_from" in columns:  # after migration 0007
                statements += sqlite_tagged()
            for statement in statements:
                cursor.execute(statement)


def recount(connection, cursor):
    """Set the feed's count from the articles. PostgreSQL: under a lock that holds off writers
    until the transaction ends."""
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {names().article} IN SHARE MODE")
        cursor.execute(recount_sql())


def ensure_after_migrate(using, **kwargs):
    """post_migrate receiver (connected in ArticlesConfig.ready)."""
    ensure(connections[using])
