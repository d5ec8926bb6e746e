"""Atom feeds with full content: the latest articles, one tag's, one series'.

Entries carry the stored HTML (rendered at save time), a real `updated` time, the author
and the tags as categories. Only `published()` articles appear. Links and ids are made from
SITE_URL, never from the request's Host header (kb/site_address.py).
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy

from articles.models import Article, redirected_path
from articles.reading import queries
from kb.site_address import absolute_url
from markup import mathml
from markup.slugs import clean_name

FEED_SIZE = 20


class AtomWithContent(Atom1Feed):
    """Atom with each entry's full HTML in <content>, besides the <summary>."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class LatestFeed(Feed):
    feed_type = AtomWithContent
    # In the reader's interface language, like the pages (the page cache keeps one copy per language).
    subtitle = gettext_lazy(
        "Technical notes on machine learning, LLM inference, reinforcement learning and algorithms."
    )

    def title(self, obj=None):
        return settings.KB_SITE_NAME

    def link(self, obj=None):
        return absolute_url(reverse("articles:feed"))

    def feed_url(self, obj=None):
        return absolute_url(reverse("articles:feed_atom"))

    def author_name(self, obj=None):
        # Atom wants an author for every entry: the site's name stands in where an article has none.
        return settings.KB_SITE_NAME

    def articles(self, obj):
        return Article.objects.published()

    def items(self, obj=None):
        return self.articles(obj).for_listing(feed_entries=True).order_by("-updated_at", "-pk")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_description(self, item):
        # Excerpts are short: their formulas are converted here rather than stored twice.
        return mathml.feed_html(item.excerpt)

    def item_author_name(self, item):
        return clean_name(item.author.get_full_name() or item.author.username) if item.author else None

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]

    def item_extra_kwargs(self, item):
        # Rows saved before feed_html existed are converted here until they are saved again.
        return {"content_html": item.feed_html or mathml.feed_html(item.body_html)}


class TagFeed(LatestFeed):
    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            # A tag renamed or merged away: its feed moved for good, like its page.
            moved = redirected_path(kwargs.get("slug", ""))
            if moved and "+" not in moved:
                return redirect("articles:tag_feed", moved, permanent=True)
            raise

    def get_object(self, request, slug):
        # Only tags that readers can see: a tag used on drafts alone stays unknown.
        return get_object_or_404(queries.tags_in_use(), slug=slug.lower())

    def title(self, obj=None):
        return f"{obj.name} · {settings.KB_SITE_NAME}"

    def link(self, obj=None):
        return absolute_url(obj.get_absolute_url())

    def feed_url(self, obj=None):
        return absolute_url(reverse("articles:tag_feed", args=[obj.slug]))

    def articles(self, obj):
        return super().articles(obj).filter(tags=obj)


class SeriesFeed(LatestFeed):
    def get_object(self, request, slug):
        return get_object_or_404(queries.series_in_use(), slug=slug)

    def title(self, obj=None):
        return f"{obj.title} · {settings.KB_SITE_NAME}"

    def link(self, obj=None):
        return absolute_url(obj.get_absolute_url())

    def feed_url(self, obj=None):
        return absolute_url(reverse("articles:series_feed", args=[obj.slug]))

    def articles(self, obj):
        return super().articles(obj).filter(series=obj)
