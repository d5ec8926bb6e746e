"""The production configuration, run for real: `make serve` (gunicorn, DEBUG off, WhiteNoise's
hashed and compressed static files), its security headers, `check --deploy`, the cache backend."""

import re
import shutil
import subprocess
import sys

import pytest

from tests.factories import make_article
from tests.reading.test_browser import Visit
from tests.serving import ROOT, fetch, free_port, production_env, start, start_redis, stop, wait_for

HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS-ending proxy in front of the site sends


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`make serve` with HTTPS declared behind a proxy, on its own SQLite file and static folder."""
    if not shutil.which("make"):
        pytest.skip("make not found")
    folder = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = production_env(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        STATIC_ROOT=str(folder / "static"),
        PORT=str(port),
        WEB_CONCURRENCY="2",
        HTTPS="true",
        TRUST_X_FORWARDED_PROTO="true",
    )
    del env["SECRET_KEY"]  # `make serve` makes one up
    # `-o install`: use the environment this test runs in, never reinstall it mid-run.
    command = ["make", "--no-print-directory", "-o", "install", "serve", f"VENV={sys.prefix}"]
    process = start(command, env, folder / "serve.log")
    try:
        wait_for(port, "/healthz", status=200, seconds=180, process=process)
        yield port
    finally:
        stop(process)


@pytest.mark.servers
@pytest.mark.no_db_difference  # `make serve` on its own SQLite file
def test_pages_carry_the_security_headers(served):
    status, headers, _ = fetch(served, "/", HTTPS)
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'" and policy["object-src"] == "'none'"


@pytest.mark.servers
@pytest.mark.no_db_difference  # `make serve` on its own SQLite file
def test_plain_http_is_sent_to_https_except_the_health_check(served):
    status, headers, _ = fetch(served, "/tags/")
    assert status == 301 and headers["Location"] == f"https://127.0.0.1:{served}/tags/"
    assert fetch(served, "/healthz")[:3:2] == (200, b"ok\n")


@pytest.mark.servers
@pytest.mark.no_db_difference  # `make serve` on its own SQLite file
def test_static_files_have_hashed_names_gzip_and_a_year_of_cache(served):
    _, _, body = fetch(served, "/articles/flashattention-online-softmax/", HTTPS)
    page = body.decode()
    css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    # MathJax starts after the first paint: its start-up file is named in a data attribute.
    mathjax = re.search(r'data-mathjax="(/static/mathjax/es5/startup\.[0-9a-f]{12}\.js)"', page)
    assert css and mathjax, "static files are linked by their hashed names"
    for path in [css[1], mathjax[1]]:
        status, headers, body = fetch(served, path, {**HTTPS, "Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip", path
        assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]


@pytest.mark.servers
@pytest.mark.no_db_difference  # `make serve` on its own SQLite file
def test_errors_are_the_sites_own_pages_without_debug_details(served):
    status, _, body = fetch(served, "/articles/no-such-article/", HTTPS)
    assert status == 404
    assert b"<h1" in body and b"Traceback" not in body and b"DEBUG" not in body and b"URLconf" not in body


@pytest.mark.browser
@pytest.mark.servers
def test_math_typesets_under_the_content_security_policy(served, browser):
    visit = Visit(browser, f"http://127.0.0.1:{served}")
    visit.page.set_extra_http_headers(HTTPS)
    visit.open("/articles/flashattention-online-softmax/")
    formulas, typeset, errors = visit.typeset()
    visit.page.wait_for_load_state("networkidle")
    assert formulas > 10 and typeset == formulas and errors == []
    # A CSP refusal shows as a console error; there is none, and nothing was fetched elsewhere.
    visit.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_mathjax_inline_styles_apply_under_the_policy(browser, live_server):
    article = make_article(title="带框的公式", body=r"$\bbox[border:3px solid]{E=mc^2}$ 与 $\color{red}{x}$")
    visit = Visit(browser, live_server.url).open(article.get_absolute_url())
    policy = visit.page.evaluate("() => fetch(location.href).then(r => r.headers.get('content-security-policy'))")
    assert "script-src 'self'" in policy
    assert visit.typeset() == [2, 2, []]
    borders = visit.page.evaluate(
        "() => Array.from(document.querySelectorAll('mjx-container *')).map(e => getComputedStyle(e).borderTopWidth)"
    )
    assert "3px" in borders
    visit.assert_clean()


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", HTTPS="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_what_is_missing_without_https():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS" in result.stderr and "SESSION_COOKIE_SECURE" in result.stderr


CACHE_ROUND_TRIP = (
    "from django.core.cache import caches; cache = caches['default']; cache.set('probe', 'kept', 30); "
    "print(type(cache).__name__, cache.get('probe'))"
)


def test_cache_is_local_memory_without_redis_url():
    assert manage("shell", "-v", "0", "-c", CACHE_ROUND_TRIP).stdout.split() == ["LocMemCache", "kept"]


@pytest.fixture
def redis_port(tmp_path):
    process, port = start_redis(tmp_path)
    yield port
    stop(process)


@pytest.mark.servers
def test_cache_is_redis_when_redis_url_is_set(redis_port):
    result = manage("shell", "-v", "0", "-c", CACHE_ROUND_TRIP, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0")
    assert result.stdout.split() == ["RedisCache", "kept"], result.stderr
    keys = subprocess.run(["redis-cli", "-p", str(redis_port), "keys", "*probe"], capture_output=True, text=True)
    assert keys.stdout.strip() == "kb:1:probe"


@pytest.mark.servers
def test_redis_cache_keeps_one_client_and_reconnects_after_a_restart(tmp_path):
    from articles.pagecache import CACHE_ERRORS
    from kb.redis_cache import RedisCache

    process, port = start_redis(tmp_path)
    cache = RedisCache(f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    try:
        cache.set("probe", "kept", 30)
        assert cache.get("probe") == "kept"
        # Building a client per command cost a cached page a third of its time.
        assert cache._cache.get_client() is cache._cache.get_client(write=True)
        stop(process)
        with pytest.raises(CACHE_ERRORS):
            cache.get("probe")
        process, _ = start_redis(tmp_path, port=port)
        assert cache.get("probe") is None  # the new server is empty, and reached by the same client
        cache.set("probe", "again", 30)
        assert cache.get("probe") == "again"
    finally:
        stop(process)
