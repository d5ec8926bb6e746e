"""Tag pages read from the tag index, whose copies of each article's visibility and update
time are kept by database triggers: whatever changes an article, the tag pages follow."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Tag, TaggedArticle
from tests.factories import make_article, make_draft, make_scheduled

pytestmark = pytest.mark.django_db


def titles(client, url):
    response = client.get(url)
    if response.status_code == 404:
        return []
    assert response.status_code == 200, url
    return re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode())


def test_tag_pages_list_newest_update_first_across_pages(client, settings):
    settings.KB_PAGE_SIZE = 3
    for i in range(7):
        make_article(title=f"a{i}", tags=["rl", "td"] if i % 2 else ["rl"], days_ago=i)
    make_draft(title="draft", tags=["rl", "td"])
    make_scheduled(title="later", tags=["rl", "td"])
    pages = [titles(client, f"/tags/rl/?page={n}") for n in (1, 2, 3)]
    assert pages == [["a0", "a1", "a2"], ["a3", "a4", "a5"], ["a6"]]
    assert titles(client, "/tags/rl+td/") == ["a1", "a3", "a5"]
    assert titles(client, "/tags/td+rl/") == ["a1", "a3", "a5"]  # the order of the tags does not matter
    assert titles(client, "/search/?tag=td&tag=rl") == ["a1", "a3", "a5"]


def test_bulk_changes_to_articles_reach_tag_pages(client):
    article = make_article(title="bulk", tags=["rl"], days_ago=5)
    make_article(title="other", tags=["rl"], days_ago=2)
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())  # no save(), no signals
    assert titles(client, "/tags/rl/") == ["bulk", "other"]
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert titles(client, "/tags/rl/") == ["other"]
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
    assert titles(client, "/tags/rl/") == ["bulk", "other"]


def test_tag_links_made_in_bulk_carry_their_article(client):
    a = make_article(title="a", days_ago=1)
    d = make_draft(title="d")
    tag = Tag.objects.create(name="新")
    TaggedArticle.objects.bulk_create(
        [TaggedArticle(content_object=a, tag=tag), TaggedArticle(content_object=d, tag=tag)]
    )
    assert titles(client, tag.get_absolute_url()) == ["a"]
    TaggedArticle.objects.filter(content_object=d).update(content_object=make_article(title="moved", days_ago=0))
    assert titles(client, tag.get_absolute_url()) == ["moved", "a"]


def test_a_scheduled_article_reaches_its_tag_page_at_its_time(client, monkeypatch):
    make_article(title="now", tags=["rl"], days_ago=1)
    later = make_scheduled(title="later", tags=["rl"])
    assert titles(client, "/tags/rl/") == ["now"]
    moment = later.published_at + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert "later" in titles(client, "/tags/rl/")


def test_related_tags_count_only_what_the_reader_can_see(client):
    for i in range(3):
        make_article(title=f"p{i}", tags=["rl", "td", "mc"] if i else ["rl", "td"])
    make_draft(title="d", tags=["rl", "mc", "dqn"])
    html = client.get("/tags/rl/").content.decode()
    related = re.findall(r'href="/tags/rl\+([^/]+)/"[^>]*>\s*([^<]+?)\s*<span class="count">(\d+)</span>', html)
    assert [(slug, int(n)) for slug, _, n in related] == [("td", 3), ("mc", 2)]


def test_multi_tag_pages_cost_a_constant_number_of_queries(client):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    make_article(tags=["a", "b", "c"])
    few = queries("/tags/a+b+c/")
    for i in range(20):
        make_article(tags=["a", "b", "c", f"x{i}"])
    assert queries("/tags/a+b+c/") == few


def test_triggers_lost_with_a_rebuilt_table_come_back_after_migrate(client):
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite drops a table's triggers when a migration rebuilds it")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER articles_tagged_insert")
        cursor.execute("DROP TRIGGER articles_search_visibility")
    call_command("migrate", verbosity=0)
    article = make_article(title="x", body="时序差分", tags=["rl"])
    assert titles(client, "/tags/rl/") == ["x"]
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert titles(client, "/search/?q=时序差分") == []


def test_related_articles_share_the_most_tags_then_are_newest(client):
    article = make_article(title="本文", tags=["a", "b", "c"], days_ago=1)
    make_article(title="三个相同", tags=["a", "b", "c"], days_ago=30)
    make_article(title="一个相同", tags=["a"], days_ago=2)
    make_article(title="两个相同", tags=["b", "c"], days_ago=20)
    make_article(title="无关", tags=["z"], days_ago=0)
    make_draft(title="草稿", tags=["a", "b", "c"])
    html = client.get(article.get_absolute_url()).content.decode()
    related = html.split('aria-label="Related articles"')[1].split("</nav>")[0].split("</aside>")[0]
    shown = re.findall(r">([^<>]+)</a>", related)
    assert shown[:3] == ["三个相同", "两个相同", "一个相同"] and "草稿" not in shown and "无关" not in shown
    # Ties go by publication: an edit of an older article does not put it first.
    make_article(title="也是一个", tags=["c"], days_ago=3)
    edited = Article.objects.get(title="也是一个")
    edited.body = "Edited today."
    edited.save()
    html = client.get(article.get_absolute_url()).content.decode()
    shown = re.findall(r">([^<>]+)</a>", html.split('aria-label="Related articles"')[1].split("</aside>")[0])
    assert shown[:4] == ["三个相同", "两个相同", "一个相同", "也是一个"]
    Article.objects.filter(title="三个相同").update(status=Article.Status.DRAFT)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "三个相同" not in html.split('aria-label="Related articles"')[1]
