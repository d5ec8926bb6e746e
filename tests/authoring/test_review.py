"""Review before publishing, through the admin as each group; live pages checked anonymously.

Authors write drafts and submit them; an Author's change to a published article (or their
restore of an old revision) waits as a pending revision, the live page unchanged, until an
Editor publishes it or sends it back with a note. Authors see their own drafts only.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, revisions
from articles.models.revisions import Revision
from tests.authoring.test_permissions import client_for, member
from tests.factories import add_form, make_article, make_draft, make_scheduled

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def edit(client, article, **fields):
    """Post the change form as it was opened, with `fields` changed; the response."""
    form = client.get(change_url(article)).context["adminform"].form
    data = {
        "title": form["title"].value(),
        "body": form["body"].value(),
        "summary": form["summary"].value() or "",
        "tags": form["tags"].value() if isinstance(form["tags"].value(), str) else "",
        "series": "",
        "series_order": "",
        "version": form["version"].value(),
        **fields,
    }
    for name in ("status", "slug", "author"):
        if name in form.fields:
            data.setdefault(name, form[name].value() or "")
    if "updated_at" in form.fields:
        moment = timezone.localtime(article.updated_at)
        data.setdefault("updated_at_0", moment.strftime("%Y-%m-%d"))
        data.setdefault("updated_at_1", moment.strftime("%H:%M:%S"))
    if "published_at" in form.fields:
        moment = timezone.localtime(article.published_at) if article.published_at else None
        data.setdefault("published_at_0", moment.strftime("%Y-%m-%d") if moment else "")
        data.setdefault("published_at_1", moment.strftime("%H:%M:%S") if moment else "")
    return client.post(change_url(article), data)


def publish(editors, review_url):
    """Open the review page and press Publish on what it shows; the response."""
    reviewed = editors.get(review_url).context["reviewed"]
    return editors.post(review_url, {"_publish": "1", "reviewed": reviewed})


def live(article):
    """The article's public page as an anonymous reader gets it."""
    return Client().get(f"/articles/{article.slug}/")


@pytest.fixture
def author(django_user_model):
    return member(django_user_model, "author", "Authors")


@pytest.fixture
def editor(django_user_model):
    return member(django_user_model, "chief", "Editors")


@pytest.fixture
def other_author(django_user_model):
    return member(django_user_model, "other-author", "Authors")


def test_an_author_submits_a_draft_and_an_editor_publishes_it_from_the_queue(client, author, editor):
    response = client_for(client, author).post(
        reverse("admin:articles_article_add"), add_form(title="等待审阅", body="草稿正文 $x$", _submit_review="1")
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.status == "draft" and article.review == Article.Review.SUBMITTED
    assert live(article).status_code == 404

    editors = Client()
    editors.force_login(editor)
    index = editors.get(reverse("admin:index")).content.decode()
    assert "1 article waiting for review" in index
    queue = editors.get(reverse("admin:articles_article_changelist") + "?review=submitted&whose=all")
    assert "等待审阅" in queue.content.decode() and "Waiting for review" in queue.content.decode()

    review_url = reverse("admin:articles_article_review", args=[article.pk])
    page = editors.get(review_url).content.decode()
    assert "草稿正文 $x$" in page and 'class="kb-diff-added"' in page
    assert publish(editors, review_url).status_code == 302
    article.refresh_from_db()
    assert article.status == "published" and article.review == ""
    assert live(article).status_code == 200
    assert "0 articles waiting for review" in editors.get(reverse("admin:index")).content.decode()


def test_an_authors_change_to_a_published_article_waits_for_an_editor(client, author, editor):
    article = make_article(title="已发表", body="原来的正文", author=author)
    authors = client_for(client, author)
    response = edit(authors, article, body="作者改过的正文", change_note="补充")
    assert response.status_code == 302
    assert "waiting for review" in authors.get(response.url).content.decode()

    article.refresh_from_db()
    assert article.body == "原来的正文" and article.review == Article.Review.SUBMITTED
    page = live(article).content.decode()
    assert "原来的正文" in page and "作者改过的正文" not in page
    pending = revisions.pending(article)
    assert pending.body == "作者改过的正文" and pending.saved_by == author and pending.note == "补充"
    # The author goes on from their own change, not from the live text.
    assert authors.get(change_url(article)).context["adminform"].form["body"].value() == "作者改过的正文"
    # A second save replaces what waits (a newer pending revision); the live page still waits.
    edit(authors, article, body="作者再改的正文")
    assert revisions.pending(article).body == "作者再改的正文"
    assert "原来的正文" in live(article).content.decode()

    editors = Client()
    editors.force_login(editor)
    form = editors.get(change_url(article))
    assert form.context["adminform"].form["body"].value() == "原来的正文"  # editors edit the live text
    assert "is waiting for review" in form.content.decode()
    review_url = reverse("admin:articles_article_review", args=[article.pk])
    page = editors.get(review_url).content.decode()
    assert "原来的正文" in page and "作者再改的正文" in page and "kb-diff-removed" in page
    publish(editors, review_url)
    article.refresh_from_db()
    assert article.body == "作者再改的正文" and article.review == ""
    assert "作者再改的正文" in live(article).content.decode()
    assert revisions.pending(article) is None
    assert not Revision.objects.filter(article=article, pending=True, number__gt=pending.number).exists()


def test_an_editor_sends_back_with_a_note_the_author_sees(client, author, editor):
    draft = make_draft(title="需要修改", body="太短", author=author)
    services_client = client_for(client, author)
    edit(services_client, draft, _submit_review="1")
    draft.refresh_from_db()
    assert draft.review == Article.Review.SUBMITTED

    editors = Client()
    editors.force_login(editor)
    review_url = reverse("admin:articles_article_review", args=[draft.pk])
    empty = editors.post(review_url, {"_send_back": "1", "note": "  "})
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    editors.post(review_url, {"_send_back": "1", "note": "请补充推导过程。"})
    draft.refresh_from_db()
    assert draft.review == Article.Review.RETURNED and draft.review_note == "请补充推导过程。"
    assert draft.status == "draft" and live(draft).status_code == 404

    form = services_client.get(change_url(draft)).content.decode()
    assert "Sent back by an Editor" in form and "请补充推导过程。" in form
    assert "1 article sent back with a note" in services_client.get(reverse("admin:index")).content.decode()
    # Submitting again puts it back in the queue.
    edit(services_client, draft, body="补充了推导", _submit_review="1")
    draft.refresh_from_db()
    assert draft.review == Article.Review.SUBMITTED and draft.body == "补充了推导"


def test_an_author_may_not_review(client, author):
    draft = make_draft(author=author, review=Article.Review.SUBMITTED)
    authors = client_for(client, author)
    review_url = reverse("admin:articles_article_review", args=[draft.pk])
    assert authors.get(review_url).status_code == 403
    assert authors.post(review_url, {"_publish": "1"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_an_authors_restore_of_a_published_article_is_a_pending_revision(client, author):
    article = make_article(title="版本", body="第一版", author=author)
    revisions.record(article, author)
    article.body = "第二版"
    article.save()
    revisions.record(article, author)
    authors = client_for(client, author)
    response = authors.post(reverse("admin:articles_article_restore", args=[article.pk, 1]))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == "第二版" and article.review == Article.Review.SUBMITTED
    assert revisions.pending(article).body == "第一版"
    assert "第二版" in live(article).content.decode()


def test_authors_see_their_own_drafts_only(client, author, other_author):
    mine = make_draft(title="我的草稿", author=author)
    theirs = make_draft(title="别人的草稿", author=other_author)
    public = make_article(title="别人的文章", author=other_author)
    authors = client_for(client, author)
    changelist = reverse("admin:articles_article_changelist")
    opened = authors.get(changelist).content.decode()
    assert "我的草稿" in opened and "别人的草稿" not in opened and "别人的文章" not in opened  # opens on "mine"
    everyone = authors.get(changelist + "?whose=all").content.decode()
    assert "我的草稿" in everyone and "别人的文章" in everyone and "别人的草稿" not in everyone
    # Not by its admin address, not through the staff preview of the public page.
    assert authors.get(change_url(theirs)).status_code == 302  # the admin's "does not exist"
    assert authors.get(f"/articles/{theirs.slug}/").status_code == 404
    assert authors.get(f"/articles/{mine.slug}/").status_code == 200
    assert authors.get(f"/articles/{public.slug}/").status_code == 200


def test_an_editor_publishes_only_the_text_they_read(client, author, editor):
    authors = client_for(client, author)
    authors.post(reverse("admin:articles_article_add"), add_form(title="审阅中", body="读过的正文", _submit_review="1"))
    article = Article.objects.get()
    editors = Client()
    editors.force_login(editor)
    review_url = reverse("admin:articles_article_review", args=[article.pk])
    read = editors.get(review_url).context["reviewed"]

    edit(authors, article, body="编辑没读过的正文")  # after the editor opened the review page
    refused = editors.post(review_url, {"_publish": "1", "reviewed": read}, follow=True)
    assert "changed after you opened this page" in refused.content.decode()
    assert "编辑没读过的正文" in refused.content.decode()  # the new diff, to read now
    article.refresh_from_db()
    assert article.status == "draft" and live(article).status_code == 404

    assert publish(editors, review_url).status_code == 302
    assert "编辑没读过的正文" in live(article).content.decode()

    # The same for a change waiting on a published article.
    edit(authors, article, body="第二次修改")
    read = editors.get(review_url).context["reviewed"]
    edit(authors, article, body="第三次修改")
    editors.post(review_url, {"_publish": "1", "reviewed": read})
    page = live(article).content.decode()
    assert "编辑没读过的正文" in page and "第三次修改" not in page
    assert editors.post(review_url, {"_publish": "1", "reviewed": "forged"}).status_code == 302
    assert "第三次修改" not in live(article).content.decode()


def test_authors_read_nothing_of_other_authors_unpublished_work(client, author, other_author):
    from articles.models import Series

    series = Series.objects.create(title="合写系列")
    public = make_article(title="别人的文章", body="公开的正文", author=other_author, series=series, series_order=1)
    make_draft(title="别人的系列草稿", author=other_author, series=series, series_order=2)
    scheduled = make_scheduled(title="别人的定时文章", author=other_author)
    others = Client()
    others.force_login(other_author)
    edit(others, public, body="别人还没发布的修改")
    assert revisions.pending(public) is not None

    authors = client_for(client, author)
    series_page = authors.get(reverse("admin:articles_series_change", args=[series.pk])).content.decode()
    assert "别人的文章" in series_page and "别人的系列草稿" not in series_page
    history_url = reverse("admin:articles_article_history", args=[public.pk])
    pending = revisions.pending(public).number
    for query in ("", f"?view={pending}", f"?old=1&new={pending}"):
        assert "别人还没发布的修改" not in authors.get(history_url + query).content.decode()
    form = authors.get(change_url(public)).content.decode()
    assert "别人还没发布的修改" not in form and "waiting for review" not in form
    # A scheduled article is not public yet: not in the list, not through the preview.
    everyone = authors.get(reverse("admin:articles_article_changelist") + "?whose=all").content.decode()
    assert "别人的定时文章" not in everyone and "别人的文章" in everyone
    assert authors.get(f"/articles/{scheduled.slug}/").status_code == 404
    assert "author__id__exact" not in everyone  # no list of every user to filter by


def test_a_waiting_change_overtaken_by_an_editors_restore_says_so_in_the_queue(client, author, editor):
    from articles.authoring import services

    article = make_article(title="被取代", body="第一版", author=author)
    revisions.record(article, editor)
    edit(client_for(client, author), article, body="作者的修改")
    waiting = revisions.pending(article)
    services.restore(Revision.objects.get(article=article, number=1), editor)  # records a newer revision
    editors = Client()
    editors.force_login(editor)
    review_url = reverse("admin:articles_article_review", args=[article.pk])
    page = editors.get(review_url).content.decode()
    assert f"revision {waiting.number}, by author) was overtaken" in page and 'name="_publish"' not in page
    assert editors.post(review_url, {"_withdraw": "1"}).status_code == 302
    article.refresh_from_db()
    assert article.review == "" and article.body == "第一版"
    assert "0 articles waiting for review" in editors.get(reverse("admin:index")).content.decode()


def test_an_authors_tag_action_leaves_an_article_published_since_it_was_selected(author, editor):
    from articles.authoring import services

    selected = make_draft(title="刚选中", author=author, tags=["旧标签"])
    Article.objects.filter(pk=selected.pk).update(status="published", published_at=timezone.now())
    services.add_tag(selected, "新标签", author, drafts_only=True)
    services.remove_tag(selected, selected.tags.get(), author, drafts_only=True)
    assert sorted(Article.objects.get(pk=selected.pk).tags.names()) == ["旧标签"]
    services.add_tag(selected, "新标签", editor)  # an Editor's action changes it
    assert sorted(Article.objects.get(pk=selected.pk).tags.names()) == ["新标签", "旧标签"]


def test_editors_list_opens_on_everyones_articles(client, editor, author):
    make_draft(title="作者的草稿", author=author)
    page = client_for(client, editor).get(reverse("admin:articles_article_changelist")).content.decode()
    assert "作者的草稿" in page
    assert client.get(f"/articles/{Article.objects.get().slug}/").status_code == 200  # an editor's preview


def test_authors_delete_their_own_drafts_recoverably_never_a_published_article(client, author):
    draft = make_draft(title="删掉的草稿", author=author)
    published = make_article(title="发表的", author=author)
    authors = client_for(client, author)
    assert authors.post(reverse("admin:articles_article_delete", args=[draft.pk]), {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=draft.pk).exists()
    assert "删掉的草稿" in authors.get(reverse("admin:articles_article_deleted")).content.decode()
    delete_published = reverse("admin:articles_article_delete", args=[published.pk])
    assert authors.post(delete_published, {"post": "yes"}).status_code == 403
    # Nor by the bulk action.
    authors.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected", "_selected_action": [published.pk], "post": "yes"},
    )
    assert Article.objects.filter(pk=published.pk).exists()


def test_authors_cannot_change_a_published_slug_editors_can_and_the_old_address_redirects(client, author, editor):
    article = make_article(title="地址", slug="old-address", author=author)
    authors = client_for(client, author)
    form = authors.get(change_url(article)).context["adminform"].form
    assert "slug" not in form.fields
    edit(authors, article, slug="forged-address")
    article.refresh_from_db()
    assert article.slug == "old-address"

    editors = Client()
    editors.force_login(editor)
    assert edit(editors, article, slug="new-address").status_code == 302
    article.refresh_from_db()
    assert article.slug == "new-address"
    old = Client().get("/articles/old-address/")
    assert old.status_code == 301 and old["Location"].endswith("/articles/new-address/")


def test_the_site_sets_the_update_time_for_authors(client, author):
    draft = make_draft(author=author, body="旧")
    before = draft.updated_at
    authors = client_for(client, author)
    future = timezone.localtime() + timedelta(days=30)
    edit(authors, draft, body="新", updated_at_0=future.strftime("%Y-%m-%d"), updated_at_1="10:00:00")
    draft.refresh_from_db()
    assert draft.body == "新" and before < draft.updated_at <= timezone.now()


def test_a_scheduled_article_says_so_in_the_list_on_its_form_and_when_saved(client, editor):
    when = timezone.now() + timedelta(days=3)
    article = make_article(title="定时发表", published_at=when, updated_at=when)
    editors = client_for(client, editor)
    assert "Scheduled for" in editors.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Scheduled for" in editors.get(change_url(article)).content.decode()
    response = edit(editors, article, body="改了")
    assert "Scheduled for" in editors.get(response.url).content.decode()
    assert live(article).status_code == 404


def test_an_authors_tag_action_leaves_published_articles_to_review(client, author):
    published = make_article(title="已发表的", author=author, tags=["旧"])
    draft = make_draft(title="草稿", author=author)
    response = client_for(client, author).post(
        reverse("admin:articles_article_changelist"),
        {"action": "add_tag", "tag": "新", "_selected_action": [published.pk, draft.pk]},
        follow=True,
    )
    assert "Skipped 1 published article(s)" in response.content.decode()
    assert list(published.tags.names()) == ["旧"] and list(draft.tags.names()) == ["新"]


def test_an_editors_save_over_a_waiting_change_says_so_and_keeps_it_in_the_history(client, author, editor):
    article = make_article(title="并发", body="线上的", author=author)
    edit(client_for(client, author), article, body="作者的修改")
    editors = Client()
    editors.force_login(editor)
    response = edit(editors, article, body="编辑的修改")
    assert "was not published: your save replaced it" in editors.get(response.url).content.decode()
    article.refresh_from_db()
    assert article.body == "编辑的修改" and article.review == ""
    assert revisions.pending(article) is None
    assert Revision.objects.filter(article=article, body="作者的修改").exists()
