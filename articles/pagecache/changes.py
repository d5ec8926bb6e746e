"""What a write changes, told to the page cache: the marks it moves (`marks.py`), and the claim
that keeps the generation (see the package's docstring).

Each transaction that saves or deletes an article, series, tag, tagging or user collects
what it touched. At each signal the marks known so far move at once (readers inside the
transaction, and tests, which never commit, see the change); when it commits they move
again with what only the committed rows say (an article's new tags and series, and the
articles that entered or left a tag's related-box candidates), and the generation takes on
the page version this transaction ended at, if no other write can hide in between:

- On PostgreSQL the version moves once per transaction, as it commits, and transactions
  overlap. The transaction names itself at its first signal (`page_version.tell`), learns the
  version it committed with, and once its marks moved records that version as told; the
  generation moves on over every told version (`pagecache.moved_on`), so saves that overlap
  keep it. A version nobody told of stops it, and the generation ends.
- On SQLite (a write transaction locks the database from its BEGIN: kb/settings.py
  "transaction_mode") the version moves with every row, in the transaction: the version read
  at its last signal must be the version read after it commits, and the generation's version
  the one read before its first write.

A write that sends no signal (a queryset's update(), raw SQL) moves the version but no mark:
the generation is left behind the database and ends. Code that makes such writes in a
transaction that also saves through signals calls `pagecache.end_generation()`.
"""

import logging
import time
import uuid
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from articles.database import page_version
from articles.database.tables import names as table_names
from articles.models import Article, Series, Tag, TaggedArticle
from articles.pagecache import marks
from articles.reading.queries import RELATED_CANDIDATES

logger = logging.getLogger("articles.pagecache")

# A transaction that touches more articles (a tag merge, an import) ends every page instead.
MOST_ARTICLES = 50


# The page cache package (its keys, settings and generation), handed over by the package
# itself when it connects these receivers: this module does not import its own package,
# and reads its settings at call time (tests change them).
_package = {}


def _pagecache():
    return _package["module"]


class Changes:
    """What one transaction (or one autocommit statement) touched."""

    def __init__(self, using, atomic):
        self.using, self.atomic = using, atomic
        self.before = {}  # article id -> Found, as it was before this transaction touched it
        self.seen = {}  # article id -> ("t", slug) and ("s", series id) it had at any signal since
        self.placed = set()  # articles whose tags or publication changed: their place in related boxes
        self.listed = set()  # articles that were published at any signal
        self.moved_anywhere = set()  # articles whose save can change every feed page
        self.feed_pages = {}  # article id -> the last feed page its edit changes
        self.articles = set()
        self.marks = set()
        self.everything = False
        self.start = None  # the page version before the first write
        self.last = None  # the page version at the last signal (SQLite)
        self.name = None  # the name it told the database (PostgreSQL: page_version.tell)
        self.registered = False


def _changes(using):
    connection = connections[using]
    state = getattr(connection, "_kb_page_changes", None)
    # A rolled-back transaction's on_commit callback is dropped. Django has no public way to ask
    # which callbacks are pending: `run_on_commit` is its private list of them.
    if state is not None and state.registered and not state.atomic:
        state = None
    pending = [getattr(func, "changes", None) for _, func, *_ in connection.run_on_commit]
    if state is not None and state.registered and not any(changes is state for changes in pending):
        state = None
    if state is None:
        state = Changes(using, connection.in_atomic_block)
        connection._kb_page_changes = state
    return state


def _read_version(state):
    return page_version.read(connections[state.using])


def _note_before(state, article_ids):
    """Where these articles were listed when this transaction found them (read once each)."""
    if state.start is None and state.atomic:
        state.start = _read_version(state)
        connection = connections[state.using]
        if page_version.can_tell(connection):
            state.name = uuid.uuid4().hex
            page_version.tell(connection, state.name)
    if _bulk(state):
        return
    new = [pk for pk in article_ids if pk is not None and pk not in state.before]
    if new:
        state.before.update(_read_articles(new, state.using))


class Found(NamedTuple):
    """What the pages show of an article, besides its own page: where it is listed."""

    tags: set
    series: int | None
    published: datetime | None  # its publication time, if published
    order: int | None  # its place in its series
    updated: datetime | None


def _absent():
    return Found(set(), None, None, None, None)


def _read_articles(article_ids, using):
    """{article id: Found} as the database has them now."""
    found = {pk: _absent() for pk in article_ids}
    fields = ("pk", "series_id", "status", "published_at", "series_order", "updated_at")
    for pk, series_id, status, published_at, order, updated in (
        Article.objects.using(using).filter(pk__in=list(article_ids)).values_list(*fields)
    ):
        published = published_at if status == Article.Status.PUBLISHED else None
        found[pk] = Found(set(), series_id, published, order, updated)
    tagged = TaggedArticle.objects.using(using).filter(content_object_id__in=list(article_ids))
    for pk, slug in tagged.values_list("content_object_id", "tag__slug"):
        found[pk][0].add(slug)
    return found


def _bulk(state):
    """Whether the transaction touched so many articles that it ends every page instead."""
    if not state.everything and len(state.articles) > MOST_ARTICLES:
        everything_changed(state.using)
    return state.everything


def _touched(state, article_ids=(), names=(), series_ids=()):
    """Record what a signal says was written; move what is known of it now; register the commit."""
    article_ids = [pk for pk in article_ids if pk is not None]
    state.articles.update(article_ids)
    state.marks.update(names)
    state.marks.update(f"s:{pk}" for pk in series_ids if pk)
    if state.atomic and connections[state.using].vendor == "sqlite":
        state.last = _read_version(state)
    if _bulk(state):
        everything_changed(state.using)  # again: pages stored since showed the rows before this write
        return
    now = set(state.marks)
    if state.articles:
        now.add("feed")
    current = _read_articles(article_ids, state.using) if article_ids else {}
    for pk in article_ids:
        now |= _moved_by_article(state, pk, state.before.get(pk) or _absent(), current[pk])
    try:
        move(now)
    except _pagecache().CACHE_ERRORS:
        logger.warning("Page cache unavailable: marks move when the transaction commits", exc_info=True)
    _register(state)


def _moved_by_article(state, pk, before, after):
    """The marks a save of article `pk` moves, from its tags, series and publication `before`
    the transaction and `after` it (or now), and at any signal between (`state.seen`)."""
    seen = state.seen.setdefault(pk, set())
    for shown in (before, after):
        seen |= {("t", slug) for slug in shown.tags} | ({("s", shown.series)} if shown.series else set())
    if (before.tags, before.published) != (after.tags, after.published):
        state.placed.add(pk)
    slugs = {value for kind, value in seen if kind == "t"}
    moved = {f"a:{pk}", *marks.moved_by_tags(slugs), *(f"s:{value}" for kind, value in seen if kind == "s")}
    if pk in state.placed:
        moved |= set(marks.moved_in_related_boxes(slugs))
    return moved | _feed_pages_moved(state, pk, before, after)


def _feed_pages_moved(state, pk, before, after):
    """The feed pages a save of article `pk` changes (`marks.feed_page`).

    An edit of a published article moves it up, from its place to the top: the pages from the
    first to the one it was on change (one more, for saves committed meanwhile). Anything else
    (a publication, an unpublication, a new publication time or series, an older update time)
    can change every page: their counts, their series parts."""
    if before.published is None and after.published is None and pk not in state.listed:
        return set()  # a draft, before and after
    state.listed.add(pk)
    same_place = (before.published, before.series, before.order) == (after.published, after.series, after.order)
    if pk in state.moved_anywhere or not same_place or after.updated < before.updated:
        state.moved_anywhere.add(pk)
        return {marks.ALL_FEED_PAGES}
    if pk not in state.feed_pages:
        # Counted no further than the pages that have marks of their own: a bounded cost.
        most = marks.MOST_FEED_PAGES * settings.KB_PAGE_SIZE
        ahead = Article.objects.using(state.using).filter(
            status=Article.Status.PUBLISHED, updated_at__gte=before.updated
        )
        page = ahead.values("pk")[:most].count() // settings.KB_PAGE_SIZE + 2  # its page, generously, and one more
        state.feed_pages[pk] = page
    page = state.feed_pages[pk]
    if page > marks.MOST_FEED_PAGES:
        return {marks.ALL_FEED_PAGES}
    return {marks.feed_page(number) for number in range(1, page + 1)}


def _register(state):
    if state.registered:
        return

    def commit():
        announce(state)

    commit.changes = state
    state.registered = True
    transaction.on_commit(commit, using=state.using)


def move(names):
    """Move these marks (and `any`): pages showing them count as absent from now on."""
    pagecache = _pagecache()
    try:
        tick = cache.incr(pagecache.CLOCK_KEY)
    except ValueError:  # no clock yet: one that starts above any mark a lost clock left behind
        cache.add(pagecache.CLOCK_KEY, int(time.time() * 1000))
        tick = cache.incr(pagecache.CLOCK_KEY)
    cache.set_many({pagecache.MARK_PREFIX + name: tick for name in {*names, "any"}}, None)


def current_marks(names, already_read, clock):
    """{mark: value} for a page rendered after `clock` was read, or None if one of its marks
    moved since (what it shows may predate the change). Marks never moved start at `clock`."""
    pagecache = _pagecache()
    values = {name: already_read[name] for name in names if name in already_read}
    missing = [name for name in names if name not in values]
    if missing:
        found = cache.get_many([pagecache.MARK_PREFIX + name for name in missing])
        for name in missing:
            value = found.get(pagecache.MARK_PREFIX + name)
            if value is None and not cache.add(pagecache.MARK_PREFIX + name, clock, None):
                value = cache.get(pagecache.MARK_PREFIX + name)  # another process was first
            values[name] = clock if value is None else value
    if any(value is None or value > clock for value in values.values()):
        return None
    return values


def announce(state):
    """After the commit: move the marks of everything the transaction touched, and claim."""
    pagecache = _pagecache()
    connection = connections[state.using]
    if getattr(connection, "_kb_page_changes", None) is state:
        connection._kb_page_changes = None
    if not pagecache.page_cache_enabled():
        return
    try:
        if state.everything or len(state.articles) > MOST_ARTICLES:
            cache.delete(pagecache.GENERATION_KEY)
            if state.name is not None:
                page_version.told_version(connection, state.name)  # not told: its row goes
            return
        move(state.marks | _moved_by_articles(state))
        claim(state)
    except (*pagecache.CACHE_ERRORS, DatabaseError):
        # Saving must not fail because the cache is away. Other processes learn of the save when
        # they next read the page version: this save answers once they all have.
        logger.error("Page cache unavailable: a save could not tell the page cache", exc_info=True)
        pagecache._forget_version()
        pagecache._wait_for_readers()
        if state.name is not None:  # no longer telling: its version is not being told
            try:
                page_version.told_version(connection, state.name)
            except DatabaseError:  # then it counts as told for COMMITTED_SECONDS, which this save waits
                logger.warning("Could not say that a save stopped telling the page cache", exc_info=True)


def _moved_by_articles(state):
    if not state.articles:
        return set()
    after = _read_articles(state.articles, state.using)
    moved, placed = {"feed"}, set()
    for pk in state.articles:
        moved |= _moved_by_article(state, pk, state.before.get(pk) or _absent(), after[pk])
        if pk in state.placed:
            placed |= {value for kind, value in state.seen[pk] if kind == "t"}
    return moved | _candidates_moved(placed, state.using)


def _candidates_moved(slugs, using):
    """A related box reads each tag's latest RELATED_CANDIDATES publications. One article in or
    out of a tag (or re-dated) moves the article at the edge in or out: the one that left (now
    just past the edge) may leave boxes it is in, the one that came in (now last inside) may
    enter boxes."""
    if not slugs:
        return set()
    t = table_names()
    connection = connections[using]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    came, left = set(), set()
    with connection.cursor() as cursor:
        for slug in slugs:
            cursor.execute(
                f"SELECT x.content_object_id FROM {t.tagged} x"
                f" WHERE x.tag_id = (SELECT id FROM {t.tag} WHERE slug = %s) AND x.visible_from <= %s"
                " ORDER BY x.visible_from DESC, x.content_object_id DESC LIMIT 2 OFFSET %s",
                [slug, now, RELATED_CANDIDATES - 1],
            )
            edge = [row[0] for row in cursor.fetchall()]
            came.update(edge[:1])
            left.update(edge[1:])
    moved = {f"a:{pk}" for pk in left}
    if came:
        for shown in _read_articles(came, using).values():
            moved |= set(marks.moved_in_related_boxes(shown.tags))
    return moved


def claim(state):
    """Move the generation's version on past this transaction's (its marks have moved)."""
    pagecache = _pagecache()
    if not state.atomic or state.start is None:
        return
    connection = connections[state.using]
    if state.name is not None:
        version = page_version.told_version(connection, state.name)
        if version is not None:
            cache.set(pagecache.TOLD_PREFIX + str(version), 1, pagecache.GENERATION_SECONDS)
            generation = cache.get(pagecache.GENERATION_KEY)
            if generation is not None and generation[3] < version:
                pagecache.moved_on(generation, page_version.read(connection))
        return
    after = page_version.read(connection)
    if after == state.start or after != state.last:
        return  # nothing shown was written, or another write came in between
    generation = cache.get(pagecache.GENERATION_KEY)
    if generation is None or generation[3] != state.start:
        return
    remaining = generation[1] + pagecache.GENERATION_SECONDS - time.time()
    if remaining > 1:
        cache.set(pagecache.GENERATION_KEY, (*generation[:3], after), remaining)


def everything_changed(using="default"):
    """Every stored page ends: at once, and again when this transaction commits."""
    state = _changes(using)
    state.everything = True
    try:
        cache.delete(_pagecache().GENERATION_KEY)
    except _pagecache().CACHE_ERRORS:
        pass  # said, and made up for, when the transaction commits
    _register(state)


# Receivers.


def _enabled():
    return _pagecache().page_cache_enabled()


def article_before(sender, instance, raw=False, using="default", **kwargs):
    if _enabled() and not raw:
        _note_before(_changes(using), [instance.pk])


def article_after(sender, instance, raw=False, using="default", **kwargs):
    if not _enabled():
        return
    if raw:  # a fixture (a backup's restore)
        everything_changed(using)
        return
    _touched(_changes(using), [instance.pk], series_ids=[instance.series_id])


def tags_changing(sender, instance, action, reverse, pk_set, using="default", **kwargs):
    """m2m_changed of article.tags (or of a tag's articles, from the tag's side)."""
    if not _enabled():
        return
    state = _changes(using)
    if isinstance(instance, Article):
        ids = [instance.pk]
    elif action == "pre_clear" or (action == "post_clear" and not pk_set):
        ids = list(TaggedArticle.objects.using(using).filter(tag=instance).values_list("content_object_id", flat=True))
        ids = ids or list(state.before)
    else:
        ids = list(pk_set or ())
    if action.startswith("pre_"):
        _note_before(state, ids)
    else:
        _touched(state, ids)


def tagged_before(sender, instance, raw=False, using="default", **kwargs):
    if _enabled() and not raw:
        _note_before(_changes(using), [instance.content_object_id])


def tagged_after(sender, instance, raw=False, using="default", **kwargs):
    if _enabled():
        if raw:
            everything_changed(using)
        else:
            _touched(_changes(using), [instance.content_object_id])


def _slug_of(model, pk, using):
    return model.objects.using(using).filter(pk=pk).values_list("slug", flat=True).first() if pk else None


def tag_before(sender, instance, using="default", **kwargs):
    if _enabled():
        state = _changes(using)
        _note_before(state, [])
        if slug := _slug_of(Tag, instance.pk, using):
            state.marks.add(marks.tag_set([slug]))


def tag_after(sender, instance, created=False, using="default", **kwargs):
    # A new tag is on no page yet (the tagging that follows moves the marks of its article).
    if _enabled() and not created:
        _touched(_changes(using), names=["tagnames", marks.tag_set([instance.slug])])


def series_before(sender, instance, using="default", **kwargs):
    if _enabled():
        _note_before(_changes(using), [])


def series_after(sender, instance, using="default", **kwargs):
    if _enabled():
        _touched(_changes(using), names=["feed", marks.ALL_FEED_PAGES], series_ids=[instance.pk])


def user_before(sender, instance, using="default", **kwargs):
    if _enabled():
        _note_before(_changes(using), [])


def user_after(sender, instance, update_fields=None, using="default", **kwargs):
    if _enabled():
        # Signing in sets last_login, which no page shows: nothing moves, but the write is told.
        shown = [] if update_fields is not None and set(update_fields) <= {"last_login"} else ["users"]
        _touched(_changes(using), names=shown)


def connect(package):
    """Connect the receivers; `package` is articles.pagecache, whose keys and settings they use."""
    from django.contrib.auth import get_user_model

    _package["module"] = package

    user = get_user_model()
    receivers = [
        (pre_save, Article, article_before),
        (pre_delete, Article, article_before),
        (post_save, Article, article_after),
        (post_delete, Article, article_after),
        (pre_save, TaggedArticle, tagged_before),
        (pre_delete, TaggedArticle, tagged_before),
        (post_save, TaggedArticle, tagged_after),
        (post_delete, TaggedArticle, tagged_after),
        (pre_save, Tag, tag_before),
        (pre_delete, Tag, tag_before),
        (post_save, Tag, tag_after),
        (post_delete, Tag, tag_after),
        (pre_save, Series, series_before),
        (pre_delete, Series, series_before),
        (post_save, Series, series_after),
        (post_delete, Series, series_after),
        (pre_save, user, user_before),
        (pre_delete, user, user_before),
        (post_save, user, user_after),
        (post_delete, user, user_after),
    ]
    for signal, model, receiver in receivers:
        signal.connect(receiver, sender=model, dispatch_uid=f"pages-{receiver.__name__}-{model._meta.label}")
    m2m_changed.connect(tags_changing, sender=TaggedArticle, dispatch_uid="pages-tags")
