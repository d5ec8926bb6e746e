"""Dates an author or a file sets stay within the site's range; no stored date breaks a page.

Year 1 in Asia/Shanghai was stored by PostgreSQL as a BC timestamp that psycopg cannot read:
the admin, the feed and the article page answered 500 for everyone (on SQLite the save
itself was a 500). Year 9999 pinned an article at the top of the feed. Now the admin and
the importer refuse such dates with a message naming the field, and CHECK constraints
(migration 0010) keep every other write path in range.
"""

import datetime as dt
import importlib
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.database import triggers
from articles.models import Article, revisions
from articles.models.revisions import Revision
from markup import limits
from tests.factories import make_article

BC_PROOF = "This text must survive a refused date."


def local(moment):
    """The admin's split date and time fields for `moment`, in the site's time zone."""
    moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S")


def add_form(published=("", ""), updated=None, **fields):
    updated = updated or local(timezone.now())
    return {
        "title": "Dated",
        "slug": "dated",
        "body": BC_PROOF,
        "summary": "",
        "tags": "",
        "status": "published",
        "published_at_0": published[0],
        "published_at_1": published[1],
        "updated_at_0": updated[0],
        "updated_at_1": updated[1],
        "series": "",
        "series_order": "",
        **fields,
    }


def post_add(client, data):
    return client.post(reverse("admin:articles_article_add"), data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value, message",
    [
        ("published", ("0001-01-01", "00:00"), "outside the range"),
        ("published", ("1969-12-31", "23:00"), "outside the range"),
        ("published", ("9999-12-31", "23:59"), "outside the range"),
        ("updated", ("0001-01-01", "00:00"), "outside the range"),
        ("updated", ("9999-12-31", "00:00"), "outside the range"),
        ("updated", local(timezone.now() + timedelta(days=2)), "lies in the future"),
    ],
)
def test_the_admin_refuses_a_date_out_of_range_on_its_field_and_keeps_the_text(staff_client, field, value, message):
    response = post_add(staff_client, add_form(**{field: value}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [f"{field}_at"] and message in errors[f"{field}_at"][0]
    assert BC_PROOF in response.content.decode()
    assert not Article.objects.exists()
    # Nothing stored, so every page a reader or an editor opens still answers.
    for path in ["/", "/feed/", reverse("admin:articles_article_changelist")]:
        assert staff_client.get(path).status_code == 200, path


@pytest.mark.django_db
def test_a_future_publication_date_still_schedules_and_the_article_stays_editable(staff_client):
    when = timezone.now() + timedelta(days=7)
    response = post_add(staff_client, add_form(published=local(when)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.updated_at == article.published_at > timezone.now()  # the update time of a scheduled article
    assert not Article.objects.published().exists() and "Dated" not in Client().get("/").content.decode()

    # Its update time, as far ahead as its publication, is no "future update": it saves again.
    url = reverse("admin:articles_article_change", args=[article.pk])
    form = staff_client.get(url).context["adminform"].form
    data = add_form(published=local(article.published_at), updated=local(article.updated_at), body="Edited.")
    data["version"] = form["version"].value()
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.body == "Edited."


@pytest.mark.django_db
def test_the_last_and_first_moments_of_the_range_are_accepted(staff_client):
    first = limits.EARLIEST_DATE
    response = post_add(staff_client, add_form(published=local(first), updated=local(first)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Article.objects.get().published_at == first
    last = limits.LATEST_DATE - timedelta(minutes=1)
    response = post_add(staff_client, add_form(published=local(last), slug="last"))
    assert response.status_code == 302, response.context["adminform"].form.errors


@pytest.mark.django_db
def test_no_write_path_stores_a_date_out_of_range():
    """Bulk updates, raw SQL, revisions: the database itself refuses (the CHECKs of migration 0010)."""
    article = make_article(title="Bounded")
    revisions.record(article, note="First")
    year_one = dt.datetime(1, 1, 1, tzinfo=dt.timezone(timedelta(hours=8)))  # a BC timestamp in UTC
    far = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
    attempts = [
        lambda: Article.objects.filter(pk=article.pk).update(published_at=far),
        lambda: Article.objects.filter(pk=article.pk).update(updated_at=far),
        lambda: Article.objects.filter(pk=article.pk).update(created_at=dt.datetime(1969, 12, 31, tzinfo=dt.UTC)),
        lambda: Revision.objects.filter(article=article).update(published_at=far),
        lambda: Revision.objects.filter(article=article).update(saved_at=far),
        lambda: raw_update("articles_article", "published_at", "9999-01-01 00:00:00", article.pk),
        lambda: raw_update("articles_revision", "saved_at", "0001-01-01 00:00:00", article.revisions.get().pk),
    ]
    if connection.vendor == "postgresql":  # SQLite's adapter cannot even convert it to UTC
        attempts.append(lambda: Article.objects.filter(pk=article.pk).update(published_at=year_one))
    for attempt in attempts:
        with pytest.raises(IntegrityError, match="_range"), transaction.atomic():
            attempt()
    assert Client().get(article.get_absolute_url()).status_code == 200


def raw_update(table, column, value, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])


def test_the_constraints_bounds_are_the_limits():
    migration = importlib.import_module("articles.migrations.0010_date_ranges")
    assert (migration.EARLIEST, migration.LATEST) == (limits.EARLIEST_DATE, limits.LATEST_DATE)
    for vendor, (earliest, latest, last) in migration.BOUNDS.items():
        assert earliest.startswith(f"'{limits.EARLIEST_DATE:%Y-%m-%d %H:%M:%S}"), vendor
        assert latest.startswith(f"'{limits.LATEST_DATE:%Y-%m-%d %H:%M:%S}"), vendor
        assert last.startswith(f"'{limits.LATEST_DATE - timedelta(seconds=1):%Y-%m-%d %H:%M:%S}"), vendor


def test_test_data_lies_within_the_range():
    """The factories' dates (days ago, three days ahead) are well inside it."""
    assert timezone.now() - timedelta(days=3650) > limits.EARLIEST_DATE
    assert timezone.now() + timedelta(days=3650) < limits.LATEST_DATE


# Rows as a database held them before migration 0010: year 1 in +08:00 (BC in UTC), year
# 9999, and on PostgreSQL 'infinity', which psycopg cannot read either.
BAD_ROWS = {
    "postgresql": [
        ("bc", "0001-01-01 00:00:00+08", "0001-01-01 00:00:00+08"),
        ("far", "9999-12-31 00:00:00+00", "9999-12-31 00:00:00+00"),
        ("endless", "infinity", "2025-02-01 00:00:00+00"),
    ],
    "sqlite": [
        ("bc", "0000-12-31 16:00:00", "0000-12-31 16:00:00"),
        ("far", "9999-12-31 00:00:00", "9999-12-31 00:00:00"),
    ],
}


@pytest.mark.django_db(transaction=True)
def test_migration_0010_repairs_stored_dates_and_every_page_answers_again(staff_client):
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("articles", "0009_published_count")])
    try:
        created = "2025-01-01 00:00:00" + ("+00" if connection.vendor == "postgresql" else "")
        with connection.cursor() as cursor:
            for slug, published, updated in BAD_ROWS[connection.vendor]:
                cursor.execute(
                    "INSERT INTO articles_article (title, slug, body, summary, status, published_at, updated_at, "
                    "created_at, body_html, feed_html, toc_html, excerpt, has_math, reading_minutes) "
                    "VALUES (%s, %s, 'Body', '', 'published', %s, %s, %s, '<p>Body</p>', '', '', 'Body', %s, 1)",
                    [slug.title(), slug, published, updated, created, False],
                )
                cursor.execute(
                    "INSERT INTO articles_revision (article_id, article_key, number, slug, title, body, summary, "
                    "tags, series, status, published_at, saved_at, note, deleted) "
                    "SELECT id, id, 1, slug, title, body, '', '[]', '', status, published_at, updated_at, '', %s "
                    "FROM articles_article WHERE slug = %s",
                    [False, slug],
                )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
        triggers.ensure(connection)  # what `migrate` does after its migrations
    january = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    bc = Article.objects.get(slug="bc")
    assert (bc.published_at, bc.updated_at) == (january, january)
    far = Article.objects.get(slug="far")
    assert far.published_at == limits.LATEST_DATE - timedelta(seconds=1)  # still scheduled, not published
    assert far.updated_at == far.published_at
    assert list(Article.objects.published()) == [bc]
    revision = Revision.objects.get(article=bc)
    assert (revision.published_at, revision.saved_at.date()) == (january, timezone.now().date())
    assert Revision.objects.get(article=far).published_at == far.published_at
    paths = ["/", "/feed/", bc.get_absolute_url(), reverse("admin:articles_article_changelist")]
    for article in Article.objects.all():
        paths += [reverse(f"admin:articles_article_{view}", args=[article.pk]) for view in ("change", "history")]
    for path in paths:
        assert staff_client.get(path).status_code == 200, path


@pytest.mark.django_db
def test_publishing_a_scheduled_article_early_brings_its_update_time_along(staff_client):
    """Its update time was its publication time, next week; left untouched, it follows the new date."""
    article = make_article(title="Next week", published_at=timezone.now() + timedelta(days=7))
    assert article.updated_at == article.published_at
    url = reverse("admin:articles_article_change", args=[article.pk])
    version = staff_client.get(url).context["adminform"].form["version"].value()
    now = timezone.now().replace(microsecond=0)
    data = add_form(published=local(now), updated=local(article.updated_at), title="Next week", slug=article.slug)
    response = staff_client.post(url, {**data, "body": article.body, "version": version})
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.published_at == now and now <= article.updated_at <= timezone.now()
    assert Article.objects.published().filter(pk=article.pk).exists()
    assert "Next week" in Client().get("/").content.decode()
