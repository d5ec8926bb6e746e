"""What every database's matcher shares: its interface, and the shape of a boolean query."""

from django.utils import timezone

from articles.search import index as search_index


def boolean_query(terms, quote, conjunction, disjunction, prefix, bigrams=True, phrases=True):
    """Every term required: a CJK phrase where its characters stand together, a word as a prefix.

    A CJK phrase of two or three characters is one token: its bigram or trigram, or a jieba
    word equal to it (so it ranks by field). A longer one requires all its trigrams (they exist
    only where three of its characters stand together) and is ranked, as before phrases, by its
    jieba words or else its bigrams. Without `phrases` the trigrams are left out (a ranking
    expression, or one over the title, which holds no n-grams); without `bigrams`, a longer
    phrase is only its jieba words. `quote` makes one word a literal of the database's syntax;
    the other arguments are its operators (and, or, prefix match).
    """
    parts = []
    for term in terms:
        if not term.cjk:
            parts.append(quote(term.text) + prefix)
            continue
        if len(term.text) <= 3:
            parts.append(quote(term.text))
            continue
        words = f"({conjunction.join(map(quote, term.words))})"
        ranked = f"({words}{disjunction}({conjunction.join(map(quote, term.bigrams))}))" if bigrams else words
        if phrases:
            ranked = f"(({conjunction.join(map(quote, term.trigrams))}){conjunction}{ranked})"
        parts.append(ranked)
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
