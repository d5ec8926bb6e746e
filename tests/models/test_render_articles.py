"""manage.py render_articles: stored HTML made again from the Markdown, for upgrades that change rendering."""

import io

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from markup import limits
from tests.factories import make_article, make_series

pytestmark = pytest.mark.django_db


def test_stored_html_is_made_again_and_the_dates_stay():
    article = make_article(title="旧的渲染", body="一个公式 $\\rule{5000px}{5000px}$。")
    series = make_series(title="一个系列", description="**说明**")
    # As an older version of the site stored them: formula sizes unbounded in the feed's MathML.
    Article.objects.filter(pk=article.pk).update(feed_html='<math><mspace width="5000px"/></math>', body_html="old")
    series.__class__.objects.filter(pk=series.pk).update(description_html="old")
    updated_at = Article.objects.get(pk=article.pk).updated_at
    out = io.StringIO()
    call_command("render_articles", stdout=out)
    assert "Rendered 2 article(s) and series" in out.getvalue()
    article = Article.objects.get(pk=article.pk)
    assert article.body_html != "old" and 'class="arithmatex"' in article.body_html
    assert 'width="5000px"' not in article.feed_html and 'width="40em"' in article.feed_html
    assert article.updated_at == updated_at
    assert "<strong>说明</strong>" in series.__class__.objects.get(pk=series.pk).description_html


def test_a_text_the_limits_refuse_keeps_its_html_and_is_named():
    ok = make_article(title="好的", body="正文。")
    big = make_article(title="太长的", body="正文。")
    Article.objects.filter(pk=big.pk).update(body="长" * limits.MAX_BODY_BYTES, body_html="kept")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 refused"):
        call_command("render_articles", stdout=io.StringIO(), stderr=err)
    assert f"article {big.slug}" in err.getvalue()
    assert Article.objects.get(pk=big.pk).body_html == "kept"
    assert Article.objects.get(pk=ok.pk).body_html.startswith("<p>")


def test_an_articles_own_macros_are_expanded_again():
    article = make_article(title="自己的宏", body="期望 $\\Ex[X]$。", macros="\\Ex = \\mathbb{E}")
    Article.objects.filter(pk=article.pk).update(body_html="old")
    call_command("render_articles", stdout=io.StringIO())
    html = Article.objects.get(pk=article.pk).body_html
    assert "\\mathbb{E}[X]" in html and "\\Ex" not in html
