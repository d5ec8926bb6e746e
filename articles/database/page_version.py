"""The page version: one number in the database that grows with every write to what pages show.

The page cache (`articles/pagecache.py`) trusts a stored page only while the version it was stored under
is the database's: a save that the cache server never heard of (unreachable, restarted from an
old snapshot, back from a partition with its old entries) still ends every page stored before
it. Database triggers move the number, not save hooks: bulk updates, imports, tag merges and
restores bypass `save()`, and a trigger costs the writing code no query of its own. It moves in
the writing transaction (on PostgreSQL as it commits), so whoever reads the new number also
reads the new rows.

The table and its triggers hold no content, so they live outside the migrations: `ensure()`
makes whatever is missing after every `migrate` (SQLite drops a table's triggers when a
migration rebuilds the table).
"""

from django.db import connections

from articles.database.tables import PAGE_VERSION, names

TABLE = PAGE_VERSION
COLUMNS = "id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL"
BUMP = f"UPDATE {TABLE} SET version = version + 1 WHERE id = 1"


def watched_tables():
    """The tables whose rows the cached pages show: articles, series, tags, taggings, users."""
    t = names()
    return [t.article, t.series, t.tag, t.tagged, t.user]


def ensure(using="default"):
    """Create the version's table, its row and its triggers where missing."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({COLUMNS})")
        cursor.execute(f"INSERT INTO {TABLE} (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING")
        existing = set(connection.introspection.table_names(cursor))
        tables = [table for table in watched_tables() if table in existing]
        if connection.vendor == "postgresql":
            _ensure_postgresql(cursor, tables)
        else:
            for table in tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_{table}_{event.lower()} AFTER {event} ON {table}
                            BEGIN {BUMP}; END"""
                    )


def _ensure_postgresql(cursor, tables):
    """Deferred to the commit: a transaction holds the version's row lock only while it commits,
    so writers that lock other rows (the feed's count, say) in other orders cannot deadlock on
    it. Once per transaction: a row this transaction updated already carries its id (xmin)."""
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {TABLE}_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN {BUMP} AND xmin <> xid(pg_current_xact_id()); RETURN NULL; END $$"""
    )
    cursor.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname LIKE %s",
        [f"{TABLE}%"],
    )
    present = set(cursor.fetchall())
    for table in tables:
        if (table, f"{TABLE}_bump") not in present:
            cursor.execute(
                f"""CREATE CONSTRAINT TRIGGER {TABLE}_bump AFTER INSERT OR UPDATE OR DELETE ON {table}
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {TABLE}_bump()"""
            )
        if (table, f"{TABLE}_truncate") not in present:
            cursor.execute(
                f"""CREATE TRIGGER {TABLE}_truncate AFTER TRUNCATE ON {table}
                    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_bump()"""
            )
        if (table, TABLE) in present:  # the first, statement-level form
            cursor.execute(f"DROP TRIGGER {TABLE} ON {table}")


def ensure_after_migrate(using="default", **kwargs):
    """post_migrate receiver (connected in `pagecache.connect_signals`, from ArticlesConfig.ready)."""
    ensure(using)


def read(connection):
    """The current version (0 if the table has no row yet)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0
