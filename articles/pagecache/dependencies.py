"""What a stored page shows, as the names of marks (`marks.py`): read from its address and,
for the views' own pages, from what the view gave its template (`context_data`).

Where a page is not known here, or its view did not give what is expected, the page shows
`any`, which every change moves: a page is never kept for longer than it is right.
"""

from math import comb

from django.db import connection
from django.urls import Resolver404, resolve
from django.utils import timezone

from articles.database.tables import names as table_names
from articles.models import Article, Series
from articles.pagecache import marks
from articles.reading.queries import RELATED_CANDIDATES

LISTINGS = {"feed_atom", "tag_list", "series_list"}
MOST_MARKS = 64  # a related box shows at most this many sets of tags


def marks_of(request, response):
    """The marks of the page `response` answers `request` with."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ["any"]
    name, kwargs = match.url_name, match.kwargs
    context = getattr(response, "context_data", None) or {}
    shown = {"tagnames", "users"}
    if name in LISTINGS:
        return sorted(shown | {"feed"})
    if name == "feed":
        page = context.get("page_obj")
        number = getattr(page, "number", None)
        if not isinstance(number, int):
            return sorted(shown | {"feed"})
        return sorted(shown | {marks.ALL_FEED_PAGES, marks.feed_page(number)})
    if name == "tag_detail":
        shown |= {marks.tag_set([slug]) for slug in kwargs["slugs"].split("+")}
        # Cards say "part 2 of 5": their series' parts.
        listed = _articles(context.get("articles"))
        if listed is None:
            return sorted(shown | {"feed"})
        return sorted(shown | {f"s:{a.series_id}" for a in listed if a.series_id})
    if name == "tag_feed":
        return sorted(shown | {marks.tag_set([kwargs["slug"]])})
    if name == "series_detail" and isinstance(context.get("series"), Series):
        return sorted(shown | {f"s:{context['series'].pk}"})
    if name == "series_feed":
        series = Series.objects.filter(slug=kwargs["slug"]).values_list("pk", flat=True).first()
        return sorted(shown | {f"s:{series}"})
    if name == "detail" and isinstance(context.get("article"), Article):
        return sorted(shown | _article_marks(context["article"], context))
    return ["any"]


def _articles(value):
    """The articles in a list or a page of them; None if it is neither."""
    value = getattr(value, "object_list", value)
    try:
        articles = list(value)
    except TypeError:
        return None
    return articles if all(isinstance(a, Article) for a in articles) else None


def _article_marks(article, context):
    shown = {f"a:{article.pk}"}
    if article.series_id:
        shown.add(f"s:{article.series_id}")
    related = _articles(context.get("related"))
    if related is None:
        return shown | {"feed"}
    shown |= {f"a:{other.pk}" for other in related}
    slugs = [tag.slug for tag in article.tags.all()]
    if slugs:
        shown |= _related_box_marks(article, slugs, related)
    return shown


def _related_box_marks(article, slugs, related, limit=4):
    """The marks of the articles that could enter `article`'s related box.

    The box shows the `limit` articles sharing most tags with it, then the most recently
    published (reading.queries.related_articles). An article can enter only when it is
    published, given another publication time or other tags (an edit of its text changes its
    place in no box), and only if it then shares at least as many tags as the last one shown
    (any one, when the box is not full). So the page shows the sets of that many of its tags
    (`r:` marks, moved by such saves): an article with fewer of them in common cannot enter.
    The count is a lower bound: the tags whose candidates are cut at RELATED_CANDIDATES count
    for nothing.
    """
    shared = 1
    if len(related) >= limit:
        shared = max(1, _surely_shared(article, slugs, related[limit - 1]))
    shared = min(shared, marks.MOST_SHARED, len(slugs))
    while shared > 1 and comb(len(slugs), shared) > MOST_MARKS:
        shared -= 1
    if len(slugs) > MOST_MARKS:
        return {"feed"}
    shown = set(marks.related_sets_of(slugs, shared))
    if shared > 1:
        shown.add("tagsets")  # moved instead of the sets of an article with very many tags
    return shown


def _surely_shared(article, slugs, last):
    """How many of `article`'s tags `last` surely shares with it in the related box's count."""
    t = table_names()
    marks_ = ", ".join(["%s"] * len(slugs))
    with connection.cursor() as cursor:
        # The tags both carry, and of those the ones with more candidates than are read.
        cursor.execute(
            f"SELECT g.id FROM {t.tagged} x JOIN {t.tag} g ON g.id = x.tag_id "
            f"WHERE x.content_object_id = %s AND g.slug IN ({marks_})",
            [last.pk, *slugs],
        )
        common = [row[0] for row in cursor.fetchall()]
        if not common:
            return 0
        cut = 0
        for tag_id in common:
            cursor.execute(
                f"SELECT 1 FROM {t.tagged} WHERE tag_id = %s AND visible_from <= %s LIMIT 1 OFFSET %s",
                [tag_id, connection.ops.adapt_datetimefield_value(timezone.now()), RELATED_CANDIDATES],
            )
            cut += cursor.fetchone() is not None
    return len(common) - cut
