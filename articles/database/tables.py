"""The names raw SQL gives to tables: a model's from its `_meta.db_table`, never by hand.

`names()` reads them when SQL is built, not at import: this module imports no model, so the
packages above may import it before the app registry is ready. The tables no model describes
(derived data, made by migrations or after `migrate`) are named once, here.
"""

from typing import NamedTuple

# The feed's count of published articles (migration 0009; kept by triggers.py).
PUBLISHED_COUNT = "articles_published_count"
# The page cache's version (made after every `migrate` by page_version.py).
PAGE_VERSION = "articles_page_version"
# The page versions of committed transactions that will tell the page cache what they changed
# (PostgreSQL only; page_version.py).
PAGE_TOLD = "articles_page_told"
# The full-text index (migrations 0002 and 0006; written by articles/search/index.py): on SQLite
# an FTS5 table and a table of each article's visibility beside it; on PostgreSQL one table.
SEARCH = "articles_search"
SEARCH_META = "articles_search_meta"


class Tables(NamedTuple):
    article: str
    series: str
    tag: str
    tagged: str  # TaggedArticle: one row per tag on an article
    user: str
    published_count: str = PUBLISHED_COUNT
    page_version: str = PAGE_VERSION
    search: str = SEARCH
    search_meta: str = SEARCH_META


def names():
    """Every table the app's raw SQL names, the models' read from their `_meta.db_table`."""
    from django.contrib.auth import get_user_model

    # Imported here, not above: this module is imported by code that builds SQL later.
    from articles.models import Article, Series, Tag, TaggedArticle

    return Tables(
        article=Article._meta.db_table,
        series=Series._meta.db_table,
        tag=Tag._meta.db_table,
        tagged=TaggedArticle._meta.db_table,
        user=get_user_model()._meta.db_table,
    )
