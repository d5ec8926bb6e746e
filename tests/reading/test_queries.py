"""Constant query counts: a page costs the same with 5 or with 50 articles, tags and series."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_article, make_series

pytestmark = pytest.mark.django_db

MAX_QUERIES = 6


def build_site(n):
    """n articles, n tags and n series; the last article has every tag and a long series."""
    series = [make_series(title=f"series {n}-{i}") for i in range(n)]
    tags = [f"tag{i}" for i in range(n)]
    articles = [
        make_article(
            title=f"article {i}", series=series[i % n], series_order=i, tags=tags[i % n : i % n + 3], days_ago=i
        )
        for i in range(n)
    ]
    target = articles[0]
    target.tags.set(tags)
    for article in articles[1:]:
        article.series = target.series
        article.save()
    return target


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_of", [lambda a: "/", lambda a: a.get_absolute_url()], ids=["feed", "article"])
def test_query_count_does_not_grow_with_content(client, url_of):
    small = count_queries(client, url_of(build_site(5)))
    large = count_queries(client, url_of(build_site(50)))
    assert small == large
    assert large <= MAX_QUERIES


def test_other_listings_have_bounded_query_counts(client):
    target = build_site(30)
    for url in ["/tags/", "/series/", target.series.get_absolute_url(), "/tags/tag0/"]:
        assert count_queries(client, url) <= MAX_QUERIES, url


def test_listings_do_not_read_the_long_texts(client):
    """A card shows title, excerpt and dates: reading bodies for twelve of them costs a megabyte."""
    target = build_site(12)
    target.tags.set(["tag0"])
    for url in ["/", "/tags/tag0/", target.series.get_absolute_url(), "/search/?q=article"]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        article_reads = [q["sql"] for q in queries if 'FROM "articles_article"' in q["sql"]]
        assert article_reads, url
        for sql in article_reads:
            for column in ("body", "body_html", "feed_html", "toc_html"):
                assert f'"articles_article"."{column}"' not in sql, (url, column)
