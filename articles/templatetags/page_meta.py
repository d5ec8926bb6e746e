"""Filters for the Django templates that remain (the sitemap index, the admin): the public
pages are Jinja2 templates (`articles/reading/environment.py`), which call the same functions."""

from django import template

from articles.reading import page_meta
from kb.site_address import at_site_address

register = template.Library()


@register.filter
def site_address(url):
    """An absolute URL Django made from the request (the sitemap index's), moved to SITE_URL."""
    return at_site_address(url)


register.filter("machine_datetime", page_meta.machine_datetime)
register.filter("content_language", page_meta.content_language)
