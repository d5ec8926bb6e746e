"""The page cache when the cache server misbehaves (issue 12, point 10, the cache's half).

A save made while Redis was unreachable left readers on the old page for 10 minutes once it
came back; `KB_PAGE_CACHE=true` without Redis under gunicorn served 22 stale pages of 30 with
no warning. Now no save leaves a stale page behind, whatever Redis did meanwhile, and a page
cache that several processes cannot share refuses to start.
"""

import subprocess
import sys
import time

import pytest
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

from articles import pagecache
from articles.database import page_version
from articles.models import Article
from articles.reading import views
from tests.factories import make_article
from tests.kb.test_project import start_django
from tests.serving import ROOT, fetch, free_port, production_env, read_output, start, start_redis, stop, wait_for

UNREACHABLE = {
    "BACKEND": "kb.redis_cache.RedisCache",
    "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
    "OPTIONS": {"socket_connect_timeout": 0.5},
}


@pytest.fixture
def page_cache(settings):
    settings.KB_PAGE_CACHE = True
    pagecache._forget_version()
    cache.clear()
    yield
    cache.clear()


# These commit for real: on PostgreSQL the page version moves as the transaction commits.
@pytest.mark.django_db(transaction=True)
def test_a_save_the_cache_never_heard_of_shows_once_it_is_back_with_its_old_entries(client, page_cache, monkeypatch):
    article = make_article(title="Before the outage")
    assert "Before the outage" in client.get(article.get_absolute_url()).content.decode()  # stored
    monkeypatch.setattr(pagecache, "_wait_for_readers", lambda: None)  # timed in the test below
    with override_settings(CACHES={"default": UNREACHABLE}), transaction.atomic():
        article.title = "Saved while the cache was away"
        article.save()
    # The local memory cache still holds the old generation and page, as a Redis back from a
    # network partition would.
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Saved while the cache was away" in page and "Before the outage" not in page
    assert "Saved while the cache was away" in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_cache_restored_from_an_old_snapshot_serves_no_old_page(client, page_cache):
    article = make_article(title="Snapshot title")
    client.get(article.get_absolute_url())
    # Everything the cache holds (the local memory backend's own tables), as Redis writes it to disk.
    snapshot = dict(cache._cache), dict(cache._expire_info)
    article.title = "Title after the snapshot"
    article.save()
    client.get(article.get_absolute_url())
    # Redis restarted from the snapshot it had written before the save: it holds that and nothing else.
    cache.clear()
    cache._cache.update(snapshot[0])
    cache._expire_info.update(snapshot[1])
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Title after the snapshot" in page and "Snapshot title" not in page


@pytest.mark.django_db(transaction=True)
def test_a_request_whose_save_the_cache_missed_answers_after_every_process_can_have_seen_it(page_cache):
    article = make_article(title="Slow answer")

    def saving_view(request):
        with transaction.atomic():
            Article.objects.get(pk=article.pk).save()
        return HttpResponse("saved")

    middleware = pagecache.CachedPageMiddleware(saving_view)
    with override_settings(CACHES={"default": UNREACHABLE}):
        started = time.monotonic()
        assert middleware(RequestFactory().post("/admin/")).content == b"saved"
        assert time.monotonic() - started >= pagecache.VERSION_SECONDS
    started = time.monotonic()
    middleware(RequestFactory().post("/admin/"))  # the cache heard of this one: no wait
    assert time.monotonic() - started < pagecache.VERSION_SECONDS


def manage(env, *args):
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=True)


CREATE = "from tests.factories import make_article; make_article(title='Before the partition', slug='partition')"
SAVE = (
    "from articles.models import Article; article = Article.objects.get(slug='partition'); "
    "article.title = 'Saved behind a partition'; article.save()"
)


@pytest.mark.servers
def test_two_workers_show_a_save_made_where_redis_could_not_be_reached(tmp_path):
    """gunicorn (two workers) and Redis keep running; a command saves from a machine that
    cannot reach Redis (a closed port). Readers of either worker see the save next."""
    redis, redis_port = start_redis(tmp_path)
    server = None
    try:
        env = production_env(
            DEBUG="true",  # no collected static files needed
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            LOG_LEVEL="WARNING",
        )
        manage(env, "migrate", "--noinput", "-v", "0")
        create = (
            "from tests.factories import make_article; make_article(title='Before the partition', slug='partition')"
        )
        manage(env, "shell", "-c", create)
        port = free_port()
        gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
        server = start(gunicorn, env, tmp_path / "gunicorn.log")
        wait_for(port, process=server)
        for _ in range(6):  # both workers, the page stored in Redis
            assert b"Before the partition" in fetch(port, "/articles/partition/")[2]

        manage(dict(env, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"), "shell", "-c", SAVE)
        for _ in range(10):
            body = fetch(port, "/articles/partition/")[2]
            assert b"Saved behind a partition" in body and b"Before the partition" not in body
    finally:
        if server:
            stop(server)
        stop(redis)


def test_settings_with_debug_off_refuse_a_page_cache_without_redis():
    code, stderr = start_django(
        DEBUG="false",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="kb.example.org",
        SITE_URL="https://kb.example.org",
        KB_PAGE_CACHE="true",
        REDIS_URL="",
    )
    assert code != 0 and "KB_PAGE_CACHE=true needs REDIS_URL" in stderr


@pytest.mark.servers
@pytest.mark.parametrize("workers", [2, 1])
def test_gunicorn_refuses_a_page_cache_its_workers_cannot_share(tmp_path, workers):
    port = free_port()
    env = production_env(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        KB_PAGE_CACHE="true",
        WEB_CONCURRENCY=str(workers),
        PORT=str(port),
    )
    server = start([sys.executable, "-m", "gunicorn"], env, tmp_path / "gunicorn.log")
    try:
        if workers == 1:  # one process: its own memory is shared by all it serves
            wait_for(port, process=server)
            return
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pytest.fail("gunicorn started two workers with a page cache each of its own")
        output = read_output(server)
        assert server.returncode != 0
        assert "KB_PAGE_CACHE is on, but the cache is each process's own memory" in output
        assert "Set REDIS_URL" in output
    finally:
        stop(server)


@pytest.mark.django_db
def test_stored_pages_are_still_served_while_the_database_is_unreachable(client, page_cache, monkeypatch):
    make_article(title="Stored before the outage")
    assert "Stored before the outage" in client.get("/").content.decode()  # stored

    def unreachable(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # The database goes away: the version cannot be read, and neither can the feed's articles.
    monkeypatch.setattr(page_version, "read", unreachable)
    monkeypatch.setattr(views.FeedView, "get_queryset", unreachable)
    monkeypatch.setattr(pagecache, "VERSION_SECONDS", 0.0)  # every request asks the database again
    response = client.get("/")
    assert response.status_code == 200 and "Stored before the outage" in response.content.decode()
    # A process that never read the version cannot vouch for a stored page: the site's 503 page.
    pagecache._forget_version()
    pagecache._version["value"] = None
    assert Client(raise_request_exception=False).get("/").status_code == 503
