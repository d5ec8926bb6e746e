"""Full-text matching in the database: the total, one ranked page, and tag facets.

One module per database (`sqlite`, `postgres`), each a `Matches` class (see `base`) that
answers the same questions with that database's full-text syntax; `matches()` picks it.

Terms reach the database only as quoted literals (FTS5 strings, tsquery lexemes), so no
input can be read as query syntax. Only published articles whose publication time has come
match, and they must carry every tag asked for.

Ranking: a result set of up to `Matches.RERANK_LIMIT` articles is ranked by relevance over whole
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

from django.db import connection

from articles.search.backends.postgres import PostgresMatches
from articles.search.backends.sqlite import SqliteMatches


def matches(terms, tag_ids, by_rank, window):
    """The matcher for this database. `window` is (offset, limit) of the page most likely asked for."""
    kind = PostgresMatches if connection.vendor == "postgresql" else SqliteMatches
    return kind(terms, list(tag_ids), by_rank, window)
