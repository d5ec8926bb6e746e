"""Absolute URLs come from SITE_URL, never from the request's Host (issue 12, point 8; README, "Production").

`Host: 127.0.0.1:6666` and `Host: 127.0.0.1.` pass ALLOWED_HOSTS. A page rendered for such a
request was kept by the page cache, and its canonical link, og:url and the Atom feed's links
and ids pointed at that host for every reader until the next save.
"""

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from django.core.cache import cache

from tests.factories import make_article, make_series
from tests.reading.test_meta import Head
from tests.serving import ROOT

from .test_project import start_django

pytestmark = pytest.mark.django_db
SITE = "https://kb.example.org"
HOSTILE_HOSTS = ["127.0.0.1:6666", "127.0.0.1.", "localhost:1"]
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.SITE_URL = SITE
    settings.KB_PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def article():
    series = make_series(title="推理加速")
    return make_article(title="投机解码", tags=["LLM"], series=series, series_order=1)


def cached_addresses(article):
    return [
        "/",
        article.get_absolute_url(),
        "/tags/",
        "/tags/llm/",
        "/series/",
        article.series.get_absolute_url(),
        "/feed/",
        "/tags/llm/feed/",
        article.series.get_absolute_url() + "feed/",
    ]


def absolute_urls(text):
    return re.findall(r"\b(?:https?:)?//[^\s\"'<>]+", text)


def test_a_hostile_host_first_leaves_every_reader_the_sites_own_addresses(client, article):
    for host in HOSTILE_HOSTS:
        for path in cached_addresses(article):
            assert client.get(path, HTTP_HOST=host).status_code == 200, (host, path)
    page = client.get(article.get_absolute_url()).content.decode()
    head = Head(page)
    (canonical,) = head.link("canonical")
    assert canonical["href"] == SITE + article.get_absolute_url()
    assert head.one("og:url") == canonical["href"]
    (data,) = [json.loads(text) for text in head.json_ld]
    assert data["url"] == data["mainEntityOfPage"] == SITE + article.get_absolute_url()
    assert data["isPartOf"]["url"] == SITE + article.series.get_absolute_url()

    feed = ET.fromstring(client.get("/feed/").content)
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    ids = [element.text for element in feed.iter(f"{ATOM}id")]
    assert links and ids and all(url.startswith(SITE + "/") for url in links + ids), links + ids
    assert SITE + article.get_absolute_url() in links
    assert {link.get("href") for link in feed.findall(f"{ATOM}link")} == {SITE + "/", SITE + "/feed/"}

    for path in cached_addresses(article):
        text = client.get(path).content.decode()
        assert not any(host in text for host in HOSTILE_HOSTS), path


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_pages_are_the_same_whatever_host_the_request_names(client, article, settings, host):
    """So no Host can make the cache keep a page of its own: one copy serves every reader."""
    settings.KB_PAGE_CACHE = False
    for path in cached_addresses(article):
        assert client.get(path, HTTP_HOST=host).content == client.get(path).content, path


def test_sitemap_and_robots_name_the_site_address_whatever_the_host(client, article):
    host = {"HTTP_HOST": "127.0.0.1:6666"}
    robots = client.get("/robots.txt", **host).content.decode()
    assert f"Sitemap: {SITE}/sitemap.xml" in robots
    index = ET.fromstring(client.get("/sitemap.xml", **host).content)
    sections = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert sections and all(loc.startswith(SITE + "/sitemap-") for loc in sections), sections
    pages = []
    for section in sections:
        response = client.get(section.removeprefix(SITE), **host)
        pages += [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]
    assert SITE + article.get_absolute_url() in pages and SITE + "/tags/llm/" in pages
    assert all(page.startswith(SITE + "/") for page in pages), pages


def test_chinese_slugs_are_percent_encoded_in_absolute_urls(client):
    chinese = make_article(title="注意力", slug="注意力")
    (canonical,) = Head(client.get(chinese.get_absolute_url()).content.decode()).link("canonical")
    assert canonical["href"] == f"{SITE}/articles/{quote('注意力')}/"
    feed = client.get("/feed/").content.decode()
    assert f"{SITE}/articles/{quote('注意力')}/" in feed


def test_the_development_default_is_the_local_address():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SITE_URL"}}
    show = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    result = subprocess.run(
        [sys.executable, "-c", show],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "kb.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "http://127.0.0.1:8000", result.stderr


@pytest.mark.parametrize(
    "value", ["kb.example.org", "ftp://kb.example.org", "https://kb.example.org/kb", "https://kb.example.org/?x=1"]
)
def test_a_site_url_that_is_not_an_address_stops_start_up_with_a_message(value):
    code, stderr = start_django(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="kb.example.org", SITE_URL=value)
    assert code != 0 and "SITE_URL must be the address readers use" in stderr and repr(value) in stderr


def test_site_url_is_required_with_debug_off_and_a_trailing_slash_is_fine():
    code, stderr = start_django(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="kb.example.org")
    assert code != 0 and "DEBUG is off, so SITE_URL must be set" in stderr
    complete = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "kb.example.org", "SITE_URL": "https://kb.example.org/"}
    assert start_django(DEBUG="false", **complete)[0] == 0
