"""What every page says about itself: canonical link, description, Open Graph, Twitter, JSON-LD, feeds."""

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from tests.factories import make_article, make_series

pytestmark = pytest.mark.django_db
SITE = "https://kb.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


class Head(HTMLParser):
    """The <meta>, <link> and JSON-LD <script> elements of a page."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.meta, self.links, self.json_ld, self.title = {}, [], [], ""
        self._in = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta.setdefault(attrs.get("property") or attrs.get("name"), []).append(attrs.get("content"))
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "json"
            self.json_ld.append("")
        elif tag == "title":
            self._in = "title"

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "json":
            self.json_ld[-1] += data
        elif self._in == "title":
            self.title += data

    def one(self, name):
        (value,) = self.meta[name]
        return value

    def link(self, rel, **match):
        return [
            link
            for link in self.links
            if rel in link.get("rel", "").split() and all(link.get(k) == v for k, v in match.items())
        ]


@pytest.fixture
def site():
    series = make_series(title="强化学习入门")
    article = make_article(
        title="时序差分 TD(0)", body="## 一\n\n$V(s)$ 的更新。\n\n## 二\n\n文本。", tags=["RL", "强化学习"]
    )
    article.series, article.series_order = series, 1
    article.save()
    make_article(title="蒙特卡洛", tags=["RL"], series=series, series_order=2)
    return article


def pages(article):
    return [
        "/",
        article.get_absolute_url(),
        "/tags/",
        f"/tags/{quote('强化学习')}/",
        "/tags/rl+强化学习/".replace("强化学习", quote("强化学习")),
        "/series/",
        article.series.get_absolute_url(),
        "/search/?q=" + quote("差分"),
    ]


def test_every_page_has_canonical_description_open_graph_and_twitter_card(client, site):
    for path in pages(site):
        response = client.get(path)
        assert response.status_code == 200, path
        head = Head(response.content.decode())
        (canonical,) = head.link("canonical")
        assert canonical["href"].startswith(SITE + "/") and "?q=" not in canonical["href"], path
        description = head.one("description")
        assert description and len(description) <= 300, path
        assert head.one("og:title") == head.title.strip() == head.one("twitter:title"), path
        assert head.one("og:description") == description == head.one("twitter:description"), path
        assert head.one("og:url") == canonical["href"] and head.one("twitter:card") == "summary", path
        assert head.one("og:site_name") and head.one("og:locale") in {"en_US", "zh_CN"}, path
        # Every page offers the site's feed.
        assert head.link("alternate", type="application/atom+xml", href="/feed/"), path


def test_canonical_keeps_the_page_number_and_drops_everything_else(client):
    for n in range(14):
        make_article(title=f"第 {n} 篇")
    head = Head(client.get("/?page=2&utm_source=x").content.decode())
    assert head.link("canonical")[0]["href"] == SITE + "/?page=2"
    assert Head(client.get("/?page=1").content.decode()).link("canonical")[0]["href"] == SITE + "/"


def test_article_page_has_article_open_graph_and_json_ld(client, site):
    head = Head(client.get(site.get_absolute_url()).content.decode())
    assert head.one("og:type") == "article"
    assert head.one("og:title").startswith("时序差分 TD(0)")
    assert sorted(head.meta["article:tag"]) == ["RL", "强化学习"]
    assert head.one("article:published_time").startswith(site.published_at.astimezone().strftime("%Y-"))
    assert head.one("article:modified_time")
    (data,) = [json.loads(text) for text in head.json_ld]
    assert data["@type"] == "Article" and data["headline"] == "时序差分 TD(0)"
    assert data["url"] == SITE + site.get_absolute_url()
    assert data["datePublished"] and data["dateModified"] and sorted(data["keywords"]) == ["RL", "强化学习"]
    assert data["isPartOf"]["name"] == "强化学习入门"
    # The article links its series' and its tags' feeds besides the site's.
    assert head.link("alternate", href=site.series.get_absolute_url() + "feed/")
    assert head.link("alternate", href="/tags/rl/feed/") and head.link(
        "alternate", href=f"/tags/{quote('强化学习')}/feed/"
    )


def test_json_ld_cannot_be_broken_out_of(client):
    title = '</script><script>alert(1)</script><!-- "quoted" & more'
    article = make_article(title=title, summary="</SCRIPT><img src=x onerror=alert(1)>")
    html = client.get(article.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block
    assert json.loads(block)["headline"] == title
    assert "<script>alert(1)" not in html


def test_tag_and_series_pages_link_their_own_feeds(client, site):
    head = Head(client.get(f"/tags/{quote('强化学习')}/").content.decode())
    assert head.link("alternate", href=f"/tags/{quote('强化学习')}/feed/")
    head = Head(client.get(site.series.get_absolute_url()).content.decode())
    assert head.link("alternate", href=site.series.get_absolute_url() + "feed/")


def test_error_pages_have_meta_too(client):
    response = client.get("/articles/no-such-article/")
    assert response.status_code == 404
    head = Head(response.content.decode())
    assert head.one("description") and head.one("og:title") and head.meta["robots"] == ["noindex"]
