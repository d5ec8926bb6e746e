"""How articles are read: what readers may see (`published()`), and what a list needs."""

from itertools import islice

from django.db import models
from django.db.models import F
from django.db.models.query import ModelIterable
from django.utils import timezone

from articles.models.tags import attach_tags

# Columns only an article's own page (or a feed entry) reads.
LONG_TEXTS = ("body", "body_html", "feed_html", "toc_html")


class TaggedArticleIterable(ModelIterable):
    """Articles as a queryset yields them, each with its tags loaded (`attach_tags()`): one
    query for all the rows a queryset fetches, or one for each chunk of `.iterator()`."""

    def __iter__(self):
        articles = super().__iter__()
        size = self.chunk_size if self.chunked_fetch else None
        while chunk := list(islice(articles, size)):
            attach_tags(chunk)
            yield from chunk
            if size is None:
                return


class ArticleQuerySet(models.QuerySet):
    def with_tags(self):
        """The articles with their tags loaded for `article.tags.all()`, in one more query.

        Like `prefetch_related("tags")`, without the queryset taggit's prefetch builds (and
        never runs) for each article: a third of a feed page's database time (see
        `tags.remember_tags()`). `_iterable_class`, the class that makes a queryset's objects
        from its rows, is set here as values() and values_list() set it: Django has no public
        hook to act on the rows a queryset fetched, and a prefetch serves only a relation
        whose own prefetch is fast. Rows read as dictionaries or tuples get no tags.
        """
        clone = self.all()
        if clone._iterable_class is ModelIterable:
            clone._iterable_class = TaggedArticleIterable
        return clone

    def published(self):
        """What readers may see: published status, publication time reached."""
        return self.filter(status=self.model.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self, feed_entries=False):
        """Everything an article card shows, in a constant number of queries.

        The long texts stay in the database: a page of twelve cards would read a megabyte it
        never shows. `feed_entries=True` adds what a feed entry shows: author and HTML.
        """
        if feed_entries:
            return self.select_related("author", "series").with_tags().defer("body", "toc_html")
        return self.select_related("series").with_tags().defer(*LONG_TEXTS)

    def in_reading_order(self):
        """A series' parts: explicit position first (unnumbered last), then publication date."""
        return self.order_by(F("series_order").asc(nulls_last=True), "published_at", "pk")
