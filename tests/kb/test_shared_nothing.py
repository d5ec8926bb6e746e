"""Two app servers that share nothing but PostgreSQL, Redis and the media folder.

Two gunicorn instances (as behind a load balancer) run against one PostgreSQL and one Redis
that the test starts itself. An editor signs in and edits an article through the first;
readers of the second see the edit on their next request, though it had the page cached.
"""

import re
import subprocess
import sys
from http.cookiejar import CookieJar
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import psycopg
import pytest

from bench.forms import form_fields
from tests.own_postgres import OwnPostgres
from tests.serving import ROOT, fetch, free_port, production_env, start, start_redis, stop, wait_for

SLUG = "flashattention-online-softmax"
PASSWORD = "a-long-editor-password-81"


# Its own PostgreSQL and Redis servers, whatever DATABASE_URL says.
pytestmark = [pytest.mark.servers, pytest.mark.no_db_difference]


@pytest.fixture
def two_servers(tmp_path):
    postgres = OwnPostgres()
    redis, servers = None, []
    try:
        postgres.init().start()
        postgres.create_database("kb")
        redis, redis_port = start_redis(tmp_path)
        env = production_env(
            DATABASE_URL=postgres.url("kb"),
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            STATIC_ROOT=str(tmp_path / "static"),
            MEDIA_ROOT=str(tmp_path / "media"),  # the shared media storage
            DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        )
        setup = [
            ["migrate", "--noinput"],
            ["load_demo"],
            ["collectstatic", "--noinput"],
            ["createsuperuser", "--noinput", "--username", "editor", "--email", "editor@example.org"],
        ]
        for command in setup:
            manage = [sys.executable, "manage.py", *command, "-v", "0"]
            subprocess.run(manage, cwd=ROOT, env=env, check=True, timeout=300)
        for name in ("a", "b"):
            port = free_port()
            command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
            servers.append((start(command, env, tmp_path / f"gunicorn-{name}.log"), port))
        for process, port in servers:
            wait_for(port, process=process)
        with psycopg.connect(postgres.url("kb")) as connection:
            pk = connection.execute("SELECT id FROM articles_article WHERE slug = %s", [SLUG]).fetchone()[0]
        yield servers[0][1], servers[1][1], pk
    finally:
        for process, _ in servers:
            stop(process)
        if redis:
            stop(redis)
        postgres.remove()


def test_an_edit_through_one_server_is_seen_through_the_other(two_servers):
    a, b, pk = two_servers
    page = f"/articles/{SLUG}/"
    first = fetch(b, page)
    assert first[0] == 200 and fetch(b, page)[1]["ETag"] == first[1]["ETag"]  # cached on b (in Redis)
    assert fetch(a, page)[1]["ETag"] == first[1]["ETag"]  # and the same copy on a

    editor = build_opener(HTTPCookieProcessor(cookies := CookieJar()))
    login = editor.open(f"http://127.0.0.1:{a}/admin/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login)[1]
    credentials = {"csrfmiddlewaretoken": token, "username": "editor", "password": PASSWORD, "next": "/admin/"}
    editor.open(f"http://127.0.0.1:{a}/admin/login/", urlencode(credentials).encode())
    change = f"http://127.0.0.1:{a}/admin/articles/article/{pk}/change/"
    form = form_fields(editor.open(change).read().decode(), "article_form")
    assert dict(form)["slug"] == SLUG
    title = "Online softmax, edited through server a"
    fields = [(name, title if name == "title" else value) for name, value in form]
    saved = editor.open(change, urlencode([*fields, ("_save", "Save")]).encode())
    assert saved.url.endswith("/admin/articles/article/"), "the admin accepted the edit"

    status, headers, body = fetch(b, page)
    assert status == 200 and "Online softmax, edited through server a" in body.decode()
    assert headers["ETag"] != first[1]["ETag"]
    assert "edited through server a" in fetch(b, "/")[2].decode()
    # The editor's session, made on a, is good on b too: sessions live in the shared database.
    session = "; ".join(f"{cookie.name}={cookie.value}" for cookie in cookies)
    assert fetch(b, "/admin/", {"Cookie": session})[0] == 200
