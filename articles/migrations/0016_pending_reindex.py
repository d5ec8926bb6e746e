"""The backlog of search entries to write again after a tag rename or merge (articles/authoring/reindexing.py).

A new table: no trigger on the article table is touched, so none is saved and restored.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_article_macros"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingReindex",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("queued_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name": "search entry to redo",
                "verbose_name_plural": "search entries to redo",
            },
        ),
    ]
