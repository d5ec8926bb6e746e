"""The site's public address (SITE_URL), from which every absolute URL is made.

Canonical links, Open Graph and JSON-LD, the Atom feeds' links and ids, the sitemap and
robots.txt name the site by SITE_URL, never by the request's Host header: the client chooses
that header (`127.0.0.1:6666` and `127.0.0.1.` pass ALLOWED_HOSTS), and a page built from it
would be kept by the page cache and shown to every reader.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.encoding import iri_to_uri


def absolute_url(path):
    """`path` (an address on this site, starting with `/`) at the site's address."""
    return iri_to_uri(settings.SITE_URL + path)


def at_site_address(url):
    """`url`, made by Django from the request, with its scheme and host replaced by the site's."""
    parts = urlsplit(url)
    return absolute_url(parts.path + (f"?{parts.query}" if parts.query else ""))


def scheme_and_host():
    """("https", "kb.example.org"): SITE_URL's scheme and host (with its port, if any)."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme, parts.netloc
