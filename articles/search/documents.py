"""What the full-text index stores for each article: its words, weighted by field. Pure: no
ORM, no connection (the index tables are written by `index`).

The words are derived at save time, never per request: title (weighted highest), tag
names, headings, then the body as plain text (code included; a formula by the words a
reader would type, its TeX commands dropped: `markup.tex_words`), and the CJK bigrams and
trigrams that make Chinese queries phrases (`segmentation.index_trigrams`). `plain`, kept for
snippets, is the body's text with each formula marked whole (`summaries.marked_text`).
`article_words()` is the costly, tag-free part of that (jieba); the importer makes it in
its worker processes, and `build_document()` adds the tags.

PostgreSQL keeps the words as a `tsvector` built here (`tsvector_literal()`), not by its own
parser, so that index and query split words the same way; its size is bounded here too
(MAX_DOCUMENT_BYTES).
"""

import re
from dataclasses import dataclass

from markup import segmentation
from markup.summaries import FORMULA_END, FORMULA_START, marked_text, searchable_text

MAX_TEXT = 200_000  # characters of body text indexed per article
MAX_WORD = 60  # longer "words" (hashes, base64) are not worth indexing
MAX_RUN = 100  # CJK characters jieba segments at once (see _cut_long_runs)
MAX_POSITIONS = 255  # PostgreSQL keeps at most 256 positions per lexeme
MAX_POSITION = 16383  # and no position above this
# PostgreSQL refuses a tsvector whose lexemes and positions pass 1 MB (1,048,575 bytes), and
# the save with it. No body within the size cap comes near (tests/authoring/test_admin_limits.py: 256 KB
# of varied CJK, dictionary words or 4-byte characters make 0.6 to 0.9 MB); this bound is for
# whatever Markdown expands (a repeated [TOC]) or a larger cap. Past it the document keeps its
# first terms, in order: title, tags, headings, body words, then the CJK bigrams and trigrams.
MAX_DOCUMENT_BYTES = 1_000_000
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
    trigrams: list = ()
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
    title_trigrams: list = ()
    body_trigrams: list = ()


def article_words(title, body_html):
    """The tag-free words of an article (all of jieba's work on it)."""
    plain = marked_text(body_html)[:MAX_TEXT]
    if plain.rfind(FORMULA_START) > plain.rfind(FORMULA_END):
        plain = plain[: plain.rfind(FORMULA_START)]  # the cut fell inside a formula: leave it out
    body = searchable_text(plain)
    headings = " ".join(searchable_text(marked_text(h)) for h in HEADING.findall(body_html or ""))
    return ArticleWords(
        title=title,
        body_html=body_html,
        title_words=_words(title),
        headings=_words(headings),
        body=_words(body),
        title_bigrams=segmentation.index_bigrams(title),
        body_bigrams=segmentation.index_bigrams(body),
        plain=plain,
        title_trigrams=segmentation.index_trigrams(title),
        body_trigrams=segmentation.index_trigrams(body),
    )


def visible_from(status, published_at):
    """When a reader may see the article: its publication time if published, else never (None)."""
    return published_at if status == "published" else None


def build_document(article_id, title, tag_names, body_html, visible_from=None, updated_at=None, tag_ids=(), words=None):
    """Everything the index stores for one article.

    `words` (from article_words()) are used when made from this title and body_html.
    """
    if words is None or words.title != title or words.body_html != body_html:
        words = article_words(title, body_html)
    tags = " ".join(tag_names)
    # The n-grams of title, tags and body in first-seen order: a CJK run never spans two of them.
    bigrams = dict.fromkeys([*words.title_bigrams, *segmentation.index_bigrams(tags), *words.body_bigrams])
    trigrams = dict.fromkeys([*words.title_trigrams, *segmentation.index_trigrams(tags), *words.body_trigrams])
    (title, tags, headings, body), bigrams, trigrams = _within_bound(
        (words.title_words, _words(tags), words.headings, words.body), list(bigrams), list(trigrams)
    )
    return SearchDocument(
        article_id=article_id,
        title=title,
        tags=tags,
        headings=headings,
        body=body,
        bigrams=bigrams,
        plain=words.plain,
        trigrams=trigrams,
        visible_from=visible_from,
        updated_at=updated_at,
        tag_ids=tuple(sorted(tag_ids)),
    )


def quote_lexeme(word):
    """`word` as a quoted lexeme of a PostgreSQL tsvector or tsquery literal: never syntax."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _lexeme_bytes(word, positions):
    """An upper bound of what one lexeme takes in a tsvector: its UTF-8 text, then (when it
    has positions) an alignment byte, a 2-byte count and 2 bytes a position."""
    return len(word.encode()) + (3 + 2 * positions if positions else 0)


def _within_bound(fields, bigrams, trigrams):
    """`fields` (title, tags, headings, body: lists of words), `bigrams` and `trigrams`, cut
    where their tsvector would pass MAX_DOCUMENT_BYTES; the terms before the cut are kept, in
    order, the trigrams last (only a body far past the size cap loses some)."""
    size, counts, kept = 0, {}, []
    for words in fields:
        for i, word in enumerate(words):
            seen = counts.get(word, 0)
            cost = _lexeme_bytes(word, 1) if not seen else (2 if seen < MAX_POSITIONS else 0)
            if size + cost > MAX_DOCUMENT_BYTES:
                kept.append(words[:i])
                return kept + [[] for _ in fields[len(kept) :]], [], []
            size += cost
            counts[word] = seen + 1
        kept.append(words)
    grams = ([], [])
    for part, out in zip((bigrams, trigrams), grams, strict=True):
        for gram in part:
            cost = 0 if gram in counts else _lexeme_bytes(gram, 0)
            if size + cost > MAX_DOCUMENT_BYTES:
                return kept, *grams
            size += cost
            out.append(gram)
    return kept, *grams


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
    grams = dict.fromkeys([*document.bigrams, *document.trigrams])
    return size + sum(_lexeme_bytes(gram, 0) for gram in grams if gram not in positions)


def tsvector_literal(document):
    """A PostgreSQL tsvector literal with weights A (title) to D (body); n-grams unpositioned."""
    positions = _positions(document)
    parts = [
        f"{quote_lexeme(word)}:{','.join(f'{at}{weight}' for at, weight in found)}" for word, found in positions.items()
    ]
    grams = dict.fromkeys([*document.bigrams, *document.trigrams])
    parts.extend(quote_lexeme(gram) for gram in grams if gram not in positions)
    return " ".join(parts)
