"""The two ceilings of the page benchmark, served through the same middleware as the site.

`fixed_page` returns the same 20 KB of HTML every time: the framework's cost alone.
`template_page` renders the feed's own template (articles/feed.html) for 12 articles built
in memory, with no database: the template's cost alone.
"""

from datetime import timedelta

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import corpus

_PARAGRAPH = "<p>" + "x" * 1017 + "</p>\n"  # 1 KB
FIXED = ("<!doctype html><title>fixed</title>\n" + _PARAGRAPH * 20)[: 20 * 1024 - 15].encode() + b"</p></html>\n\n\n\n"


def fixed_page(request):
    return HttpResponse(FIXED)


def _in_memory_feed(total=10_000):
    """A feed page's context, as FeedView builds it, from objects that were never saved."""
    from django.contrib.auth import get_user_model

    from articles.models import Article, Series, Tag, remember_tags
    from markup.summaries import excerpt_html

    author = get_user_model()(username="bench", first_name="Bench")
    series = Series(pk=1, title="推理加速笔记", slug="推理加速笔记")
    now = timezone.now()
    articles = []
    for index, (title, _body, html, names) in enumerate(corpus.articles(12)):
        moment = now - timedelta(minutes=7 * index)
        article = Article(
            pk=index + 1, title=title, slug=f"bench-{index}", excerpt=excerpt_html(html), has_math=True,
            status=Article.Status.PUBLISHED, published_at=moment - timedelta(days=index), updated_at=moment,
            reading_minutes=3,
        )  # fmt: skip
        article.author = author
        if index % 3 == 0:
            article.series, article.part, article.part_count = series, index // 3 + 1, 4
        remember_tags(article, [Tag(name=n, slug=n.lower()) for n in names])
        articles.append(article)
    page = Paginator(range(total), 12).page(1)
    page.object_list = articles
    return {
        "articles": articles,
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": True,
        "object_list": articles,
        "needs_math": True,
    }


_context = None


def template_page(request):
    global _context
    if _context is None:
        _context = _in_memory_feed()
    return render(request, "articles/feed.html", _context)
