"""Full-text matching in the database: the total, one ranked page, and tag facets.

Terms reach the database only as quoted literals (FTS5 strings, tsquery lexemes), so no
input can be read as query syntax. Only published articles whose publication time has come
match, and they must carry every tag asked for.

Ranking: a result set of up to RERANK_LIMIT articles is ranked by relevance over whole
articles (title weighted highest, then tags, headings, body). A larger one would cost a
score for every match before the first page could be shown, so it is ranked in a way that
needs only the best candidates scored:

- SQLite: articles that match in their title come first, ranked by bm25 among themselves,
  then all the others, ranked by bm25 (scored only when a page reaches them).
- PostgreSQL: ranked by title, tags and headings (the small `head` vector), then newest
  first among articles that match only in their body.

Either way one page costs a bounded number of queries, the total is counted by the index,
and facets count the tags of every match (not only of one page).
"""

from django.db import connection, transaction
from django.utils import timezone

from articles.search import index as search_index

RERANK_LIMIT = 2000


def _fts5_string(text):
    return '"' + text.replace('"', '""') + '"'


def _lexeme(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _boolean(terms, quote, conjunction, disjunction, prefix, bigrams=True):
    """Every term required: a CJK run by its jieba words or else its bigrams, a word as a prefix."""
    parts = []
    for term in terms:
        if term.cjk:
            words = conjunction.join(map(quote, term.words))
            pairs = conjunction.join(map(quote, term.bigrams))
            parts.append(f"({words})" if words == pairs or not bigrams else f"(({words}){disjunction}({pairs}))")
        else:
            parts.append(quote(term.text) + prefix)
    return conjunction.join(parts)


def fts5_query(terms, bigrams=True):
    """An FTS5 MATCH expression: every term a quoted string, so no input is query syntax.

    Without `bigrams`, CJK terms are matched by their jieba words only (titles hold no bigrams).
    """
    return _boolean(terms, _fts5_string, " AND ", " OR ", "*", bigrams)


def tsquery(terms):
    """A PostgreSQL tsquery literal with the same logic, every lexeme quoted."""
    return _boolean(terms, _lexeme, " & ", " | ", ":*")


def matches(terms, tag_ids, by_rank, window):
    """The matcher for this database. `window` is (offset, limit) of the page most likely asked for."""
    kind = PostgresMatches if connection.vendor == "postgresql" else SqliteMatches
    return kind(terms, list(tag_ids), by_rank, window)


class Matches:
    """count(), ids(offset, limit) in display order, facets() as [(tag id, count)]."""

    def __init__(self, terms, tag_ids, by_rank, window):
        self.terms = terms
        self.tag_ids = tag_ids
        self.by_rank = by_rank
        self.window = window
        self.now = search_index.moment(timezone.now())


class SqliteMatches(Matches):
    """FTS5 table `articles_search` (rowid = article id) and `articles_search_meta` beside it."""

    SCORE = f"bm25(articles_search, {search_index.FTS_WEIGHTS})"
    # Drafts and scheduled articles are few: excluding them is cheaper than joining every match.
    HIDDEN = "SELECT id FROM articles_search_meta WHERE visible_from IS NULL OR visible_from > %s"
    TAGGED = "SELECT content_object_id FROM articles_taggedarticle WHERE tag_id = %s"

    def __init__(self, *args):
        super().__init__(*args)
        self.expression = fts5_query(self.terms)
        self._count = None
        self._tiers = None

    def _where(self, expression):
        sql = [f"articles_search MATCH %s AND articles_search.rowid NOT IN ({self.HIDDEN})"]
        params = [expression, self.now]
        for tag_id in self.tag_ids:
            sql.append(f"articles_search.rowid IN ({self.TAGGED})")
            params.append(tag_id)
        return " AND ".join(sql), params

    def _scalar(self, sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def _count_of(self, expression):
        where, params = self._where(expression)
        return self._scalar(f"SELECT COUNT(*) FROM articles_search WHERE {where}", params)

    def count(self):
        if self._count is None:
            self._count = self._count_of(self.expression)
        return self._count

    def tiers(self):
        """[(FTS5 expression, number of matches)] in display order."""
        if self._tiers is None:
            total = self.count()
            if not self.by_rank or total <= RERANK_LIMIT:
                self._tiers = [(self.expression, total)]
            else:
                in_title = f"{{title}} : ({fts5_query(self.terms, bigrams=False)})"
                first = self._count_of(in_title)
                self._tiers = [(in_title, first), (f"({self.expression}) NOT {in_title}", total - first)]
        return self._tiers

    def ids(self, offset, limit):
        found = []
        for expression, size in self.tiers():
            if offset >= size:
                offset -= size
                continue
            take = min(limit - len(found), size - offset)
            found += self._page(expression, offset, take)
            offset = 0
            if len(found) >= limit:
                break
        return found

    def _page(self, expression, offset, limit):
        where, params = self._where(expression)
        if self.by_rank:  # equal scores: the newer article first (no join needed to say which)
            tables, order = "articles_search", f"{self.SCORE}, articles_search.rowid DESC"
        else:
            tables = (
                "articles_search CROSS JOIN articles_search_meta ON articles_search_meta.id = articles_search.rowid"
            )
            order = "articles_search_meta.updated_at DESC, articles_search.rowid DESC"
        sql = f"SELECT articles_search.rowid FROM {tables} WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            return [row[0] for row in cursor.fetchall()]

    def facets(self):
        where, params = self._where(self.expression)
        sql = (
            "SELECT t.tag_id, COUNT(*) FROM articles_search CROSS JOIN articles_taggedarticle t "
            f"ON t.content_object_id = articles_search.rowid WHERE {where} "
            "GROUP BY t.tag_id ORDER BY COUNT(*) DESC, t.tag_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


class PostgresMatches(Matches):
    """Table `articles_search`: `document` tsvector (GIN), `head`, `tag_ids`, visibility columns.

    One statement answers a page: it reads the matches once (from the index and a narrow
    heap; the long columns are stored out of line) and returns the page, the tag counts and
    the total together.
    """

    def __init__(self, *args):
        super().__init__(*args)
        self.literal = tsquery(self.terms)
        self._answered = {}  # (offset, limit) -> ids
        self._count = None
        self._facets = None

    def _run(self, offset, limit):
        order = "rank DESC, updated_at DESC, article_id DESC" if self.by_rank else "updated_at DESC, article_id DESC"
        by_head = (
            "SELECT article_id, head_rank AS rank, updated_at FROM matched WHERE (SELECT n FROM total) > %(rerank)s"
        )
        by_document = (
            "SELECT matched.article_id, ts_rank(s.document, %(query)s::tsquery) AS rank, matched.updated_at "
            "FROM matched JOIN articles_search s USING (article_id) WHERE (SELECT n FROM total) <= %(rerank)s"
        )
        pages = [by_head, by_document] if self.by_rank else ["SELECT article_id, 0 AS rank, updated_at FROM matched"]
        page = " UNION ALL ".join(
            f"(SELECT 0, article_id, row_number() OVER (ORDER BY {order}) FROM ({sql} "
            f"ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) p)"
            for sql in pages
        )
        sql = f"""
            WITH matched AS MATERIALIZED (
                SELECT article_id, ts_rank(head, %(query)s::tsquery) AS head_rank, updated_at, tag_ids
                FROM articles_search
                WHERE document @@ %(query)s::tsquery AND visible_from <= %(now)s AND tag_ids @> %(tags)s::integer[]
            ), total AS (SELECT COUNT(*) AS n FROM matched)
            {page}
            UNION ALL (SELECT 1, tag_id, COUNT(*) FROM (SELECT unnest(tag_ids) AS tag_id FROM matched) t
                GROUP BY tag_id)
            UNION ALL (SELECT 2, n, 0 FROM total)
        """
        params = {
            "query": self.literal,
            "now": self.now,
            "tags": self.tag_ids,
            "rerank": RERANK_LIMIT,
            "limit": limit,
            "offset": offset,
        }
        with transaction.atomic(), connection.cursor() as cursor:
            # For a common word PostgreSQL estimates a sequential scan cheaper than the GIN
            # index; it is not (every document would be read), so forbid it here.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        page_rows = sorted((position, key) for kind, key, position in rows if kind == 0)
        self._answered[(offset, limit)] = [key for _, key in page_rows]
        self._facets = sorted(((key, n) for kind, key, n in rows if kind == 1), key=lambda f: (-f[1], f[0]))
        self._count = next(key for kind, key, _ in rows if kind == 2)

    def count(self):
        if self._count is None:
            self._run(*self.window)
        return self._count

    def ids(self, offset, limit):
        for (start, size), ids in self._answered.items():
            if start <= offset and offset + limit <= start + size:
                return ids[offset - start : offset - start + limit]
        self._run(offset, limit)
        return self._answered[(offset, limit)]

    def facets(self):
        if self._facets is None:
            self._run(*self.window)
        return self._facets
