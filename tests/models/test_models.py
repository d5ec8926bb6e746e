"""Model behaviour an author notices: slugs, dates, rendering on save, visibility."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Series
from tests.factories import make_article, make_draft, make_scheduled, make_series

pytestmark = pytest.mark.django_db


def test_chinese_title_gets_a_chinese_slug():
    assert make_article(title="盛最多水的容器").slug == "盛最多水的容器"
    assert make_article(title="FlashAttention 与 online softmax").slug == "flashattention-与-online-softmax"


def test_slug_is_never_empty_and_stays_unique():
    first, second = make_article(title="!!!"), make_article(title="???")
    assert first.slug == "article" and second.slug == "article-2"
    assert make_article(title="卷积").slug == "卷积"
    assert make_article(title="卷积").slug == "卷积-2"


def test_saving_renders_the_markdown():
    article = make_article(body="## 第一节\n\n正文 $x^2$。\n\n## 第二节\n\n```python\nprint(1)\n```")
    assert '<h2 id="第一节">' in article.body_html
    assert 'href="#第二节"' in article.toc_html
    assert article.has_math
    assert article.excerpt.startswith("正文")


def test_updated_at_changes_with_the_content_only():
    article = make_article(body="原文")
    before = Article.objects.get(pk=article.pk)
    stamp = before.updated_at
    before.series_order = 3
    before.save()
    assert Article.objects.get(pk=article.pk).updated_at == stamp
    before.body = "改过的正文"
    before.save()
    assert Article.objects.get(pk=article.pk).updated_at > stamp


def test_publishing_sets_the_publication_time():
    draft = make_draft()
    assert draft.published_at is None
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert draft.published_at is not None and draft.published_at <= timezone.now()
    assert draft.updated_at >= draft.published_at


def test_published_hides_drafts_and_future_articles():
    visible = make_article()
    make_draft()
    make_scheduled()
    assert list(Article.objects.published()) == [visible]


def test_scheduled_article_appears_when_its_time_comes():
    article = make_article(published_at=timezone.now() + timedelta(seconds=1))
    assert not Article.objects.published().exists()
    article.published_at = timezone.now() - timedelta(seconds=1)
    article.save()
    assert list(Article.objects.published()) == [article]


def test_series_slug_and_description_rendering():
    series = make_series(title="强化学习基础", description="介绍 $V(s)$ 与 **Q**。")
    assert series.slug == "强化学习基础"
    assert '<span class="arithmatex">\\(V(s)\\)</span>' in series.description_html
    assert (
        Series.objects.get(pk=series.pk).get_absolute_url()
        == "/series/%E5%BC%BA%E5%8C%96%E5%AD%A6%E4%B9%A0%E5%9F%BA%E7%A1%80/"
    )


def test_tags_are_case_insensitive_and_keep_cjk_slugs():
    first = make_article(tags=["CNN", "强化学习"])
    second = make_article(tags=["cnn"])
    assert [t.slug for t in first.tags.order_by("name")] == ["cnn", "强化学习"]
    assert list(second.tags.all()) == [first.tags.get(name="CNN")]


def test_tags_without_letters_get_a_working_slug(client):
    article = make_article(title="emoji", tags=["🤖", "???", "ok"])
    slugs = sorted(article.tags.values_list("slug", flat=True))
    assert slugs == ["ok", "tag", "tag-1"]
    for url in ["/", "/tags/", article.get_absolute_url(), "/tags/tag/", "/tags/tag-1/"]:
        assert client.get(url).status_code == 200, url


def test_tag_names_are_trimmed_and_deduplicated_case_insensitively():
    article = make_article(tags=["  Deep   Learning ", "deep learning", "", "   "])
    assert list(article.tags.names()) == ["Deep Learning"]


def test_tags_added_one_by_one_are_normalised_too():
    article = make_article(tags=["Deep Learning"])
    article.tags.add(" deep\tlearning ", "  ", "CNN", "cnn")
    assert sorted(article.tags.names()) == ["CNN", "Deep Learning"]


def test_with_tags_loads_every_articles_tags_in_one_query(django_assert_num_queries):
    make_article(title="one", tags=["b", "A"])
    make_article(title="two")
    make_article(title="three", tags=["c"])
    with django_assert_num_queries(2):
        loaded = {article.title: [tag.name for tag in article.tags.all()] for article in Article.objects.with_tags()}
    assert loaded == {"one": ["A", "b"], "two": [], "three": ["c"]}
    with django_assert_num_queries(3):  # the rows, then the tags of each chunk of two
        streamed = [[tag.name for tag in a.tags.all()] for a in Article.objects.with_tags().iterator(chunk_size=2)]
    assert sorted(streamed) == [[], ["A", "b"], ["c"]]
    with django_assert_num_queries(1):
        assert len(list(Article.objects.with_tags().values_list("title", flat=True))) == 3


def test_markdown_nested_too_deeply_is_a_validation_error_not_a_crash():
    from django.core.exceptions import ValidationError

    article = Article(title="deep", body="\n".join("    " * i + "- x" for i in range(500)))
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "nested too deeply" in str(error.value)
