from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, register_converter

from . import feeds, language, search_views, views
from .converters import TagSetConverter, UnicodeSlugConverter
from .sitemaps import SITEMAPS

register_converter(UnicodeSlugConverter, "uslug")
register_converter(TagSetConverter, "tagset")

app_name = "articles"

urlpatterns = [
    path("", views.FeedView.as_view(), name="feed"),
    path("articles/<uslug:slug>/", views.ArticleView.as_view(), name="detail"),
    path("tags/", views.TagListView.as_view(), name="tag_list"),
    path("tags/<tagset:slugs>/", views.TagView.as_view(), name="tag_detail"),
    path("series/", views.SeriesListView.as_view(), name="series_list"),
    path("series/<uslug:slug>/", views.SeriesView.as_view(), name="series_detail"),
    path("search/", search_views.search_page, name="search"),
    path("feed/", feeds.LatestFeed(), name="feed_atom"),
    path("tags/<uslug:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("series/<uslug:slug>/feed/", feeds.SeriesFeed(), name="series_feed"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "articles:sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<str:section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("language/<str:code>/", language.switch_language, name="language"),
    path("healthz", views.healthz, name="healthz"),
]
