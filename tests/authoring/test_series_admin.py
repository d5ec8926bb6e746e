"""Ordering a series' parts in the series admin, with the order readers will see."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.models.revisions import Revision
from tests.factories import make_article, make_draft, make_series

pytestmark = pytest.mark.django_db


def parts_in_page(html, titles):
    return sorted(titles, key=html.index)


def series_form(client, series):
    """The series change form's data as the browser would post it back unchanged."""
    response = client.get(reverse("admin:articles_series_change", args=[series.pk]))
    form = response.context["adminform"].form
    formset = response.context["inline_admin_formsets"][0].formset
    data = {name: form[name].value() or "" for name in form.fields}
    management = formset.management_form
    data.update({management.add_prefix(name): management[name].value() for name in management.fields})
    for part in formset.forms:
        for name in part.fields:
            value = part[name].value()
            data[part.add_prefix(name)] = "" if value is None else getattr(value, "pk", value)
    return response, data


def test_parts_show_where_readers_will_see_them(staff_client):
    series = make_series(title="强化学习基础")
    make_article(title="第二篇", series=series, series_order=2)
    make_article(title="第一篇", series=series, series_order=1)
    make_article(title="附录", series=series)
    make_draft(title="草稿篇", series=series, series_order=3)
    make_article(title="预定篇", series=series, series_order=4, published_at=timezone.now() + timedelta(days=1))
    response, _ = series_form(staff_client, series)
    html = response.content.decode()
    assert parts_in_page(html, ["第一篇", "第二篇", "草稿篇", "预定篇", "附录"]) == [
        "第一篇",
        "第二篇",
        "草稿篇",
        "预定篇",
        "附录",
    ]
    positions = re.findall(r"part \d of \d|not shown yet \(\w+\)", html)
    assert positions == [
        "part 1 of 3",
        "part 2 of 3",
        "not shown yet (draft)",
        "not shown yet (scheduled)",
        "part 3 of 3",
    ]
    assert 'class="kb-position"' in html and 'style="width' not in html  # no inline style for the CSP


def test_renumbering_parts_reorders_the_series_page_and_keeps_revisions(staff_client, client):
    series = make_series(title="LeetCode")
    first = make_article(title="两数之和", series=series, series_order=1)
    second = make_article(title="盛最多水的容器", series=series, series_order=2)
    _, data = series_form(staff_client, series)
    index = {data[key]: key.split("-")[1] for key in data if key.endswith("-id")}
    data[f"articles-{index[first.pk]}-series_order"] = 20
    data[f"articles-{index[second.pk]}-series_order"] = 10
    response = staff_client.post(reverse("admin:articles_series_change", args=[series.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(series.get_absolute_url()).content.decode()
    assert page.index("盛最多水的容器") < page.index("两数之和")
    assert Article.objects.get(pk=first.pk).series_order == 20
    assert Revision.objects.filter(article=first, series_order=20, saved_by__username="editor").exists()
