"""PostgreSQL: a tsquery over `articles_search.document`, one statement a page."""

from django.db import connection, transaction

from articles.database.tables import SEARCH
from articles.search.backends.base import Matches, boolean_query
from articles.search.documents import quote_lexeme


def tsquery(terms, phrases=True):
    """A PostgreSQL tsquery literal with the same logic as SQLite's, every lexeme quoted.

    Without `phrases`, the ranking part only: the trigrams that make CJK terms phrases are
    unpositioned (so without weight) and not in `head`.
    """
    return boolean_query(terms, quote_lexeme, " & ", " | ", ":*", phrases=phrases)


class PostgresMatches(Matches):
    """Table `articles_search`: `document` tsvector (GIN), `head`, `tag_ids`, visibility columns.

    One statement answers a page: it reads the matches once (from the index and a narrow
    heap; the long columns are stored out of line) and returns the page, the tag counts and
    the total together.
    """

    def __init__(self, *args):
        super().__init__(*args)
        self.literal = tsquery(self.terms)
        self.ranking = tsquery(self.terms, phrases=False)
        self._answered = {}  # (offset, limit) -> ids
        self._count = None
        self._facets = None

    def _run(self, offset, limit):
        order = "rank DESC, updated_at DESC, article_id DESC" if self.by_rank else "updated_at DESC, article_id DESC"
        by_head = (
            "SELECT article_id, head_rank AS rank, updated_at FROM matched WHERE (SELECT n FROM total) > %(rerank)s"
        )
        by_document = (
            "SELECT matched.article_id, ts_rank(s.document, %(ranking)s::tsquery) AS rank, matched.updated_at "
            f"FROM matched JOIN {SEARCH} s USING (article_id) WHERE (SELECT n FROM total) <= %(rerank)s"
        )
        pages = [by_head, by_document] if self.by_rank else ["SELECT article_id, 0 AS rank, updated_at FROM matched"]
        page = " UNION ALL ".join(
            f"(SELECT 0, article_id, row_number() OVER (ORDER BY {order}) FROM ({sql} "
            f"ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) p)"
            for sql in pages
        )
        sql = f"""
            WITH matched AS MATERIALIZED (
                SELECT article_id, ts_rank(head, %(ranking)s::tsquery) AS head_rank, updated_at, tag_ids
                FROM {SEARCH}
                WHERE document @@ %(query)s::tsquery AND visible_from <= %(now)s AND tag_ids @> %(tags)s::integer[]
            ), total AS (SELECT COUNT(*) AS n FROM matched)
            {page}
            UNION ALL (SELECT 1, tag_id, COUNT(*) FROM (SELECT unnest(tag_ids) AS tag_id FROM matched) t
                GROUP BY tag_id)
            UNION ALL (SELECT 2, n, 0 FROM total)
        """
        params = {
            "query": self.literal,
            "ranking": self.ranking,
            "now": self.now,
            "tags": self.tag_ids,
            "rerank": self.RERANK_LIMIT,
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
