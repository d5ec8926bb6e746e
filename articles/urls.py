from django.urls import path, register_converter

from . import views
from .converters import UnicodeSlugConverter

register_converter(UnicodeSlugConverter, "uslug")

app_name = "articles"

urlpatterns = [
    path("", views.FeedView.as_view(), name="feed"),
    path("articles/<uslug:slug>/", views.ArticleView.as_view(), name="detail"),
    path("tags/", views.TagListView.as_view(), name="tag_list"),
    path("tags/<uslug:slug>/", views.TagView.as_view(), name="tag_detail"),
    path("series/", views.SeriesListView.as_view(), name="series_list"),
    path("series/<uslug:slug>/", views.SeriesView.as_view(), name="series_detail"),
    path("healthz", views.healthz, name="healthz"),
]
