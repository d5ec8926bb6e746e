"""Full-text search over published articles, narrowed by tags.

A query is split into terms (see `segmentation`); every term must match. Terms are sent
to the database only as quoted literals (FTS5 strings, tsquery lexemes), so no input can
be read as query syntax. A query of one CJK character, or one with no hits, falls back to
a plain substring match on titles and bodies.
"""

import json
import re
from dataclasses import dataclass, field
from html import escape

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from . import search_index, segmentation
from .models import Article, Tag, TaggedArticle

SLUG = re.compile(r"[-\w]{1,100}")
MAX_QUERY_LENGTH = 200
MAX_TAGS = 5
SNIPPET_LENGTH = 160
FACETS = 15
RERANK_LIMIT = 2000  # PostgreSQL: matches ranked by whole documents, not only title/tags/headings


class BadSearch(ValueError):
    """A search request that cannot be answered; the message says why."""


def _fts5_string(text):
    return '"' + text.replace('"', '""') + '"'


def _lexeme(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _boolean(terms, quote, conjunction, disjunction, prefix):
    """Every term required: a CJK run by its jieba words or else its bigrams, a word as a prefix."""
    parts = []
    for term in terms:
        if term.cjk:
            words = conjunction.join(map(quote, term.words))
            pairs = conjunction.join(map(quote, term.bigrams))
            parts.append(f"({words})" if words == pairs else f"(({words}){disjunction}({pairs}))")
        else:
            parts.append(quote(term.text) + prefix)
    return conjunction.join(parts)


def fts5_query(terms):
    """An FTS5 MATCH expression: every term a quoted string, so no input is query syntax."""
    return _boolean(terms, _fts5_string, " AND ", " OR ", "*")


def tsquery(terms):
    """A PostgreSQL tsquery literal with the same logic, every lexeme quoted."""
    return _boolean(terms, _lexeme, " & ", " | ", ":*")


class FullText:
    """Full-text matches of `terms` among published articles carrying every one of `tag_ids`.

    One query finds, filters and orders every match inside the index (its `visible_from` and
    `updated_at` mirror the articles'); the page, the total and the facets all come from that
    list of ids.
    """

    def __init__(self, terms, tag_ids, by_rank):
        now = search_index.moment(timezone.now())
        literal = None
        if connection.vendor == "postgresql":
            key, literal = "article_id", tsquery(terms)
            tables, params = "articles_search", [literal, now]
            where = ["document @@ %s::tsquery", "visible_from <= %s"]
            rank, rank_params = "ts_rank(head, %s::tsquery) DESC", [literal]
            updated = "updated_at"
        else:
            # CROSS JOIN keeps SQLite from scanning the narrow table first.
            key = "articles_search.rowid"
            tables = (
                "articles_search CROSS JOIN articles_search_meta ON articles_search_meta.id = articles_search.rowid"
            )
            where, params = (
                ["articles_search MATCH %s", "articles_search_meta.visible_from <= %s"],
                [fts5_query(terms), now],
            )
            rank, rank_params = f"bm25(articles_search, {search_index.FTS_WEIGHTS})", []
            updated = "articles_search_meta.updated_at"
        for tag_id in tag_ids:
            where.append(f"{key} IN (SELECT content_object_id FROM articles_taggedarticle WHERE tag_id = %s)")
            params.append(tag_id)
        order = f"{rank}, {updated} DESC, {key} DESC" if by_rank else f"{updated} DESC, {key} DESC"
        self.sql = f"SELECT {key} FROM {tables} WHERE {' AND '.join(where)} ORDER BY {order}"
        self.params = [*params, *(rank_params if by_rank else [])]
        self.rerank = by_rank and connection.vendor == "postgresql"
        self.literal = literal
        self._ids = None

    @property
    def ids(self):
        """Every matching id, best first."""
        if self._ids is None:
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # For a common word PostgreSQL estimates a sequential scan cheaper than the
                    # GIN index; it is not (every document would be read), so forbid it here.
                    cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(self.sql, self.params)
                self._ids = [row[0] for row in cursor.fetchall()]
                if self.rerank and len(self._ids) <= RERANK_LIMIT:
                    # Few enough to rank by the whole document (title weighted highest), so
                    # matches found in bodies are ordered by relevance too, not by date.
                    cursor.execute(
                        "SELECT article_id FROM articles_search WHERE article_id = ANY(%s) "
                        "ORDER BY ts_rank(document, %s::tsquery) DESC, updated_at DESC, article_id DESC",
                        [self._ids, self.literal],
                    )
                    self._ids = [row[0] for row in cursor.fetchall()]
        return self._ids

    def count(self):
        return len(self.ids)

    def __getitem__(self, window):
        """The articles of one page (what Django's Paginator asks for)."""
        ids = self.ids[window]
        found = Article.objects.for_listing().in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def facets(self, exclude, limit):
        """(tag id, count) of the tags on the matching articles, most common first."""
        if not self.ids:
            return []
        if connection.vendor == "postgresql":
            among, params = "content_object_id = ANY(%s)", [self.ids]
        else:
            among, params = "content_object_id IN (SELECT value FROM json_each(%s))", [json.dumps(self.ids)]
        skip = "".join(f" AND tag_id <> {int(pk)}" for pk in exclude)
        sql = (
            f"SELECT tag_id, COUNT(*) FROM articles_taggedarticle WHERE {among}{skip} "
            f"GROUP BY tag_id ORDER BY COUNT(*) DESC, tag_id LIMIT {int(limit)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def clean_query(raw):
    """The query as searched: control characters dropped, whitespace collapsed, length capped.

    Returns (query, was_cut).
    """
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in raw or "").split())
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH].rstrip(), True
    return text, False


def resolve_tags(slugs):
    """The Tag objects for `slugs`, in order; BadSearch for too many, None for an unknown one."""
    slugs = list(dict.fromkeys(s.strip().lower() for s in slugs if s and s.strip()))
    if len(slugs) > MAX_TAGS:
        raise BadSearch(f"At most {MAX_TAGS} tags can be combined; {len(slugs)} were given.")
    if not all(SLUG.fullmatch(slug) for slug in slugs):
        return None  # no tag has such a slug (and NUL bytes must never reach PostgreSQL)
    found = {tag.slug: tag for tag in Tag.objects.filter(slug__in=slugs)}
    if len(found) < len(slugs):
        return None
    return [found[slug] for slug in slugs]


def with_tags(queryset, tags):
    """Articles carrying every one of `tags`.

    Each tag is an `id IN (...)` over the tag index, so the database starts from the tags'
    articles instead of checking every published article against each tag.
    """
    for tag in tags:
        queryset = queryset.filter(pk__in=TaggedArticle.objects.filter(tag=tag).values("content_object_id"))
    return queryset


@dataclass
class Search:
    """One search: the query, its tags, and its results in order (`run()` fills them)."""

    query: str
    tags: list
    sort: str
    terms: list = field(default_factory=list)
    fallback: bool = False
    results: object = None  # in display order: a FullText, or a queryset
    matched: object = None  # the queryset behind `results` when it is not full-text

    def run(self):
        base = with_tags(Article.objects.published().for_listing(), self.tags)
        self.terms = segmentation.query_terms(self.query)
        if not self.terms:
            # No query: the tags' articles by date. Only punctuation: nothing to look for.
            self.matched = base.none() if self.query else base
        elif not segmentation.is_single_cjk_character(self.terms):
            fulltext = FullText(self.terms, [tag.pk for tag in self.tags], by_rank=self.sort == "relevance")
            if fulltext.count():
                self.results = fulltext
                return self
        if self.terms:
            self.fallback = True
            self.matched = base.filter(Q(title__icontains=self.query) | Q(body__icontains=self.query))
        self.results = self.matched.order_by("-updated_at", "-pk")
        return self

    def facets(self):
        """Tags of the matching articles with their counts, most common first (not those chosen)."""
        chosen = [tag.pk for tag in self.tags]
        if isinstance(self.results, FullText):
            counts = self.results.facets(chosen, FACETS)
            tags = Tag.objects.in_bulk([tag_id for tag_id, _ in counts])
            for tag_id, count in counts:
                tags[tag_id].count = count
            return [tags[tag_id] for tag_id, _ in counts]
        return list(
            Tag.objects.filter(items__content_object__in=self.matched.values("pk"))
            .exclude(pk__in=chosen)
            .annotate(count=Count("items"))
            .order_by("-count", "name")[:FACETS]
        )

    def highlight_terms(self):
        words = {w for term in self.terms for w in ([term.text] + term.words) if w.strip()}
        if self.fallback and self.query:
            words.add(self.query)
        return sorted(words, key=len, reverse=True)


def snippet(text, words, length=SNIPPET_LENGTH):
    """HTML: a window of `text` around the first match, escaped, with matches in <mark>.

    Each piece of text is escaped before any markup is added; no input reaches the page raw.
    Returns "" when no word occurs in the text.
    """
    if not text or not words:
        return ""
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    first = pattern.search(text)
    if not first:
        return ""
    start = max(0, first.start() - length // 4)
    window = text[start : start + length]
    html, position = [], 0
    for match in pattern.finditer(window):
        html.append(escape(window[position : match.start()]))
        html.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    html.append(escape(window[position:]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + length < len(text) else ""
    return prefix + "".join(html).strip() + suffix


def snippets(articles, words):
    """{article id: snippet HTML} for the articles of one page. One query."""
    texts = search_index.plain_texts([a.pk for a in articles])
    return {a.pk: snippet(texts.get(a.pk, ""), words) for a in articles}
