"""`manage.py export_markdown DIR`: the import format (README, "Writing"), and a round trip through it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from articles.models import Article, Series, Tag
from articles.models.revisions import Revision
from articles.transfer.import_format import parse_article
from tests.factories import make_article, make_draft, make_series
from tests.stored_dates import store_unreadable_date

pytestmark = pytest.mark.django_db


def export(folder):
    out = StringIO()
    call_command("export_markdown", str(folder), stdout=out)
    return out.getvalue()


def site_state():
    """Everything a reader or author would notice about the articles, by slug."""
    state = {}
    for article in Article.objects.select_related("series", "author").prefetch_related("tags"):
        state[article.slug] = {
            "title": article.title,
            "body": article.body.strip("\n"),  # the import format ends a body with one line break
            "summary": article.summary,
            "tags": sorted(article.tags.names()),
            "series": article.series.title if article.series else None,
            "series_order": article.series_order,
            "status": article.status,
            "published_at": article.published_at,
            "updated_at": article.updated_at,
            "author": article.author.username if article.author else None,
            "html": (article.body_html, article.toc_html, article.excerpt, article.has_math),
        }
    return state


def tricky_articles():
    alice = get_user_model().objects.create_user("alice.w")
    rl = make_series(title="强化学习: 基础")
    make_article(
        title="TD 学习",
        slug="td-learning",
        body="## 定义\n\n$$V(s) \\leftarrow V(s) + \\alpha \\delta$$\n\n## 代码\n\n```python\nx = 1\n```\n",
        tags=["强化学习", "RL", "a, b"],
        series=rl,
        series_order=2,
        author=alice,
        summary="多行摘要\n---\n第二行 $x$",
    )
    make_article(title="蒙特卡洛", body="第一部分。", series=rl, series_order=1, days_ago=3)
    make_article(title="yes", slug="yes", body="---\n\n正文以分隔线开始。", tags=["123", "null"])
    make_article(title='He said: "no" # not a comment', body="Quotes ' and \" and # in the title.")
    make_draft(title="草稿：未完成", body="还没写完 $\\frac{1}{2}$")
    draft = make_article(title="撤回的文章", body="曾经发布。")
    draft.status = Article.Status.DRAFT
    draft.save()
    make_article(title="Scheduled", body="Later.", published_at=timezone.now() + timedelta(days=2))


def test_export_writes_every_article_in_the_import_format(tmp_path):
    tricky_articles()
    out = export(tmp_path)
    files = sorted(tmp_path.glob("*.md"))
    assert out.strip() == f"Exported 7 articles (2 drafts) to {tmp_path}."
    assert len(files) == 7
    text = (tmp_path / "td-learning.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: TD 学习\nslug: td-learning\ndate: 20")  # dates unquoted
    assert "tags: [a, b, RL, 强化学习]" not in text and "tags: ['a, b', RL, 强化学习]" in text
    assert "series: '强化学习: 基础'\nseries_order: 2\n" in text and "author: alice.w\n" in text
    assert "draft: false" in text
    draft = parse_article((tmp_path / "草稿未完成.md").read_text(encoding="utf-8"))
    assert draft.draft is True and draft.date is None and draft.title == "草稿：未完成"


def test_export_then_import_into_an_empty_database_gives_the_same_site(tmp_path):
    call_command("load_demo", verbosity=0)
    tricky_articles()
    before = site_state()
    order_before = list(Article.objects.values_list("slug", flat=True))
    series_before = {
        s.title: list(s.articles.in_reading_order().values_list("slug", flat=True)) for s in Series.objects.all()
    }
    export(tmp_path)

    Article.objects.all().delete()
    Series.objects.all().delete()
    Tag.objects.all().delete()
    Revision.objects.all().delete()
    get_user_model().objects.all().delete()

    call_command("import_markdown", str(tmp_path), stdout=StringIO())
    assert site_state() == before
    assert list(Article.objects.values_list("slug", flat=True)) == order_before  # the feed's order
    series_after = {
        s.title: list(s.articles.in_reading_order().values_list("slug", flat=True)) for s in Series.objects.all()
    }
    assert series_after == series_before
    assert list(Article.objects.published().values_list("slug", flat=True)) == [
        slug for slug in order_before if before[slug]["status"] == "published" and slug != "scheduled"
    ]


def test_export_to_an_unwritable_place_fails_with_a_message(tmp_path):
    make_article(title="x")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CommandError, match="Cannot write to"):
        export(blocker / "sub")


def test_an_article_with_a_stored_date_out_of_range_stops_the_export_with_one_line(tmp_path):
    make_article(title="Fine")
    broken = make_article(title="Year one", slug="year-one")
    undo = store_unreadable_date(broken)
    try:
        with pytest.raises(CommandError) as raised:
            export(tmp_path)
    finally:
        undo()
    message = str(raised.value)
    assert message.startswith("Export stopped: ") and "\n" not in message, message
    if connection.vendor == "sqlite":
        assert f"cannot export article year-one (pk={broken.pk})" in message
