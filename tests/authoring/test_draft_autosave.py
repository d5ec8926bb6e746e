"""A draft is saved to the server on its own (the editor's timer posts the form to `autosave/`).

Only the text: never the status, dates, slug or author; never a published or scheduled article;
a form a newer revision has overtaken is refused as a Save would be. Consecutive automatic
saves by one user are one revision in the history, moved up to the latest number each time.
"""

import pytest
from django.urls import reverse

from articles.models import Article, revisions
from articles.models.revisions import Revision
from tests.authoring.test_permissions import client_for, member
from tests.factories import make_article, make_draft, make_scheduled

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(django_user_model):
    return member(django_user_model, "author", "Authors")


@pytest.fixture
def editor(django_user_model):
    return member(django_user_model, "chief", "Editors")


def autosave(client, article, **fields):
    data = {"title": article.title, "body": article.body, "summary": "", "tags": "", "series": "",
            "series_order": "", "version": revisions.version_of(article), **fields}  # fmt: skip
    return client.post(reverse("admin:articles_article_autosave", args=[article.pk]), data)


def test_an_authors_draft_is_saved_and_one_revision_keeps_consecutive_autosaves(client, author):
    draft = make_draft(title="草稿", body="旧", author=author)
    client = client_for(client, author)
    form = client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert f'data-draft-save-url="/admin/articles/article/{draft.pk}/autosave/"' in form

    first = autosave(client, draft, body="新的正文 $x$", tags="笔记")
    assert first.status_code == 200 and first.json()["version"] == 1
    draft.refresh_from_db()
    assert draft.body == "新的正文 $x$" and list(draft.tags.names()) == ["笔记"] and draft.status == "draft"
    second = autosave(client, draft, body="再新一点", tags="笔记")
    assert second.json()["version"] == 2
    history = list(Revision.objects.filter(article=draft))
    assert len(history) == 1 and history[0].number == 2 and history[0].body == "再新一点" and history[0].autosave

    # The author's own Save of that text keeps it as theirs: the next autosave is a new revision.
    draft.refresh_from_db()
    revisions.record(draft, author, note="mine")
    assert not Revision.objects.get(article=draft).autosave
    autosave(client, draft, body="第三版", tags="笔记")
    assert Revision.objects.filter(article=draft).count() == 2


def test_an_autosave_changes_only_the_text(client, editor):
    draft = make_draft(title="草稿", body="旧", slug="draft-address")
    response = autosave(
        client_for(client, editor), draft, body="新", status="published", slug="elsewhere", published_at_0="2025-01-01"
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.body, draft.status, draft.slug, draft.published_at) == ("新", "draft", "draft-address", None)


def test_published_and_scheduled_articles_are_never_saved_on_their_own(client, editor):
    for article in (make_article(body="线上"), make_scheduled(body="线上")):
        editors = client_for(client, editor)
        form = editors.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
        assert "data-draft-save-url" not in form
        response = autosave(editors, article, body="不该保存")
        assert response.status_code == 409 and "Only drafts" in response.json()["error"]
        article.refresh_from_db()
        assert article.body == "线上"


def test_a_stale_form_is_refused_and_a_bad_one_says_why(client, author):
    draft = make_draft(title="草稿", body="旧", author=author)
    client = client_for(client, author)
    autosave(client, draft, body="先")
    stale = autosave(client, draft, body="后", version=0)
    assert stale.status_code == 409 and "newer version" in stale.json()["conflict"]
    empty = autosave(client, draft, title="", body="后", version=1)
    assert empty.status_code == 400 and "This field is required." in empty.json()["error"]
    draft.refresh_from_db()
    assert draft.body == "先"


def test_nobody_else_autosaves_an_authors_draft(client, author, django_user_model):
    other = member(django_user_model, "other", "Authors")
    draft = make_draft(title="草稿", body="旧", author=author)
    assert autosave(client_for(client, other), draft, body="别人改").status_code == 404
    draft.refresh_from_db()
    assert draft.body == "旧" and Article.objects.count() == 1
