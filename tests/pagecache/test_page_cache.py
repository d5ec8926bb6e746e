"""The page cache: anonymous pages from the cache, never stale; staff fresh; ETag, Last-Modified, 304."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import pagecache
from articles.models import Article, Series
from tests.factories import make_article, make_scheduled, make_series

pytestmark = pytest.mark.django_db
CHINESE = "zh-CN,zh;q=0.9"


@pytest.fixture(autouse=True)
def page_cache(settings, monkeypatch):
    settings.KB_PAGE_CACHE = True
    # A process trusts the page version it read for this long: longer than any test here, so
    # that query counts do not depend on the machine's speed.
    monkeypatch.setattr(pagecache, "VERSION_SECONDS", 60.0)
    pagecache._forget_version()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site():
    series = make_series(title="推理加速", description="关于 $O(1)$ 的系列")
    first = make_article(title="投机解码", tags=["LLM"], series=series, series_order=1)
    second = make_article(title="Medusa heads", tags=["LLM", "推理"], series=series, series_order=2)
    return series, first, second


def addresses(series, article):
    tag = quote("llm")
    return [
        "/",
        article.get_absolute_url(),
        "/tags/",
        f"/tags/{tag}/",
        "/series/",
        series.get_absolute_url(),
        "/feed/",
        f"/tags/{tag}/feed/",
        f"{series.get_absolute_url()}feed/",
    ]


def count_queries(client, path, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    assert response.status_code == 200, path
    return response, len(queries)


def test_anonymous_pages_come_from_the_cache_without_a_query(client, site):
    series, _, article = site
    for path in addresses(series, article):
        first, _ = count_queries(client, path)
        again, queries = count_queries(client, path)
        assert queries == 0, path
        assert again.content == first.content and again["Content-Type"] == first["Content-Type"], path


def test_a_warm_hit_is_one_cache_round_trip(client, site, monkeypatch):
    _, _, article = site
    client.get(article.get_absolute_url())
    calls, depth, backend = [], [0], caches["default"]

    def counted(name, original):
        def call(*args, **kwargs):
            if not depth[0]:  # not the calls a backend's get_many makes of its own get
                calls.append(name)
            depth[0] += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "get_many", "set", "add", "delete"):
        monkeypatch.setattr(backend, name, counted(name, getattr(backend, name)))
    assert client.get(article.get_absolute_url()).status_code == 200
    assert calls == ["get_many"]


def test_a_miss_costs_the_pages_own_queries_plus_one_for_a_new_generation_and_one_for_the_version(
    client, site, settings
):
    _, _, article = site
    settings.KB_PAGE_CACHE = False
    _, article_queries = count_queries(client, article.get_absolute_url())
    _, tags_queries = count_queries(client, "/tags/")
    settings.KB_PAGE_CACHE = True
    # The generation's one query (when the next scheduled article goes live) and the page
    # version's (read at most once every VERSION_SECONDS by each process).
    assert count_queries(client, article.get_absolute_url())[1] == article_queries + 2
    assert count_queries(client, "/tags/")[1] == tags_queries


def test_saving_or_deleting_anything_shown_is_visible_on_the_next_request(client, site):
    series, first, second = site
    for path in addresses(series, second):
        client.get(path)  # everything cached

    second.title = "Medusa: several heads"
    second.save()
    assert "Medusa: several heads" in client.get(second.get_absolute_url()).content.decode()
    assert "Medusa: several heads" in client.get("/").content.decode()

    series.title = "LLM 推理加速"
    series.save()
    assert "LLM 推理加速" in client.get("/series/").content.decode()

    first.tags.remove("LLM")
    assert "投机解码" not in client.get("/tags/llm/").content.decode()

    second.delete()
    assert client.get(second.get_absolute_url()).status_code == 404
    assert "Medusa" not in client.get("/feed/").content.decode()

    Series.objects.get(pk=series.pk).delete()
    assert client.get(series.get_absolute_url()).status_code == 404


def test_a_scheduled_article_appears_when_its_time_comes(client, site, monkeypatch):
    scheduled = make_scheduled(title="明天发布", tags=["LLM"])
    assert "明天发布" not in client.get("/").content.decode()
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    assert count_queries(client, "/")[1] == 0

    later = timezone.now() + timedelta(days=4)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "明天发布" in client.get("/").content.decode()
    assert "明天发布" in client.get("/tags/llm/").content.decode()
    assert client.get(scheduled.get_absolute_url()).status_code == 200


def test_staff_never_get_a_cached_page(staff_client, site):
    _, _, article = site
    reader = Client()
    reader.get(article.get_absolute_url())
    # A change that sends no signal: the cached copy keeps the old title, which shows it is cached.
    Article.objects.filter(pk=article.pk).update(title="Changed quietly")
    assert "Changed quietly" not in reader.get(article.get_absolute_url()).content.decode()
    response = staff_client.get(article.get_absolute_url())
    assert "Changed quietly" in response.content.decode()
    assert "private" in response["Cache-Control"] and "ETag" not in response


def test_anonymous_pages_do_not_vary_on_cookie(client, site):
    _, _, article = site
    for _ in range(2):  # the miss, then the hit
        response = client.get(article.get_absolute_url())
        vary = [value.strip().lower() for value in response.get("Vary", "").split(",")]
        assert "cookie" not in vary
        assert "Set-Cookie" not in response


def test_each_language_has_its_own_cached_copy(client, site):
    _, _, article = site
    path = article.get_absolute_url()
    for _ in range(2):
        chinese, _ = count_queries(client, path, HTTP_ACCEPT_LANGUAGE=CHINESE)
        english, _ = count_queries(client, path, HTTP_ACCEPT_LANGUAGE="en")
        assert '<html lang="zh-hans">' in chinese.content.decode() and chinese["Content-Language"] == "zh-hans"
        assert '<html lang="en' in english.content.decode()
    assert count_queries(client, path, HTTP_ACCEPT_LANGUAGE=CHINESE)[1] == 0
    # The language cookie set by the switch chooses the copy as well.
    client.cookies["django_language"] = "zh-hans"
    assert '<html lang="zh-hans">' in client.get(path).content.decode()


@pytest.mark.parametrize("kind", ["article", "feed"])
def test_etag_and_last_modified_answer_304_until_something_changes(client, site, kind):
    series, _, article = site
    path = article.get_absolute_url() if kind == "article" else "/feed/"
    response = client.get(path)
    etag, modified = response["ETag"], response["Last-Modified"]
    assert etag.startswith('"') and modified and "no-cache" in response["Cache-Control"]

    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    not_modified = client.get(path, HTTP_IF_MODIFIED_SINCE=modified)
    assert not_modified.status_code == 304 and not_modified.content == b""

    article.body = "A new paragraph."
    article.save()
    changed = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=modified).status_code == 200
    assert changed["Last-Modified"] != modified


def test_etag_and_304_without_the_page_cache(client, site, settings):
    settings.KB_PAGE_CACHE = False
    _, _, article = site
    response = client.get(article.get_absolute_url())
    assert "Last-Modified" not in response  # only the shared cache knows when pages last changed
    assert client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    article.title = "Renamed"
    article.save()
    assert client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200


def test_pages_are_served_while_the_cache_server_is_down(client, site):
    unreachable = {
        "BACKEND": "kb.redis_cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
        "OPTIONS": {"socket_connect_timeout": 0.5},
    }
    _, _, article = site
    with override_settings(CACHES={"default": unreachable}):
        assert client.get(article.get_absolute_url()).status_code == 200
        assert client.get("/").status_code == 200
        article.title = "Saved while the cache is away"
        article.save()
        assert "Saved while the cache is away" in client.get(article.get_absolute_url()).content.decode()


def test_last_modified_moves_on_even_within_one_second(client, site):
    _, _, article = site
    seen = set()
    for n in range(3):
        article.title = f"Edit {n}"
        article.save()
        seen.add(client.get(article.get_absolute_url())["Last-Modified"])
    assert len(seen) == 3


def test_a_stored_page_is_answered_before_routing_with_every_header_of_the_first(client, site, monkeypatch):
    """Hits are served by CachedPageMiddleware: the URLconf is never consulted, the headers
    the later middleware added to the rendered page are all there."""
    series, _, article = site
    for path in addresses(series, article):
        for language in ("en", CHINESE):
            first = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            with monkeypatch.context() as patched:
                patched.setattr("django.core.handlers.base.BaseHandler.resolve_request", _no_routing)
                again = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            assert again.status_code == 200 and again.content == first.content, path
            for header in (
                "Content-Type", "Content-Language", "Vary", "ETag", "Last-Modified", "Cache-Control",
                "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy",
            ):  # fmt: skip
                assert again.get(header) == first.get(header), (path, language, header)
            assert "Cookie" not in again["Vary"] and "Set-Cookie" not in again


def _no_routing(self, request):
    raise AssertionError(f"{request.path} was routed to its view")


def test_stored_pages_are_not_served_to_a_host_outside_allowed_hosts(client, site):
    _, _, article = site
    assert client.get(article.get_absolute_url()).status_code == 200
    outside = Client(raise_request_exception=False).get(article.get_absolute_url(), HTTP_HOST="evil.example")
    assert outside.status_code == 400 and b"Medusa" not in outside.content


def test_a_reader_with_a_session_gets_the_page_through_the_view(client, site, django_user_model):
    _, _, article = site
    stored = client.get(article.get_absolute_url())
    client.force_login(django_user_model.objects.create_user("reader"))  # signed in, not staff
    fresh = client.get(article.get_absolute_url())
    assert fresh["Cache-Control"] == "private"
    assert "Last-Modified" not in fresh and stored["Last-Modified"]


def test_pages_that_are_never_stored_cost_no_cache_round_trip(client, site, monkeypatch):
    asked = []
    monkeypatch.setattr(caches["default"], "get_many", lambda keys, **kw: asked.append(keys) or {})
    for path in ["/healthz", "/robots.txt", "/no-such-page/", "/search/?q=x"]:
        client.get(path)
    assert asked == []
    client.get("/")
    # The middleware looks up (a miss); the view reuses that lookup, and reads only the marks of
    # what the page shows before it stores it.
    assert len([keys for keys in asked if pagecache.GENERATION_KEY in keys]) == 1
