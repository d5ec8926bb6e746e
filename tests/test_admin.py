"""Authors write in the admin: the pages work and saving renders."""

import pytest
from django.urls import reverse

from articles.models import Article

from .factories import make_article, make_series

pytestmark = pytest.mark.django_db


def test_article_changelist_with_filters_and_search(staff_client):
    make_article(title="卷积笔记", tags=["CNN", "卷积"], series=make_series(title="S"))
    url = reverse("admin:articles_article_changelist")
    response = staff_client.get(url, {"q": "卷积"})
    html = response.content.decode()
    assert response.status_code == 200 and "卷积笔记" in html
    for heading in ("By status", "By series", "By Tags", "By author"):
        assert heading in html
    assert staff_client.get(url, {"status__exact": "draft"}).status_code == 200


def test_add_form_has_a_large_monospace_body_and_prepopulated_slug(staff_client):
    html = staff_client.get(reverse("admin:articles_article_add")).content.decode()
    assert 'class="kb-source"' in html and 'rows="30"' in html
    assert "css/admin.css" in html
    assert "prepopulated_fields" in html or "data-prepopulated-field" in html or "prepopulated" in html


def test_saving_in_the_admin_renders_and_sets_the_author(staff_client, django_user_model):
    response = staff_client.post(
        reverse("admin:articles_article_add"),
        {
            "title": "注意力机制",
            "slug": "",
            "body": "## 定义\n\n$\\operatorname{softmax}(QK^T)V$\n\n## 复杂度\n\n文字。",
            "summary": "",
            "tags": "注意力, LLM",
            "status": "published",
            "published_at_0": "",
            "published_at_1": "",
            "updated_at_0": "2025-01-01",
            "updated_at_1": "10:00:00",
            "author": django_user_model.objects.get(username="editor").pk,
            "series": "",
            "series_order": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.slug == "注意力机制" and article.is_public
    assert "arithmatex" in article.body_html and 'href="#定义"' in article.toc_html
    assert sorted(article.tags.names()) == ["LLM", "注意力"]
    assert article.author.username == "editor"


def test_series_admin_shows_parts_with_positions(staff_client):
    series = make_series(title="强化学习基础")
    make_article(title="第二篇", series=series, series_order=2)
    make_article(title="第一篇", series=series, series_order=1)
    html = staff_client.get(reverse("admin:articles_series_change", args=[series.pk])).content.decode()
    assert html.index("第一篇") < html.index("第二篇")
    assert 'name="articles-0-series_order"' in html


def test_readers_cannot_reach_the_admin(client):
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
