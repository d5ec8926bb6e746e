"""The public pages, through their URLs (README, "Addresses" and "Reading")."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_article, make_draft, make_scheduled, make_series
from tests.htmlcheck import Document

pytestmark = pytest.mark.django_db


def titles(response):
    return re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode())


def get_ok(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_feed_lists_newest_update_first(client):
    make_article(title="old", days_ago=30)
    make_article(title="new", days_ago=1)
    revised = make_article(title="revised", days_ago=60)
    revised.body = "changed"
    revised.save()
    assert titles(get_ok(client, "/")) == ["revised", "new", "old"]


def test_feed_paginates_twelve_a_page_with_elided_numbers(client):
    for i in range(12 * 40):
        make_article(title=f"a{i}", days_ago=i + 1, body="x")
    first = get_ok(client, "/")
    assert len(titles(first)) == 12
    page6 = get_ok(client, "/?page=6").content.decode()
    numbers = re.findall(r"<li>(?:<a href=\"\?page=\d+\">|<span[^>]*>)([^<]+)<", page6)
    assert numbers == ["1", "…", "4", "5", "6", "7", "8", "…", "40"]
    assert 'aria-current="page">6<' in page6
    assert 'rel="prev" href="?page=5"' in page6 and 'rel="next" href="?page=7"' in page6
    assert len(titles(get_ok(client, "/?page=40"))) == 12


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1e9", "2", "99999999999999999999", "", "1.0", "last", " 1", "１"])
def test_bad_page_values_are_404_with_the_sites_own_page(client, page):
    make_article()
    response = client.get("/", {"page": page})
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_bad_page_on_tag_pages_too(client):
    make_article(tags=["卷积"])
    assert client.get(f"/tags/{quote('卷积')}/?page=0").status_code == 404
    assert client.get(f"/tags/{quote('卷积')}/?page=2").status_code == 404
    assert client.get(f"/tags/{quote('卷积')}/?page=1").status_code == 200


def test_feed_entry_shows_dates_series_part_tags_and_excerpt(client):
    series = make_series(title="LLM 推理")
    make_article(title="第一篇", series=series, series_order=1, days_ago=5)
    make_article(title="第二篇", series=series, series_order=2, tags=["推理加速"], body="正文 $x$ 开头。")
    html = get_ok(client, "/").content.decode()
    assert "Part 2 of 2" in html and "Part 1 of 2" in html
    assert f'href="/tags/{quote("推理加速")}/"' in html
    assert '正文 <span class="arithmatex">\\(x\\)</span> 开头。' in html
    assert "<time datetime=" in html
    assert "mathjax/es5/startup.js" in html  # an excerpt has math


def test_mathjax_is_loaded_only_where_there_is_math(client):
    plain = make_article(body="No formulas here.")
    with_math = make_article(body="Formula $x$.")
    assert b"mathjax/es5/startup.js" not in client.get(plain.get_absolute_url()).content
    assert b"mathjax/es5/startup.js" in client.get(with_math.get_absolute_url()).content
    assert b"ui/safe" not in client.get(with_math.get_absolute_url()).content  # configured in a static file


def test_article_page_shows_everything_a_reader_expects(client):
    series = make_series(title="强化学习基础")
    first = make_article(title="蒙特卡洛方法", series=series, series_order=1, tags=["强化学习"], days_ago=9)
    second = make_article(
        title="时序差分学习",
        series=series,
        series_order=2,
        tags=["强化学习", "TD"],
        body="## 引言\n\n文字 $\\delta_t$。\n\n## TD(0)\n\n更多。",
        days_ago=5,
        updated_at=timezone.now(),
    )
    third = make_article(title="值函数近似", series=series, series_order=3, days_ago=0)
    html = client.get(second.get_absolute_url()).content.decode()
    assert "<h1>时序差分学习</h1>" in html
    assert "min read" in html and "Published" in html and "Updated" in html
    assert 'href="#引言"' in html  # table of contents
    assert "Part 2 of 3" in html
    assert f'rel="prev" href="{first.get_absolute_url()}"' in html
    assert f'rel="next" href="{third.get_absolute_url()}"' in html
    assert '<strong aria-current="page">时序差分学习</strong>' in html
    related = html.split('aria-label="Related articles"')[1]
    assert "蒙特卡洛方法" in related


def test_article_urls_with_cjk_slugs_are_percent_encoded_and_resolve(client):
    article = make_article(title="空洞卷积")
    assert article.get_absolute_url() == "/articles/%E7%A9%BA%E6%B4%9E%E5%8D%B7%E7%A7%AF/"
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get("/articles/空洞卷积/").status_code == 200


def test_series_page_lists_parts_in_reading_order(client):
    series = make_series(title="大模型推理加速", description="系列简介。")
    make_article(title="C", series=series, series_order=3, days_ago=30)
    make_article(title="A", series=series, series_order=1, days_ago=1)
    make_article(title="B", series=series, series_order=2, days_ago=10)
    make_article(title="unnumbered, newer", series=series, days_ago=0)
    make_article(title="unnumbered, older", series=series, days_ago=50)
    response = client.get(series.get_absolute_url())
    assert titles(response) == ["A", "B", "C", "unnumbered, older", "unnumbered, newer"]
    assert "系列简介" in response.content.decode()


def test_tag_pages(client):
    make_article(title="one", tags=["强化学习", "RL"], days_ago=2)
    make_article(title="two", tags=["强化学习"], days_ago=1)
    make_draft(title="draft", tags=["强化学习", "秘密"])
    tag_list = client.get("/tags/").content.decode()
    assert re.search(r"强化学习</a> <span class=\"count\">2</span>", tag_list)
    assert "秘密" not in tag_list
    assert titles(client.get(f"/tags/{quote('强化学习')}/")) == ["two", "one"]
    assert client.get(f"/tags/{quote('秘密')}/").status_code == 404
    assert client.get("/tags/no-such-tag/").status_code == 404
    redirect = client.get("/tags/RL/")
    assert (redirect.status_code, redirect["Location"]) == (301, "/tags/rl/")


def test_server_error_page_is_the_sites_own(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()


def test_series_list_counts_published_parts(client):
    series = make_series(title="S")
    make_article(series=series)
    make_draft(series=series)
    make_series(title="Only drafts")
    html = client.get("/series/").content.decode()
    assert "1 part<" in html and "Only drafts" not in html


def test_drafts_and_future_articles_are_absent_from_every_surface(client):
    series = make_series(title="公开系列")
    public = make_article(title="public-one", series=series, series_order=1, tags=["shared"])
    hidden = [
        make_draft(title="hidden-draft", series=series, series_order=2, tags=["shared", "drafttag"]),
        make_scheduled(title="hidden-future", series=series, series_order=3, tags=["shared", "futuretag"]),
    ]
    surfaces = ["/", "/tags/", "/series/", series.get_absolute_url(), "/tags/shared/", public.get_absolute_url()]
    for url in surfaces:
        html = client.get(url).content.decode()
        for article in hidden:
            assert article.title not in html, url
            assert article.get_absolute_url() not in html, url
        assert "drafttag" not in html and "futuretag" not in html, url
    for article in hidden:
        assert client.get(article.get_absolute_url()).status_code == 404
    # The tag index counts the published article only, not the draft and the scheduled one.
    assert re.search(r'shared</a> <span class="count">1</span>', client.get("/tags/").content.decode())
    assert "Part 1 of 1" in client.get(public.get_absolute_url()).content.decode()


def test_staff_preview_drafts_with_a_banner_and_noindex(staff_client):
    draft = make_draft(title="草稿")
    future = make_scheduled(title="定时")
    for article in (draft, future):
        response = staff_client.get(article.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert 'class="draft-banner"' in html
        assert '<meta name="robots" content="noindex">' in html
        assert response["Cache-Control"] == "private, no-store"


def test_unknown_slugs_and_bad_paths_are_404_with_the_sites_own_page(client):
    for url in ["/articles/nope/", "/series/nope/", "/tags/nope/", "/articles/%00/", "/articles/a%2Fb/", "/nope/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.content.decode(), url


def test_too_many_query_parameters_is_a_400_with_the_sites_own_page(client):
    response = client.get("/?" + "&".join(f"p{i}=1" for i in range(1200)))
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_healthz(client):
    response = client.get("/healthz")
    assert (response.status_code, response.content, response["Content-Type"]) == (200, b"ok\n", "text/plain")


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.content.startswith(b"database unavailable")


def _every_page(client):
    series = make_series(title="系列")
    article = make_article(title="文章", series=series, tags=["标签"], body="## A\n\n$x$\n\n## B\n\ntext")
    draft = make_draft(title="草稿")
    return [
        ("/", 200),
        ("/?page=1", 200),
        (article.get_absolute_url(), 200),
        ("/tags/", 200),
        (f"/tags/{quote('标签')}/", 200),
        ("/series/", 200),
        (series.get_absolute_url(), 200),
        (draft.get_absolute_url(), 404),
        ("/nope/", 404),
    ]


def test_exactly_one_h1_on_every_page(client):
    for url, status in _every_page(client):
        response = client.get(url)
        assert response.status_code == status, url
        assert len(Document(response.content.decode()).tags("h1")) == 1, url


def test_every_named_url_renders(client):
    make_article(title="t", tags=["x"], series=make_series(title="s"))
    names = {
        "articles:feed": [],
        "articles:detail": ["t"],
        "articles:tag_list": [],
        "articles:tag_detail": ["x"],
        "articles:series_list": [],
        "articles:series_detail": ["s"],
        "articles:healthz": [],
    }
    for name, args in names.items():
        assert client.get(reverse(name, args=args)).status_code == 200, name


def test_empty_site_feed_is_friendly(client):
    response = client.get("/")
    assert response.status_code == 200 and "Nothing has been published yet" in response.content.decode()


def test_dates_shown_in_the_site_time_zone(client, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    moment = timezone.now().replace(hour=20, minute=0) - timedelta(days=3)  # 20:00 UTC is the next day in Shanghai
    article = make_article(published_at=moment, updated_at=moment)
    html = client.get(article.get_absolute_url()).content.decode()
    assert (moment + timedelta(hours=8)).strftime("%Y-%m-%d") in html


def test_series_description_with_math_loads_mathjax(client):
    series = make_series(title="有公式的系列", description="系列介绍 $E=mc^2$。")
    make_article(series=series, body="No math.")
    assert b"mathjax/es5/startup.js" in client.get(series.get_absolute_url()).content
