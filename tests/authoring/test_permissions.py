"""Authors, Editors and superusers in the admin; the bulk actions on selected articles."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from articles.authoring import services
from articles.models import Article
from articles.models.revisions import Revision
from tests.factories import make_article, make_draft

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


def client_for(client, user):
    client.force_login(user)
    return client


def new_article(**fields):
    return {
        "title": "作者的文章",
        "slug": "",
        "body": "正文 $x$",
        "summary": "",
        "tags": "笔记",
        "updated_at_0": "2025-01-01",
        "updated_at_1": "10:00:00",
        "series": "",
        "series_order": "",
        **fields,
    }


def test_migrate_creates_the_groups_and_the_command_updates_them():
    authors, editors = Group.objects.get(name="Authors"), Group.objects.get(name="Editors")
    assert "publish_article" not in authors.permissions.values_list("codename", flat=True)
    assert {"publish_article", "delete_article", "change_tag"} <= set(
        editors.permissions.values_list("codename", flat=True)
    )
    authors.permissions.clear()
    out = StringIO()
    call_command("setup_groups", stdout=out)
    assert out.getvalue().startswith("Groups ready: Authors (6 permissions), Editors (13 permissions)")
    assert authors.permissions.count() == 6 and Group.objects.count() == 2


def test_an_author_creates_drafts_under_their_own_name_and_cannot_publish(client, author, django_user_model):
    other = django_user_model.objects.create_user("other")
    client = client_for(client, author)
    response = client.post(
        reverse("admin:articles_article_add"), new_article(status="published", author=other.pk, published_at_0="")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.author == author and article.status == "draft"
    assert not Article.objects.published().exists()
    changelist = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert 'value="add_tag"' in changelist and 'value="publish"' not in changelist


def test_an_author_edits_their_own_article_but_not_another_authors(client, author, django_user_model):
    own = make_draft(title="我的", body="原文", author=author)
    theirs = make_article(title="别人的", body="别人的原文", author=django_user_model.objects.create_user("bob"))
    client = client_for(client, author)
    own_url = reverse("admin:articles_article_change", args=[own.pk])
    form = client.get(own_url).context["adminform"].form
    data = new_article(title="我的", body="改过", tags="", version=form["version"].value())
    assert client.post(own_url, data).status_code == 302
    own.refresh_from_db()
    assert own.body == "改过" and own.status == "draft"

    their_url = reverse("admin:articles_article_change", args=[theirs.pk])
    page = client.get(their_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read only
    assert client.post(their_url, {**data, "title": "别人的", "body": "被改了"}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.body == "别人的原文"
    assert client.post(reverse("admin:articles_article_delete", args=[theirs.pk]), {"post": "yes"}).status_code == 403
    restore = reverse("admin:articles_article_restore", args=[theirs.pk, 1])
    assert client.post(restore).status_code == 403


def test_an_author_cannot_tag_someone_elses_article_by_action(client, author, django_user_model):
    theirs = make_article(title="别人的", author=django_user_model.objects.create_user("bob"))
    own = make_draft(title="我的", author=author)
    client = client_for(client, author)
    response = client.post(
        reverse("admin:articles_article_changelist") + "?whose=all",
        {"action": "add_tag", "tag": "新标签", "_selected_action": [theirs.pk, own.pk]},
        follow=True,
    )
    assert "Skipped 1 article(s) you may not edit." in response.content.decode()
    assert list(own.tags.names()) == ["新标签"] and list(theirs.tags.names()) == []


def test_an_editor_edits_and_publishes_any_article(client, editor, author):
    drafts = [make_draft(title=f"草稿 {i}", author=author) for i in range(2)]
    client = client_for(client, editor)
    url = reverse("admin:articles_article_change", args=[drafts[0].pk])
    form = client.get(url).context["adminform"].form
    data = new_article(title="编辑改的", status="draft", author=author.pk, version=form["version"].value())
    data.update(published_at_0="", published_at_1="")
    assert client.post(url, data).status_code == 302
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [d.pk for d in drafts]},
        follow=True,
    )
    assert "Published 2 article(s)." in response.content.decode()
    assert set(Article.objects.published().values_list("title", flat=True)) == {"编辑改的", "草稿 1"}
    assert Revision.objects.filter(note="Published", saved_by=editor).count() == 2

    client.post(
        reverse("admin:articles_article_changelist"), {"action": "unpublish", "_selected_action": [drafts[1].pk]}
    )
    assert list(Article.objects.published().values_list("title", flat=True)) == ["编辑改的"]


def test_add_and_remove_tag_actions(staff_client):
    one, two = make_article(title="一", tags=["旧"]), make_article(title="二", tags=["旧", "RL"])
    url = reverse("admin:articles_article_changelist")
    staff_client.post(url, {"action": "add_tag", "tag": "  强化  学习 ", "_selected_action": [one.pk, two.pk]})
    assert sorted(one.tags.names()) == ["强化 学习", "旧"] and "强化 学习" in two.tags.names()
    staff_client.post(url, {"action": "remove_tag", "tag": "rl", "_selected_action": [one.pk, two.pk]})
    assert sorted(two.tags.names()) == ["强化 学习", "旧"]
    response = staff_client.post(url, {"action": "add_tag", "tag": "", "_selected_action": [one.pk]}, follow=True)
    assert "Type the tag" in response.content.decode()
    assert Revision.objects.filter(article=two, note="Tag removed: RL").exists()


def test_only_superusers_manage_users(client, editor, django_user_model):
    from django.contrib.auth.models import Permission

    # Even given the permissions explicitly, an editor cannot reach users or groups.
    editor.user_permissions.add(*Permission.objects.filter(content_type__app_label="auth"))
    client = client_for(client, editor)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert reverse("admin:auth_user_changelist") not in client.get(reverse("admin:index")).content.decode()
    boss = django_user_model.objects.create_user("boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert reverse("admin:auth_user_changelist") in client.get(reverse("admin:index")).content.decode()


def test_an_author_restoring_or_recovering_does_not_publish(client, author, editor):
    from articles.models import revisions

    article = make_article(title="已发表", body="第一版", author=author)
    revisions.record(article, editor)
    article.status, article.body = Article.Status.DRAFT, "撤回后改写"
    article.save()
    revisions.record(article, editor)
    client = client_for(client, author)
    assert client.post(reverse("admin:articles_article_restore", args=[article.pk, 1])).status_code == 302
    article.refresh_from_db()
    assert (article.body, article.status) == ("第一版", "draft")

    article.status = Article.Status.PUBLISHED
    article.save()
    services.delete_article(article, editor)
    last = Revision.objects.get(deleted=True)
    assert '<th scope="row">已发表</th>' in client.get(reverse("admin:articles_article_deleted")).content.decode()
    assert client.post(reverse("admin:articles_article_recover", args=[last.pk])).status_code == 302
    recovered = Article.objects.get()
    assert recovered.body == "第一版" and recovered.status == "draft" and recovered.author == author
