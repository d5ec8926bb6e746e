"""/sitemap.xml: every public page, with `lastmod` where it is known."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from . import queries
from .models import Article


class ArticleSitemap(Sitemap):
    limit = 5000

    def items(self):
        return Article.objects.published().order_by("-updated_at", "-pk").only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class TagSitemap(Sitemap):
    def items(self):
        return queries.tags_in_use().annotate(lastmod=Max("items__content_object__updated_at"))

    def lastmod(self, tag):
        return tag.lastmod


class SeriesSitemap(Sitemap):
    def items(self):
        return queries.series_in_use().annotate(lastmod=Max("articles__updated_at")).order_by("title")

    def lastmod(self, series):
        return series.lastmod


class PageSitemap(Sitemap):
    def items(self):
        return ["articles:feed", "articles:tag_list", "articles:series_list"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"pages": PageSitemap, "articles": ArticleSitemap, "tags": TagSitemap, "series": SeriesSitemap}
