"""/sitemap.xml: every public page, with `lastmod` where it is known, at the site's address.

The addresses are made from SITE_URL, never from the request's Host header (Django's views
would use the Host): here for the sections, in `templates/sitemap_index.xml` for the index.
"""

from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.db.models import Max
from django.urls import reverse

from articles.models import Article
from articles.reading import queries
from kb.site_address import scheme_and_host


class SiteAddress:
    """Stands in for the `Site` Django's sitemap views make from the request."""

    def __init__(self, domain):
        self.domain = self.name = domain


class Sitemap(DjangoSitemap):
    def get_urls(self, page=1, site=None, protocol=None):
        scheme, host = scheme_and_host()
        return super().get_urls(page=page, site=SiteAddress(host), protocol=scheme)


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
