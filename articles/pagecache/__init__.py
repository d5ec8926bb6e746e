"""The page cache: anonymous readers get stored pages, never stale ones; ETag and Last-Modified.

A save ends only the pages that show what it changed. A stored page carries the *marks* of
what it shows (`dependencies.py`): the article, the feed's order, a tag's listing (or a set of
tags, for the related articles box), a series, tag names, authors. A save moves the marks of
what it changed (`changes.py`): each mark holds the number of the last change that moved it,
and a page whose marks moved since it was stored counts as absent. An edit of one article's
body ends its own page, the feed's pages and Atom feed, its tags' and series' pages and feeds,
and the related boxes it may now enter: not the pages of unrelated articles or tags.

Every stored page also belongs to a *generation*, which ends everything at once: when the
next scheduled article is published (the generation records its time), and whenever the
database has moved on without the cache hearing of it. The database decides, not the cache:
every write to what pages show adds one to the *page version*, in the writing transaction (by
trigger: `articles/database/page_version.py`), and a generation belongs to the version it
records. A save that told the cache what it changed moves the generation's version on past
its own (`changes.claim`): on PostgreSQL, it learns the version it committed with and records
it as *told* once its marks moved, and the generation moves on over every version that was
told (however saves overlap); on SQLite (one writer at a time), when no other write came in
between. On PostgreSQL, while every version past the generation's is told or was committed by
a save that is telling it (for at most COMMITTED_SECONDS), stored pages go on being served:
such a save answers only once the marks of what it changed have moved. Any other write (bulk
updates, raw SQL, a save while Redis was away, a Redis back from a partition or restored from
a snapshot with its old generation) leaves the generation behind the database, and the
generation ends. A process rereads the version at most every VERSION_SECONDS (and at once
when the generation disagrees with it); a version ahead of the generation is given
CLAIM_SECONDS to be claimed (meanwhile pages are rendered, not served from the cache) before
the generation ends. A save whose changes the cache could not be told waits VERSION_SECONDS
plus the longer of CLAIM_SECONDS and COMMITTED_SECONDS before it answers: no reader after it
sees the old page.

Only the query parameters a page reads, with values it accepts, make its address: `?page=N`
on the paginated listings. Any other parameter is ignored (the page without it is served, if
stored, and a page rendered for such an address is never stored); a bad value (`?page=x`) is
left to the view, whose 404 is never stored. So junk query strings cannot fill the cache.

Staff and other signed-in users always get a fresh page (`Cache-Control: private`).
Cached pages do not touch the session, so they carry no `Vary: Cookie`. Pages this module
answers carry `X-Cache: hit` or `miss` (the load test counts them).

Every page served here to an anonymous reader carries an `ETag` (a hash of its body) and,
when the page cache is on, a `Last-Modified` (when the stored copy was made: nothing on it
changed since), and conditional requests are answered `304 Not Modified`.

The page cache needs a cache shared by every process that serves the site (Redis, with
REDIS_URL): a page stored by one process is served by all. It is on when REDIS_URL is set and
otherwise off (KB_PAGE_CACHE overrides); settings with DEBUG off and gunicorn.conf.py with more
than one worker refuse to start with it on a per-process cache. ETags work either way.
"""

import atexit
import hashlib
import logging
import sys
import threading
import time
import uuid
from collections import OrderedDict
from functools import lru_cache, wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.core.signals import setting_changed
from django.db import DatabaseError, connection
from django.db.models import Min
from django.http import Http404, HttpResponse
from django.urls import resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from articles.database import page_version
from articles.models import Article
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
# The number of the last change announced (changes.py): marks hold such numbers.
CLOCK_KEY = "pages:clock"
MARK_PREFIX = "pages:mark:"
# Page versions whose transaction moved the marks of all it changed, after it committed.
TOLD_PREFIX = "pages:told:"
# The most versions a generation moves on over at once (more: it ends).
MOST_VERSIONS = 500
# A safety net only: generations normally end by a missed write or a publication time.
GENERATION_SECONDS = 600
KEPT_HEADERS = {"content-type", "x-robots-tag", "link"}
# How long a process trusts the page version it last read from the database; a save the cache
# did not hear of waits this long (and CLAIM_SECONDS) before it answers.
VERSION_SECONDS = 1.0
# How long a version ahead of the generation waits for the save that made it to claim it.
CLAIM_SECONDS = 0.5
# How long a save that committed and is telling the cache what it changed counts as telling
# (PostgreSQL: page_version.committed_told); a save that could not tell waits this long too.
COMMITTED_SECONDS = 2.0


def page_cache_enabled():
    return getattr(settings, "KB_PAGE_CACHE", False)


def connect_signals():
    """Connect the page cache's receivers (called by ArticlesConfig.ready(), and only there)."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from articles.pagecache import changes

    changes.connect(sys.modules[__name__])
    articles = apps.get_app_config("articles")
    post_migrate.connect(page_version.ensure_after_migrate, sender=articles, dispatch_uid="pages-version")
    setting_changed.connect(_forget_routes, dispatch_uid="pages-routes")


def end_generation(using="default", **kwargs):
    """Every stored page ends, at once and again when this transaction commits: for writes
    the page cache cannot see (the importer's bulk tag links). Also a signal receiver."""
    from articles.pagecache import changes

    changes.everything_changed(using)


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
    until = time.monotonic() + VERSION_SECONDS + max(CLAIM_SECONDS, COMMITTED_SECONDS)
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
    generation = (uuid.uuid4().hex, int(now.timestamp()), next_publication.timestamp() if next_publication else None)
    generation += (version,)
    cache.set(GENERATION_KEY, generation, GENERATION_SECONDS)
    return generation


# Since when (time.monotonic()) this process has seen the database's version ahead of the
# generation's, and which generation that was: a save may be about to claim it.
_behind = {"token": None, "since": 0.0}


def _current_generation(generation):
    """The generation pages may be served and stored under, or None for "render, do not store"
    (the database is ahead of it, and the save that moved it may still claim it)."""
    version = _page_version()
    if generation is not None and generation[3] != version:
        # Another process may have read a later version already; or a save was missed.
        version = _page_version(fresh=True)
    now = timezone.now()
    if generation is not None and generation[2] is not None and generation[2] <= now.timestamp():
        generation = None  # a scheduled article is published now
    if generation is not None and generation[3] < version:
        generation = moved_on(generation, version) or generation
        if generation[3] < version and _being_told(generation[3], version):
            return generation
    if generation is not None and generation[3] != version:
        if generation[3] < version:
            if _behind["token"] != generation[0]:
                _behind.update(token=generation[0], since=time.monotonic())
            if time.monotonic() - _behind["since"] < CLAIM_SECONDS:
                _forget_version()  # read again next time: the claim may have come
                return None
        generation = None
    if generation is None:
        generation = _start_generation(now, version)
    return generation


# The last version this process found told or being told (PostgreSQL), and when (monotonic).
_told = {"version": None, "at": float("-inf")}


def _being_told(since, version):
    """Whether every version after `since` up to `version` is told, or was committed by a save
    that is telling it now (PostgreSQL). Asked of the database at most every VERSION_SECONDS."""
    if not page_version.can_tell(connection):
        return False
    if _told["version"] == version and time.monotonic() - _told["at"] < VERSION_SECONDS:
        return True
    versions = range(since + 1, version + 1)
    if len(versions) > MOST_VERSIONS:
        return False
    told = cache.get_many([TOLD_PREFIX + str(number) for number in versions])
    missing = [number for number in versions if TOLD_PREFIX + str(number) not in told]
    if missing and len(page_version.committed_told(connection, missing, COMMITTED_SECONDS)) < len(missing):
        return False
    _told.update(version=version, at=time.monotonic())
    return True


def moved_on(generation, version):
    """The generation, moved on to `version` if every version after its own was told; else None."""
    versions = range(generation[3] + 1, version + 1)
    if not versions or len(versions) > MOST_VERSIONS:
        return None
    told = cache.get_many([TOLD_PREFIX + str(number) for number in versions])
    remaining = generation[1] + GENERATION_SECONDS - time.time()
    if len(told) < len(versions) or remaining <= 1:
        return None
    generation = (*generation[:3], version)
    cache.set(GENERATION_KEY, generation, remaining)
    return generation


class Lookup:
    """What a lookup found: the generation to store under (None: do not store), the page's key
    (None: not a stored address), the stored entry if current, the clock before rendering and
    the marks already read."""

    def __init__(self, generation=None, key=None, entry=None, clock=None, marks=None, previous=None):
        self.generation, self.key, self.entry, self.clock = generation, key, entry, clock
        self.marks, self.previous = marks or {}, previous


# The marks each address had when this process last stored or served it: read with the page,
# so that a warm hit is one cache round trip.
_known_marks = OrderedDict()
KNOWN_ADDRESSES = 20_000


def _remember_marks(key, names):
    _known_marks[key] = tuple(names)
    _known_marks.move_to_end(key)
    while len(_known_marks) > KNOWN_ADDRESSES:
        _known_marks.popitem(last=False)


def _lookup(request, language=None, reads=None):
    """The page's generation, key and stored entry (if current), in one cache round trip when warm.

    An entry is kept under its address alone and carries the token of the generation it was
    stored in and the marks of what it shows, as they were before it was rendered; an entry of
    an earlier generation, or one whose marks moved since, is a miss (and is overwritten). The
    key is None for an address whose page is not stored (see `_page_key`).
    """
    key = _page_key(request, language, reads)
    if key is None:
        return Lookup()
    guessed = [MARK_PREFIX + name for name in _known_marks.get(key, ())]
    found = cache.get_many([GENERATION_KEY, CLOCK_KEY, key, *guessed])
    generation = _current_generation(found.get(GENERATION_KEY))
    if generation is None:
        return Lookup()
    entry = previous = found.get(key)
    if entry is not None and entry[0] != generation[0]:
        entry = None
    if entry is not None:
        marks = entry[1]
        missing = [MARK_PREFIX + name for name in marks if MARK_PREFIX + name not in found]
        if missing:
            found.update(cache.get_many(missing))
            _remember_marks(key, marks)
        if any(found.get(MARK_PREFIX + name) != value for name, value in marks.items()):
            entry = None
    marks = {name[len(MARK_PREFIX) :]: value for name, value in found.items() if name.startswith(MARK_PREFIX)}
    return Lookup(generation, key, entry, found.get(CLOCK_KEY, 0), marks, previous)


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
    return f"pages:4:{language}:{digest}"  # 4: the key's and entry's layout, changed with _entry


def _unread_parameters(request, reads):
    """Whether the query string has a parameter the page does not read (its page is not stored)."""
    try:
        return any(name not in reads for name in request.GET)
    except SuspiciousOperation:
        return True


def _entry(response, token, marks, modified):
    """What is kept of a 200 response: its generation, marks, time, body and headers, ready to send again."""
    headers = {name: value for name, value in response.items() if name.lower() in KEPT_HEADERS}
    headers["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    if modified:
        headers["Last-Modified"] = http_date(modified)
    # Readers' browsers check back every time (cheaply, with the ETag): an edit shows at once.
    headers["Cache-Control"] = "no-cache"
    return token, marks, modified, response.content, headers


def _modified(previous):
    """When a new copy is made: now, and always a later second than the copy it replaces."""
    now = int(time.time())
    return max(now, previous[2] + 1) if previous is not None else now


def _response(entry, request, hit):
    _token, _marks, modified, content, headers = entry
    response = HttpResponse(content, headers=headers)
    if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
        response = get_conditional_response(request, etag=headers["ETag"], last_modified=modified, response=response)
    if hit is not None:
        response["X-Cache"] = "hit" if hit else "miss"
    return response


def _store(request, response, lookup):
    """Keep `response`, with the marks of what it shows, unless one moved while it was rendered."""
    from articles.pagecache import changes, dependencies

    names = dependencies.marks_of(request, response)
    values = changes.current_marks(names, lookup.marks, lookup.clock)
    if values is None:
        return None  # something it shows changed while it was rendered: not kept
    entry = _entry(response, lookup.generation[0], values, _modified(lookup.previous))
    cache.set(lookup.key, entry, settings.KB_PAGE_CACHE_SECONDS)
    _remember_marks(lookup.key, names)
    return entry


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
        lookup, hit = Lookup(), None
        if page_cache_enabled():
            hit = False
            try:
                lookup = _lookup_once(request, reads)
            except (*CACHE_ERRORS, DatabaseError):
                # The cache is down: the page is rendered, as if there were no cache.
                logger.warning("Page cache unavailable", exc_info=True)
                lookup = Lookup()
            if lookup.entry is not None:
                return _response(lookup.entry, request, hit=True)
        response = _render(view(request, *args, **kwargs))
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        entry = None
        # A page rendered for an address with parameters it does not read is served, not kept.
        if lookup.key is not None and lookup.generation is not None and not _unread_parameters(request, reads):
            try:
                entry = _store(request, response, lookup)
            except CACHE_ERRORS:
                logger.warning("Page cache unavailable", exc_info=True)
        if entry is None:
            entry = _entry(response, None, {}, None)
        return _response(entry, request, hit)

    cached_view.page_cache = True
    cached_view.page_reads = reads
    return cached_view


def _lookup_once(request, reads):
    """_lookup, unless CachedPageMiddleware already made it for this request (and missed)."""
    earlier = getattr(request, "_page_lookup", None)
    if earlier is CACHE_DOWN:
        raise ConnectionError("the page cache did not answer CachedPageMiddleware")
    if earlier is not None and earlier.key == _page_key(request, reads=reads):
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
        entry = request._page_lookup.entry
        if entry is None:
            return None
        response = _response(entry, request, hit=True)
        # What LocaleMiddleware adds to every page it sees.
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response


def _render(response):
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return response
