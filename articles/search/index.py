"""The full-text index: what is stored for each article, and how it is written.

The words are derived at save time, never per request: title (weighted highest), tag
names, headings, then the body as plain text (formulas as their TeX, code included).
`article_words()` is the costly, tag-free part of that (jieba); the importer makes it in
its worker processes and indexes each article once, with its final tags (`indexed_once()`).

- SQLite: an FTS5 table `articles_search` (rowid = article id) with one column per field,
  and `articles_search_meta` beside it; a trigger removes both rows with the article.
- PostgreSQL: a table `articles_search` with a stored `tsvector` (weights A-D, built here,
  not by PostgreSQL's parser, so that index and query split words the same way) and a GIN
  index, plus `head`, the title/tag/heading part of it, which ranks matches without reading
  whole documents, and `tag_ids`, for tag filters and facets (kept in step with the tags by
  triggers, migration 0006). The long columns are stored out of line, so that reading every
  match of a common word touches a narrow table; triggers remove rows on DELETE and TRUNCATE.

Both keep `plain`, the article's text, for highlighted snippets, and two columns that let a
search filter and sort without touching the articles table: `visible_from` (the publication
time of a published article, NULL otherwise: `published()` is `visible_from <= now`) and
`updated_at`. Triggers (migration 0002) keep those two in step with every article update.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

from markup import words as segmentation
from markup.summaries import plain_text

MAX_TEXT = 200_000  # characters of body text indexed per article
MAX_WORD = 60  # longer "words" (hashes, base64) are not worth indexing
MAX_RUN = 100  # CJK characters jieba segments at once (see _cut_long_runs)
MAX_POSITIONS = 255  # PostgreSQL keeps at most 256 positions per lexeme
MAX_POSITION = 16383  # and no position above this
# PostgreSQL refuses a tsvector whose lexemes and positions pass 1 MB (1,048,575 bytes), and
# the save with it. No body within the size cap comes near (tests/test_admin_limits.py: 256 KB
# of varied CJK, dictionary words or 4-byte characters make 0.6 to 0.9 MB); this bound is for
# whatever Markdown expands (a repeated [TOC]) or a larger cap. Past it the document keeps its
# first terms, in order: title, tags, headings, body words, then the CJK bigrams.
MAX_DOCUMENT_BYTES = 1_000_000
FTS_WEIGHTS = "10.0, 5.0, 3.0, 1.0, 0.5"  # bm25 weights: title, tags, headings, body, bigrams
HEADING = re.compile(r"<h[2-6][^>]*>(.*?)</h[2-6]>", re.S)


@dataclass
class SearchDocument:
    article_id: int
    title: list
    tags: list
    headings: list
    body: list
    bigrams: list
    plain: str
    visible_from: object = None  # datetime, or None for a draft
    updated_at: object = None
    tag_ids: tuple = ()


def _words(text):
    return [word for word in segmentation.index_words(_cut_long_runs(text)) if len(word) <= MAX_WORD]


def _cut_long_runs(text):
    """`text` with every CJK run longer than MAX_RUN characters cut into pieces of that length.

    jieba's time grows faster than the run it segments: a 256 KB body written as one run
    (87,000 characters, no punctuation) took 24 s to segment, in pieces 2 s. A word cut in two
    at a seam is still found by its bigrams, which are made from the text as it is.
    """
    return segmentation.CJK_RUN.sub(
        lambda run: " ".join(run[0][i : i + MAX_RUN] for i in range(0, len(run[0]), MAX_RUN)), text or ""
    )


@dataclass(frozen=True)
class ArticleWords:
    """The words of an article that do not depend on its tags, and what they were made from."""

    title: str
    body_html: str
    title_words: list
    headings: list
    body: list
    title_bigrams: list
    body_bigrams: list
    plain: str


def article_words(title, body_html):
    """The tag-free words of an article (all of jieba's work on it). Pure: no database."""
    body = plain_text(body_html)[:MAX_TEXT]
    headings = " ".join(plain_text(h) for h in HEADING.findall(body_html or ""))
    return ArticleWords(
        title=title,
        body_html=body_html,
        title_words=_words(title),
        headings=_words(headings),
        body=_words(body),
        title_bigrams=segmentation.index_bigrams(title),
        body_bigrams=segmentation.index_bigrams(body),
        plain=body,
    )


def build_document(article_id, title, tag_names, body_html, visible_from=None, updated_at=None, tag_ids=(), words=None):
    """Everything the index stores for one article. Pure: no database.

    `words` (from article_words()) are used when made from this title and body_html.
    """
    if words is None or words.title != title or words.body_html != body_html:
        words = article_words(title, body_html)
    tags = " ".join(tag_names)
    # The bigrams of title, tags and body in first-seen order: a CJK run never spans two of them.
    bigrams = dict.fromkeys([*words.title_bigrams, *segmentation.index_bigrams(tags), *words.body_bigrams])
    (title, tags, headings, body), bigrams = _within_bound(
        (words.title_words, _words(tags), words.headings, words.body), list(bigrams)
    )
    return SearchDocument(
        article_id=article_id,
        title=title,
        tags=tags,
        headings=headings,
        body=body,
        bigrams=bigrams,
        plain=words.plain,
        visible_from=visible_from,
        updated_at=updated_at,
        tag_ids=tuple(sorted(tag_ids)),
    )


def _quote_lexeme(word):
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _lexeme_bytes(word, positions):
    """An upper bound of what one lexeme takes in a tsvector: its UTF-8 text, then (when it
    has positions) an alignment byte, a 2-byte count and 2 bytes a position."""
    return len(word.encode()) + (3 + 2 * positions if positions else 0)


def _within_bound(fields, bigrams):
    """`fields` (title, tags, headings, body: lists of words) and `bigrams`, cut where their
    tsvector would pass MAX_DOCUMENT_BYTES; the terms before the cut are kept, in order."""
    size, counts, kept = 0, {}, []
    for words in fields:
        for i, word in enumerate(words):
            seen = counts.get(word, 0)
            cost = _lexeme_bytes(word, 1) if not seen else (2 if seen < MAX_POSITIONS else 0)
            if size + cost > MAX_DOCUMENT_BYTES:
                kept.append(words[:i])
                return kept + [[] for _ in fields[len(kept) :]], []
            size += cost
            counts[word] = seen + 1
        kept.append(words)
    pairs = []
    for pair in bigrams:
        cost = 0 if pair in counts else _lexeme_bytes(pair, 0)
        if size + cost > MAX_DOCUMENT_BYTES:
            break
        size += cost
        pairs.append(pair)
    return kept, pairs


def _positions(document):
    """{lexeme: [(position, weight)]} as PostgreSQL keeps them: weights A (title) to D (body),
    at most MAX_POSITIONS a lexeme, positions capped at MAX_POSITION and never repeated."""
    positions, position = {}, 0
    for words, weight in zip((document.title, document.tags, document.headings, document.body), "ABCD", strict=True):
        for word in words:
            position = min(position + 1, MAX_POSITION)
            found = positions.setdefault(word, [])
            if len(found) < MAX_POSITIONS and (not found or found[-1][0] != position):
                found.append((position, weight))
    return positions


def document_bytes(document):
    """An upper bound of the size PostgreSQL checks against its 1 MB tsvector limit."""
    positions = _positions(document)
    size = sum(_lexeme_bytes(word, len(found)) for word, found in positions.items())
    return size + sum(_lexeme_bytes(pair, 0) for pair in document.bigrams if pair not in positions)


def tsvector_literal(document):
    """A PostgreSQL tsvector literal with weights A (title) to D (body); bigrams unpositioned."""
    positions = _positions(document)
    parts = [
        f"{_quote_lexeme(word)}:{','.join(f'{at}{weight}' for at, weight in found)}"
        for word, found in positions.items()
    ]
    parts.extend(_quote_lexeme(pair) for pair in document.bigrams if pair not in positions)
    return " ".join(parts)


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
            " ".join(d.bigrams),
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
                cursor.executemany("DELETE FROM articles_search WHERE article_id = %s", ids)
            cursor.executemany(
                # `head` (title, tags, headings) is small enough to rank every match quickly.
                "INSERT INTO articles_search (article_id, document, head, plain, visible_from, updated_at, tag_ids) "
                "VALUES (%s, %s::tsvector, ts_filter(%s::tsvector, '{a,b,c}'), %s, %s, %s, %s) "
                "ON CONFLICT (article_id) DO NOTHING",
                [
                    (d.article_id, vector, vector, d.plain, d.visible_from, d.updated_at, list(d.tag_ids))
                    for d, vector in ((d, tsvector_literal(d)) for d in documents)
                ],
            )
        else:
            if replace:
                cursor.executemany("DELETE FROM articles_search WHERE rowid = %s", ids)
                cursor.executemany("DELETE FROM articles_search_meta WHERE id = %s", ids)
            cursor.executemany(
                "INSERT INTO articles_search (rowid, title, tags, headings, body, bigrams, plain)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                _sqlite_rows(documents),
            )
            cursor.executemany(
                "INSERT INTO articles_search_meta (id, visible_from, updated_at) VALUES (%s, %s, %s)",
                [(d.article_id, moment(d.visible_from), moment(d.updated_at)) for d in documents],
            )


def _indexed_ids(article_ids):
    table, key = (
        ("articles_search", "article_id") if connection.vendor == "postgresql" else ("articles_search_meta", "id")
    )
    marks = ", ".join(["%s"] * len(article_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key} FROM {table} WHERE {key} IN ({marks})", article_ids)
        return [row[0] for row in cursor.fetchall()]


def visible_from(status, published_at):
    """When a reader may see the article: its publication time if published, else never (None)."""
    return published_at if status == "published" else None


def index_article(article, words=None):
    """Write one article's row (called on save and when its tags change); see indexed_once()."""
    if getattr(article, "_index_deferred", False):
        return
    tags = list(article.tags.all())
    moment = visible_from(article.status, article.published_at)
    names, ids = [tag.name for tag in tags], [tag.pk for tag in tags]
    document = build_document(
        article.pk, article.title, names, article.body_html, moment, article.updated_at, ids, words=words
    )
    write([document])


def reindex(article_ids):
    """Index again the articles with these ids (their tags or a tag's name changed)."""
    from articles.models import Article

    for article in Article.objects.filter(pk__in=list(article_ids)).prefetch_related("tags"):
        index_article(article)


@contextmanager
def indexed_once(article, words=None):
    """Index `article` once, when the block ends, however often it is saved or re-tagged inside.

    For code that saves an article and then sets its tags (the importer): one index write, with
    the final tags, instead of one per step. `words` (article_words(), perhaps made in another
    process) are used if they match the final title and body. Use it inside a transaction:
    the article row must not be committed without its index entry.
    """
    article._index_deferred = True
    try:
        yield
    finally:
        article._index_deferred = False
    index_article(article, words)


def clear():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_search")
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM articles_search_meta")


def plain_texts(article_ids):
    """{article id: plain text} for snippets. One query."""
    if not article_ids:
        return {}
    key = "article_id" if connection.vendor == "postgresql" else "rowid"
    marks = ", ".join(["%s"] * len(article_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, plain FROM articles_search WHERE {key} IN ({marks})", list(article_ids))
        return dict(cursor.fetchall())


def _build(row):
    return build_document(*row)


def reindex_all(workers=1, batch_size=500, progress=None):
    """Rebuild the whole index; jieba runs in `workers` processes. Returns the article count.

    Rows are read in primary-key batches in this thread, which also does every write; the
    workers only segment text.
    """
    from articles.models import TaggedArticle

    tags = {}
    for article_id, tag_id, name in TaggedArticle.objects.values_list("content_object_id", "tag_id", "tag__name"):
        tags.setdefault(article_id, []).append((tag_id, name))
    clear()
    if workers <= 1:
        return _index_batches(_batches(tags, batch_size), lambda rows: list(map(_build, rows)), progress)
    import multiprocessing

    segmentation.tokenizer()  # load jieba once, before the workers fork
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return _index_batches(
            _batches(tags, batch_size), lambda rows: pool.map_async(_build, rows, chunksize=16), progress
        )


def _batches(tags, batch_size):
    """Articles in primary-key batches, as rows for _build."""
    from articles.models import Article

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
