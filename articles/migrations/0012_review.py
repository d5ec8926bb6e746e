"""Review before publishing: an article's place in the review queue, pending revisions, and
drafts saved by the editor on its own (autosave).

SQLite adds a column with a default by rebuilding the table, which drops the table's
triggers (the search index, tag listings and feed count of migrations 0002-0009) and cannot
rename the rebuilt table while another table's trigger names it; as in 0010, every trigger
on or naming these tables is read and dropped before and made again after. PostgreSQL
rebuilds nothing.
"""

from django.conf import settings
from django.db import migrations, models

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


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_article_redirects"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(save_triggers, restore_triggers),
        migrations.AddField(
            model_name="article",
            name="review",
            field=models.CharField(
                blank=True,
                choices=[("", "Not submitted"), ("submitted", "Waiting for review"), ("returned", "Sent back")],
                default="",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="review_note",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="revision",
            name="pending",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="revision",
            name="autosave",
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("review", ""), _negated=True),
                fields=["review", "-updated_at"],
                name="article_review",
            ),
        ),
        migrations.RunPython(restore_triggers, save_triggers),
    ]
