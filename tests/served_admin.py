"""The site served for real on a SQLite file, as `make serve` runs it (gunicorn, DEBUG off), with
signed-in editors posting the admin's forms as a browser would: for the tests of saves at the
same moment and of requests past the size limit.
"""

import re
import sqlite3
import subprocess
import sys
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest

from bench.forms import form_fields

from .serving import ROOT, free_port, production_env, start, stop, wait_for

PASSWORD = "a-long-editor-password-81"


@pytest.fixture(scope="module")
def served_sqlite(tmp_path_factory):
    folder = tmp_path_factory.mktemp("concurrent")
    env = production_env(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        KB_PAGE_CACHE="false",
    )
    setup = [["migrate", "--noinput"], ["collectstatic", "--noinput"]]
    setup += [
        ["createsuperuser", "--noinput", "--username", name, "--email", f"{name}@example.org"]
        for name in ("editor1", "editor2", "editor3")
    ]
    for command in setup:
        subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "3", "--bind", f"127.0.0.1:{port}"]
    process = start(command, env, folder / "gunicorn.log")
    try:
        wait_for(port, process=process)
        yield port, folder / "db.sqlite3"
    finally:
        stop(process)


def rows(database, sql, *params):
    with sqlite3.connect(database) as db:
        return db.execute(sql, params).fetchall()


def signed_in(port, name):
    editor = build_opener(HTTPCookieProcessor(CookieJar()))
    login = editor.open(f"http://127.0.0.1:{port}/admin/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login)[1]
    credentials = {"csrfmiddlewaretoken": token, "username": name, "password": PASSWORD, "next": "/admin/"}
    editor.open(f"http://127.0.0.1:{port}/admin/login/", urlencode(credentials).encode())
    return editor


def post_form(editor, url, changes):
    """A function that posts the form at `url` (read now) with `changes`: (status, final URL, page)."""
    fields = form_fields(editor.open(url).read().decode(), "article_form")
    fields = [(name, value) for name, value in fields if name not in changes] + list(changes.items())
    return lambda: _send(editor, url, [*fields, ("_save", "Save")])


def _send(editor, url, fields):
    try:
        response = editor.open(url, urlencode(fields).encode(), timeout=60)
        return response.status, response.url, response.read().decode()
    except HTTPError as error:
        return error.code, url, error.read().decode()
