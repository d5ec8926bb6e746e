"""Dates written for machines on the public pages: `<time datetime>` and the JSON-LD dates.

HTML allows at most three digits of a fraction of a second in `datetime`; a stored time
carries six (every test article's does, made from `timezone.now()`, as an imported one's),
and `date:"c"` wrote them all: `2026-12-07T06:54:29.625277+08:00`, an error in the Nu HTML
Checker.
"""

import json
import re
from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

from tests.factories import make_article, make_series

pytestmark = pytest.mark.django_db

# HTML's "valid date string" or "valid global date and time string" (a time zone required).
HTML_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2}))?"
)
EXACT = datetime(2026, 12, 6, 22, 54, 29, 625277, tzinfo=UTC)


@pytest.fixture
def article():
    series = make_series(title="Dates")
    made = make_article(title="Dated", tags=["time"], series=series, series_order=1)
    # Published one day and updated another, so that the page shows both dates.
    type(made).objects.filter(pk=made.pk).update(
        published_at=EXACT.replace(day=1), updated_at=EXACT, body="A note about dates."
    )
    made.refresh_from_db()
    assert made.updated_at.microsecond == 625277
    return made


def datetimes(html):
    return re.findall(r'<time[^>]*\sdatetime="([^"]*)"', html)


def test_every_time_element_on_every_page_has_a_valid_datetime(client, article):
    pages = ["/", article.get_absolute_url(), "/tags/time/", article.series.get_absolute_url(), "/search/?q=Dated"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        values = datetimes(response.content.decode())
        assert values, f"{path} shows no <time datetime>"
        invalid = [value for value in values if not HTML_DATETIME.fullmatch(value)]
        assert not invalid, f"{path}: datetime values HTML does not allow: {invalid}"


def test_the_article_page_says_the_same_moment_to_the_second_in_the_site_time_zone(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    local = timezone.localtime(EXACT)
    assert local.replace(microsecond=0).isoformat() in datetimes(html)
    assert local.isoformat() not in datetimes(html)


def test_json_ld_dates_are_to_the_second(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    (data,) = [json.loads(text) for text in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)]
    assert datetime.fromisoformat(data["dateModified"]) == EXACT.replace(microsecond=0)
    assert datetime.fromisoformat(data["datePublished"]) == EXACT.replace(day=1, microsecond=0)


def test_open_graph_times_are_to_the_second(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    times = dict(re.findall(r'<meta property="article:(\w+_time)" content="([^"]*)">', html))
    assert datetime.fromisoformat(times["modified_time"]) == EXACT.replace(microsecond=0)
    assert datetime.fromisoformat(times["published_time"]) == EXACT.replace(day=1, microsecond=0)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (None, ""),
        (datetime(2025, 3, 1, 2, 0, 0, 999999, tzinfo=UTC), "2025-03-01T10:00:00+08:00"),
        (datetime(2025, 3, 1, 10, 0), "2025-03-01T10:00:00"),
        (datetime(2025, 3, 1).date(), "2025-03-01"),
    ],
)
def test_machine_datetime_filter(settings, value, written):
    settings.TIME_ZONE = "Asia/Shanghai"
    template = Template("{% load page_meta %}{{ value|machine_datetime }}")
    assert template.render(Context({"value": value})) == written
