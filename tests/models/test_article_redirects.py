"""An article's old slugs: remember_slug_change() keeps each one pointing at the article."""

import pytest

from articles.models import ArticleRedirect, moved_article_slug, remember_slug_change
from tests.factories import make_article, make_draft

pytestmark = pytest.mark.django_db


def rename(article, slug):
    """What the admin does when an Editor changes a published article's slug."""
    old = article.slug
    article.slug = slug
    article.save()
    remember_slug_change(old, article)


def redirects():
    return dict(ArticleRedirect.objects.values_list("old_slug", "article__slug"))


def test_a_changed_slug_is_remembered_and_an_unchanged_one_is_not():
    article = make_article(slug="old")
    remember_slug_change("old", article)
    assert redirects() == {}
    rename(article, "new")
    assert redirects() == {"old": "new"}
    assert moved_article_slug("old") == "new"
    assert moved_article_slug("new") is None and moved_article_slug("never") is None


def test_every_slug_of_a_chain_points_at_the_article():
    article = make_article(slug="a")
    rename(article, "b")
    rename(article, "c")
    assert redirects() == {"a": "c", "b": "c"}


def test_renaming_back_makes_the_address_real_again():
    article = make_article(slug="a")
    rename(article, "b")
    rename(article, "a")
    assert redirects() == {"b": "a"}
    assert moved_article_slug("a") is None


def test_an_old_slug_left_again_points_at_the_article_that_left_it_last():
    first = make_article(slug="shared")
    rename(first, "first")
    second = make_article(slug="shared")  # a new article takes the freed address...
    rename(second, "second")  # ...and leaves it too
    assert redirects() == {"shared": "second"}


def test_an_article_holding_the_old_slug_wins_even_as_a_draft():
    article = make_article(slug="a")
    rename(article, "b")
    make_draft(slug="a")
    assert moved_article_slug("a") is None


def test_deleting_the_article_deletes_its_redirects():
    article = make_article(slug="a")
    rename(article, "b")
    rename(article, "c")
    article.delete()
    assert redirects() == {}
