"""A save that fails halfway loses nothing: the previous version stays as readers saw it, in
the search index too, and the history holds exactly the revisions it had.

Database errors are raised on purpose at each step of a save: rendering, the article row's
index entry (after the old entry is deleted, before the new one is written), the revision,
and inside the admin's bulk actions.
"""

from urllib.parse import quote

import pytest
from django.db import DatabaseError
from django.urls import reverse

from articles.models import Article, revisions
from articles.models.revisions import Revision
from articles.search import index as search_index
from markup import rendering
from tests.authoring.test_revisions import form_data, save
from tests.factories import make_article

pytestmark = pytest.mark.django_db

OLD = "旧版本 originalword 的正文。"
NEW = "新版本 replacementword 的正文。"


def fail(*args, **kwargs):
    raise DatabaseError("the database went away")


@pytest.fixture
def article(staff_client):
    article = make_article(title="容错", body=OLD, tags=["可靠"])
    data = form_data(staff_client, article)
    assert save(staff_client, article, data, change_note="first").status_code == 302
    return Article.objects.get(pk=article.pk)


def state(article):
    """Everything a reader or an author would see of `article`, read back from the database."""
    fresh = Article.objects.get(pk=article.pk)
    history = list(Revision.objects.filter(article_key=article.pk).order_by("number").values_list("number", "body"))
    tags = sorted(fresh.tags.names())
    return (fresh.title, fresh.body, fresh.body_html, fresh.excerpt, fresh.status, tags, history)


def found(client, word):
    return "容错" in client.get(f"/search/?q={quote(word)}").content.decode()


def post_edit(client, article):
    client.raise_request_exception = False
    data = form_data(client, article)
    return save(client, article, data, body=NEW, tags="可靠, 新标签", change_note="second")


@pytest.mark.parametrize(
    "break_step",
    [
        # while the new body is rendered
        lambda mp: mp.setattr(rendering.sanitizer, "clean", fail),
        # while the index entry is written: the old one is already deleted
        lambda mp: (mp.setattr(search_index, "_sqlite_rows", fail), mp.setattr(search_index, "tsvector_literal", fail)),
        # while the revision is written, after the article row
        lambda mp: mp.setattr(revisions.Revision.objects, "create", fail),
    ],
    ids=["render", "index", "revision"],
)
def test_a_failed_admin_save_leaves_the_previous_version_and_its_history(
    client, staff_client, article, monkeypatch, break_step
):
    before = state(article)
    assert found(client, "originalword") and not found(client, "replacementword")
    break_step(monkeypatch)
    response = post_edit(staff_client, article)
    assert response.status_code == 500
    monkeypatch.undo()
    assert state(article) == before
    assert found(client, "originalword") and not found(client, "replacementword")
    # and the author can simply save again
    staff_client.raise_request_exception = True
    assert post_edit(staff_client, article).status_code == 302
    assert Article.objects.get(pk=article.pk).body == NEW and found(client, "replacementword")
    assert [r.number for r in Revision.objects.filter(article_key=article.pk)] == [2, 1]


def test_a_save_from_code_is_whole_or_not_at_all(client, article, monkeypatch):
    """Outside any transaction of the caller's (a script, a shell), the row and its index go together."""
    before = state(article)
    monkeypatch.setattr(search_index, "_sqlite_rows", fail)
    monkeypatch.setattr(search_index, "tsvector_literal", fail)
    article.body = NEW
    with pytest.raises(DatabaseError):
        article.save()
    monkeypatch.undo()
    assert state(article) == before
    assert found(client, "originalword")


def test_a_failed_bulk_action_changes_no_article_without_its_revision(staff_client, article, monkeypatch):
    before = state(article)
    changelist = reverse("admin:articles_article_changelist")
    monkeypatch.setattr(revisions.Revision.objects, "create", fail)
    staff_client.raise_request_exception = False
    for action, extra in [("unpublish", {}), ("add_tag", {"tag": "新标签"})]:
        response = staff_client.post(changelist, {"action": action, "_selected_action": [article.pk], **extra})
        assert response.status_code == 500, action
        assert state(article) == before, action
    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED
