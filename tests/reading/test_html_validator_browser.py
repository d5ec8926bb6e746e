"""Every page type passes the Nu HTML Checker with no error.

The checker is `vnu.jar` from the npm package vnu-jar, pinned in tests/vnu/package-lock.json
and installed by `make validator` (which `make test` runs) into tests/vnu/node_modules; it runs
on the machine's Java. Where Java or the jar is missing the test is skipped with a plain
message, and fails instead where REQUIRE_BROWSER is set (CI, as for the browser tests).

The pages are the demo's, as `make run` shows them, fetched in English and in Chinese. The
Atom feeds are XML, not HTML, and are not checked here.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.views import defaults

from articles.models import Article, Series
from kb import health
from tests.factories import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

VNU_JAR = Path(__file__).resolve().parents[1] / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture(scope="module")
def vnu():
    """The command that runs the checker, or a skip (a failure under REQUIRE_BROWSER)."""
    java = shutil.which("java")
    missing = []
    if java is None:
        missing.append("java not found (apt-get install default-jre-headless)")
    if not VNU_JAR.is_file():
        missing.append(f"{VNU_JAR} not found (make validator installs it)")
    if missing:
        message = "Nu HTML Checker unavailable: " + "; ".join(missing) + ": validator test skipped"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message + ", but REQUIRE_BROWSER is set")
        pytest.skip(message)
    return [java, "-Xss1024k", "-jar", str(VNU_JAR)]


def demo_pages():
    """One address for every kind of page, with its name: what a newcomer reaches from `make run`."""
    call_command("load_demo", verbosity=0)
    published = Article.objects.published()
    # Saved just now, so its stored times carry microseconds, as a re-imported article's do.
    make_article(title="Saved a moment ago", days_ago=0, tags=["saved"])
    # The feed's second page, whatever the demo's size.
    for n in range(max(0, 13 - published.count())):
        make_article(title=f"Filler {n}", days_ago=400 + n)
    tagged = published.filter(tags__isnull=False).distinct().first()
    series = Series.objects.filter(articles__in=published).distinct().first()
    pages = {
        "feed": "/",
        "feed page 2": "/?page=2",
        "tag list": "/tags/",
        "tag page": f"/tags/{quote(tagged.tags.first().slug)}/",
        "series list": "/series/",
        "series page": series.get_absolute_url(),
        "search with results": "/search/?q=" + quote("注意力"),
        "search in English with results": "/search/?q=softmax",
        "search with no result": "/search/?q=zzzzqqq",
        "404": "/articles/no-such-article/",
        "language page": "/language/zh-hans/",
    }
    # Every demo article: between them math, code with and without line numbers, tables, figures.
    for article in published.exclude(title__startswith="Filler "):
        pages[f"article {article.slug}"] = article.get_absolute_url()
    return pages


def error_pages():
    """The 400, 500 and 503 pages, as their handlers make them."""
    request = RequestFactory().get("/")
    pages = {
        "400 (a host not allowed)": Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example"),
        "500": defaults.server_error(request),
    }
    try:
        raise OperationalError("the database does not answer")
    except OperationalError:
        pages["503 (database unreachable)"] = health.server_error(request)
    assert [response.status_code for response in pages.values()] == [400, 500, 503]
    return pages


def check(vnu, files):
    """The checker's messages for `files`, as (file name, message) pairs."""
    done = subprocess.run(
        [*vnu, "--format", "json", "--stdout", "--exit-zero-always", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["messages"]


def test_every_page_type_has_no_error_in_the_nu_html_checker(vnu, client, tmp_path):
    pages = demo_pages()
    assert any(name.startswith("article ") for name in pages)
    files = {}

    def keep(name, content):
        file = tmp_path / f"page{len(files):03d}.html"
        file.write_bytes(content)
        files[file.name] = name

    for language in ("en", "zh-hans"):
        client.cookies["django_language"] = language
        for name, path in pages.items():
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            expected = 404 if name == "404" else 200
            assert response.status_code == expected, (name, path, response.status_code)
            keep(f"{name} ({path}, {language})", response.content)
    for name, response in error_pages().items():
        keep(name, response.content)
    messages = check(vnu, [tmp_path / name for name in files])
    errors = [
        f"{files.get(message.get('url', '').rpartition('/')[2], message.get('url'))}, "
        f"line {message.get('lastLine')}: {message['message']} [{message.get('extract', '').strip()}]"
        for message in messages
        if message["type"] != "info"
    ]
    assert not errors, f"{len(errors)} errors from the Nu HTML Checker:\n" + "\n".join(errors)


def test_the_checker_finds_an_error_in_a_bad_page(vnu, tmp_path):
    # So that "0 errors" above means the checker read the pages.
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="en"><title>x</title><time datetime="2026-12-07T06:54:29.625277+08:00">')
    messages = check(vnu, [bad])
    assert any(message["type"] == "error" and "datetime" in message["message"] for message in messages), messages
