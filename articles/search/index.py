"""The full-text index tables: writing each article's entry, rebuilding them all, and reading
the text kept for snippets. What an entry holds is made in `documents` (pure).

- SQLite: an FTS5 table `articles_search` (rowid = article id) with one column per field,
  and `articles_search_meta` beside it; a trigger removes both rows with the article.
- PostgreSQL: a table `articles_search` with a stored `tsvector` (weights A-D, built by
  `documents.tsvector_literal()`) and a GIN index, plus `head`, the title/tag/heading part of
  it, which ranks matches without reading whole documents, and `tag_ids`, for tag filters and
  facets (kept in step with the tags by triggers, migration 0006). The long columns are
  stored out of line, so that reading every match of a common word touches a narrow table;
  triggers remove rows on DELETE and TRUNCATE.

Both keep `plain`, the article's text, for highlighted snippets, and two columns that let a
search filter and sort without touching the articles table: `visible_from` (the publication
time of a published article, NULL otherwise: `published()` is `visible_from <= now`) and
`updated_at`. Triggers (migration 0002) keep those two in step with every article update.

The entry follows every save of an article and every change of its tags (see `receivers`),
in the saving transaction; `indexed_once()` lets the importer write it once, with the final
tags.
"""

import multiprocessing
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection

from articles.database.tables import SEARCH, SEARCH_META
from articles.models import Article, TaggedArticle
from articles.search.documents import build_document, tsvector_literal, visible_from
from markup import segmentation

# The articles whose entry is written when their indexed_once() block ends, not on each save.
_deferred = ContextVar("search_index_deferred", default=())


def moment(value):
    """A datetime as this database stores it (SQLite: naive UTC text), for raw SQL."""
    return connection.ops.adapt_datetimefield_value(value)


def _sqlite_rows(documents):
    return [
        (
            d.article_id,
            " ".join(d.title),
            " ".join(d.tags),
            " ".join(d.headings),
            " ".join(d.body),
            " ".join([*d.bigrams, *d.trigrams]),  # the column `bigrams` holds the trigrams too
            d.plain,
        )
        for d in documents
    ]


def write(documents, replace=True):
    """Write the index rows of these documents, replacing any they had.

    With `replace=False` (a rebuild after `clear()`) an existing row wins: it was written by a
    save that happened during the rebuild, so it is newer than the document in hand.
    """
    documents = list(documents)
    if not documents:
        return
    if not replace:
        present = set(_indexed_ids([d.article_id for d in documents]))
        documents = [d for d in documents if d.article_id not in present]
        if not documents:
            return
    ids = [(d.article_id,) for d in documents]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if replace:
                cursor.executemany(f"DELETE FROM {SEARCH} WHERE article_id = %s", ids)
            cursor.executemany(
                # `head` (title, tags, headings) is small enough to rank every match quickly.
                f"INSERT INTO {SEARCH} (article_id, document, head, plain, visible_from, updated_at, tag_ids) "
                "VALUES (%s, %s::tsvector, ts_filter(%s::tsvector, '{a,b,c}'), %s, %s, %s, %s) "
                "ON CONFLICT (article_id) DO NOTHING",
                [
                    (d.article_id, vector, vector, d.plain, d.visible_from, d.updated_at, list(d.tag_ids))
                    for d, vector in ((d, tsvector_literal(d)) for d in documents)
                ],
            )
        else:
            if replace:
                cursor.executemany(f"DELETE FROM {SEARCH} WHERE rowid = %s", ids)
                cursor.executemany(f"DELETE FROM {SEARCH_META} WHERE id = %s", ids)
            cursor.executemany(
                f"INSERT INTO {SEARCH} (rowid, title, tags, headings, body, bigrams, plain)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                _sqlite_rows(documents),
            )
            cursor.executemany(
                f"INSERT INTO {SEARCH_META} (id, visible_from, updated_at) VALUES (%s, %s, %s)",
                [(d.article_id, moment(d.visible_from), moment(d.updated_at)) for d in documents],
            )


def _indexed_ids(article_ids):
    table, key = (SEARCH, "article_id") if connection.vendor == "postgresql" else (SEARCH_META, "id")
    marks = ", ".join(["%s"] * len(article_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key} FROM {table} WHERE {key} IN ({marks})", article_ids)
        return [row[0] for row in cursor.fetchall()]


def index_article(article, words=None):
    """Write one article's entry (after a save, and when its tags change).

    Nothing is written while the article is inside indexed_once(): that block writes it at its end.
    """
    if is_deferred(article):
        return
    tags = list(article.tags.all())
    shown = visible_from(article.status, article.published_at)
    names, ids = [tag.name for tag in tags], [tag.pk for tag in tags]
    document = build_document(
        article.pk, article.title, names, article.body_html, shown, article.updated_at, ids, words=words
    )
    write([document])


def reindex(article_ids):
    """Index again the articles with these ids (their tags or a tag's name changed)."""
    for article in Article.objects.filter(pk__in=list(article_ids)).prefetch_related("tags"):
        index_article(article)


def is_deferred(article):
    """Whether `article` (this very object) is inside an indexed_once() block of this thread."""
    return any(held is article for held in _deferred.get())


@contextmanager
def indexed_once(article, words=None):
    """Index `article` once, when the block ends, however often it is saved or re-tagged inside.

    For code that saves an article and then sets its tags (the importer): one index write, with
    the final tags, instead of one per step. `words` (documents.article_words(), perhaps made in
    another process) are used if they match the final title and body. Use it inside a
    transaction: the article row must not be committed without its index entry. The article
    is known by identity (a new one has no id yet), in a context variable, so that nothing is
    set on the instance and other threads index as usual.
    """
    token = _deferred.set((*_deferred.get(), article))
    try:
        yield
    finally:
        _deferred.reset(token)
    index_article(article, words)


def clear():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SEARCH}")
        if connection.vendor == "sqlite":
            cursor.execute(f"DELETE FROM {SEARCH_META}")


def plain_texts(article_ids):
    """{article id: plain text} for snippets. One query."""
    if not article_ids:
        return {}
    key = "article_id" if connection.vendor == "postgresql" else "rowid"
    marks = ", ".join(["%s"] * len(article_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, plain FROM {SEARCH} WHERE {key} IN ({marks})", list(article_ids))
        return dict(cursor.fetchall())


def _build(row):
    return build_document(*row)


def reindex_all(workers=1, batch_size=500, progress=None):
    """Rebuild the whole index; jieba runs in `workers` processes. Returns the article count.

    Rows are read in primary-key batches in this thread, which also does every write; the
    workers only segment text.
    """
    tags = {}
    for article_id, tag_id, name in TaggedArticle.objects.values_list("content_object_id", "tag_id", "tag__name"):
        tags.setdefault(article_id, []).append((tag_id, name))
    clear()
    if workers <= 1:
        return _index_batches(_batches(tags, batch_size), lambda rows: list(map(_build, rows)), progress)
    segmentation.tokenizer()  # load jieba once, before the workers fork
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return _index_batches(
            _batches(tags, batch_size), lambda rows: pool.map_async(_build, rows, chunksize=16), progress
        )


def _batches(tags, batch_size):
    """Articles in primary-key batches, as rows for _build."""
    last = 0
    while True:
        rows = list(
            Article.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "title", "body_html", "status", "published_at", "updated_at")[:batch_size]
        )
        if not rows:
            return
        last = rows[-1][0]
        yield [
            (
                pk, title, [name for _, name in tags.get(pk, [])], html, visible_from(status, published), updated,
                [tag_id for tag_id, _ in tags.get(pk, [])],
            )
            for pk, title, html, status, published, updated in rows
        ]  # fmt: skip


def _index_batches(batches, build, progress):
    """Build each batch (possibly in the background) while writing the one before it."""
    done, pending = 0, None
    for rows in batches:
        job = build(rows)
        if pending is not None:
            done += _finish(pending, progress, done)
        pending = job
    if pending is not None:
        done += _finish(pending, progress, done)
    return done


def _finish(job, progress, done):
    documents = job.get() if hasattr(job, "get") else job
    write(documents, replace=False)
    if progress:
        progress(done + len(documents))
    return len(documents)
