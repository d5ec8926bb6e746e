"""The page cache: anonymous readers get stored pages, never stale ones; ETag and Last-Modified.

Every stored page belongs to a *generation*. Saving or deleting an article, series, tag,
tagging or user ends the generation, and so does the publication time of the next scheduled
article: the generation records it and ends itself when it passes. A new generation has a new
token; a stored page carries the token of its generation, and one of an earlier generation
counts as absent. Pages are stored per address and per interface language; a warm hit costs
one cache round trip and no query.

The database decides, not the cache: every write to what pages show also adds one to the
*page version*, in the writing transaction (by trigger: `page_version.py`), and a generation
belongs to the version it started at. A process rereads the version at most every
VERSION_SECONDS; the cache is told at once (the generation is deleted at the save and again
when its transaction commits), so that other processes need not wait for their next reading.
Should the cache not hear of a save (Redis unreachable, or back later with its old entries,
or restored from a snapshot), the generation still ends as soon as the version is read again,
and the save's request (or command) waits those VERSION_SECONDS before it answers: no reader
after it sees the old page.

Only the query parameters a page reads, with values it accepts, make its address: `?page=N`
on the paginated listings. Any other parameter is ignored (the page without it is served, if
stored, and a page rendered for such an address is never stored); a bad value (`?page=x`) is
left to the view, whose 404 is never stored. So junk query strings cannot fill the cache.

Staff and other signed-in users always get a fresh page (`Cache-Control: private`).
Cached pages do not touch the session, so they carry no `Vary: Cookie`.

Every page served here to an anonymous reader carries an `ETag` (a hash of its body) and,
when the page cache is on, a `Last-Modified` (the start of its generation: nothing on it changed since), and
conditional requests are answered `304 Not Modified`.

The page cache needs a cache shared by every process that serves the site (Redis, with
REDIS_URL): a page stored by one process is served by all. It is on when REDIS_URL is set and
otherwise off (KB_PAGE_CACHE overrides); settings with DEBUG off and gunicorn.conf.py with more
than one worker refuse to start with it on a per-process cache. ETags work either way.
"""

import atexit
import contextlib
import hashlib
import logging
import threading
import time
import uuid
from functools import lru_cache, wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.core.signals import setting_changed
from django.db import DatabaseError, connection, transaction
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http import Http404, HttpResponse
from django.urls import resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from articles.database import page_version
from articles.models import Article, Series, Tag, TaggedArticle
from articles.reading.pagination import PAGE_NUMBER, StrictPaginationMixin

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
# How long a process trusts the page version it last read from the database; a save the cache
# did not hear of waits this long before it answers.
VERSION_SECONDS = 1.0


def page_cache_enabled():
    return getattr(settings, "KB_PAGE_CACHE", False)


def end_generation(using="default", **kwargs):
    """Signal receiver: the cache's generation is deleted at once (for what this transaction
    reads next) and again when it commits (a request may have started a generation from the
    rows before it), so the next request renders afresh. The page version moves by trigger."""
    _forget_version()  # this process rereads it
    with contextlib.suppress(*CACHE_ERRORS):  # said, and made up for, when the transaction commits
        cache.delete(GENERATION_KEY)
    transaction.on_commit(_forget_generation, using=using)


def _forget_generation():
    _forget_version()
    try:
        cache.delete(GENERATION_KEY)
    except CACHE_ERRORS:
        # Saving must not fail because the cache is away. Other processes learn of the save when
        # they next read the page version: this save answers once they all have.
        logger.error("Page cache unavailable: a save could not end the generation", exc_info=True)
        _wait_for_readers()


def connect_signals():
    """Connect the page cache's receivers (called by ArticlesConfig.ready(), and only there)."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    for model in (Article, Series, Tag, TaggedArticle, get_user_model()):
        post_save.connect(end_generation, sender=model, dispatch_uid=f"pages-save-{model._meta.label}")
        post_delete.connect(end_generation, sender=model, dispatch_uid=f"pages-delete-{model._meta.label}")
    m2m_changed.connect(end_generation, sender=TaggedArticle, dispatch_uid="pages-tags")
    articles = apps.get_app_config("articles")
    post_migrate.connect(page_version.ensure_after_migrate, sender=articles, dispatch_uid="pages-version")
    setting_changed.connect(_forget_routes, dispatch_uid="pages-routes")


# The page version this process last read, and when (time.monotonic()).
_version = {"value": None, "read_at": float("-inf")}


def _page_version(fresh=False):
    """The database's page version, as read at most VERSION_SECONDS ago (or now, if `fresh`)."""
    if fresh or time.monotonic() - _version["read_at"] >= VERSION_SECONDS:
        asked = time.monotonic()  # before the query: the value is at least this recent
        try:
            value = page_version.read(connection)
        except DatabaseError:
            # While the database is unreachable nothing can be saved, so the version last read
            # still holds (but for a save in its last VERSION_SECONDS): stored pages go on being
            # served, and the rest gets the 503 page.
            if _version["value"] is None:
                raise
            logger.warning("Page version unreadable: serving pages stored under version %s", _version["value"])
            return _version["value"]
        _version.update(value=value, read_at=asked)
    return _version["value"]


def _forget_version():
    _version["read_at"] = float("-inf")


# A save the cache did not hear of holds its answer until every process has reread the version:
# a request's in CachedPageMiddleware (which sees every request), a command's at its exit.
_this_request = threading.local()
_at_exit = {"until": 0.0}


def _wait_for_readers():
    until = time.monotonic() + VERSION_SECONDS
    if getattr(_this_request, "active", False):
        _this_request.until = until
        return
    if not _at_exit["until"]:
        atexit.register(lambda: _sleep_until(_at_exit["until"]))
    _at_exit["until"] = until


def _sleep_until(until):
    delay = until - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _start_generation(now, version):
    """A new generation: (token, start as a Unix second, next publication as a Unix time or None,
    page version)."""
    scheduled = Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
    next_publication = scheduled.aggregate(first=Min("published_at"))["first"]
    # Each generation starts at a later whole second than the last, so Last-Modified always moves on.
    start = max(int(now.timestamp()), (cache.get(CLOCK_KEY) or 0) + 1)
    cache.set(CLOCK_KEY, start, None)
    token = uuid.uuid4().hex
    generation = (token, start, next_publication.timestamp() if next_publication else None, version)
    cache.set(GENERATION_KEY, generation, GENERATION_SECONDS)
    return generation


def _lookup(request, language=None, reads=None):
    """(generation token, its start, page key, stored entry or None), in one cache round trip when warm.

    An entry is kept under its address alone and carries the token of the generation it was
    rendered in; one of an earlier generation is a miss (and is overwritten). The key is None
    for an address whose page is not stored (see `_page_key`).
    """
    key = _page_key(request, language, reads)
    if key is None:
        return None, None, None, None
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    version = _page_version()
    if generation is not None and generation[3:] != (version,):
        # Another process may have read a later version already; or a save was missed.
        version = _page_version(fresh=True)
    now = timezone.now()
    if (
        generation is None
        or generation[3:] != (version,)
        or (generation[2] is not None and generation[2] <= now.timestamp())
    ):
        generation = _start_generation(now, version)
    entry = found.get(key)
    if entry is not None and entry[0] != generation[0]:
        entry = None
    return generation[0], generation[1], key, entry


def _is_anonymous(request):
    # Without a session cookie there is no user to load, and the session is left untouched.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True
    return not request.user.is_authenticated


def _page_key(request, language=None, reads=None):
    """The cache key of this page, or None where it is not kept.

    The address is the path plus the query parameters the page reads (`reads`: name -> pattern
    of a value it accepts), in a fixed order; other parameters are left out. None when a read
    parameter is given twice or with a value the view refuses (it answers 404), or when the
    query string cannot be read (400).
    """
    if reads is None:
        reads = _reads(request.path_info) or {}
    language = language or getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    try:
        query = request.GET
    except SuspiciousOperation:  # too many fields: Django's 400
        return None
    read = []
    for name, pattern in sorted(reads.items()):
        values = query.getlist(name)
        if len(values) > 1 or (values and not pattern.fullmatch(values[0])):
            return None
        read += [f"{name}={value}" for value in values]
    address = request.path + ("?" + "&".join(read) if read else "")
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"pages:3:{language}:{digest}"  # 3: the key's and entry's layout, changed with _entry


def _unread_parameters(request, reads):
    """Whether the query string has a parameter the page does not read (its page is not stored)."""
    try:
        return any(name not in reads for name in request.GET)
    except SuspiciousOperation:
        return True


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
    """Serve `view` from the page cache to anonymous GETs, with ETag and 304; signed-in users fresh.

    A paginated listing (StrictPaginationMixin) reads `?page=N`; other views read no parameter.
    """
    view_class = getattr(view, "view_class", None)
    reads = {"page": PAGE_NUMBER} if view_class and issubclass(view_class, StrictPaginationMixin) else {}

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
                token, start, key, entry = _lookup_once(request, reads)
            except (*CACHE_ERRORS, DatabaseError):
                # The cache is down: the page is rendered, as if there were no cache.
                logger.warning("Page cache unavailable", exc_info=True)
                token, start, key, entry = None, None, None, None
            if entry is not None:
                return _response(entry, request)
        response = _render(view(request, *args, **kwargs))
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        entry = _entry(response, token, start)
        # A page rendered for an address with parameters it does not read is served, not kept.
        if key is not None and not _unread_parameters(request, reads):
            try:
                cache.set(key, entry, settings.KB_PAGE_CACHE_SECONDS)
            except CACHE_ERRORS:
                logger.warning("Page cache unavailable", exc_info=True)
        return _response(entry, request)

    cached_view.page_cache = True
    cached_view.page_reads = reads
    return cached_view


def _lookup_once(request, reads):
    """_lookup, unless CachedPageMiddleware already made it for this request (and missed)."""
    earlier = getattr(request, "_page_lookup", None)
    if earlier is CACHE_DOWN:
        raise ConnectionError("the page cache did not answer CachedPageMiddleware")
    if earlier is not None and earlier[2] == _page_key(request, reads=reads):
        return earlier
    return _lookup(request, reads=reads)


CACHE_DOWN = object()


@lru_cache(maxsize=4096)
def _reads(path):
    """The parameters the `cached_page` view answering `path` reads, or None for other pages
    (which need no cache round trip)."""
    try:
        return getattr(resolve(path).func, "page_reads", None)
    except Http404:
        return None


def _forget_routes(setting, **kwargs):
    """setting_changed receiver (tests): another ROOT_URLCONF routes paths to other views."""
    if setting == "ROOT_URLCONF":
        _reads.cache_clear()


class CachedPageMiddleware:
    """Serves stored pages to anonymous readers before sessions, languages, CSRF, users and
    URL routing are set up: a third of a cached page's time. Placed after the security
    headers' middleware, which still run on its pages.

    It serves only what `cached_page` stored, for requests without a session cookie; a miss
    goes on to the view, which renders and stores the page (reusing this lookup). It also
    holds the answer to a save the cache did not hear of (see `_wait_for_readers`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _this_request.active, _this_request.until = True, 0.0
        try:
            response = self._answer(request)
        finally:
            _this_request.active = False
        _sleep_until(_this_request.until)
        return response

    def _answer(self, request):
        if (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and page_cache_enabled()
            and (reads := _reads(request.path_info)) is not None
        ):
            response = self._stored_page(request, reads)
            if response is not None:
                return response
        return self.get_response(request)

    def _stored_page(self, request, reads):
        try:
            request.get_host()  # a Host outside ALLOWED_HOSTS gets Django's 400, never a page
        except DisallowedHost:
            return None
        language = translation.get_language_from_request(request)
        try:
            request._page_lookup = _lookup(request, language, reads)
        except (*CACHE_ERRORS, DatabaseError):
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
