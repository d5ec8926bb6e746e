"""Search entries written again outside the request, after a tag rename or merge.

A tag's name is part of the search entry of every article carrying it, and a merge moves
articles to another tag: thousands of entries to write again (jieba segments each body
anew), a minute for a popular tag. `services.rename_tag()` and `merge_tags()` queue them
instead (a `PendingReindex` row per article, in their own transaction) and answer at once.

Who works through the backlog, in batches of BATCH articles, each batch in its own
transaction (its rows deleted as its entries are written, so nothing is lost or done twice):

- the process that queued it, in a background thread started when the transaction commits;
- every process serving the site, at its first request (`resume_on_first_request`, connected
  in ArticlesConfig.ready()): what a stopped or restarted process left is resumed with no
  one doing anything;
- `python manage.py run_jobs`, in the foreground, for whoever wants it done now (after a
  restore, from cron, in a deploy script); it exits non-zero if a batch fails.

Several processes may work at once: on PostgreSQL each batch locks its rows and skips those
locked by another (`SKIP LOCKED`); SQLite lets one writer in at a time.
"""

import logging
import threading

from django.db import connection, transaction

from articles.models.tags import PendingReindex
from articles.search import index as search_index

logger = logging.getLogger(__name__)

BATCH = 25

_lock = threading.Lock()
_worker = {"thread": None, "wanted": False}


def queue(article_ids):
    """Queue these articles' search entries; the work starts once this transaction commits."""
    rows = [PendingReindex(article_id=pk) for pk in set(article_ids)]
    PendingReindex.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    if rows:
        transaction.on_commit(wake)
    return len(rows)


def pending():
    return PendingReindex.objects.count()


def run_batch(size=BATCH):
    """Write again up to `size` queued entries, oldest first; how many were written."""
    with transaction.atomic():
        rows = PendingReindex.objects.select_for_update(skip_locked=True).order_by("queued_at", "article_id")
        ids = list(rows.values_list("article_id", flat=True)[:size])
        if ids:
            search_index.reindex(ids)
            PendingReindex.objects.filter(article_id__in=ids).delete()
    return len(ids)


def run_pending(size=BATCH):
    """Work through the whole backlog here and now; how many entries were written."""
    done = 0
    while written := run_batch(size):
        done += written
    return done


def wake():
    """Make sure this process's worker thread is working through the backlog."""
    with _lock:
        _worker["wanted"] = True
        if _worker["thread"] is None:
            _worker["thread"] = threading.Thread(target=_work, name="kb-reindexing", daemon=True)
            _worker["thread"].start()


def _work():
    try:
        while True:
            with _lock:
                if not _worker["wanted"]:
                    _worker["thread"] = None
                    return
                _worker["wanted"] = False
            try:
                done = run_pending()
            except Exception:
                # The rows stay: the next wake, start or `run_jobs` takes them up again.
                logger.exception("Search entries left to redo after a tag change: the worker stopped")
                with _lock:
                    _worker["thread"], _worker["wanted"] = None, False
                return
            if done:
                logger.info("Wrote %d search entries again after a tag change", done)
    finally:
        connection.close()  # this thread's own connection


def wait(timeout=None):
    """Wait for this process's worker to finish (tests, and commands that queued work)."""
    thread = _worker["thread"]
    if thread is not None:
        thread.join(timeout)


def resume_on_first_request(sender=None, **kwargs):
    """request_started receiver: once per process, take up what was left pending. The look is
    made in a thread of its own, off the request (and its database connection)."""
    from django.core.signals import request_started

    request_started.disconnect(resume_on_first_request, dispatch_uid="reindexing-resume")
    threading.Thread(target=_resume, name="kb-reindexing-resume", daemon=True).start()


def _resume():
    try:
        left = PendingReindex.objects.exists()
    except Exception:  # the database may be away: the next start, or `run_jobs`, looks again
        logger.warning("Could not look for search entries left to redo", exc_info=True)
        left = False
    finally:
        connection.close()
    if left:
        wake()


def connect():
    """Connect `resume_on_first_request` (called by ArticlesConfig.ready(), and only there)."""
    from django.core.signals import request_started

    request_started.connect(resume_on_first_request, dispatch_uid="reindexing-resume")
