"""History and no lost edits: revisions, diffs, restore, stale forms, deletion and recovery."""

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.authoring import services
from articles.authoring.diffs import diff_lines
from articles.models import Article, revisions
from articles.models.revisions import Revision
from tests.factories import make_article, make_draft, make_series

pytestmark = pytest.mark.django_db


def form_data(client, article):
    """What the change form of `article` would post back unchanged."""
    form = client.get(reverse("admin:articles_article_change", args=[article.pk])).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    for name in ("published_at", "updated_at"):
        moment = getattr(article, name)
        data[f"{name}_0"] = timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""
        data[f"{name}_1"] = timezone.localtime(moment).strftime("%H:%M:%S") if moment else ""
        del data[name]
    data["tags"] = ", ".join(article.tags.names())
    return {key: "" if value is None else value for key, value in data.items()}


def save(client, article, data, **changes):
    return client.post(reverse("admin:articles_article_change", args=[article.pk]), {**data, **changes})


def test_each_content_changing_save_keeps_a_revision_with_who_and_note(staff_client):
    article = make_article(title="注意力", body="第一版", tags=["LLM"], series=make_series(title="S"), series_order=2)
    data = form_data(staff_client, article)
    assert save(staff_client, article, data, change_note="first").status_code == 302
    data = form_data(staff_client, article)
    response = save(staff_client, article, data, body="第二版", tags="LLM, 注意力", change_note="rewrite")
    assert response.status_code == 302
    data = form_data(staff_client, article)
    assert save(staff_client, article, data).status_code == 302  # nothing changed: no new revision
    first, second = Revision.objects.filter(article=article).order_by("number")
    assert (first.number, first.body, first.tags, first.note) == (1, "第一版", ["LLM"], "first")
    assert (first.series, first.series_order, first.status) == ("S", 2, "published")
    assert (second.number, second.body, second.tags, second.note) == (2, "第二版", ["LLM", "注意力"], "rewrite")
    assert second.saved_by.username == "editor"


def test_history_shows_a_diff_between_any_two_revisions(staff_client):
    article = make_article(title="T", body="line one\nline two\nline three")
    url = reverse("admin:articles_article_change", args=[article.pk])
    for body in ("line one\nline two\nline three", "line one\nline 2\nline three", "line one\nline 2\nline 3\n新行"):
        data = form_data(staff_client, article)
        assert staff_client.post(url, {**data, "body": body}).status_code == 302
    history = reverse("admin:articles_article_history", args=[article.pk])
    html = staff_client.get(history).content.decode()
    assert "Revision 2 → revision 3" in html  # the latest change by default
    html = staff_client.get(history, {"old": 1, "new": 3}).content.decode()
    assert "Revision 1 → revision 3" in html
    assert '<tr class="kb-diff-removed">' in html and "line two" in html and "新行" in html
    assert staff_client.get(history, {"old": "x", "new": "999"}).status_code == 200  # bad numbers: defaults


def test_diff_lines_marks_added_removed_and_skips_far_context():
    old = "\n".join(f"line {i}" for i in range(20))
    new = old.replace("line 3", "line three").replace("line 17", "line seventeen")
    lines = diff_lines(old, new, context=1)
    kinds = [(line.kind, line.text) for line in lines if line.kind != "same"]
    assert ("removed", "line 3") in kinds and ("added", "line three") in kinds and ("gap", "…") in kinds
    assert not any(line.text == "line 10" for line in lines)


def test_restore_is_confirmed_then_itself_a_new_revision(staff_client):
    article = make_article(title="原题", body="原文", tags=["a"])
    url = reverse("admin:articles_article_change", args=[article.pk])
    staff_client.post(url, form_data(staff_client, article))
    staff_client.post(url, {**form_data(staff_client, article), "title": "新题", "body": "改写", "tags": "b"})
    restore = reverse("admin:articles_article_restore", args=[article.pk, 1])
    assert restore in staff_client.get(reverse("admin:articles_article_history", args=[article.pk])).content.decode()
    confirm = staff_client.get(restore)  # the history links here: a page to confirm, nothing restored yet
    assert confirm.status_code == 200 and "Restore revision 1 of “新题”?" in confirm.content.decode()
    assert Revision.objects.filter(article=article).count() == 2
    response = staff_client.post(restore)
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.body, list(article.tags.names())) == ("原题", "原文", ["a"])
    assert "原文" in article.body_html
    newest = Revision.objects.filter(article=article).order_by("-number").first()
    assert newest.number == 3 and newest.note == "Restored revision 1" and newest.saved_by.username == "editor"


def test_a_stale_form_is_refused_with_a_diff_and_keeps_the_second_authors_text(staff_client, client, django_user_model):
    article = make_article(title="共同编辑", body="开头\n中间\n结尾")
    url = reverse("admin:articles_article_change", args=[article.pk])
    alice = django_user_model.objects.create_user("alice", is_staff=True, is_superuser=True)
    client.force_login(alice)
    bob_form = form_data(staff_client, article)  # bob (the "editor") opens the form first
    alice_form = form_data(client, article)
    assert client.post(url, {**alice_form, "body": "开头\nAlice 改的中间\n结尾"}).status_code == 302

    response = staff_client.post(url, {**bob_form, "body": "开头\n中间\n结尾\nBob 加的一段"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not saved: alice saved a newer version" in html
    assert "Bob 加的一段" in html  # still in the form
    assert 'class="kb-diff-removed"' in html and "Alice 改的中间" in html
    article.refresh_from_db()
    assert article.body == "开头\nAlice 改的中间\n结尾"

    # Bob saw the diff; the form now carries the newer version, so saving again is deliberate.
    form = response.context["adminform"].form
    assert form["version"].value() == 1
    response = staff_client.post(url, {**bob_form, "version": 1, "body": "开头\nAlice 改的中间\n结尾\nBob 加的一段"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body.endswith("Bob 加的一段")


@pytest.mark.parametrize(("action", "extra"), [("publish", {}), ("add_tag", {"tag": "新标签"})])
def test_an_action_on_a_selection_keeps_an_edit_saved_while_it_runs(staff_client, monkeypatch, action, extra):
    # The action saves one article after another (each rendered and indexed: seconds for a
    # long selection); an author saves the second while it is busy with the first.
    first, second = make_draft(title="First", days_ago=1), make_draft(title="Second", body="Old text.", days_ago=2)
    record = revisions.record

    def record_and_edit_the_second(article, *args, **kwargs):
        if article.pk == first.pk:
            meanwhile = Article.objects.get(pk=second.pk)
            meanwhile.body = "New text, saved meanwhile."
            meanwhile.save()
            record(meanwhile, note="the author's edit")
        return record(article, *args, **kwargs)

    monkeypatch.setattr(revisions, "record", record_and_edit_the_second)
    changelist = reverse("admin:articles_article_changelist")
    staff_client.post(changelist, {"action": action, "_selected_action": [first.pk, second.pk], **extra})

    second.refresh_from_db()
    assert second.body == "New text, saved meanwhile."  # not the copy the action loaded before
    assert revisions.latest(second.pk).body == "New text, saved meanwhile."  # nor in its history
    assert second.status == ("published" if action == "publish" else "draft")


def test_deleting_asks_for_confirmation_and_the_article_can_be_recovered(staff_client):
    article = make_article(title="要删除的文章", slug="doomed", body="珍贵的内容 $x$", tags=["x"])
    url = reverse("admin:articles_article_delete", args=[article.pk])
    response = staff_client.get(url)
    assert response.status_code == 200 and "Are you sure" in response.content.decode()
    assert "can be recovered later from" in response.content.decode()
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not Article.objects.exists()

    listing = staff_client.get(reverse("admin:articles_article_deleted")).content.decode()
    assert "要删除的文章" in listing
    last = Revision.objects.get(deleted=True)
    assert last.article is None and last.body == "珍贵的内容 $x$" and last.saved_by.username == "editor"
    response = staff_client.post(reverse("admin:articles_article_recover", args=[last.pk]))
    recovered = Article.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{recovered.pk}/change/")
    assert (recovered.slug, recovered.body, list(recovered.tags.names())) == ("doomed", "珍贵的内容 $x$", ["x"])
    assert recovered.status == "published" and "arithmatex" in recovered.body_html
    assert [r.number for r in recovered.revisions.all()] == [1]  # its history came back with it
    assert "No deleted article" in staff_client.get(reverse("admin:articles_article_deleted")).content.decode()


def test_bulk_delete_keeps_every_last_revision(staff_client):
    one, two = make_article(title="一"), make_article(title="二")
    response = staff_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected", "_selected_action": [one.pk, two.pk], "post": "yes"},
    )
    assert response.status_code == 302 and not Article.objects.exists()
    assert sorted(Revision.objects.filter(deleted=True).values_list("title", flat=True)) == ["一", "二"]


def test_a_deletion_keeps_one_last_revision_naming_who_deleted_it_when_known(django_user_model):
    editor = django_user_model.objects.create_user("deleter")
    article = make_article(title="删除", body="第一版")
    revisions.record(article, note="first")
    article.body = "第二版, never recorded"
    article.save()
    key = article.pk
    services.delete_article(article, editor)
    kept = Revision.objects.filter(article_key=key).order_by("number")
    assert [(r.number, r.body, r.deleted, r.saved_by) for r in kept] == [
        (1, "第一版", False, None),
        (2, "第二版, never recorded", True, editor),  # one revision, though the receiver ran too
    ]
    # Deleted another way (a script, a cascade): the receiver keeps the last content, without a user.
    other = make_article(title="另一篇")
    key = other.pk
    other.delete()
    assert list(Revision.objects.filter(article_key=key).values_list("deleted", "saved_by")) == [(True, None)]


def test_import_keeps_a_revision_only_when_the_content_changes(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "a.md"
    path.write_text("---\ntitle: 导入\nslug: imported\n---\n正文\n", encoding="utf-8")
    call_command("import_markdown", str(path), verbosity=0)
    call_command("import_markdown", str(path), verbosity=0)
    path.write_text("---\ntitle: 导入\nslug: imported\n---\n新正文\n", encoding="utf-8")
    call_command("import_markdown", str(path), verbosity=0)
    assert list(Revision.objects.order_by("number").values_list("number", "body")) == [(1, "正文\n"), (2, "新正文\n")]
