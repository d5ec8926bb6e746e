"""Choosing the interface language with a plain link: `/language/zh-hans/?next=/tags/`.

A GET link rather than Django's POST `set_language` form, so that public pages carry no
form and no CSRF token and stay cacheable (the page cache is keyed on the active language,
never on Cookie). The choice is remembered in Django's language cookie, which
LocaleMiddleware reads before Accept-Language.
"""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

LANGUAGE_CODES = frozenset(code for code, _ in settings.LANGUAGES)


def _safe_next(request):
    """The `next` address when it stays on this site and is a clean path, else the home page."""
    target = request.GET.get("next", "")
    if (
        target.startswith("/")
        and not any(ord(c) < 32 or ord(c) == 127 for c in target)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return reverse("articles:feed")


@require_safe
@never_cache
def switch_language(request, code):
    """Remember `code` as the reader's interface language and go back to `next`."""
    if code not in LANGUAGE_CODES:
        raise Http404("No such language.")
    response = HttpResponseRedirect(_safe_next(request))
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
