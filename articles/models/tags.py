"""Tags: case-insensitive names, Unicode slugs, and the tag-article link with real foreign keys."""

from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.managers import _TaggableManager
from taggit.models import ItemBase, TagBase

from markup.limits import MAX_TAG_LENGTH
from markup.slugs import clean_name, fold_name


class Tag(TagBase):
    """A tag. Names are case-insensitive (TAGGIT_CASE_INSENSITIVE); slugs keep CJK and are never empty."""

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def save(self, *args, **kwargs):
        self.name = clean_name(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:tag_detail", args=[self.slug])

    def slugify(self, tag, i=None):
        slug = slugify(tag, allow_unicode=True)[:90].strip("-_") or "tag"
        return slug if i is None else f"{slug}-{i}"


class NormalisedTagManager(_TaggableManager):
    """Tag names are trimmed, inner whitespace collapsed; empty and repeated names dropped.

    For every path that sets tags with names (`article.tags.set()`/`add()`: the admin,
    restore, the tests), as `markup.slugs.tag_names()` keeps them for the importer and the
    admin's form. Private names, for want of public ones: taggit's documented way to change
    its manager is `TaggableManager(manager=...)` with a subclass of `_TaggableManager`, and
    it has no public hook for the names given to `add()` and `set()` (its
    TAGGIT_TAGS_FROM_STRING setting only parses a form's text); `_to_tag_model_instances()` is
    the one method both pass their names through before looking them up.
    """

    def _to_tag_model_instances(self, tags, tag_kwargs):
        cleaned, seen = [], set()
        for tag in tags:
            if isinstance(tag, str):
                tag = clean_name(tag)[:MAX_TAG_LENGTH]
                if not tag or fold_name(tag) in seen:
                    continue
                seen.add(fold_name(tag))
            cleaned.append(tag)
        return super()._to_tag_model_instances(cleaned, tag_kwargs)


class TaggedArticle(ItemBase):
    """The tag-article link, with real foreign keys (faster than taggit's generic one)."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="items")
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="tagged_items")
    # Copies of the article's, kept by database triggers (see `articles/reading/tagged.py`), so that a tag's
    # page is read from this table's index in order: never written from Python.
    visible_from = models.DateTimeField(null=True, editable=False)
    updated_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_object", "tag"], name="unique_article_tag")]
        indexes = [
            models.Index(fields=["tag", "content_object"], name="tagged_tag_article"),
            models.Index(fields=["tag", "-updated_at", "-content_object", "visible_from"], name="tagged_tag_listing"),
            # A tag's latest publications: the related box's candidates (reading/queries.py).
            models.Index(fields=["tag", "-visible_from", "-content_object"], name="tagged_tag_published"),
        ]


class PendingReindex(models.Model):
    """An article whose search entry is to be written again because one of its tags was renamed
    or merged: the backlog `articles/authoring/reindexing.py` works through outside the request.

    A row stays until its article is indexed again, so a restart resumes where it stopped.
    """

    article = models.OneToOneField("Article", on_delete=models.CASCADE, primary_key=True, related_name="+")
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("search entry to redo")
        verbose_name_plural = _("search entries to redo")

    def __str__(self):
        return f"article {self.article_id}, queued {self.queued_at:%Y-%m-%d %H:%M:%S}"


def attach_tags(articles):
    """Load the tags of `articles` (alphabetical) in one query, as a prefetch would."""
    by_article = {article.pk: [] for article in articles}
    if not by_article:
        return
    found = Tag.objects.filter(items__content_object__in=list(by_article)).annotate(
        article_id=F("items__content_object")
    )
    for tag in found.order_by("name", "pk"):
        by_article[tag.article_id].append(tag)
    for article in articles:
        remember_tags(article, by_article[article.pk])


def remember_tags(article, tags):
    """Make `article.tags.all()` return `tags` without a query, as after a prefetch.

    Private names, as Django's own prefetch writes them, for want of public ones: Django has
    no public way to give a related manager objects already in hand, and taggit's prefetch
    (`prefetch_related("tags")`) serves neither use here: it refuses a `Prefetch` queryset
    (so no alphabetical order), and it builds a filtered queryset for each article, a third
    of a feed page's database time. A `Prefetch(..., to_attr=...)` list would serve the
    listings, but `article.tags.all()` is what templates, feeds, the search index and the
    revisions read, in and out of listings.
    """
    found = Tag.objects.all()
    found._result_cache, found._prefetch_done = list(tags), True
    article._prefetched_objects_cache = {**getattr(article, "_prefetched_objects_cache", {}), "tags": found}
