"""Public pages. Views only read: everything they show was rendered at save time."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import DetailView, ListView

from articles.models import Article, Series, moved_article_slug, redirected_path, roles
from articles.reading import queries
from articles.reading.pagination import PageByIds, StrictPaginationMixin
from articles.reading.tag_sets import MAX_COMBINED_TAGS, TooManyCombinedTags, resolve_tags
from articles.reading.tagged import TaggedArticles
from markup.blocks import contains_diagram
from markup.rendering import contains_math


def _excerpts_have_math(articles):
    return any(contains_math(article.excerpt) for article in articles)


class FeedView(StrictPaginationMixin, ListView):
    """The latest-updates feed: published articles, newest update first."""

    template_name = "articles/feed.html"
    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.KB_PAGE_SIZE  # read per request, so that tests may change it

    def get_queryset(self):
        articles = Article.objects.published().for_listing().order_by("-updated_at", "-pk")
        return PageByIds(articles, count=queries.published_count)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        articles = queries.label_series_parts(list(context["page_obj"].object_list))
        context.update(articles=articles, needs_math=_excerpts_have_math(articles))
        return context


def bad_request(request, message):
    """The site's own 400 page, saying what was wrong."""
    return render(request, "400.html", {"message": message}, status=400)


class TagView(FeedView):
    """Published articles carrying every tag of `/tags/a+b/` (at most five), paginated like the feed."""

    template_name = "articles/tag_detail.html"

    def get(self, request, *args, **kwargs):
        try:
            self.tags = resolve_tags(self.kwargs["slugs"].split("+"))
        except TooManyCombinedTags as error:
            return bad_request(request, str(error))
        if self.tags is None:
            # A tag renamed or merged away: its old address moved for good.
            if moved := redirected_path(self.kwargs["slugs"]):
                return redirect("articles:tag_detail", moved, permanent=True)
            raise Http404("No such tag.")
        canonical = "+".join(tag.slug for tag in self.tags)
        if canonical != self.kwargs["slugs"]:
            # /tags/CNN/ for the tag whose slug is "cnn": send the reader to the real address.
            return redirect("articles:tag_detail", canonical, permanent=True)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return TaggedArticles(self.tags)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not context["paginator"].count:
            raise Http404("No published article carries these tags.")
        slugs = [tag.slug for tag in self.tags]
        for tag in self.tags:
            tag.remove_path = "+".join(slug for slug in slugs if slug != tag.slug)
        related = self.object_list.related() if len(self.tags) < MAX_COMBINED_TAGS else []
        for tag in related:
            tag.narrow_path = "+".join([*slugs, tag.slug])
        context.update(tags=self.tags, related_tags=related)
        return context


class TagListView(ListView):
    """Every tag in use: an alphabetical list and a cloud weighted by article count."""

    template_name = "articles/tag_list.html"
    context_object_name = "tags"

    def get_queryset(self):
        return queries.tags_in_use()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cloud"] = queries.weigh(list(context["tags"]))
        return context


class ArticleView(DetailView):
    """One article. Drafts and scheduled articles are 404 to readers; staff who may see them get a preview."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A slug an editor changed: its old address moved for good, to the article's page,
            # for whoever may see that page (a draft's old address stays a 404, revealing nothing).
            if moved := self._moved_to():
                return redirect(moved, permanent=True)
            raise

    def _moved_to(self):
        """The current address of the article that had this slug, if this reader may see it; else None."""
        slug = moved_article_slug(self.kwargs["slug"])
        if slug is None:
            return None
        self.kwargs = {**self.kwargs, "slug": slug}
        try:
            return self.get_object().get_absolute_url()  # the visibility the page itself applies
        except Http404:
            return None

    def get_object(self, queryset=None):
        articles = Article.objects.select_related("author", "series").with_tags()
        article = articles.published().filter(slug=self.kwargs["slug"]).first()
        self.preview = article is None
        if self.preview:
            # Staff preview: Editors see every draft, Authors their own (never another's).
            article = get_object_or_404(articles, slug=self.kwargs["slug"]) if self.request.user.is_staff else None
            if article is None or not roles.can_see(self.request.user, article):
                raise Http404("No such article.")
        return article

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        parts = queries.series_parts([article.series_id]).get(article.series_id, []) if article.series_id else []
        ids = [part.pk for part in parts]
        index = ids.index(article.pk) if article.pk in ids else None
        context.update(
            tags=list(article.tags.all()),  # read once: the header, the meta tags, the feeds
            preview=self.preview,
            needs_math=article.has_math,
            needs_mermaid=contains_diagram(article.body_html),
            parts=parts,
            part=index + 1 if index is not None else None,
            previous_part=parts[index - 1] if index else None,
            next_part=parts[index + 1] if index is not None and index + 1 < len(parts) else None,
            related=queries.related_articles(article),
        )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["preview"]:
            response["X-Robots-Tag"] = "noindex"
            response["Cache-Control"] = "private, no-store"
        return response


class SeriesListView(ListView):
    template_name = "articles/series_list.html"
    context_object_name = "series_list"

    def get_queryset(self):
        return queries.series_in_use()


class SeriesView(DetailView):
    """One series' published parts in reading order."""

    template_name = "articles/series_detail.html"
    context_object_name = "series"
    model = Series

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        parts = list(Article.objects.published().filter(series=self.object).for_listing().in_reading_order())
        if not parts:
            raise Http404("This series has no published part yet.")
        for number, part in enumerate(parts, start=1):
            part.part, part.part_count = number, len(parts)
        has_math = contains_math(self.object.description_html) or _excerpts_have_math(parts)
        context.update(parts=parts, needs_math=has_math, needs_mermaid=contains_diagram(self.object.description_html))
        return context
