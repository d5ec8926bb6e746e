"""Restoring a revision: a confirmation page with the diff first; the text comes back, not the state."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, revisions
from articles.models.revisions import Revision
from tests.factories import make_article, make_draft, make_series

pytestmark = pytest.mark.django_db


def member(django_user_model, username, group):
    user = django_user_model.objects.create_user(username, password="pw-x-123456", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def author(django_user_model):
    return member(django_user_model, "author", "Authors")


@pytest.fixture
def editor(django_user_model):
    return member(django_user_model, "chief", "Editors")


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def restore_url(article, number):
    return reverse("admin:articles_article_restore", args=[article.pk, number])


def history_url(article):
    return reverse("admin:articles_article_history", args=[article.pk])


def diff_rows(html, kind):
    """The text of the diff's rows of `kind` ("added" or "removed") on a page."""
    rows = re.findall(rf'<tr class="kb-diff-{kind}">.*?<span class="kb-diff-mark">[^<]*</span>(.*?)</td>', html, re.S)
    return [unescape(row) for row in rows]


def state(article):
    article = Article.objects.get(pk=article.pk)
    text = (article.title, article.body, article.summary, sorted(article.tags.names()))
    return text, article.series_id, article.series_order, article.status, article.published_at, article.updated_at


def drafted_then_published(author=None):
    """An article whose revision 1 is a draft with other text; revision 2 is published, rewritten."""
    article = make_draft(
        title="旧题",
        body="第一行\nold line\n末行",
        summary="旧摘要",
        tags=["旧标签"],
        series=make_series(title="旧系列"),
        series_order=1,
        author=author,
    )
    revisions.record(article)
    article.title, article.body, article.summary = "新题", "第一行\nnew line\n末行", "新摘要"
    article.series, article.series_order = make_series(title="新系列"), 3
    article.status, article.published_at = Article.Status.PUBLISHED, timezone.now() - timedelta(days=2)
    article.save()
    article.tags.set(["新标签"])
    revisions.record(article)
    return Article.objects.get(pk=article.pk)


def test_the_confirmation_page_shows_the_diff_and_changes_nothing(editor):
    article = drafted_then_published()
    before, revision_count = state(article), Revision.objects.count()
    response = logged_in(editor).get(restore_url(article, 1))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Restore revision 1 of “新题”?" in html
    assert "new line" in diff_rows(html, "removed") and "old line" in diff_rows(html, "added")
    assert "title: 旧题" in diff_rows(html, "added") and "tags: 旧标签" in diff_rows(html, "added")
    # The status stays, so the diff does not show it changing.
    assert not any(row.startswith("status:") for row in diff_rows(html, "added") + diff_rows(html, "removed"))
    assert "Status and dates stay as they are: the status is Published" in html
    assert "Also bring back its status (Draft) and publication date (none)" in html
    assert 'name="with_state"' in html and 'name="csrfmiddlewaretoken"' in html
    assert 'value="Restore"' in html and f'href="{history_url(article)}" class="button cancel-link"' in html

    assert state(article) == before and Revision.objects.count() == revision_count


def test_the_history_links_each_old_revision_to_its_confirmation_page(editor):
    article = drafted_then_published()
    html = logged_in(editor).get(history_url(article)).content.decode()
    assert f'href="{restore_url(article, 1)}"' in html
    assert f'href="{restore_url(article, 2)}"' not in html  # the current revision
    assert f'action="{restore_url(article, 1)}"' not in html  # no restore straight from the history


def test_restoring_brings_back_the_text_and_keeps_the_article_published(editor):
    article = drafted_then_published()
    published_at, live_url, reader = article.published_at, article.get_absolute_url(), Client()
    assert "new line" in reader.get(live_url).content.decode()

    response = logged_in(editor).post(restore_url(article, 1), follow=True)
    assert response.redirect_chain == [(history_url(article), 302)]
    assert "Restored revision 1; it is now revision 3." in response.content.decode()

    article.refresh_from_db()
    assert (article.title, article.body, article.summary) == ("旧题", "第一行\nold line\n末行", "旧摘要")
    assert list(article.tags.names()) == ["旧标签"]
    assert (article.series.title, article.series_order) == ("旧系列", 1)
    assert article.status == "published" and article.published_at == published_at
    newest = revisions.latest(article.pk)
    assert (newest.number, newest.note, newest.saved_by) == (3, "Restored revision 1", editor)
    assert newest.status == "published"

    live = reader.get(live_url)
    assert live.status_code == 200
    page = live.content.decode()
    assert "old line" in page and "new line" not in page and "旧题" in page


def test_ticking_the_box_brings_back_the_status_and_publication_date_too(editor):
    article = drafted_then_published()
    live_url = article.get_absolute_url()
    response = logged_in(editor).post(restore_url(article, 1), {"with_state": "1"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.body, article.status, article.published_at) == ("第一行\nold line\n末行", "draft", None)
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert Client().get(live_url).status_code == 404


def test_the_box_brings_back_a_publication_date_that_alone_differs(editor):
    article = make_article(title="日期", body="正文")
    revisions.record(article)
    first_date = article.published_at
    article.published_at = first_date - timedelta(days=30)  # a date corrected later: no new revision
    article.save()
    client = logged_in(editor)
    html = client.get(restore_url(article, 1)).content.decode()
    assert "there is no text to restore" in html and 'name="with_state"' in html
    response = client.post(restore_url(article, 1), {"with_state": "1"}, follow=True)
    assert "Brought back the publication date of revision 1." in response.content.decode()
    article.refresh_from_db()
    assert article.published_at == first_date


def test_an_author_is_offered_no_state_and_a_forged_one_is_ignored(author):
    # Published once, then taken back to a draft and rewritten: revision 1 has another state.
    article = make_article(title="作者的文章", body="发表过的版本", author=author)
    revisions.record(article)
    published_at = article.published_at
    article.status, article.body = Article.Status.DRAFT, "撤回后改写"
    article.save()
    revisions.record(article)
    client = logged_in(author)

    html = client.get(restore_url(article, 1)).content.decode()
    assert "发表过的版本" in diff_rows(html, "added") and "Status and dates stay as they are" in html
    assert 'name="with_state"' not in html and "Also bring back its status" not in html

    assert client.post(restore_url(article, 1), {"with_state": "1"}).status_code == 302
    article.refresh_from_db()
    assert (article.body, article.status, article.published_at) == ("发表过的版本", "draft", published_at)
    assert not Article.objects.published().exists()


def test_an_authors_restore_of_a_published_article_waits_for_review(author):
    article = drafted_then_published(author=author)
    before, live_url, client = state(article), article.get_absolute_url(), logged_in(author)
    html = client.get(restore_url(article, 1)).content.decode()
    assert "your restore will wait for an Editor's review" in html
    assert 'value="Restore"' in html and 'name="with_state"' not in html

    response = client.post(restore_url(article, 1), {"with_state": "1"}, follow=True)
    message = "Revision 1 is restored as revision 3, waiting for an Editor's review"
    assert message in unescape(response.content.decode())
    assert state(article) == before
    live = Client().get(live_url).content.decode()
    assert "new line" in live and "old line" not in live
    waiting = revisions.latest(article.pk)
    assert (waiting.number, waiting.pending, waiting.status) == (3, True, "published")
    assert waiting.body == "第一行\nold line\n末行"


def test_a_revision_that_says_what_the_article_says_offers_nothing_to_restore(editor):
    article = make_article(title="来回", body="A 版")
    revisions.record(article)
    for body in ("B 版", "A 版"):
        article.body = body
        article.save()
        revisions.record(article)
    client = logged_in(editor)
    before, revision_count = state(article), Revision.objects.count()

    html = client.get(restore_url(article, 1)).content.decode()
    assert "there is no text to restore" in html
    assert 'value="Restore"' not in html and 'name="with_state"' not in html and "kb-diff-added" not in html
    assert f'href="{history_url(article)}" class="button cancel-link"' in html

    response = client.post(restore_url(article, 1), follow=True)  # posted anyway: nothing happens
    assert "Revision 1 is what the article already says: nothing to restore." in response.content.decode()
    assert state(article) == before and Revision.objects.count() == revision_count


def test_the_same_text_in_another_state_is_offered_to_an_editor_only(editor, author):
    article = make_draft(title="只改状态", body="同样的正文", author=author)
    revisions.record(article)
    article.status = Article.Status.PUBLISHED
    article.save()
    revisions.record(article)  # revision 2: published, same text

    html = logged_in(editor).get(restore_url(article, 1)).content.decode()
    assert "there is no text to restore" in html and "Only its status and publication date differ" in html
    assert "Also bring back its status (Draft)" in html and 'value="Restore"' in html
    html = logged_in(author).get(restore_url(article, 1)).content.decode()
    assert "there is no text to restore" in html and 'value="Restore"' not in html


def test_an_unknown_revision_is_a_404_and_someone_elses_article_a_403(author, django_user_model):
    theirs = drafted_then_published(author=django_user_model.objects.create_user("bob"))
    own = make_draft(title="我的", author=author)
    revisions.record(own)
    client = logged_in(author)
    assert client.get(restore_url(own, 99)).status_code == 404
    assert client.post(restore_url(own, 99)).status_code == 404
    before = state(theirs)
    assert client.get(restore_url(theirs, 1)).status_code == 403
    assert client.post(restore_url(theirs, 1), {"with_state": "1"}).status_code == 403
    assert state(theirs) == before and revisions.latest(theirs.pk).number == 2
    assert client.put(restore_url(own, 1)).status_code == 405
