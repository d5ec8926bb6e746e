"""Content stored before today's limits (a body over the size cap, say) never gives a 500.

A site upgraded to these limits holds articles and revisions the form would now refuse. Changing
such an article's status renders nothing (its Markdown did not change), and restoring or
recovering such a revision is refused with a message naming the limit, the article unchanged.
"""

import pytest
from django.urls import reverse

from articles.models import Article, Revision, revisions
from markup import limits
from tests.factories import make_article

pytestmark = pytest.mark.django_db

OVERSIZE = "一段很长的正文，$x^2$。\n\n" * (limits.MAX_BODY_BYTES // 30 + 100)


def stored_oversize(article):
    """Give `article` an over-size body in the database, as a site from before the cap could have."""
    assert len(OVERSIZE.encode()) > limits.MAX_BODY_BYTES
    Article.objects.filter(pk=article.pk).update(body=OVERSIZE)
    return Article.objects.get(pk=article.pk)


def test_publishing_an_article_stored_over_the_cap_renders_nothing_and_answers(staff_client):
    article = stored_oversize(make_article(title="旧的长文", status="draft"))
    html_before = article.body_html
    response = staff_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [article.pk]},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == "published" and article.body == OVERSIZE and article.body_html == html_before


def test_restoring_a_revision_over_the_cap_is_refused_with_a_message(staff_client):
    article = make_article(title="有历史的文章", body="现在的正文。")
    revisions.record(article)
    revision = Revision.objects.get(article=article)
    Revision.objects.filter(pk=revision.pk).update(body=OVERSIZE, title="旧版本")
    url = reverse("admin:articles_article_restore", args=[article.pk, revision.number])
    response = staff_client.post(url, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "was not restored" in page and f"{limits.MAX_BODY_BYTES // 1024} KB" in page
    article.refresh_from_db()
    assert article.body == "现在的正文。" and article.title == "有历史的文章"


def test_recovering_a_deleted_article_over_the_cap_is_refused_with_a_message(staff_client):
    article = make_article(title="删掉的长文", body="正文。")
    revisions.record(article)
    article.delete()
    revision = revisions.deleted_articles().get()
    Revision.objects.filter(pk=revision.pk).update(body=OVERSIZE)
    response = staff_client.post(reverse("admin:articles_article_recover", args=[revision.pk]), follow=True)
    assert response.status_code == 200
    assert "was not recovered" in response.content.decode()
    assert not Article.objects.exists()
