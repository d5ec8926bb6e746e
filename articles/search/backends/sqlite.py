"""SQLite: an FTS5 MATCH over `articles_search`, visibility from `articles_search_meta`."""

from django.db import connection

from articles.database.tables import SEARCH
from articles.database.tables import SEARCH_META as META
from articles.models import TaggedArticle
from articles.search.backends.base import Matches, boolean_query

TAGGED = TaggedArticle._meta.db_table
FTS_WEIGHTS = "10.0, 5.0, 3.0, 1.0, 0.5"  # bm25 weights: title, tags, headings, body, bigrams


def fts5_string(text):
    """`text` as an FTS5 string literal: never query syntax."""
    return '"' + text.replace('"', '""') + '"'


def fts5_query(terms, bigrams=True):
    """An FTS5 MATCH expression: every term a quoted string, so no input is query syntax.

    Without `bigrams`, CJK terms are matched by their jieba words only, and not as phrases
    (titles hold no bigrams or trigrams): an expression to narrow a full one to the title.
    """
    return boolean_query(terms, fts5_string, " AND ", " OR ", "*", bigrams, phrases=bigrams)


class SqliteMatches(Matches):
    """FTS5 table `articles_search` (rowid = article id) and `articles_search_meta` beside it."""

    SCORE = f"bm25({SEARCH}, {FTS_WEIGHTS})"
    # Drafts and scheduled articles are few: excluding them is cheaper than joining every match.
    HIDDEN = f"SELECT id FROM {META} WHERE visible_from IS NULL OR visible_from > %s"
    TAGGED = f"SELECT content_object_id FROM {TAGGED} WHERE tag_id = %s"

    def __init__(self, *args):
        super().__init__(*args)
        self.expression = fts5_query(self.terms)
        self._count = None
        self._tiers = None

    def _where(self, expression):
        sql = [f"{SEARCH} MATCH %s AND {SEARCH}.rowid NOT IN ({self.HIDDEN})"]
        params = [expression, self.now]
        for tag_id in self.tag_ids:
            sql.append(f"{SEARCH}.rowid IN ({self.TAGGED})")
            params.append(tag_id)
        return " AND ".join(sql), params

    def _scalar(self, sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def _count_of(self, expression):
        where, params = self._where(expression)
        return self._scalar(f"SELECT COUNT(*) FROM {SEARCH} WHERE {where}", params)

    def count(self):
        if self._count is None:
            self._count = self._count_of(self.expression)
        return self._count

    def tiers(self):
        """[(FTS5 expression, number of matches)] in display order."""
        if self._tiers is None:
            total = self.count()
            if not self.by_rank or total <= self.RERANK_LIMIT:
                self._tiers = [(self.expression, total)]
            else:
                title = f"{{title}} : ({fts5_query(self.terms, bigrams=False)})"
                in_title = f"({self.expression}) AND {title}"
                first = self._count_of(in_title)
                self._tiers = [(in_title, first), (f"({self.expression}) NOT {title}", total - first)]
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
            tables, order = SEARCH, f"{self.SCORE}, {SEARCH}.rowid DESC"
        else:
            tables = f"{SEARCH} CROSS JOIN {META} ON {META}.id = {SEARCH}.rowid"
            order = f"{META}.updated_at DESC, {SEARCH}.rowid DESC"
        sql = f"SELECT {SEARCH}.rowid FROM {tables} WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            return [row[0] for row in cursor.fetchall()]

    def facets(self):
        where, params = self._where(self.expression)
        sql = (
            f"SELECT t.tag_id, COUNT(*) FROM {SEARCH} CROSS JOIN {TAGGED} t "
            f"ON t.content_object_id = {SEARCH}.rowid WHERE {where} "
            "GROUP BY t.tag_id ORDER BY COUNT(*) DESC, t.tag_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
