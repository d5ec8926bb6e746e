"""A published article's old address answers 301 to its page after an Editor changes its slug."""

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles import pagecache
from articles.models import Article
from articles.search import index as search_index
from tests.factories import make_article, make_draft, make_scheduled
from tests.models.test_article_redirects import rename

pytestmark = pytest.mark.django_db


def moved(response, to):
    return response.status_code == 301 and response["Location"] == to


def test_the_old_address_moves_for_good_to_the_new_one(client):
    article = make_article(title="旧地址的文章", slug="旧地址")
    rename(article, "new-address")
    response = client.get("/articles/旧地址/")
    assert moved(response, "/articles/new-address/")
    page = client.get(response["Location"])
    assert page.status_code == 200 and "旧地址的文章" in page.content.decode()


def test_the_query_string_is_dropped_as_on_renamed_tags(client):
    rename(make_article(slug="a"), "b")
    assert moved(client.get("/articles/a/?utm_source=feed"), "/articles/b/")


def test_each_old_address_of_a_chain_goes_straight_to_the_article(client):
    article = make_article(slug="first")
    rename(article, "second")
    rename(article, "third")
    assert moved(client.get("/articles/first/"), "/articles/third/")
    assert moved(client.get("/articles/second/"), "/articles/third/")
    assert client.get("/articles/third/").status_code == 200


def test_renamed_back_the_address_is_the_page_again(client):
    article = make_article(title="Back home", slug="home")
    rename(article, "away")
    rename(article, "home")
    page = client.get("/articles/home/")
    assert page.status_code == 200 and "Back home" in page.content.decode()
    assert moved(client.get("/articles/away/"), "/articles/home/")


def test_an_old_address_taken_by_a_new_article_serves_the_new_article(client):
    rename(make_article(title="The renamed one", slug="taken"), "renamed")
    make_article(title="The newcomer", slug="taken")
    page = client.get("/articles/taken/")
    assert page.status_code == 200 and "The newcomer" in page.content.decode()


def test_an_old_address_taken_by_a_draft_is_a_404_not_a_redirect(client):
    rename(make_article(slug="taken"), "renamed")
    make_draft(slug="taken")
    assert client.get("/articles/taken/").status_code == 404


@pytest.mark.parametrize("hide", ["draft", "scheduled"])
def test_a_redirect_to_an_article_readers_cannot_see_is_a_404(staff_client, hide):
    article = make_article(title="Hidden now", slug="old")
    rename(article, "new")
    if hide == "draft":
        article.status = Article.Status.DRAFT
        article.save()
    else:
        article.published_at = make_scheduled().published_at
        article.save()
    response = Client().get("/articles/old/")
    assert response.status_code == 404
    assert b"/articles/new/" not in response.content and b"Hidden now" not in response.content
    # The staff who may preview the article are sent to its preview, as to any page they can see.
    assert moved(staff_client.get("/articles/old/"), "/articles/new/")


def test_deleting_the_article_leaves_its_old_addresses_404(client):
    article = make_article(slug="old")
    rename(article, "new")
    article.delete()
    assert client.get("/articles/old/").status_code == 404
    assert client.get("/articles/new/").status_code == 404


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, len(queries)


def test_the_redirect_costs_a_few_queries_however_many_redirects_exist(client):
    article = make_article(slug="s0")
    rename(article, "s1")
    _, few = count_queries(client, "/articles/s0/")
    for n in range(2, 30):
        rename(article, f"s{n}")
    for old in ["s0", "s15"]:
        response, queries = count_queries(client, f"/articles/{old}/")
        assert moved(response, "/articles/s29/")
        assert queries == few <= 4, old
    # An address that never was one costs one query more than before redirects existed, no more.
    response, queries = count_queries(client, "/articles/never/")
    assert response.status_code == 404 and queries <= 2


def test_redirects_cost_the_article_page_no_query(client):
    article = make_article(slug="page", tags=["a", "b"])
    _, before = count_queries(client, "/articles/page/")
    rename(article, "renamed")
    rename(article, "page")
    response, after = count_queries(client, "/articles/page/")
    assert response.status_code == 200 and after == before


@pytest.fixture
def page_cache(settings, monkeypatch):
    settings.KB_PAGE_CACHE = True
    monkeypatch.setattr(pagecache, "VERSION_SECONDS", 60.0)
    pagecache._forget_version()
    cache.clear()
    yield
    cache.clear()


def test_the_page_cache_serves_no_stale_page_or_404_at_either_address(client, page_cache):
    article = make_article(title="Cached article", slug="before")
    assert client.get("/articles/before/").status_code == 200  # stored
    assert client.get("/articles/after/").status_code == 404  # not stored
    _, queries = count_queries(client, "/articles/before/")
    assert queries == 0  # served from the cache

    rename(article, "after")
    assert moved(client.get("/articles/before/"), "/articles/after/")
    assert moved(client.get("/articles/before/"), "/articles/after/")  # the 301 is not stored either
    page = client.get("/articles/after/")
    assert page.status_code == 200 and "Cached article" in page.content.decode()

    article.status = Article.Status.DRAFT
    article.save()
    assert client.get("/articles/before/").status_code == 404
    assert client.get("/articles/after/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_keeps_the_old_addresses(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    article = make_article(slug="kept-old")
    rename(article, "kept-new")
    call_command("backup", str(tmp_path / "backup"), stdout=StringIO())
    call_command("flush", interactive=False, verbosity=0)
    search_index.clear()
    assert Client().get("/articles/kept-old/").status_code == 404
    call_command("restore", str(tmp_path / "backup"), stdout=StringIO())
    assert moved(Client().get("/articles/kept-old/"), "/articles/kept-new/")
