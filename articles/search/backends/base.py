"""What every database's matcher shares: its interface, and the shape of a boolean query."""

from django.utils import timezone

from articles.search import index as search_index


def boolean_query(terms, quote, conjunction, disjunction, prefix, bigrams=True):
    """Every term required: a CJK run by its jieba words or else its bigrams, a word as a prefix.

    `quote` makes one word a literal of the database's syntax; the other arguments are its
    operators (and, or, prefix match).
    """
    parts = []
    for term in terms:
        if term.cjk:
            words = conjunction.join(map(quote, term.words))
            pairs = conjunction.join(map(quote, term.bigrams))
            parts.append(f"({words})" if words == pairs or not bigrams else f"(({words}){disjunction}({pairs}))")
        else:
            parts.append(quote(term.text) + prefix)
    return conjunction.join(parts)


class Matches:
    """count(), ids(offset, limit) in display order, facets() as [(tag id, count)]."""

    RERANK_LIMIT = 2000  # matches ranked over whole articles; more are ranked by their best part

    def __init__(self, terms, tag_ids, by_rank, window):
        self.terms = terms
        self.tag_ids = tag_ids
        self.by_rank = by_rank
        self.window = window
        self.now = search_index.moment(timezone.now())
