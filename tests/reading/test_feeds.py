"""Atom feeds, the sitemap and robots.txt (README, "Addresses" and "Production")."""

import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest

from tests.factories import make_article, make_draft, make_scheduled, make_series

pytestmark = pytest.mark.django_db
SITE = "https://kb.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def test_latest_feed_has_full_content_updated_author_and_categories(client, django_user_model):
    author = django_user_model.objects.create(username="alice", first_name="Alice")
    make_article(title="旧", days_ago=9, author=author)
    make_article(title="新", days_ago=1, tags=["强化学习", "RL"], body="## 节\n\n正文 $x^2$。", author=author)
    make_draft(title="草稿")
    make_scheduled(title="未来")
    found = entries(client, "/feed/")
    assert [e.findtext(f"{ATOM}title") for e in found] == ["新", "旧"]
    first = found[0]
    assert first.findtext(f"{ATOM}updated") and first.findtext(f"{ATOM}published")
    assert first.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Alice"
    assert sorted(c.get("term") for c in first.findall(f"{ATOM}category")) == ["RL", "强化学习"]
    content = first.find(f"{ATOM}content")
    assert content.get("type") == "html" and '<h2 id="节">' in content.text and "<math" in content.text
    assert first.find(f"{ATOM}link").get("href").endswith("/articles/%E6%96%B0/")


def test_tag_and_series_feeds(client):
    series = make_series(title="系列")
    make_article(title="a", tags=["卷积"], series=series)
    make_article(title="b", tags=["其他"])
    make_draft(title="c", tags=["卷积"], series=series)
    assert [e.findtext(f"{ATOM}title") for e in entries(client, f"/tags/{quote('卷积')}/feed/")] == ["a"]
    assert [e.findtext(f"{ATOM}title") for e in entries(client, series.get_absolute_url() + "feed/")] == ["a"]
    assert client.get("/tags/this-tag-does-not-exist/feed/").status_code == 404


def test_pages_link_their_feeds(client):
    series = make_series(title="系列")
    make_article(title="a", tags=["x"], series=series)
    assert 'type="application/atom+xml"' in client.get("/").content.decode()
    assert 'href="/tags/x/feed/"' in client.get("/tags/x/").content.decode()
    assert f'href="{series.get_absolute_url()}feed/"' in client.get(series.get_absolute_url()).content.decode()


def test_sitemap_lists_public_pages_with_lastmod(client):
    series = make_series(title="系列")
    public = make_article(title="公开", tags=["标签"], series=series)
    draft = make_draft(title="草稿", tags=["草稿标签"])
    index = ET.fromstring(client.get("/sitemap.xml").content)
    urls = {}
    for section in index.iter(f"{SITEMAP}loc"):
        response = client.get(section.text.removeprefix(SITE))
        assert response.status_code == 200
        urls.update(
            {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in ET.fromstring(response.content)}
        )
    by_path = {loc.removeprefix(SITE): lastmod for loc, lastmod in urls.items()}
    assert (
        by_path[public.get_absolute_url()] and by_path[f"/tags/{quote('标签')}/"] and by_path[series.get_absolute_url()]
    )
    assert draft.get_absolute_url() not in by_path and f"/tags/{quote('草稿标签')}/" not in by_path
    assert {"/", "/tags/", "/series/"} <= set(by_path)


def test_robots_txt(client):
    response = client.get("/robots.txt")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in text and "Disallow: /search/" in text
    assert "Disallow: /language/" in text
    assert "Sitemap: https://kb.example.org/sitemap.xml" in text


def test_control_characters_never_break_the_feed(client, django_user_model):
    author = django_user_model.objects.create(username="bob", first_name="B\x0bob")
    make_article(title="Title \x0b vertical tab", tags=["bad\x01tag"], author=author)
    response = client.get("/feed/")
    assert response.status_code == 200
    entry = ET.fromstring(response.content).find(f"{ATOM}entry")  # well-formed XML
    assert entry.findtext(f"{ATOM}title") == "Title vertical tab"
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["bad tag"]


def test_tag_feed_of_a_draft_only_tag_is_404_and_slugs_are_case_insensitive(client):
    make_draft(title="d", tags=["秘密"])
    make_article(title="p", tags=["CNN"])
    assert client.get(f"/tags/{quote('秘密')}/feed/").status_code == 404
    assert client.get("/tags/CNN/feed/").status_code == 200
    assert client.get("/search/?tag=CNN").status_code == 200


def test_sitemap_index_covers_every_article(client):
    from articles.reading.sitemaps import ArticleSitemap

    for i in range(7):
        make_article(title=f"a{i}")
    ArticleSitemap.limit, old = 3, ArticleSitemap.limit
    try:
        index = ET.fromstring(client.get("/sitemap.xml").content)
        pages = [loc.text.removeprefix(SITE) for loc in index.iter(f"{SITEMAP}loc")]
        assert "/sitemap-articles.xml?p=3" in pages
        found = set()
        for page in pages:
            for url in ET.fromstring(client.get(page).content).iter(f"{SITEMAP}loc"):
                found.add(url.text)
        assert sum("/articles/" in url for url in found) == 7
    finally:
        ArticleSitemap.limit = old


def test_feed_has_an_author_for_entries_without_one(client):
    import feedparser

    make_article(title="无名", author=None)
    root = ET.fromstring(client.get("/feed/").content)
    assert root.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Knowledge Base"
    parsed = feedparser.parse(client.get("/feed/").content)
    assert not parsed.bozo and parsed.feed.author == "Knowledge Base"
