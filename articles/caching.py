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
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
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


def _lookup(request):
    """(generation token, its start, page key, stored entry or None), in one cache round trip when warm.

    An entry is kept under its address alone and carries the token of the generation it was
    rendered in; one of an earlier generation is a miss (and is overwritten).
    """
    key = _page_key(request)
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


def _page_key(request):
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"pages:{language}:{address}"


def _entry(response, token):
    """What is kept of a 200 response: its generation, body and the headers that belong to the page."""
    headers = {name: value for name, value in response.items() if name.lower() in KEPT_HEADERS}
    etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    return token, response.content, headers, etag


def _response(entry, request, last_modified):
    _token, content, headers, etag = entry
    response = HttpResponse(content, headers=headers)
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified)
    # Readers' browsers check back every time (cheaply, with the ETag): an edit shows at once.
    patch_cache_control(response, no_cache=True)
    return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)


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
                token, start, key, entry = _lookup(request)
            except CACHE_ERRORS:
                # The cache is down: the page is rendered, as if there were no cache.
                logger.warning("Page cache unavailable", exc_info=True)
                token, start, key, entry = None, None, None, None
            if entry is not None:
                return _response(entry, request, start)
        response = _render(view(request, *args, **kwargs))
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        entry = _entry(response, token)
        if key is not None:
            try:
                cache.set(key, entry, settings.KB_PAGE_CACHE_SECONDS)
            except CACHE_ERRORS:
                logger.warning("Page cache unavailable", exc_info=True)
        return _response(entry, request, start)

    return cached_view


def _render(response):
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return response
