"""The search page: full text in Chinese and English, narrowed by tags, with facets."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext

from articles.reading import queries
from articles.reading.pagination import page_number, paginate
from articles.reading.tag_sets import MAX_COMBINED_TAGS, TooManyCombinedTags, resolve_tags
from articles.reading.views import bad_request
from articles.search import query as search
from articles.search.snippets import has_formula
from markup.rendering import contains_math

SORTS = {"relevance", "date"}


def _address_with_tags(request, slugs):
    """This search's address with another tag list, back on page 1."""
    params = request.GET.copy()
    params.pop("page", None)
    params.setlist("tag", slugs)
    return "?" + params.urlencode()


def _all_visible(tags):
    """Whether each of `tags` is carried by at least one article readers may see (one query)."""
    if not tags:
        return True
    visible = queries.tags_in_use().filter(pk__in=[tag.pk for tag in tags]).values("pk")
    return len({row["pk"] for row in visible}) == len(tags)


def search_page(request):
    query, was_cut = search.clean_query(request.GET.get("q", ""))
    sort = request.GET.get("sort") or "relevance"
    if sort not in SORTS:
        return bad_request(request, gettext("Sort results by “relevance” or by “date”."))
    try:
        tags = resolve_tags(request.GET.getlist("tag"))
    except TooManyCombinedTags as error:
        return bad_request(request, str(error))
    if tags is None or not _all_visible(tags):
        # A tag carried only by drafts or scheduled articles is as unknown to a reader as
        # a tag that does not exist: answering otherwise would tell that it exists.
        raise Http404("No such tag.")
    slugs = [tag.slug for tag in tags]
    for tag in tags:
        tag.remove_url = _address_with_tags(request, [slug for slug in slugs if slug != tag.slug])
    context = {"query": query, "was_cut": was_cut, "max_length": search.MAX_QUERY_LENGTH, "tags": tags, "sort": sort}
    if not query and not tags:
        context["popular_tags"] = queries.tags_in_use().order_by("-count", "name")[:20]
        return render(request, "articles/search.html", context)

    size = settings.KB_PAGE_SIZE
    window = ((page_number(request) - 1) * size, size)
    found = search.Search(query, tags, sort, window=window).run()
    page, page_range = paginate(request, found.results, size)
    paginator = page.paginator
    articles = queries.label_series_parts(list(page.object_list))
    snippets = search.snippets(articles, found.highlight_terms())
    for article in articles:
        article.snippet = snippets.get(article.pk, "")
    facets = found.facets() if paginator.count and len(tags) < MAX_COMBINED_TAGS else []
    for tag in facets:
        tag.narrow_url = _address_with_tags(request, [*slugs, tag.slug])
    context.update(
        searched=True,
        articles=articles,
        page_obj=page,
        paginator=paginator,
        is_paginated=page.has_other_pages(),
        page_range=page_range,
        total=paginator.count,
        fallback=found.fallback,
        facets=facets,
        # A snippet shows its formulas typeset; without a snippet the card shows the excerpt.
        needs_math=any(has_formula(a.snippet) if a.snippet else contains_math(a.excerpt) for a in articles),
    )
    return render(request, "articles/search.html", context)
