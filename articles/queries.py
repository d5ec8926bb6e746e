"""Read queries behind the public pages, each a fixed number of SQL queries.

Every one starts from `Article.objects.published()`, so drafts and scheduled articles
never reach a reader through a count, a series box or a related-articles list.
"""

import math

from django.db.models import Count

from .models import Article, Series, Tag


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


def label_series_parts(articles):
    """Set `part` and `part_count` ("Part 2 of 5") on each article that is in a series."""
    parts = series_parts(a.series_id for a in articles if a.series_id)
    for article in articles:
        ids = [p.pk for p in parts.get(article.series_id, [])]
        article.part = ids.index(article.pk) + 1 if article.pk in ids else None
        article.part_count = len(ids)
    return articles


def tags_in_use():
    """Tags carried by at least one published article, with that count, by name."""
    return (
        Tag.objects.filter(items__content_object__in=Article.objects.published())
        .annotate(count=Count("items"))
        .order_by("name")
    )


def series_in_use():
    """Series with at least one published part, with that count, by title."""
    return Series.objects.filter(articles__in=Article.objects.published()).annotate(count=Count("articles"))


def related_articles(article, limit=4):
    """Published articles sharing the most tags with `article`, newest first. One query."""
    tag_ids = [tag.pk for tag in article.tags.all()]
    if not tag_ids:
        return []
    return list(
        Article.objects.published()
        .filter(tags__in=tag_ids)
        .exclude(pk=article.pk)
        .annotate(shared=Count("pk"))
        .order_by("-shared", "-updated_at", "-pk")
        .only("id", "title", "slug", "updated_at", "published_at")[:limit]
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
