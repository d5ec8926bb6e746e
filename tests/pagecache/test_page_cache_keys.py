"""Only the parameters a page reads, with values it accepts, make a page cache entry
(issue 12, point 9): any junk query string used to make a new 24-hour entry of some 41 KB,
and 2,000 such requests added 79 MB to Redis."""

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from articles import pagecache
from tests.factories import make_article, make_series
from tests.serving import start_redis, stop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings, monkeypatch):
    settings.KB_PAGE_CACHE = True
    settings.KB_PAGE_SIZE = 2
    monkeypatch.setattr(pagecache, "VERSION_SECONDS", 60.0)
    pagecache._forget_version()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site():
    series = make_series(title="推理加速")
    articles = [make_article(title=f"第 {n} 篇", tags=["LLM"], series=series, series_order=n) for n in range(5)]
    return series, articles


def addresses(site):
    series, articles = site
    return ["/", "/?page=2", "/tags/", "/tags/llm/", "/tags/llm/?page=3", articles[0].get_absolute_url(), "/feed/"]


JUNK = [
    "?utm_source={n}",
    "?page=2&x={n}",
    "?{n}",
    "?page=2&page={n}",
    "?page=0{n}",
    "?page=%2B{n}",
    "?page=9{n}9999",
    "?page={n}x",
]


def entries():
    """The stored pages: the locmem backend's own table, less the generation, the clock and the marks."""
    bookkeeping = {cache.make_key(pagecache.GENERATION_KEY), cache.make_key(pagecache.CLOCK_KEY)}
    marks = cache.make_key(pagecache.MARK_PREFIX)
    return len({key for key in set(cache._cache) - bookkeeping if not key.startswith(marks)})


def test_junk_query_strings_make_no_entry(client, site):
    for path in addresses(site):
        assert client.get(path).status_code == 200, path
    stored = entries()
    for n in range(10):
        for path in addresses(site):
            for junk in JUNK:
                address = path.split("?")[0] + junk.format(n=n)
                assert client.get(address).status_code in (200, 400, 404), address
    assert entries() == stored


def test_a_parameter_the_page_does_not_read_is_served_the_stored_page(client, site):
    client.get("/?page=2")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/?page=2&utm_source=feed&fbclid=x")
    assert response.status_code == 200 and len(queries) == 0  # the stored page of /?page=2
    assert response.content == client.get("/?page=2").content


def test_a_page_first_asked_for_with_junk_is_rendered_but_not_kept(client, site):
    series, articles = site
    article = articles[0].get_absolute_url()
    first = client.get(article + "?ref=mail")
    assert first.status_code == 200 and "第 0 篇" in first.content.decode()
    with CaptureQueriesContext(connection) as queries:
        client.get(article)
    assert len(queries) > 0, "the page rendered for ?ref=mail was not kept for the plain address"


def test_bad_values_of_a_read_parameter_are_404_and_not_kept(client, site):
    for value in ["0", "x", "-1", "02", "+2", "99", "1e3", "２"]:
        assert client.get(f"/?page={value}").status_code == 404, value
        assert client.get(f"/tags/llm/?page={value}").status_code == 404, value
    assert entries() == 0


def test_too_many_fields_are_400_and_not_kept(client, site):
    query = "&".join(f"f{n}=1" for n in range(1200))
    assert Client(raise_request_exception=False).get(f"/?{query}").status_code == 400
    assert entries() == 0


def test_valid_page_numbers_each_have_their_entry(client, site):
    client.get("/?page=2")
    client.get("/?page=3")
    for path in ["/?page=2", "/?page=3"]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        assert len(queries) == 0, path


@pytest.mark.servers
def test_two_thousand_junk_requests_leave_redis_the_size_it_was(client, site, tmp_path):
    """The issue's measure, against a Redis server of the test's own."""
    process, port = start_redis(tmp_path)
    redis = {"BACKEND": "kb.redis_cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0", "KEY_PREFIX": "kb"}
    try:
        with override_settings(CACHES={"default": redis}):
            for path in addresses(site):
                client.get(path)
            server = caches["default"]._cache.get_client()
            before = server.dbsize()
            unstored = site[1][1].get_absolute_url()
            for n in range(2000):
                # Stored pages asked for with junk (hits), and one page never stored (misses).
                path = f"{unstored}?ref={n}" if n % 10 == 0 else f"/?utm_source={n}" if n % 2 else f"/?page=2&n={n}"
                assert client.get(path).status_code == 200, path
            assert server.dbsize() == before
    finally:
        stop(process)
