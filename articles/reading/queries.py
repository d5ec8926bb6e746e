"""Read queries behind the public pages, each a fixed number of SQL queries.

Every one starts from `Article.objects.published()`, so drafts and scheduled articles
never reach a reader through a count, a series box or a related-articles list.
"""

import math

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from articles.database.tables import names
from articles.models import Article, Series, Tag


def series_parts(series_ids):
    """{series_id: [article, ...]} of the published parts, in reading order. One query."""
    parts = {}
    rows = (
        Article.objects.published()
        .filter(series_id__in=set(series_ids))
        .in_reading_order()
        .only("id", "title", "slug", "series_id", "series_order", "published_at")
    )
    for article in rows:
        parts.setdefault(article.series_id, []).append(article)
    return parts


def published_count():
    """How many articles readers may see, as `Article.objects.published().count()`. Two index reads.

    The feed's count (`tables.PUBLISHED_COUNT`, kept by triggers) counts the published ones;
    those whose publication time has not come (or is missing) are few, and are counted and
    taken away.
    """
    t = names()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT articles FROM {t.published_count} WHERE id = 1)"
            f" - (SELECT COUNT(*) FROM {t.article}"
            " WHERE status = 'published' AND (published_at > %s OR published_at IS NULL))",
            [connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        return cursor.fetchone()[0]


def label_series_parts(articles):
    """Set `part` and `part_count` ("Part 2 of 5") on each article that is in a series."""
    series_ids = {a.series_id for a in articles if a.series_id}
    parts = {}
    if series_ids:
        rows = Article.objects.published().filter(series_id__in=series_ids).in_reading_order()
        for series_id, pk in rows.values_list("series_id", "pk"):
            parts.setdefault(series_id, []).append(pk)
    for article in articles:
        ids = parts.get(article.series_id, [])
        article.part = ids.index(article.pk) + 1 if article.pk in ids else None
        article.part_count = len(ids)
    return articles


def tags_in_use():
    """Tags carried by at least one published article, with that count, by name.

    Read from the tag links alone: each carries its article's `visible_from` (kept by
    triggers, `articles/database/triggers.py`), which is `published()` without the join.
    """
    return Tag.objects.filter(items__visible_from__lte=timezone.now()).annotate(count=Count("items")).order_by("name")


def series_in_use():
    """Series with at least one published part, with that count, by title."""
    return Series.objects.filter(articles__in=Article.objects.published()).annotate(count=Count("articles"))


RELATED_CANDIDATES = 200  # per tag: its latest publications, read in order from an index


def related_articles(article, limit=4):
    """Published articles sharing the most tags with `article`, then the most recently
    published. One query.

    Candidates are each tag's latest RELATED_CANDIDATES publications (the tag links' index
    tagged_tag_published), so the cost does not grow with the size of a popular tag. Ties go by
    publication, not by update: an edit changes no other article's box but those it is in.
    """
    tag_ids = [tag.pk for tag in article.tags.all()]
    if not tag_ids:
        return []
    t = names()
    per_tag = (
        f"SELECT * FROM (SELECT content_object_id FROM {t.tagged} "
        "WHERE tag_id = %s AND visible_from <= %s AND content_object_id <> %s "
        "ORDER BY visible_from DESC, content_object_id DESC LIMIT %s) t"
    )
    candidates = " UNION ALL ".join([per_tag] * len(tag_ids))
    now = timezone.now()
    params = [value for tag_id in tag_ids for value in (tag_id, now, article.pk, RELATED_CANDIDATES)]
    return list(
        Article.objects.raw(
            "SELECT a.id, a.title, a.slug, a.updated_at, a.published_at FROM "
            f"(SELECT content_object_id, COUNT(*) AS shared FROM ({candidates}) c GROUP BY content_object_id) r "
            f"JOIN {t.article} a ON a.id = r.content_object_id "
            "ORDER BY r.shared DESC, a.published_at DESC, a.id DESC LIMIT %s",
            [*params, limit],
        )
    )


def weigh(tags, steps=5):
    """Set `weight` (1..steps) on each tag, on a log scale of its count, for a tag cloud."""
    if not tags:
        return tags
    low, high = math.log(min(t.count for t in tags)), math.log(max(t.count for t in tags))
    for tag in tags:
        share = (math.log(tag.count) - low) / (high - low) if high > low else 0.5
        tag.weight = 1 + round(share * (steps - 1))
    return tags
