"""The feed's count, kept by database triggers, always equals the published articles a reader sees."""

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles.database.tables import PUBLISHED_COUNT
from articles.models import Article
from articles.reading import queries
from tests.factories import make_article, make_scheduled

pytestmark = pytest.mark.django_db


def truth():
    return Article.objects.published().count()


def test_the_feed_pages_follow_the_count(client, settings):
    settings.KB_PAGE_SIZE = 2
    for _ in range(5):
        make_article()
    make_scheduled()
    make_article(status=Article.Status.DRAFT)
    assert [client.get(f"/?page={n}").status_code for n in (1, 2, 3, 4)] == [200, 200, 200, 404]
    Article.objects.filter(status=Article.Status.PUBLISHED).order_by("pk").first().delete()
    assert client.get("/?page=3").status_code == 404


def test_every_kind_of_write_keeps_the_count_exact():
    rng = random.Random(7)
    now = timezone.now()

    def anyone():
        return Article.objects.order_by("?").first()

    steps = [
        lambda: make_article(),
        lambda: make_article(status=Article.Status.DRAFT),
        lambda: make_scheduled(),
        lambda: Article.objects.filter(pk=anyone().pk).update(status=Article.Status.DRAFT),
        lambda: Article.objects.filter(pk=anyone().pk).update(status=Article.Status.PUBLISHED),
        lambda: Article.objects.filter(pk=anyone().pk).update(published_at=None),
        lambda: Article.objects.filter(pk=anyone().pk).update(published_at=now - timedelta(days=1)),
        lambda: anyone().delete(),
        lambda: Article.objects.filter(pk__in=[anyone().pk, anyone().pk]).delete(),
        lambda: Article.objects.bulk_create(
            [
                Article(title=f"bulk {rng.random()}", slug=f"bulk-{rng.random()}"[2:40], status=s, published_at=now)
                for s in (Article.Status.PUBLISHED, Article.Status.DRAFT)
            ]
        ),  # fmt: skip
        lambda: Article.objects.update(status=Article.Status.PUBLISHED),
    ]
    for _ in range(8):
        make_article()
    for step in range(120):
        rng.choice(steps)()
        assert queries.published_count() == truth(), step


def test_a_scheduled_article_is_counted_when_its_time_comes(monkeypatch):
    make_article()
    make_scheduled()
    assert queries.published_count() == truth() == 1
    later = timezone.now() + timedelta(days=4)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert queries.published_count() == truth() == 2


def test_migrate_heals_a_count_that_drifted():
    for _ in range(3):
        make_article()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {PUBLISHED_COUNT} SET articles = 999")
    call_command("migrate", verbosity=0)
    assert queries.published_count() == truth() == 3


def test_emptying_the_table_empties_the_count():
    for _ in range(3):
        make_article()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what `flush` meets: no foreign key check pending
            cursor.execute(f"TRUNCATE {Article._meta.db_table} CASCADE")
        else:
            cursor.execute(f"DELETE FROM {Article._meta.db_table}")
    assert queries.published_count() == truth() == 0
    make_article()
    assert queries.published_count() == 1
