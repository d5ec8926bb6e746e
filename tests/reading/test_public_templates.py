"""The public pages' templates (Jinja2, articles/reading/environment.py): what they remember
between requests never shows a reader another language, another time zone or an old name."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from articles.models import Tag
from tests.factories import make_article, make_series

pytestmark = pytest.mark.django_db

CHINESE = "zh-CN,zh;q=0.9"


def page(client, path, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.fixture
def article():
    return make_article(
        title="Temporal difference",
        tags=["RL"],
        series=make_series(title="Reinforcement learning"),
        published_at=datetime(2025, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC")),
        updated_at=datetime(2025, 3, 5, 9, 0, tzinfo=ZoneInfo("UTC")),
    )


def test_card_dates_follow_the_language_of_each_request(client, article):
    for _ in range(2):  # the second round reads what the first remembered
        english = page(client, "/")
        chinese = page(client, "/", HTTP_ACCEPT_LANGUAGE=CHINESE)
        assert "Published <time" in english and ">March 2, 2025</time>" in english and "Updated <time" in english
        assert "发布于 <time" in chinese and ">2025年3月2日</time>" in chinese and ">2025年3月5日</time>" in chinese
        assert "March" not in chinese and "年" not in english.split("<main")[1]


def test_card_dates_follow_the_time_zone(client, article):
    shanghai = page(client, "/tags/rl/")
    assert 'datetime="2025-03-02T07:30:00+08:00">March 2, 2025</time>' in shanghai
    with override_settings(TIME_ZONE="UTC"):
        utc = page(client, "/tags/rl/")
    assert 'datetime="2025-03-01T23:30:00+00:00">March 1, 2025</time>' in utc


def test_renamed_tags_and_series_show_their_new_names_at_once(client, article):
    assert ">RL</a>" in page(client, "/") and ">Reinforcement learning</a>" in page(client, "/")
    Tag.objects.filter(slug="rl").update(name="Reinforcement")
    article.series.title = "RL from scratch"
    article.series.save()
    for path in ["/", "/tags/rl/", article.get_absolute_url(), "/search/?q=temporal"]:
        html = page(client, path)
        assert ">RL</a>" not in html and "Reinforcement learning" not in html, path
        assert ">Reinforcement</a>" in html or ">Reinforcement <span" in html, path
    assert ">RL from scratch</a>" in page(client, "/")


def test_titles_are_escaped_as_text_everywhere(client):
    make_article(title="""A <b>bold</b> "quote" & 'apostrophe'""", tags=["x<y"])
    for path in ["/", "/tags/xy/", "/search/?q=apostrophe", "/tags/"]:
        html = page(client, path)
        assert "<b>bold</b>" not in html and "x<y" not in html, path
    html = page(client, "/")
    assert "A &lt;b&gt;bold&lt;/b&gt; &quot;quote&quot; &amp; &#x27;apostrophe&#x27;" in html
