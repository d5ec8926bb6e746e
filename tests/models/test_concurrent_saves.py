"""Saves at the same moment: each author ends with an article or a message, never a 500.

Two authors creating articles of one title at once both get one (the second under the next
free slug); a slug typed by both is a field error for the later, the text kept. On SQLite
(a file database, as served), two editors saving one article at once: the later waits for
the write lock and gets the stale-save conflict page, not "database is locked".

Races are made two ways: in one process, by letting the competing row appear between the
form's check and the save; and for real, by threads (PostgreSQL) or server processes
(SQLite file) saving at the same moment.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from articles.authoring import services
from articles.authoring.forms import ArticleAdminForm
from articles.models import Article
from articles.models import articles as models
from articles.models.revisions import Revision
from tests.authoring.test_admin_limits import add_form
from tests.factories import make_article
from tests.served_admin import post_form, rows, served_sqlite, signed_in  # noqa: F401 - served_sqlite: the fixture

ADD = reverse("admin:articles_article_add")
TITLE = "同时创建的文章"
BODY = "## 推导\n\n" + "同一时刻保存的正文，$x^2$ 与 softmax。\n\n" * 200


# In one process: the competing row appears between the check and the insert.


@pytest.mark.django_db
def test_a_slug_made_from_the_title_and_taken_meanwhile_becomes_the_next_free_one(staff_client, monkeypatch):
    make_article(title=TITLE)
    real = models.unique_slug
    calls = []

    def checked_before_the_other_save(*args, **kwargs):
        calls.append(args)
        return "同时创建的文章" if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(models, "unique_slug", checked_before_the_other_save)
    response = staff_client.post(ADD, add_form(title=TITLE, body=BODY))
    assert response.status_code == 302
    mine = Article.objects.get(slug="同时创建的文章-2")
    assert mine.body == BODY.strip()
    assert Revision.objects.filter(article=mine).count() == 1


@pytest.mark.django_db
def test_a_typed_slug_taken_meanwhile_is_a_field_error_with_the_text_kept(staff_client, monkeypatch):
    make_article(title="先保存的", slug="same-slug")
    real = ArticleAdminForm.validate_unique
    checks = []

    def checked_before_the_other_save(form):
        checks.append(form)
        if len(checks) > 1:
            real(form)

    monkeypatch.setattr(ArticleAdminForm, "validate_unique", checked_before_the_other_save)
    response = staff_client.post(ADD, add_form(title=TITLE, slug="same-slug", body=BODY))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "already used" in str(form.errors["slug"])
    assert form["body"].value() == BODY
    assert Article.objects.filter(slug="same-slug").count() == 1 and not Article.objects.filter(title=TITLE)


# For real, on PostgreSQL: threads with their own connections, meeting after the form's checks.


def _at_once(monkeypatch, posts, meet=(Article, "render")):
    """Run `posts` (functions of a logged-in Client) in threads that wait for each other in
    `meet` (a class and a method's name) before going on; returns their responses.

    Meeting in Article.render, the saves have passed their form's checks and made their slug,
    and none has written yet.
    """
    barrier = threading.Barrier(len(posts), timeout=20)
    owner, name = meet
    real = getattr(owner, name)
    waited = threading.local()

    def wait_then_go_on(*args, **kwargs):
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wait_then_go_on)

    def run(post):
        try:
            return post()
        finally:
            connection.close()

    with ThreadPoolExecutor(len(posts)) as pool:
        return [future.result() for future in [pool.submit(run, post) for post in posts]]


def _editor(django_user_model, name):
    user = django_user_model.objects.create_user(name, password="pw-editor-123", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    client.raise_request_exception = False
    return client


@pytest.mark.django_db(transaction=True)
def test_two_authors_creating_one_title_at_once_both_get_their_article(django_user_model, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL or a file database (see the served SQLite test below)")
    authors = [_editor(django_user_model, f"author{i}") for i in range(2)]
    bodies = [f"{BODY}\n\n作者 {i} 的结尾。" for i in range(2)]
    responses = _at_once(
        monkeypatch,
        [lambda c=c, b=b: c.post(ADD, add_form(title=TITLE, body=b)) for c, b in zip(authors, bodies, strict=True)],
    )
    assert [r.status_code for r in responses] == [302, 302]
    articles = Article.objects.filter(title=TITLE).order_by("slug")
    assert [a.slug for a in articles] == [TITLE, f"{TITLE}-2"]
    assert sorted(a.body for a in articles) == sorted(b.strip() for b in bodies)
    assert Revision.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_authors_typing_one_slug_at_once_one_gets_a_field_error(django_user_model, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL or a file database (see the served SQLite test below)")
    authors = [_editor(django_user_model, f"author{i}") for i in range(2)]
    bodies = [f"{BODY}\n\n作者 {i} 的结尾。" for i in range(2)]
    responses = _at_once(
        monkeypatch,
        [
            lambda c=c, b=b: c.post(ADD, add_form(title=TITLE, slug="typed", body=b))
            for c, b in zip(authors, bodies, strict=True)
        ],
    )
    assert sorted(r.status_code for r in responses) == [200, 302]
    refused = next(r for r in responses if r.status_code == 200)
    form = refused.context["adminform"].form
    assert "already used" in str(form.errors["slug"])
    saved = Article.objects.get(slug="typed")
    assert {saved.body, form["body"].value().strip()} == {b.strip() for b in bodies}


@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_one_article_at_once_one_gets_the_conflict_page(django_user_model, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL or a file database (see the served SQLite test below)")
    editors = [_editor(django_user_model, f"editor{i}") for i in range(2)]
    article = make_article(title="一起编辑", body="原文")
    from tests.authoring.test_revisions import form_data

    data = form_data(editors[0], article)
    change = reverse("admin:articles_article_change", args=[article.pk])
    # They meet before the row lock, taken before the version check: both opened the same version.
    responses = _at_once(
        monkeypatch,
        [lambda c=c, i=i: c.post(change, {**data, "body": f"编辑 {i} 的版本"}) for i, c in enumerate(editors)],
        meet=(services, "lock_for_saving"),
    )
    assert sorted(r.status_code for r in responses) == [200, 302]
    refused = next(r for r in responses if r.status_code == 200)
    assert "saved a newer version" in refused.content.decode()
    assert refused.context["adminform"].form["body"].value() in {"编辑 0 的版本", "编辑 1 的版本"}
    assert Article.objects.get(pk=article.pk).body != refused.context["adminform"].form["body"].value()


# For real, on a SQLite file as `make serve` runs it: server processes saving at the same moment.


def fire_together(sends):
    barrier = threading.Barrier(len(sends))

    def run(send):
        barrier.wait()
        return send()

    with ThreadPoolExecutor(len(sends)) as pool:
        return list(pool.map(run, sends))


LARGE_BODY = BODY * 8  # rendering and indexing take a while: the saves overlap


def test_served_on_sqlite_authors_creating_one_title_at_once_all_get_their_article(served_sqlite):  # noqa: F811 - the fixture
    port, database = served_sqlite
    add = f"http://127.0.0.1:{port}{ADD}"
    sends = [
        post_form(signed_in(port, name), add, {"title": "同一标题", "slug": "", "body": f"{LARGE_BODY}\n\n作者 {i}"})
        for i, name in enumerate(("editor1", "editor2", "editor3"))
    ]
    answers = fire_together(sends)
    assert [(status, url.endswith("/admin/articles/article/")) for status, url, _ in answers] == [(200, True)] * 3, [
        (status, url, page[:300]) for status, url, page in answers
    ]
    saved = rows(database, "SELECT slug, body FROM articles_article WHERE title = ? ORDER BY slug", "同一标题")
    assert [slug for slug, _ in saved] == ["同一标题", "同一标题-2", "同一标题-3"]
    assert sorted(body[-4:] for _, body in saved) == ["作者 0", "作者 1", "作者 2"]


def test_served_on_sqlite_editors_saving_one_article_at_once_get_the_conflict_page(served_sqlite):  # noqa: F811 - the fixture
    port, database = served_sqlite
    editor = signed_in(port, "editor1")
    status, url, _ = post_form(
        editor, f"http://127.0.0.1:{port}{ADD}", {"title": "一起编辑的文章", "slug": "edited-together", "body": BODY}
    )()
    assert status == 200 and url.endswith("/admin/articles/article/")
    [(pk,)] = rows(database, "SELECT id FROM articles_article WHERE slug = ?", "edited-together")
    change = f"http://127.0.0.1:{port}/admin/articles/article/{pk}/change/"
    sends = [
        post_form(signed_in(port, name), change, {"body": f"{LARGE_BODY}\n\n编辑 {i} 的结尾"})
        for i, name in enumerate(("editor1", "editor2"))
    ]
    answers = fire_together(sends)
    outcomes = sorted((status, url.endswith("/admin/articles/article/")) for status, url, _ in answers)
    assert outcomes == [(200, False), (200, True)], [(status, url, page[:300]) for status, url, page in answers]
    conflict = next(page for _, url, page in answers if url.endswith("/change/"))
    assert "saved a newer version" in conflict and "database is locked" not in conflict
    [(saved,)] = rows(database, "SELECT body FROM articles_article WHERE id = ?", pk)
    lost = "编辑 0 的结尾" if saved.endswith("编辑 1 的结尾") else "编辑 1 的结尾"
    assert lost in conflict  # the loser's text is back in the form
