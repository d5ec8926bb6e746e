"""Full-text search over published articles, narrowed by tags.

A query is split into terms (see `markup.segmentation`); every term must match (see `backends`
for how the database is asked). A query of one CJK character, or one with no hits, falls back to
plain substring matches on titles and bodies.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from articles.models import Article, Tag, TaggedArticle
from articles.reading.tagged import TaggedArticles
from articles.search import backends
from articles.search import index as search_index
from articles.search.snippets import snippet
from markup import segmentation
from markup.summaries import searchable_text

MAX_QUERY_LENGTH = 200
FACETS = 15


class FullText:
    """Full-text matches of `terms` among published articles carrying every one of `tag_ids`.

    What Django's Paginator needs (`count()` and a slice of articles) plus the tag facets;
    `window` is the (offset, limit) of the page about to be shown, which PostgreSQL answers
    together with the total and the facets.
    """

    def __init__(self, terms, tag_ids, by_rank, window=(0, 20)):
        self.matches = backends.matches(terms, tag_ids, by_rank, window)

    def count(self):
        return self.matches.count()

    def __getitem__(self, window):
        """The articles of one page."""
        start = window.start or 0
        ids = self.matches.ids(start, max(0, window.stop - start))
        found = Article.objects.for_listing().in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def facets(self, exclude, limit):
        """(tag id, count) of the tags on the matching articles, most common first."""
        return [(tag_id, n) for tag_id, n in self.matches.facets() if tag_id not in exclude][:limit]


def clean_query(raw):
    """The query as searched: control characters dropped, whitespace collapsed, length capped.

    Returns (query, was_cut).
    """
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in raw or "").split())
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH].rstrip(), True
    return text, False


def carrying_every_tag(queryset, tags):
    """Articles carrying every one of `tags`.

    Each tag is an `id IN (...)` over the tag index, so the database starts from the tags'
    articles instead of checking every published article against each tag.
    """
    for tag in tags:
        queryset = queryset.filter(pk__in=TaggedArticle.objects.filter(tag=tag).values("content_object_id"))
    return queryset


def _outside_tex_commands(matched, words, batch=500):
    """The ids of `matched` whose title or text as read holds every one of `words` (lowercase):
    the Markdown matched by substring also holds formulas, whose TeX commands (`\\sum`) are
    no words. An article missing from the index is kept (there is nothing to judge it by)."""
    rows = list(matched.values_list("pk", "title"))
    kept = []
    for i in range(0, len(rows), batch):
        part = rows[i : i + batch]
        texts = search_index.plain_texts([pk for pk, _ in part])
        for pk, title in part:
            if pk not in texts:
                kept.append(pk)
                continue
            text = f"{title} {searchable_text(texts[pk])}".lower()
            if all(word in text for word in words):
                kept.append(pk)
    return kept


@dataclass
class Search:
    """One search: the query, its tags, and its results in order (`run()` fills them)."""

    query: str
    tags: list
    sort: str
    terms: list = field(default_factory=list)
    fallback: bool = False
    window: tuple = (0, 20)  # (offset, limit) of the page to be shown
    results: object = None  # in display order: a FullText, TaggedArticles, or a queryset
    matched: object = None  # the queryset behind `results` when it is not full-text

    def run(self):
        base = carrying_every_tag(Article.objects.published().for_listing(), self.tags)
        self.terms = segmentation.query_terms(self.query)
        if not self.query and self.tags:
            self.results = TaggedArticles(self.tags)  # no query: the tags' articles by date
            return self
        if not self.terms:
            # No query and no tags: everything. Only punctuation: nothing to look for.
            self.matched = base.none() if self.query else base
        elif not segmentation.is_single_cjk_character(self.terms):
            fulltext = FullText(self.terms, [tag.pk for tag in self.tags], self.sort == "relevance", self.window)
            if fulltext.count():
                self.results = fulltext
                return self
        if self.terms:
            # Plain substrings: every term in the title or the body (a one-character CJK term
            # is not in the index, whether alone or beside other words).
            self.fallback = True
            self.matched = base
            for term in self.terms:
                self.matched = self.matched.filter(Q(title__icontains=term.text) | Q(body__icontains=term.text))
            latin = [term.text for term in self.terms if not term.cjk]
            if latin:
                self.matched = base.filter(pk__in=_outside_tex_commands(self.matched, latin))
        self.results = self.matched.order_by("-updated_at", "-pk")
        return self

    def facets(self):
        """Tags of the matching articles with their counts, most common first (not those chosen)."""
        chosen = [tag.pk for tag in self.tags]
        if isinstance(self.results, TaggedArticles):
            return self.results.related(FACETS)
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
        """What is marked in snippets: each term as it matched (a CJK phrase whole, never the
        jieba words inside it), and the whole query when it was matched as text."""
        words = {term.text for term in self.terms if term.text.strip()}
        if self.fallback and self.query:
            words.add(self.query)
        return sorted(words, key=len, reverse=True)


def snippets(articles, words):
    """{article id: snippet HTML} for the articles of one page (see `snippets`). One query."""
    texts = search_index.plain_texts([a.pk for a in articles])
    return {a.pk: snippet(texts.get(a.pk, ""), words) for a in articles}
