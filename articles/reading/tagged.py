"""Published articles carrying every one of some tags: the total, a page newest first, and
the other tags found on them.

Everything is read from TaggedArticle's table: each row carries its article's
`visible_from` and `updated_at` (kept by triggers, see `articles/database/triggers.py`), and the index
(tag, updated_at, article, visible_from) lists a tag's articles in page order. With several
tags the rarest one drives the scan and every other tag is a probe of the (article, tag)
unique index. A page costs about what it shows (plus what it skips); the total and the
related tags cost one pass over the rarest tag's index entries.
"""

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from articles.database.tables import names
from articles.models import Article, Tag


class TaggedArticles:
    """What Django's Paginator needs (`count()` and a slice of articles), and `related()`.

    `tags`: one or more Tag objects.
    """

    def __init__(self, tags):
        self.tags = list(tags)
        self.now = timezone.now()
        self._count = None
        self._from = None
        self._table = names().tagged

    def _tables(self):
        """(joins, where, parameters): the rarest tag drives, the others are probes."""
        if self._from is None:
            tags = [tag.pk for tag in self.tags]
            if len(tags) > 1:
                marks = ", ".join(["%s"] * len(tags))
                sql = f"SELECT tag_id, COUNT(*) FROM {self._table} WHERE tag_id IN ({marks}) GROUP BY tag_id"
                sizes = dict(self._rows(sql, tags))
                tags.sort(key=lambda pk: sizes.get(pk, 0))
            joins = [
                f"{self._table} t{n} ON t{n}.content_object_id = t0.content_object_id AND t{n}.tag_id = %s"
                for n in range(1, len(tags))
            ]
            self._from = (joins, "t0.tag_id = %s AND t0.visible_from <= %s", [*tags[1:], tags[0], self.now])
        return self._from

    def _sql(self, select, extra_joins=(), tail=""):
        joins, where, params = self._tables()
        # SQLite plans without statistics: CROSS JOIN tells it to keep this order.
        join = " CROSS JOIN " if connection.vendor == "sqlite" else " JOIN "
        tables = join.join([f"{self._table} t0", *joins, *extra_joins])
        return f"SELECT {select} FROM {tables} WHERE {where} {tail}", list(params)

    def _rows(self, sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def count(self):
        if self._count is None:
            self._count = self._rows(*self._sql("COUNT(*)"))[0][0]
        return self._count

    def _ids_sql(self, offset, limit):
        sql, params = self._sql(
            "t0.content_object_id", tail="ORDER BY t0.updated_at DESC, t0.content_object_id DESC LIMIT %s OFFSET %s"
        )
        return sql, [*params, limit, offset]

    def __getitem__(self, window):
        """The articles of one page, newest update first (one query, and those of `for_listing`)."""
        start = window.start or 0
        page = RawSQL(*self._ids_sql(start, max(0, window.stop - start)))
        return list(Article.objects.for_listing().filter(pk__in=page).order_by("-updated_at", "-pk"))

    def related(self, limit=12):
        """The other tags on these articles, most frequent first (then by name), each with `count`."""
        chosen = [tag.pk for tag in self.tags]
        counts, params = self._sql(
            "r.tag_id, COUNT(*) AS n",
            [f"{self._table} r ON r.content_object_id = t0.content_object_id"],
            f"AND r.tag_id NOT IN ({', '.join(['%s'] * len(chosen))}) GROUP BY r.tag_id",
        )
        join = "CROSS JOIN" if connection.vendor == "sqlite" else "JOIN"
        sql = (
            f"SELECT tag.id, tag.name, tag.slug, c.n FROM ({counts}) c {join} {names().tag} tag ON tag.id = c.tag_id "
            "ORDER BY c.n DESC, tag.name LIMIT %s"
        )
        tags = []
        for pk, name, slug, count in self._rows(sql, [*params, *chosen, limit]):
            tag = Tag(pk=pk, name=name, slug=slug)
            tag.count = count
            tags.append(tag)
        return tags
