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

On PostgreSQL, transactions overlap: a save cannot tell from the version alone whether another
write committed between its first write and its commit. So a transaction that will tell the
page cache what it changed names itself first (`tell`, a transaction-local setting), and the
trigger that gives it its version also writes that version under its name (table
articles_page_told); after the commit, `told_version` reads and deletes it. The page cache then
knows exactly which versions were told, and which were not.
"""

from django.db import connections

from articles.database.tables import PAGE_TOLD, PAGE_VERSION, names

TABLE = PAGE_VERSION
TOLD = PAGE_TOLD
# The setting a telling transaction sets (SET LOCAL): its name, for the trigger.
TOLD_SETTING = "kb.page_told"
# Rows of transactions that committed but never came back for their version (a process killed
# in between) are deleted after this long.
TOLD_KEPT = "1 hour"
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
        f"""CREATE TABLE IF NOT EXISTS {TOLD} (
                name text PRIMARY KEY, version bigint NOT NULL, at timestamptz NOT NULL DEFAULT now())"""
    )
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {TABLE}_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE moved bigint; told text := current_setting('{TOLD_SETTING}', true);
            BEGIN
              {BUMP} AND xmin <> xid(pg_current_xact_id()) RETURNING version INTO moved;
              IF moved IS NOT NULL AND told <> '' THEN
                INSERT INTO {TOLD} (name, version, at) VALUES (told, moved, clock_timestamp());
              END IF;
              RETURN NULL;
            END $$"""
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


def can_tell(connection):
    """Whether transactions can learn their own version (`tell`): PostgreSQL's."""
    return connection.vendor == "postgresql"


def tell(connection, name):
    """In a transaction: the version it commits with is kept under `name` (see the docstring)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [TOLD_SETTING, name])


def told_version(connection, name):
    """After the commit: the version the transaction named `name` committed with, or None (it
    wrote nothing the pages show). Its row is deleted, and so are rows left for too long."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TOLD} WHERE name = %s OR at < now() - interval '{TOLD_KEPT}' RETURNING name, version",
            [name],
        )
        rows = cursor.fetchall()
    return next((version for told, version in rows if told == name), None)


def committed_told(connection, versions, seconds):
    """Which of `versions` were committed by transactions that named themselves (`tell`) at most
    `seconds` ago and have not yet come back for their version."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT version FROM {TOLD}"
            " WHERE version = ANY(%s) AND at > clock_timestamp() - make_interval(secs => %s)",
            [list(versions), seconds],
        )
        return {row[0] for row in cursor.fetchall()}
