"""The page cache: anonymous readers get stored pages, never stale ones; ETag and Last-Modified.

Every stored page belongs to a *generation*. Saving or deleting an article, series, tag,
tagging or user ends the generation (at once, and again when the transaction commits, so a
page rendered from the old rows in between is not kept), and so does the publication time
of the next scheduled article: the generation records it and ends itself when it passes.
A new generation has a new token; a stored page carries the token of its generation, and
one of an earlier generation counts as absent. Pages are stored per address and per
interface language; a warm hit costs one cache round trip and no query.

Staff and other signed-in users always get a fresh page (`Cache-Control: private`).
Cached pages do not touch the session, so they carry no `Vary: Cookie`.

Every page served here to an anonymous reader carries an `ETag` (a hash of its body) and,
when the page cache is on, a `Last-Modified` (the start of its generation: nothing on it changed since), and
conditional requests are answered `304 Not Modified`.

The page cache needs a cache shared by every process that serves the site (Redis, with
REDIS_URL): a save in one process must end the generation in all of them. It is on when
REDIS_URL is set and otherwise off (KB_PAGE_CACHE overrides); ETags work either way.
"""

import hashlib
import logging
import uuid
from functools import lru_cache, wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from django.urls import resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from .models import Article, Series, Tag, TaggedArticle

logger = logging.getLogger(__name__)

# What a cache backend raises when its server is away (Redis: ConnectionError, TimeoutError).
CACHE_ERRORS = (ConnectionError, TimeoutError, OSError)
try:
    import redis

    CACHE_ERRORS += (redis.RedisError,)
except ImportError:  # pragma: no cover - redis is in requirements.txt
    pass

GENERATION_KEY = "pages:generation"
CLOCK_KEY = "pages:clock"
# A safety net only: generations normally end by a save or a publication time.
GENERATION_SECONDS = 600
KEPT_HEADERS = {"content-type", "x-robots-tag", "link"}


def page_cache_enabled():
    return getattr(settings, "KB_PAGE_CACHE", False)


def end_generation(**kwargs):
    """Signal receiver: the next request starts a new generation (and so renders afresh)."""
    _forget_generation()
    # Again after the commit: a request may have started a generation from the rows before it.
    transaction.on_commit(_forget_generation)


def _forget_generation():
    try:
        cache.delete(GENERATION_KEY)
    except CACHE_ERRORS:
        # Saving must not fail because the cache is away. Should it come back with its data,
        # the old generation lasts at most GENERATION_SECONDS.
        logger.error("Page cache unavailable: a save could not end the generation", exc_info=True)


def connect_signals():
    from django.contrib.auth import get_user_model

    for model in (Article, Series, Tag, TaggedArticle, get_user_model()):
        post_save.connect(end_generation, sender=model, dispatch_uid=f"pages-save-{model._meta.label}")
        post_delete.connect(end_generation, sender=model, dispatch_uid=f"pages-delete-{model._meta.label}")
    m2m_changed.connect(end_generation, sender=TaggedArticle, dispatch_uid="pages-tags")


def _start_generation(now):
    """A new generation: (token, start as a Unix second, next publication as a Unix time or None)."""
    scheduled = Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
    next_publication = scheduled.aggregate(first=Min("published_at"))["first"]
    # Each generation starts at a later whole second than the last, so Last-Modified always moves on.
    start = max(int(now.timestamp()), (cache.get(CLOCK_KEY) or 0) + 1)
    cache.set(CLOCK_KEY, start, None)
    generation = (uuid.uuid4().hex, start, next_publication.timestamp() if next_publication else None)
    cache.set(GENERATION_KEY, generation, GENERATION_SECONDS)
    return generation


def _lookup(request, language=None):
    """(generation token, its start, page key, stored entry or None), in one cache round trip when warm.

    An entry is kept under its address alone and carries the token of the generation it was
    rendered in; one of an earlier generation is a miss (and is overwritten).
    """
    key = _page_key(request, language)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    now = timezone.now()
    if generation is None or (generation[2] is not None and generation[2] <= now.timestamp()):
        generation = _start_generation(now)
    entry = found.get(key)
    if entry is not None and entry[0] != generation[0]:
        entry = None
    return generation[0], generation[1], key, entry


def _is_anonymous(request):
    # Without a session cookie there is no user to load, and the session is left untouched.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True
    return not request.user.is_authenticated


def _page_key(request, language=None):
    language = language or getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"pages:2:{language}:{address}"  # 2: the entry's layout, changed with _entry


def _entry(response, token, start):
    """What is kept of a 200 response: its generation, body and headers, ready to send again."""
    headers = {name: value for name, value in response.items() if name.lower() in KEPT_HEADERS}
    headers["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    if start:
        headers["Last-Modified"] = http_date(start)
    # Readers' browsers check back every time (cheaply, with the ETag): an edit shows at once.
    headers["Cache-Control"] = "no-cache"
    return token, start, response.content, headers


def _response(entry, request):
    _token, start, content, headers = entry
    response = HttpResponse(content, headers=headers)
    if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
        return get_conditional_response(request, etag=headers["ETag"], last_modified=start, response=response)
    return response


def cached_page(view):
    """Serve `view` from the page cache to anonymous GETs, with ETag and 304; signed-in users fresh."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if not _is_anonymous(request):
            response = _render(view(request, *args, **kwargs))
            patch_cache_control(response, private=True)
            return response
        token, start, key = None, None, None
        if page_cache_enabled():
            try:
                token, start, key, entry = _lookup_once(request)
            except CACHE_ERRORS:
                # The cache is down: the page is rendered, as if there were no cache.
                logger.warning("Page cache unavailable", exc_info=True)
                token, start, key, entry = None, None, None, None
            if entry is not None:
                return _response(entry, request)
        response = _render(view(request, *args, **kwargs))
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        entry = _entry(response, token, start)
        if key is not None:
            try:
                cache.set(key, entry, settings.KB_PAGE_CACHE_SECONDS)
            except CACHE_ERRORS:
                logger.warning("Page cache unavailable", exc_info=True)
        return _response(entry, request)

    cached_view.page_cache = True
    return cached_view


def _lookup_once(request):
    """_lookup, unless CachedPageMiddleware already made it for this request (and missed)."""
    earlier = getattr(request, "_page_lookup", None)
    if earlier is CACHE_DOWN:
        raise ConnectionError("the page cache did not answer CachedPageMiddleware")
    if earlier is not None and earlier[2] == _page_key(request):
        return earlier
    return _lookup(request)


CACHE_DOWN = object()


@lru_cache(maxsize=4096)
def _stored_here(path):
    """Whether a `cached_page` view answers `path`: other pages need no cache round trip."""
    try:
        return getattr(resolve(path).func, "page_cache", False)
    except Http404:
        return False


@receiver(setting_changed)
def _forget_routes(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _stored_here.cache_clear()


class CachedPageMiddleware:
    """Serves stored pages to anonymous readers before sessions, languages, CSRF, users and
    URL routing are set up: a third of a cached page's time. Placed after the security
    headers' middleware, which still run on its pages.

    It serves only what `cached_page` stored, for requests without a session cookie; a miss
    goes on to the view, which renders and stores the page (reusing this lookup).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and page_cache_enabled()
            and _stored_here(request.path_info)
        ):
            response = self._stored_page(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _stored_page(self, request):
        try:
            request.get_host()  # a Host outside ALLOWED_HOSTS gets Django's 400, never a page
        except DisallowedHost:
            return None
        language = translation.get_language_from_request(request)
        try:
            request._page_lookup = _lookup(request, language)
        except CACHE_ERRORS:
            request._page_lookup = CACHE_DOWN  # the view renders the page and logs the outage
            return None
        entry = request._page_lookup[3]
        if entry is None:
            return None
        response = _response(entry, request)
        # What LocaleMiddleware adds to every page it sees.
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response


def _render(response):
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return response
