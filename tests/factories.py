"""Small factories for test data."""

import itertools
from datetime import timedelta

from django.utils import timezone

from articles.models import Article, Series

_counter = itertools.count(1)


def make_series(title=None, **fields):
    return Series.objects.create(title=title or f"Series {next(_counter)}", **fields)


def make_article(title=None, body="Some text with $x^2$ math.", tags=(), days_ago=1, **fields):
    """A published article, `days_ago` days old unless `published_at`/`status` say otherwise."""
    n = next(_counter)
    moment = timezone.now() - timedelta(days=days_ago, seconds=n)
    fields.setdefault("status", Article.Status.PUBLISHED)
    fields.setdefault("published_at", moment if fields["status"] == Article.Status.PUBLISHED else None)
    fields.setdefault("updated_at", moment)
    article = Article.objects.create(title=title or f"Article {n}", body=body, **fields)
    if tags:
        article.tags.set(list(tags))
    return article


def make_draft(**fields):
    return make_article(status=Article.Status.DRAFT, **fields)


def make_scheduled(**fields):
    return make_article(published_at=timezone.now() + timedelta(days=3), **fields)


def add_form(**fields):
    """What the admin's add-article form posts: a draft with no dates but its update time, and `fields`."""
    return {
        "title": "边界",
        "slug": "",
        "body": "正文。",
        "summary": "",
        "tags": "",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "updated_at_0": "2025-01-01",
        "updated_at_1": "10:00:00",
        "series": "",
        "series_order": "",
        **fields,
    }
