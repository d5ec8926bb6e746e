"""Strict page numbers: anything but a positive integer within range is a 404."""

import re

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404

PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


def requested_page(query):
    """The page number that `?page=` names in `query` (a QueryDict), or None if it names none.

    The one reading of the parameter, for the listings and their canonical links alike: 1 when
    it is absent; the number when the value is a positive integer written as PAGE_NUMBER has it
    (no sign, no leading zero, at most nine digits); None for any other value (`x`, `0`, `02`,
    `-1`, empty).
    """
    raw = query.get("page")
    if raw is None:
        return 1
    return int(raw) if PAGE_NUMBER.fullmatch(raw) else None


def page_number(request):
    """The page a listing shows: `requested_page`, and 404 for a value that names none."""
    number = requested_page(request.GET)
    if number is None:
        raise Http404("Page numbers are positive integers.")
    return number


def paginate(request, object_list, per_page):
    """The requested page of `object_list` (404 for a bad or missing one) and its elided range."""
    paginator = Paginator(object_list, per_page)
    try:
        page = paginator.page(page_number(request))
    except InvalidPage:
        raise Http404("That page does not exist.") from None
    return page, elided_range(page)


def elided_range(page):
    """1 … 4 5 [6] 7 8 … 40"""
    return page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)


class StrictPaginationMixin:
    """For ListView: numbered pages only (no `?page=last`), an elided page range in context."""

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=self.get_allow_empty())
        try:
            page = paginator.page(page_number(self.request))
        except InvalidPage:
            raise Http404("That page does not exist.") from None
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context.get("page_obj")
        if page is not None:
            context["page_range"] = elided_range(page)
        return context


SHALLOW = 1000  # rows an OFFSET may skip before PageByIds looks up a page's ids first


class PageByIds:
    """An ordered queryset, paginated so that a deep page stays cheap.

    With OFFSET the database reads every skipped row; here a page's ids are found first
    (from a covering index: skipping costs only index entries), then only its rows are read,
    in the same statement. What Django's Paginator needs: `count()` and slicing.
    """

    def __init__(self, queryset, count=None):
        self.queryset = queryset
        self._count = count or queryset.count  # a faster way to the same number, if there is one

    def count(self):
        return self._count()

    def __getitem__(self, window):
        if (window.start or 0) < SHALLOW:
            return list(self.queryset[window])
        return list(self.queryset.filter(pk__in=self.queryset.values("pk")[window]))
