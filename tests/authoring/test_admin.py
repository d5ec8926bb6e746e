"""Authors write in the admin: the pages work and saving renders."""

import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import make_article, make_series

pytestmark = pytest.mark.django_db


def test_article_changelist_with_filters_and_search(staff_client):
    make_article(title="卷积笔记", tags=["CNN", "卷积"], series=make_series(title="S"))
    url = reverse("admin:articles_article_changelist")
    response = staff_client.get(url, {"q": "卷积"})
    html = response.content.decode()
    assert response.status_code == 200 and "卷积笔记" in html
    for heading in ("By status", "By series", "By tags", "By author"):
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
    assert article.slug == "注意力机制" and Article.objects.published().filter(pk=article.pk).exists()
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


def test_editing_in_the_admin_moves_the_article_up_the_feed(staff_client):
    from datetime import timedelta

    from django.utils import timezone

    article = make_article(title="旧文", body="原文", days_ago=30)
    make_article(title="新文", days_ago=1)
    url = reverse("admin:articles_article_change", args=[article.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        body="改过的正文",
        tags="",
        published_at_0=timezone.localtime(article.published_at).strftime("%Y-%m-%d"),
        published_at_1=timezone.localtime(article.published_at).strftime("%H:%M:%S"),
        updated_at_0=timezone.localtime(article.updated_at).strftime("%Y-%m-%d"),
        updated_at_1=timezone.localtime(article.updated_at).strftime("%H:%M:%S"),
    )
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    article.refresh_from_db()
    assert article.updated_at > timezone.now() - timedelta(minutes=1)
    feed = staff_client.get("/").content.decode()
    assert feed.index("旧文") < feed.index("新文")


def test_admin_reports_markdown_that_cannot_render(staff_client, django_user_model):
    response = staff_client.post(
        reverse("admin:articles_article_add"),
        {
            "title": "deep",
            "body": "\n".join("    " * i + "- x" for i in range(500)),
            "status": "draft",
            "updated_at_0": "2025-01-01",
            "updated_at_1": "10:00",
        },
    )
    assert response.status_code == 200
    assert "nested too deeply" in response.content.decode()
