"""Every stored date within the site's range (markup/limits.py): repair, then CHECK.

Year 1 in +08:00 was stored by PostgreSQL as a BC timestamp that psycopg cannot read: the
feed, the article page, the admin and the backup failed on it for everyone. Year 9999 pinned
an article at the top of the feed. Rows already out of range are first brought in (in SQL,
so that PostgreSQL never hands a BC date to Python):
- a publication date too early becomes the article's creation time (too late: the last
  moment of the range, so that a scheduled article stays unpublished);
- an update time out of range becomes the later of publication and creation;
- a creation or save time out of range becomes now;
- a revision's publication date too early becomes its article's (or its save time); too
  late, the last moment of the range.
Then CHECK constraints keep every write path (bulk updates, loaddata, raw SQL) in range.

The bounds are written here as literals: a migration does not follow later code. They are
`limits.EARLIEST_DATE` and `limits.LATEST_DATE` (tests/models/test_dates.py checks they agree).
"""

import datetime

from django.db import migrations, models

EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)

# The bounds as SQL literals: PostgreSQL compares them as timestamptz; SQLite stores naive
# UTC text ("YYYY-MM-DD HH:MM:SS[.ffffff]"), compared as text.
BOUNDS = {
    "postgresql": ("'1970-01-01 00:00:00+00'", "'2100-01-01 00:00:00+00'", "'2099-12-31 23:59:59+00'"),
    "sqlite": ("'1970-01-01 00:00:00'", "'2100-01-01 00:00:00'", "'2099-12-31 23:59:59'"),
}


def _outside(column):
    return f"({column} < {{earliest}} OR {column} >= {{latest}})"


# Order matters: updated_at is repaired from the repaired published_at and created_at.
ARTICLE_REPAIRS = [
    f"UPDATE {{table}} SET created_at = CURRENT_TIMESTAMP WHERE {_outside('created_at')}",
    "UPDATE {table} SET published_at = CASE WHEN published_at < {earliest} THEN created_at ELSE {last} END "
    f"WHERE {_outside('published_at')}",
    "UPDATE {table} SET updated_at = "
    "CASE WHEN published_at IS NOT NULL AND published_at > created_at THEN published_at ELSE created_at END "
    f"WHERE {_outside('updated_at')}",
]
REVISION_REPAIRS = [
    f"UPDATE {{table}} SET saved_at = CURRENT_TIMESTAMP WHERE {_outside('saved_at')}",
    # Too early: its article's (repaired) publication date, or the time it was saved.
    "UPDATE {table} SET published_at = CASE WHEN published_at < {earliest} THEN "
    "COALESCE((SELECT a.published_at FROM {article} a WHERE a.id = {table}.article_id), saved_at) ELSE {last} END "
    f"WHERE {_outside('published_at')}",
]


def repair(apps, schema_editor):
    connection = schema_editor.connection
    earliest, latest, last = BOUNDS["postgresql" if connection.vendor == "postgresql" else "sqlite"]
    article = connection.ops.quote_name(apps.get_model("articles", "Article")._meta.db_table)
    for model, statements in [("Article", ARTICLE_REPAIRS), ("Revision", REVISION_REPAIRS)]:
        table = connection.ops.quote_name(apps.get_model("articles", model)._meta.db_table)
        for statement in statements:
            schema_editor.execute(
                statement.format(table=table, article=article, earliest=earliest, latest=latest, last=last)
            )
    if connection.vendor == "postgresql":
        # The updates' deferred foreign key checks run now: PostgreSQL alters no table that
        # has some pending in this transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


# SQLite adds a CHECK by rebuilding the table, which drops the table's triggers (the search
# index, tag listings and feed count of migrations 0002-0009), and cannot rename the rebuilt
# table while another table's trigger names it. So every trigger on or naming these tables is
# read and dropped before the rebuild and made again after it. PostgreSQL rebuilds nothing.
_saved_triggers = {}


def save_triggers(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    tables = [apps.get_model("articles", model)._meta.db_table for model in ("Article", "Revision")]
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        saved = [
            (name, sql)
            for name, table, sql in cursor.fetchall()
            if table in tables or any(other in sql for other in tables)
        ]
        for name, _ in saved:
            cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
    _saved_triggers[connection.alias] = saved


def restore_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for _, sql in _saved_triggers.pop(connection.alias, []):
            cursor.execute(sql)


def in_range(field, null=False):
    condition = models.Q((f"{field}__gte", EARLIEST), (f"{field}__lt", LATEST))
    if null:
        condition = models.Q((f"{field}__isnull", True)) | condition
    return condition


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_published_count")]

    operations = [
        migrations.RunPython(repair, migrations.RunPython.noop),
        migrations.RunPython(save_triggers, restore_triggers),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.CheckConstraint(
                condition=in_range("published_at", null=True), name="article_published_at_range"
            ),
        ),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.CheckConstraint(condition=in_range("updated_at"), name="article_updated_at_range"),
        ),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.CheckConstraint(condition=in_range("created_at"), name="article_created_at_range"),
        ),
        migrations.AddConstraint(
            model_name="revision",
            constraint=models.CheckConstraint(
                condition=in_range("published_at", null=True), name="revision_published_at_range"
            ),
        ),
        migrations.AddConstraint(
            model_name="revision",
            constraint=models.CheckConstraint(condition=in_range("saved_at"), name="revision_saved_at_range"),
        ),
        migrations.RunPython(restore_triggers, save_triggers),
    ]
