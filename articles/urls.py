from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import path, register_converter

from articles.pagecache import cached_page
from articles.reading import feeds, views
from articles.reading.converters import TagSetConverter, UnicodeSlugConverter
from articles.reading.sitemaps import SITEMAPS
from articles.search import views as search_views
from kb import health, language, robots

register_converter(UnicodeSlugConverter, "uslug")
register_converter(TagSetConverter, "tagset")

app_name = "articles"

urlpatterns = [
    path("", cached_page(views.FeedView.as_view()), name="feed"),
    path("articles/<uslug:slug>/", cached_page(views.ArticleView.as_view()), name="detail"),
    path("tags/", cached_page(views.TagListView.as_view()), name="tag_list"),
    path("tags/<tagset:slugs>/", cached_page(views.TagView.as_view()), name="tag_detail"),
    path("series/", cached_page(views.SeriesListView.as_view()), name="series_list"),
    path("series/<uslug:slug>/", cached_page(views.SeriesView.as_view()), name="series_detail"),
    path("search/", search_views.search_page, name="search"),
    path("feed/", cached_page(feeds.LatestFeed()), name="feed_atom"),
    path("tags/<uslug:slug>/feed/", cached_page(feeds.TagFeed()), name="tag_feed"),
    path("series/<uslug:slug>/feed/", cached_page(feeds.SeriesFeed()), name="series_feed"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "articles:sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<str:section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("robots.txt", robots.robots_txt, name="robots"),
    path("language/<str:code>/", language.switch_language, name="language"),
    # Browsers ask for /favicon.ico where a page names no icon (the feeds, for one).
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("favicon.svg")), name="favicon"),
    path("healthz", health.healthz, name="healthz"),
]
