"""Template tags for what a page says about itself: canonical address, titles, JSON-LD.

`{% capture "name" %}..{% endcapture %}` renders its content once into a variable, so that
the base layout can use one `{% block title %}` for `<title>`, Open Graph and Twitter cards.
"""

import json
import re

from django import template
from django.core.exceptions import SuspiciousOperation
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from articles.reading.pagination import requested_page
from kb.site_address import absolute_url, at_site_address
from markup import cjk

register = template.Library()

# As Django's json_script: nothing in a title can close the <script> element or open a comment.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

OG_LOCALES = {"en": "en_US", "zh-hans": "zh_CN"}


class CaptureNode(template.Node):
    def __init__(self, name, nodelist):
        self.name, self.nodelist = name, nodelist

    def render(self, context):
        # The content was escaped while it rendered; keep it as it is.
        context[self.name] = mark_safe(" ".join(self.nodelist.render(context).split()))
        return ""


@register.tag
def capture(parser, token):
    """`{% capture "name" %}...{% endcapture %}`: the content, whitespace collapsed, as `name`."""
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'":
        raise template.TemplateSyntaxError('Usage: {% capture "name" %}...{% endcapture %}')
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(bits[1][1:-1], nodelist)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This page's absolute address at SITE_URL: the path, plus `?page=N` for a page past the
    first (read as the listings read it, `requested_page`); every other parameter dropped."""
    request = context.get("request")
    if request is None:
        return ""
    try:
        number = requested_page(request.GET)
    except SuspiciousOperation:  # the 400 page for a query string with too many fields
        number = None
    return absolute_url(request.path + (f"?page={number}" if number and number > 1 else ""))


@register.filter
def site_address(url):
    """An absolute URL Django made from the request (the sitemap index's), moved to SITE_URL."""
    return at_site_address(url)


_HAN = re.compile(f"[{cjk.CHINESE}]")
_LATIN = re.compile(r"[A-Za-z]")


@register.filter
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


@register.simple_tag
def og_locale():
    return OG_LOCALES.get(get_language() or "", "en_US")


@register.simple_tag(takes_context=True)
def article_json_ld(context, article):
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
        "publisher": {"@type": "Organization", "name": context.get("site_name", "")},
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
    data["dateModified"] = article.updated_at.isoformat()
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
