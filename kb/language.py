"""Choosing the interface language: a button in every page's header, posting to `/language/<code>/`.

The choice is kept in Django's language cookie, which LocaleMiddleware reads before
Accept-Language. Setting it is a change of state, so it happens only on a POST that comes from
this site's own pages: a GET (an old link, `<img src="/language/zh-hans/">` in an article, a
crawler) changes nothing and shows a page with the button instead.

Why not Django's CSRF token: public pages are stored once in the page cache and served to every
anonymous reader (articles/pagecache.py, no `Vary: Cookie`), so a token written into a page would
be one reader's token handed to all the others, and would make every reader carry a CSRF cookie.
Nor a script fetching a token: the switch must work without JavaScript.

The CSRF defence for this one endpoint is the browser's own word on where a request comes from,
which a page on another site cannot forge (and a client that forges it is not a browser carrying
a reader's cookies). `same_origin()` checks, in order, the first of these headers present:

1. `Sec-Fetch-Site` (Fetch Metadata; every current browser sends it): `same-origin`, or `none`
   for a request the reader made themselves. `same-site` is refused: a sibling subdomain is not us.
2. `Origin` (sent with every POST by browsers without Fetch Metadata): this site's own origin, as
   the request reached us or as configured (SITE_URL, CSRF_TRUSTED_ORIGINS). `null` is refused.
3. `Referer` (older browsers still): an address on this site.

A request with none of them is refused. These are the checks of Go's `http.CrossOriginProtection`
(net/http, Go 1.25), with Django's Referer check as the last resort; the page cache is untouched
because nothing in the form depends on the reader. A refusal is a 403 page that says why, and
sets nothing.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_info
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

LANGUAGE_CODES = frozenset(code for code, _ in settings.LANGUAGES)


def _origin(url):
    """`scheme://host[:port]` of an address, lower case, or None when it has none."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _own_origins(request):
    own = {f"{request.scheme}://{request.get_host()}".lower()}
    for configured in [getattr(settings, "SITE_URL", ""), *settings.CSRF_TRUSTED_ORIGINS]:
        if _origin(configured):
            own.add(_origin(configured))
    return own


def same_origin(request):
    """Whether the browser says this request comes from this site's own pages (see above)."""
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site:
        return fetch_site in ("same-origin", "none")
    origin = request.META.get("HTTP_ORIGIN")
    if origin:
        return _origin(origin) in _own_origins(request)
    referer = request.META.get("HTTP_REFERER")
    if referer:
        return _origin(referer) in _own_origins(request)
    return False


def _safe_next(request, data):
    """The `next` address when it stays on this site and is a clean path, else the home page."""
    target = data.get("next", "")
    if (
        target.startswith("/")
        and not any(ord(c) < 32 or ord(c) == 127 for c in target)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return reverse("articles:feed")


@csrf_exempt  # protected by same_origin() instead: a token cannot live in a shared cached page
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def switch_language(request, code):
    """POST: remember `code` as the reader's interface language and go back to `next`.

    GET shows the button and changes nothing.
    """
    if code not in LANGUAGE_CODES:
        raise Http404("No such language.")
    if request.method != "POST":
        return _button_page(request, code, request.GET)
    if not same_origin(request):
        return _button_page(request, code, request.POST, refused=True)
    response = HttpResponseRedirect(_safe_next(request, request.POST))
    response.status_code = 303  # See Other: the page is fetched with a GET
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _button_page(request, code, data, refused=False):
    context = {"language": get_language_info(code), "next": _safe_next(request, data), "refused": refused}
    return render(request, "articles/language.html", context, status=403 if refused else 200)
