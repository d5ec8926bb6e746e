"""An article's own TeX macros (markup/macros.py), one a line.

SQLite adds a column with a default by rebuilding the table, which drops the table's
triggers and cannot rename the rebuilt table while another table's trigger names it; as in
0012, every trigger on or naming the article table is read and dropped before and made again
after. PostgreSQL rebuilds nothing.
"""

from django.db import migrations, models

_saved_triggers = {}


def save_triggers(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    table = apps.get_model("articles", "Article")._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        saved = [(name, sql) for name, on, sql in cursor.fetchall() if on == table or table in sql]
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
        ("articles", "0014_series_labels"),
    ]

    operations = [
        migrations.RunPython(save_triggers, restore_triggers),
        migrations.AddField(
            model_name="article",
            name="macros",
            field=models.TextField(
                blank=True,
                default="",
                help_text=(
                    "Optional, one a line, for this article's formulas: \\R = \\mathbb{R}, or with arguments "
                    "\\norm[1] = \\left\\lVert #1 \\right\\rVert. The site's own macros apply too."
                ),
                verbose_name="TeX macros",
            ),
        ),
        migrations.RunPython(restore_triggers, save_triggers),
    ]
