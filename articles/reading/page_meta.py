"""What a page says about itself: canonical address, Open Graph locale, JSON-LD, machine dates,
the language an article is written in. Plain functions, for the templates of the public pages
(`articles/reading/environment.py`) and the Django template tags (`articles/templatetags/`).
"""

import contextlib
import json
import re
from datetime import datetime

from django.core.exceptions import SuspiciousOperation
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from articles.reading.pagination import requested_page
from kb.site_address import absolute_url
from markup import cjk

# As Django's json_script: nothing in a title can close the <script> element or open a comment.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

OG_LOCALES = {"en": "en_US", "zh-hans": "zh_CN"}


def canonical_url(request):
    """This page's absolute address at SITE_URL: the path, plus `?page=N` for a page past the
    first (read as the listings read it, `requested_page`); every other parameter dropped."""
    if not request:
        return ""
    try:
        number = requested_page(request.GET)
    except SuspiciousOperation:  # the 400 page for a query string with too many fields
        number = None
    return absolute_url(request.path + (f"?page={number}" if number and number > 1 else ""))


def machine_datetime(value):
    """A date and time as machines read it on a page: `<time datetime>`, Open Graph's
    `article:*_time`, JSON-LD. ISO 8601 in the current time zone, to the second.

    HTML allows at most three digits of a fraction of a second, and Django's `date:"c"` writes
    all six a stored time may carry (an imported or re-imported article's), which the Nu HTML
    Checker reports as an error. Readers never see the fraction.
    """
    if not value:
        return ""
    if not isinstance(value, datetime):
        return value.isoformat()  # a date
    if timezone.is_aware(value):
        # Past year 9999 once moved to local time: keep the zone it has.
        with contextlib.suppress(OverflowError, ValueError):
            value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()


_HAN = re.compile(f"[{cjk.CHINESE}]")
_LATIN = re.compile(r"[A-Za-z]")


def content_language(title, excerpt=""):
    """The language an article is written in, guessed from its title and excerpt: "zh-Hans"
    when Chinese characters are at least a fifth of its letters, else "en".

    The interface language says nothing about the content's (a Chinese note under the English
    interface), and screen readers and font selection go by `lang`.
    """
    text = strip_tags(f"{title} {excerpt or ''}")
    han, latin = len(_HAN.findall(text)), len(_LATIN.findall(text))
    # A Chinese character carries about as much as a Latin word of five letters.
    return "zh-Hans" if han and han * 5 >= (han + latin) else "en"


def og_locale():
    return OG_LOCALES.get(get_language() or "", "en_US")


def article_json_ld(article, site_name):
    """A schema.org `Article` for search engines, in a `<script type="application/ld+json">`."""
    url = absolute_url(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title[:110],
        "description": " ".join(strip_tags(article.excerpt).split()),
        "url": url,
        "mainEntityOfPage": url,
        "keywords": [tag.name for tag in article.tags.all()],
        "publisher": {"@type": "Organization", "name": site_name or ""},
    }
    if article.published_at:
        data["datePublished"] = machine_datetime(article.published_at)
    data["dateModified"] = machine_datetime(article.updated_at)
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author.get_full_name() or article.author.username}
    if article.series:
        data["isPartOf"] = {
            "@type": "CreativeWorkSeries",
            "name": article.series.title,
            "url": absolute_url(article.series.get_absolute_url()),
        }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')
