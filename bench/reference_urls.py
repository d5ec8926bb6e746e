"""The two references of the page benchmark, on a server of their own (bench/reference_settings.py)."""

from django.urls import path

from . import ceilings

urlpatterns = [
    path("bench/fixed/", ceilings.fixed_page),
    path("bench/plain-template/", ceilings.plain_template_page),
]
