"""Strict page numbers: anything but a positive integer within range is a 404."""

import re

from django.core.paginator import InvalidPage
from django.http import Http404

PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


def page_number(request):
    """The `?page=` value as an int (1 when absent); 404 for anything else."""
    raw = request.GET.get("page")
    if raw is None:
        return 1
    if not PAGE_NUMBER.fullmatch(raw):
        raise Http404("Page numbers are positive integers.")
    return int(raw)


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
            # 1 … 4 5 [6] 7 8 … 40
            context["page_range"] = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        return context
