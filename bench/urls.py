"""The site's addresses plus the two references the page benchmark compares against."""

from django.urls import include, path

from . import ceilings

urlpatterns = [
    path("bench/fixed/", ceilings.fixed_page),
    path("bench/plain-template/", ceilings.plain_template_page),
    path("", include("kb.urls")),
]
