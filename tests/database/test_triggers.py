"""Every trigger of articles/database/triggers.py is in the database after `migrate`, and the
SQL it builds from the models' table names is what the migrations ran."""

import importlib
import re

import pytest
from django.core.management import call_command
from django.db import connection

from articles.database import tables, triggers

pytestmark = pytest.mark.django_db


def one_line(sql):
    return re.sub(r"\s+", " ", sql).strip()


def test_every_trigger_is_there_after_migrate():
    assert triggers.missing(connection) == []


def test_a_lost_sqlite_trigger_is_named_and_comes_back_after_migrate():
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite drops a table's triggers when a migration rebuilds it")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER articles_count_status")
    assert triggers.missing(connection) == ["articles_count_status"]
    call_command("migrate", verbosity=0)
    assert triggers.missing(connection) == []


def test_the_built_sql_is_what_migrations_0007_and_0009_ran():
    tagged = importlib.import_module("articles.migrations.0007_tag_listing")
    count = importlib.import_module("articles.migrations.0009_published_count")
    pairs = [
        (tagged.SQLITE, triggers.sqlite_search() + triggers.sqlite_tagged()),
        (tagged.POSTGRESQL, triggers.postgresql_tagged()),
        ([tagged.FILL_TAGGED], [triggers.fill_tagged()]),
        (count.COUNT_POSTGRESQL, triggers.postgresql_count()),
        (count.COUNT_SQLITE, triggers.sqlite_count()),
        ([count.COUNT_TABLE], [triggers.count_table()]),
        ([count.RECOUNT], [triggers.recount_sql()]),
    ]
    for migrated, built in pairs:
        assert [one_line(s) for s in built] == [one_line(s) for s in migrated]


def test_table_names_come_from_the_models():
    from django.contrib.auth import get_user_model

    from articles.models import Article, TaggedArticle

    names = tables.names()
    assert names.article == Article._meta.db_table == "articles_article"
    assert names.tagged == TaggedArticle._meta.db_table == "articles_taggedarticle"
    assert names.user == get_user_model()._meta.db_table
