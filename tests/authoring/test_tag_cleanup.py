"""Tags kept clean: rename and merge in the admin; old tag addresses answer 301 to the new ones."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from articles.models import Tag, TagRedirect
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
    html = client.get(reverse("articles:search"), {"q": "空洞卷积", "tag": "空洞卷积"}).content.decode()
    assert "Dilated" in html
