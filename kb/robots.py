"""/robots.txt: what crawlers may index, and where the sitemap is."""

from django.http import HttpResponse
from django.urls import reverse

from kb.site_address import absolute_url


def robots_txt(request):
    """Crawlers: everything but the admin and search results; the sitemap's address (at SITE_URL)."""
    sitemap = absolute_url(reverse("articles:sitemap"))
    # /language/ is the language switch's form and its answer: nothing there for an index.
    disallow = ["Disallow: /admin/", "Disallow: /search/", "Disallow: /language/"]
    lines = ["User-agent: *", *disallow, f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain")
