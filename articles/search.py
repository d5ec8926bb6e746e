"""Full-text search over published articles, narrowed by tags.

A query is split into terms (see `segmentation`); every term must match. Terms are sent
to the database only as quoted literals (FTS5 strings, tsquery lexemes), so no input can
be read as query syntax. A query of one CJK character, or one with no hits, falls back to
a plain substring match on titles and bodies.
"""

import re
from dataclasses import dataclass, field
from html import escape

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from . import search_index, segmentation
from .models import Article, Tag, TaggedArticle

MAX_QUERY_LENGTH = 200
MAX_TAGS = 5
SNIPPET_LENGTH = 160
FACETS = 15


class BadSearch(ValueError):
    """A search request that cannot be answered; the message says why."""


def _fts5_string(text):
    return '"' + text.replace('"', '""') + '"'


def fts5_query(terms):
    """An FTS5 MATCH expression: every term quoted, all terms required."""
    parts = []
    for term in terms:
        if term.cjk:
            words = " AND ".join(_fts5_string(w) for w in term.words)
            pairs = " AND ".join(_fts5_string(p) for p in term.bigrams)
            parts.append(f"(({words}) OR ({pairs}))")
        else:
            parts.append(_fts5_string(term.text) + "*")
    return " AND ".join(parts)


def _lexeme(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(terms):
    """A PostgreSQL tsquery literal: the same logic as fts5_query."""
    parts = []
    for term in terms:
        if term.cjk:
            words = " & ".join(_lexeme(w) for w in term.words)
            pairs = " & ".join(_lexeme(p) for p in term.bigrams)
            parts.append(f"(({words}) | ({pairs}))")
        else:
            parts.append(_lexeme(term.text) + ":*")
    return " & ".join(parts)


class FullText:
    """Full-text matches of `terms` among published articles carrying every one of `tag_ids`.

    Filters, counts and sorts inside the index table (its `visible_from` and `updated_at`
    columns mirror the articles'), so a query reads only the rows it matches.
    """

    def __init__(self, terms, tag_ids):
        postgres = connection.vendor == "postgresql"
        self.key = "article_id" if postgres else "rowid"
        self.literal = tsquery(terms) if postgres else fts5_query(terms)
        match = "document @@ %s::tsquery" if postgres else "articles_search MATCH %s"
        where = [match, "visible_from <= %s"]
        params = [self.literal, search_index.moment(timezone.now())]
        for tag_id in tag_ids:
            where.append(f"{self.key} IN (SELECT content_object_id FROM articles_taggedarticle WHERE tag_id = %s)")
            params.append(tag_id)
        self.where, self.params = " AND ".join(where), params
        self.rank = "ts_rank(document, %s::tsquery) DESC" if postgres else "rank"
        self.rank_params = [self.literal] if postgres else []

    def ids(self):
        """A self-contained subquery of the matching ids, usable inside other queries."""
        return RawSQL(f"SELECT {self.key} FROM articles_search WHERE {self.where}", self.params)

    def count(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM articles_search WHERE {self.where}", self.params)
            return cursor.fetchone()[0]

    def page_ids(self, offset, limit, by_rank):
        order, params = (f"{self.rank}, ", [*self.params, *self.rank_params]) if by_rank else ("", self.params)
        sql = (
            f"SELECT {self.key} FROM articles_search WHERE {self.where} "
            f"ORDER BY {order}updated_at DESC, {self.key} DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            return [row[0] for row in cursor.fetchall()]


class RankedResults:
    """Full-text results in order, as a sequence Django's Paginator can page through."""

    def __init__(self, fulltext, by_rank):
        self.fulltext, self.by_rank = fulltext, by_rank
        self._count = None

    def count(self):
        if self._count is None:
            self._count = self.fulltext.count()
        return self._count

    def __getitem__(self, window):
        ids = self.fulltext.page_ids(window.start or 0, window.stop - (window.start or 0), self.by_rank)
        found = Article.objects.for_listing().in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


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
    slugs = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    if len(slugs) > MAX_TAGS:
        raise BadSearch(f"At most {MAX_TAGS} tags can be combined; {len(slugs)} were given.")
    found = {tag.slug: tag for tag in Tag.objects.filter(slug__in=slugs)}
    if len(found) < len(slugs):
        return None
    return [found[slug] for slug in slugs]


def with_tags(queryset, tags):
    """Articles carrying every one of `tags`."""
    for tag in tags:
        queryset = queryset.filter(Exists(TaggedArticle.objects.filter(content_object=OuterRef("pk"), tag=tag)))
    return queryset


@dataclass
class Search:
    """One search: the query, its tags, and the queryset of results in order."""

    query: str
    tags: list
    sort: str
    terms: list = field(default_factory=list)
    fallback: bool = False
    results: object = None  # in display order
    matched: object = None  # the same articles, usable inside other queries

    def run(self):
        base = with_tags(Article.objects.published().for_listing(), self.tags)
        self.terms = segmentation.query_terms(self.query)
        if not self.terms:
            # No query: the tags' articles by date. Only punctuation: nothing to look for.
            self.matched = base.none() if self.query else base
        elif not segmentation.is_single_cjk_character(self.terms):
            fulltext = FullText(self.terms, [tag.pk for tag in self.tags])
            self.results = RankedResults(fulltext, by_rank=self.sort == "relevance")
            if self.results.count():
                self.matched = Article.objects.filter(pk__in=fulltext.ids())
                return self
        if self.terms:
            self.fallback = True
            self.matched = base.filter(Q(title__icontains=self.query) | Q(body__icontains=self.query))
        self.results = self.matched.order_by("-updated_at", "-pk")
        return self

    def facets(self):
        """Tags of the matching articles with their counts, most common first (not those chosen)."""
        chosen = [tag.pk for tag in self.tags]
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
