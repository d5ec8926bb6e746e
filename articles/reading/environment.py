"""The Jinja2 environment of the public pages (settings.TEMPLATES, `templates/jinja2/`).

The public pages are Jinja2 templates: Django's template engine spent most of a feed page's
time resolving variables, rendering includes and reversing URLs. Jinja2 compiles a template
to Python once. What the pages call is here, each written to give what Django's tag or
filter gave, escaping included: `_()`/`ngettext()`/`pgettext()` are Django's own gettext
(the catalogue in locale/ serves both engines); `date` is Django's `date` filter in the
current time zone.

Addresses: `url(name, *args)` reverses once per name and arguments; `article_path(slug)` and
`tag_path(slugs)` fill a slug into an address reversed once, quoted as `reverse()` quotes it,
so that a page of cards costs no `reverse()` per card.
"""

import functools
import html
from urllib.parse import quote

import jinja2
from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, strip_tags
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.text import Truncator
from markupsafe import Markup

from articles.reading import page_meta

# reverse() quotes a path with these left as they are (django.urls.resolvers).
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"
_SLUG = "slug-placeholder"


def environment(**options):
    """The environment Django's Jinja2 backend builds its templates with."""
    # An undefined value prints as nothing (as with Django templates), never as "{{ name }}",
    # which Django's backend would choose with DEBUG on.
    options["undefined"] = jinja2.Undefined
    options.setdefault("keep_trailing_newline", True)
    # Escaped as Django escapes (&#x27; and &quot;), not as MarkupSafe does (&#39; and &#34;).
    options["finalize"] = _escape_as_django
    env = jinja2.Environment(**options)
    env.globals.update(
        _=gettext,
        gettext=gettext,
        ngettext=ngettext,
        pgettext=pgettext,
        url=url,
        static=static,
        article_path=article_path,
        tag_path=tag_path,
        get_language=translation.get_language,
        languages=languages,
        querystring=querystring,
        canonical_url=page_meta.canonical_url,
        og_locale=page_meta.og_locale,
        article_json_ld=page_meta.article_json_ld,
        different_days=different_days,
        tags_of=tags_of,
        dates=dates,
    )
    env.filters.update(
        date=date,
        machine_datetime=page_meta.machine_datetime,
        content_language=content_language,
        collapse=collapse,
        names=names,
        description=description,
    )
    return env


def _escape_as_django(value):
    if hasattr(value, "__html__") or not isinstance(value, str | Promise):
        return value  # safe already, or a number (MarkupSafe escapes what is left alike)
    return Markup(html.escape(str(value)))


def gettext(message, **values):
    """`_("Text")` is `{% translate "Text" %}` (the translation, escaped); with values,
    `_("Part %(k)s of %(n)s", k=1, n=5)` is `{% blocktranslate %}`: the translation is
    trusted, the values are escaped."""
    text = _translated(translation.get_language(), message)
    return _filled(text, values) if values else text


@functools.lru_cache(maxsize=1024)
def _translated(language, message):
    # The catalogues are read once per process (as Django reads them): a page's forty-odd
    # texts are looked up once per language.
    return translation.gettext(message)


def ngettext(singular, plural, number, **values):
    """`{% blocktranslate count n=number %}`: singular or plural form, values escaped."""
    return _filled(translation.ngettext(singular, plural, number), values)


def pgettext(context, message):
    """`{% translate message context "context" %}`."""
    return translation.pgettext(context, message)


def _filled(text, values):
    return Markup(text % {name: conditional_escape(value) for name, value in values.items()})


def names(tags, separator=" + "):
    """Tag names joined by `separator`, each escaped: `{% for %}{{ tag.name }} + {% endfor %}`."""
    return Markup(separator.join(conditional_escape(tag.name) for tag in tags))


@functools.lru_cache(maxsize=512)
def _reverse(name, args, urlconf, root_urlconf, prefix):
    return reverse(name, args=args, urlconf=urlconf)


def url(name, *args):
    """`{% url name arg %}`: reverse(), remembered for the URL configuration in use."""
    return _reverse(name, args, get_urlconf(), settings.ROOT_URLCONF, get_script_prefix())


@functools.lru_cache(maxsize=64)
def _slug_route(name, urlconf, root_urlconf, prefix):
    before, after = reverse(name, args=[_SLUG], urlconf=urlconf).split(_SLUG)
    return before, after


def _with_slug(name, slug):
    before, after = _slug_route(name, get_urlconf(), settings.ROOT_URLCONF, get_script_prefix())
    return before + _quoted(slug) + after


@functools.lru_cache(maxsize=4096)
def _quoted(slug):
    return quote(slug, safe=_PATH_SAFE)


def article_path(slug):
    """An article's address, as `article.get_absolute_url()` gives it."""
    return _with_slug("articles:detail", slug)


def tag_path(slugs):
    """`/tags/a+b/`, as `{% url 'articles:tag_detail' slugs %}` gives it."""
    return _with_slug("articles:tag_detail", slugs)


@functools.lru_cache(maxsize=8)
def _language_infos(codes):
    return tuple(translation.get_language_info(code) for code in codes)


def languages():
    """The interface languages, as `{% get_language_info_list for LANGUAGES %}` lists them."""
    return _language_infos(tuple(code for code, _name in settings.LANGUAGES))


def querystring(request, **changes):
    """`{% querystring page=2 %}`: this request's query string with `changes` applied."""
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return "?" + params.urlencode()


def date(value, format_name="DATE_FORMAT"):
    """Django's `date` filter: `value` in the current time zone, in the active language's format."""
    if value in (None, ""):
        return ""
    return _date(value, format_name, translation.get_language(), timezone.get_current_timezone_name())


@functools.lru_cache(maxsize=4096)
def _date(value, format_name, language, zone):
    # A pure function of its arguments: the cards of a page are formatted once per process.
    return formats.date_format(timezone.template_localtime(value), format_name)


def tags_of(article):
    """`article.tags.all()` as a list: the tags a listing loaded with `with_tags()` (read from
    where `articles.models.tags.remember_tags` put them: building taggit's manager and queryset
    for each card cost more than the rest of the card), else one query."""
    loaded = getattr(article, "_prefetched_objects_cache", {}).get("tags")
    if loaded is not None and loaded._result_cache is not None:
        return loaded._result_cache
    return list(article.tags.all())


def dates(article):
    """An article's "Published <date>" and, when it was updated on another day, "Updated <date>":
    for people in the active language, for machines (`<time datetime>`) to the second."""
    return _dates(
        article.published_at, article.updated_at, translation.get_language(), timezone.get_current_timezone_name()
    )


@functools.lru_cache(maxsize=4096)
def _dates(published_at, updated_at, language, zone):
    # A pure function of its arguments: a card's dates are formatted once per process.
    published = updated = ""
    if published_at:
        published = format_html(
            '<span>{} <time datetime="{}">{}</time></span>',
            translation.pgettext("article date", "Published"),
            page_meta.machine_datetime(published_at),
            date(published_at),
        )
    if different_days(published_at, updated_at):
        updated = format_html(
            '<span>{} <time datetime="{}">{}</time></span>',
            translation.gettext("Updated"),
            page_meta.machine_datetime(updated_at),
            date(updated_at),
        )
    return Markup(f"{published}\n      {updated}")


def _day(value):
    return timezone.template_localtime(value).date() if value else None


def different_days(first, second):
    """Whether two moments fall on different days in the current time zone."""
    return _day(first) != _day(second)


def collapse(text):
    """Whitespace collapsed to single spaces, ends trimmed; escaped text stays escaped."""
    collapsed = " ".join(str(text).split())
    return Markup(collapsed) if isinstance(text, Markup) else collapsed


def description(text, length=200):
    """`html|striptags|truncatechars:200` as Django gives it: tags removed, entities kept as written."""
    return Truncator(strip_tags(text)).chars(length)


@functools.lru_cache(maxsize=4096)
def content_language(title, excerpt=""):
    """`page_meta.content_language`, remembered: a card's language, found once per process."""
    return page_meta.content_language(title, excerpt)
