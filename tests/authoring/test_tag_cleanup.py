"""Tags kept clean: rename and merge in the admin; old tag addresses answer 301 to the new ones."""

import time
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.authoring import reindexing, services
from articles.models import Tag, TagRedirect
from articles.models.tags import PendingReindex
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def tag_url(slug):
    return reverse("articles:tag_detail", args=[slug])


def rename(client, tag, name):
    return client.post(reverse("admin:articles_tag_change", args=[tag.pk]), {"name": name})


def test_renaming_a_tag_moves_its_address_and_the_old_one_redirects_permanently(staff_client, client):
    article = make_article(title="强化学习入门", tags=["RL"])
    tag = Tag.objects.get(name="RL")
    assert rename(staff_client, tag, "强化学习").status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("强化学习", "强化学习")
    assert list(article.tags.names()) == ["强化学习"]

    response = client.get("/tags/rl/")
    assert response.status_code == 301 and response["Location"] == tag_url("强化学习")
    assert response["Location"] == "/tags/" + quote("强化学习") + "/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "强化学习入门" in page.content.decode()
    # Renamed again: the first address follows to the newest one, without a chain.
    rename(staff_client, tag, "Reinforcement Learning")
    assert client.get("/tags/rl/")["Location"] == tag_url("reinforcement-learning")
    assert client.get(tag_url("强化学习"))["Location"] == tag_url("reinforcement-learning")


def test_a_renamed_tags_old_feed_redirects_permanently_to_its_new_feed(staff_client, client):
    make_article(title="强化学习入门", tags=["RL"])
    rename(staff_client, Tag.objects.get(name="RL"), "强化学习")
    response = client.get("/tags/rl/feed/")
    assert response.status_code == 301
    assert response["Location"] == reverse("articles:tag_feed", args=["强化学习"])
    assert "强化学习入门" in client.get(response["Location"]).content.decode()
    assert client.get("/tags/never-was/feed/").status_code == 404


def test_renaming_to_an_existing_name_asks_for_a_merge(staff_client):
    make_article(tags=["CNN", "卷积"])
    response = rename(staff_client, Tag.objects.get(name="卷积"), "cnn")
    assert response.status_code == 200 and "merge the two tags instead" in response.content.decode()
    assert Tag.objects.filter(name="卷积").exists() and not TagRedirect.objects.exists()


def test_merging_tags_moves_articles_and_redirects_the_merged_addresses(staff_client, client):
    one = make_article(title="一", tags=["卷积神经网络"])
    two = make_article(title="二", tags=["ConvNet", "CNN"])
    three = make_article(title="三", tags=["CNN"])
    sources = Tag.objects.filter(name__in=["卷积神经网络", "ConvNet"])
    response = staff_client.post(
        reverse("admin:articles_tag_changelist"),
        {"action": "merge", "tag": "cnn", "_selected_action": [t.pk for t in sources]},
        follow=True,
    )
    assert "Merged" in response.content.decode() and "2 article(s) moved" in response.content.decode()
    assert list(Tag.objects.values_list("name", flat=True)) == ["CNN"]
    for article in (one, two, three):
        assert list(article.tags.names()) == ["CNN"]
    for old in ("卷积神经网络", "convnet"):
        response = client.get(tag_url(old))
        assert response.status_code == 301 and response["Location"] == tag_url("cnn")
    # Two old addresses joined with "+" redirect to the one tag they became.
    assert client.get(f"/tags/convnet+{quote('卷积神经网络')}/")["Location"] == tag_url("cnn")
    tag_page = client.get(tag_url("cnn")).content.decode()
    assert all(title in tag_page for title in "一二三")


def test_merge_needs_an_existing_target_and_unknown_tags_stay_404(staff_client, client):
    make_article(tags=["a", "b"])
    response = staff_client.post(
        reverse("admin:articles_tag_changelist"),
        {"action": "merge", "tag": "nope", "_selected_action": list(Tag.objects.values_list("pk", flat=True))},
        follow=True,
    )
    assert "Type the name of an existing tag" in response.content.decode() and Tag.objects.count() == 2
    assert client.get("/tags/never-existed/").status_code == 404


def test_merged_articles_are_found_under_the_new_tag_in_search(staff_client, client):
    make_article(title="Dilated", body="空洞卷积", tags=["dilated"])
    make_article(tags=["空洞卷积"])
    source = Tag.objects.get(name="dilated")
    staff_client.post(
        reverse("admin:articles_tag_changelist"),
        {"action": "merge", "tag": "空洞卷积", "_selected_action": [source.pk]},
    )
    # The search entries are written again after the answer (here: what the worker does).
    assert PendingReindex.objects.count() == 1
    reindexing.run_pending()
    html = client.get(reverse("articles:search"), {"q": "空洞卷积", "tag": "空洞卷积"}).content.decode()
    assert "Dilated" in html


def search(client, query):
    return client.get(reverse("articles:search"), {"q": query}).content.decode()


def test_a_rename_answers_without_writing_the_search_entries_of_its_articles(client):
    """The answer's work does not grow with the tag's articles (5,000 took minutes): their search
    entries are queued, and written afterwards; pages show the new name at once."""
    for n in range(3):
        make_article(title=f"Small {n}", tags=["few"])
    for n in range(40):
        make_article(title=f"Many {n}", tags=["lots"])

    def cost(tag, name):
        with CaptureQueriesContext(connection) as queries:
            services.rename_tag(tag, name)
        return len(queries)

    assert cost(Tag.objects.get(name="lots"), "Plenty") == cost(Tag.objects.get(name="few"), "Handful")
    assert PendingReindex.objects.count() == 43
    assert "Plenty" in client.get("/tags/plenty/").content.decode()  # pages: at once
    assert "Many " not in search(client, "Plenty") and "Many " in search(client, "lots")  # entries: not yet
    assert reindexing.run_pending() == 43 and not PendingReindex.objects.exists()
    assert "Many " in search(client, "Plenty") and "Many " not in search(client, "lots")


@pytest.mark.django_db(transaction=True)
def test_entries_left_pending_by_a_stopped_process_are_written_at_the_next_start(monkeypatch):
    make_article(title="Attention notes", tags=["attn"])
    make_article(title="More attention", tags=["attn"])
    monkeypatch.setattr(reindexing, "wake", lambda: None)  # the process stops before its worker runs
    services.rename_tag(Tag.objects.get(name="attn"), "Transformer")
    assert PendingReindex.objects.count() == 2
    monkeypatch.undo()

    # The next start: its first request looks for what was left, in the background.
    reindexing.connect()
    try:
        assert Client().get("/tags/transformer/").status_code == 200
        for _ in range(300):
            if not PendingReindex.objects.exists():
                break
            time.sleep(0.1)
    finally:
        reindexing.wait(30)
    assert not PendingReindex.objects.exists()
    assert "More attention" in search(Client(), "Transformer")


@pytest.mark.django_db(transaction=True)
def test_run_jobs_writes_what_is_pending_and_says_so(monkeypatch, capsys):
    make_article(title="Convolution", tags=["conv"])
    monkeypatch.setattr(reindexing, "wake", lambda: None)
    services.merge_tags([Tag.objects.get(name="conv")], Tag.objects.create(name="CNN"))
    call_command("run_jobs")
    assert "Wrote 1 search entry again" in capsys.readouterr().out
    assert not PendingReindex.objects.exists()
    assert "Convolution" in search(Client(), "CNN")
