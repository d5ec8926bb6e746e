"""The site's addresses plus the two ceilings the page benchmark compares against."""

from django.urls import include, path

from . import ceilings

urlpatterns = [
    path("bench/fixed/", ceilings.fixed_page),
    path("bench/template/", ceilings.template_page),
    path("", include("kb.urls")),
]
