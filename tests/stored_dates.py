"""A date out of the site's range stored behind the database's back, as older versions of the
site let the admin and the importer do: for the tests of what reads every row (backup, export)."""

from django.db import connection

from articles.models import Article


def store_unreadable_date(article):
    """Put a date out of the site's range into `article`'s row behind the CHECK constraints'
    back, as an older version of the site let the admin do; return a function that undoes it."""
    table = Article._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Year 9999 in UTC: read back, it overflows once turned into local time.
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            cursor.execute(f"UPDATE {table} SET published_at = '9999-12-31 23:00:00' WHERE id = %s", [article.pk])
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
            return lambda: None
        # Year 1 in +08:00: a BC timestamp psycopg cannot read.
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%%published_at%%'",
            [table],
        )
        checks = cursor.fetchall()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE while deferred triggers wait
        for name, _ in checks:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(f"UPDATE {table} SET published_at = '0001-01-01 00:00:00+08' WHERE id = %s", [article.pk])

    def undo():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET published_at = now() WHERE id = %s", [article.pk])
            for name, definition in checks:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

    return undo
