"""Articles, series and tags.

Rendering happens in `save()`, never per request: the Markdown source is turned into
stored `body_html`, `toc_html` and `excerpt` by the pure `rendering`/`summaries` modules
(or taken from a `render_article()` result made beforehand: see `Article.use_rendered()`).
What readers may see is decided in one place, `ArticleQuerySet.published()`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager, _TaggableManager
from taggit.models import ItemBase, TagBase

from . import limits, search_index
from .rendering import RenderError, render_article, render_markdown
from .slugs import SLUG_MAX_LENGTH, clean_name, save_with_free_slug, unique_slug


def _check_renders(**sources):
    """ValidationError for a Markdown field the pipeline cannot render (before any save)."""
    for name, source in sources.items():
        try:
            render_markdown(source, field=name)
        except RenderError as error:
            raise ValidationError({name: str(error)}) from None


def _to_second(moment):
    return moment.replace(microsecond=0) if moment else moment


def date_range_constraint(model, field, null=False):
    """A CHECK keeping `field` within limits.EARLIEST_DATE and LATEST_DATE (migration 0010)."""
    in_range = models.Q(**{f"{field}__gte": limits.EARLIEST_DATE, f"{field}__lt": limits.LATEST_DATE})
    if null:
        in_range = models.Q(**{f"{field}__isnull": True}) | in_range
    return models.CheckConstraint(condition=in_range, name=f"{model}_{field}_range")


# Columns only an article's own page (or a feed entry) reads.
LONG_TEXTS = ("body", "body_html", "feed_html", "toc_html")


class ArticleQuerySet(models.QuerySet):
    _with_tags = False

    def _clone(self):
        clone = super()._clone()
        clone._with_tags = self._with_tags
        return clone

    def _fetch_all(self):
        attach = self._with_tags and self._result_cache is None and self._iterable_class is models.query.ModelIterable
        super()._fetch_all()
        if attach:
            attach_tags(self._result_cache)

    def with_tags(self):
        """The articles with their tags loaded for `article.tags.all()`, in one more query.

        Like `prefetch_related("tags")`, without the queryset taggit's prefetch builds (and
        never runs) for each article: a third of a feed page's database time.
        """
        clone = self._chain()
        clone._with_tags = True
        return clone

    def published(self):
        """What readers may see: published status, publication time reached."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self, feed_entries=False):
        """Everything an article card shows, in a constant number of queries.

        The long texts stay in the database: a page of twelve cards would read a megabyte it
        never shows. `feed_entries=True` adds what a feed entry shows: author and HTML.
        """
        if feed_entries:
            return self.select_related("author", "series").with_tags().defer("body", "toc_html")
        return self.select_related("series").with_tags().defer(*LONG_TEXTS)

    def in_reading_order(self):
        """A series' parts: explicit position first (unnumbered last), then publication date."""
        return self.order_by(F("series_order").asc(nulls_last=True), "published_at", "pk")


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
    """Make `article.tags.all()` return `tags` without a query, as after a prefetch."""
    found = Tag.objects.all()
    found._result_cache, found._prefetch_done = list(tags), True
    article._prefetched_objects_cache = {**getattr(article, "_prefetched_objects_cache", {}), "tags": found}


class Series(models.Model):
    title = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, unique=True, allow_unicode=True, blank=True)
    description = models.TextField(blank=True, help_text="Markdown, rendered like an article.")
    description_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "series"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title = clean_name(self.title)
        if not self.slug:
            self.slug = unique_slug(Series.objects.all(), self.title, fallback="series", exclude_pk=self.pk)
        self.description_html = render_markdown(self.description).html
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:series_detail", args=[self.slug])

    def clean(self):
        _check_renders(description=self.description)


class Tag(TagBase):
    """A tag. Names are case-insensitive (TAGGIT_CASE_INSENSITIVE); slugs keep CJK and are never empty."""

    class Meta:
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
    """Tag names are trimmed, inner whitespace collapsed; empty and repeated names dropped."""

    def _to_tag_model_instances(self, tags, tag_kwargs):
        cleaned, seen = [], set()
        for tag in tags:
            if isinstance(tag, str):
                tag = clean_name(tag)[:100]
                if not tag or tag.casefold() in seen:
                    continue
                seen.add(tag.casefold())
            cleaned.append(tag)
        return super()._to_tag_model_instances(cleaned, tag_kwargs)


class TaggedArticle(ItemBase):
    """The tag-article link, with real foreign keys (faster than taggit's generic one)."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="items")
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="tagged_items")
    # Copies of the article's, kept by database triggers (see `tagged.py`), so that a tag's
    # page is read from this table's index in order: never written from Python.
    visible_from = models.DateTimeField(null=True, editable=False)
    updated_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_object", "tag"], name="unique_article_tag")]
        indexes = [
            models.Index(fields=["tag", "content_object"], name="tagged_tag_article"),
            models.Index(fields=["tag", "-updated_at", "-content_object", "visible_from"], name="tagged_tag_listing"),
        ]


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="Made from the title when left empty; Chinese is kept.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    body = models.TextField(help_text="Markdown with $inline$ and $$display$$ math.")
    summary = models.TextField(blank=True, help_text="Optional; otherwise the start of the body is shown in lists.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when first published; a future time schedules the article."
    )
    updated_at = models.DateTimeField(default=timezone.now, help_text="Changes when the content changes.")
    created_at = models.DateTimeField(auto_now_add=True)
    series = models.ForeignKey(Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles")
    series_order = models.PositiveIntegerField(null=True, blank=True, help_text="Position in the series.")
    tags = TaggableManager(through=TaggedArticle, manager=NormalisedTagManager, blank=True)

    # Derived at save time from the Markdown source.
    body_html = models.TextField(editable=False, default="")
    # body_html for feed readers, which run no MathJax: formulas as MathML
    feed_html = models.TextField(editable=False, default="")
    toc_html = models.TextField(editable=False, default="")
    excerpt = models.TextField(editable=False, default="")
    has_math = models.BooleanField(editable=False, default=False)
    reading_minutes = models.PositiveIntegerField(editable=False, default=1)

    objects = ArticleQuerySet.as_manager()

    _rendered = None  # see use_rendered()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # The feed's order, with published_at so that a deep page is skipped in the index alone.
            models.Index(fields=["status", "-updated_at", "-id", "published_at"], name="article_feed_listing"),
            models.Index(fields=["status", "published_at"], name="article_published"),
            models.Index(fields=["series", "series_order", "published_at"], name="article_series_order"),
            models.Index(fields=["author", "-updated_at"], name="article_author"),
        ]
        # No write path (a bulk update, restore's loaddata, raw SQL) can store a date that a
        # reader's page, a feed or a backup then fails to read (year 1 in +08:00 is a BC
        # timestamp to PostgreSQL). The admin and the importer check first, naming the field.
        constraints = [
            date_range_constraint("article", "published_at", null=True),
            date_range_constraint("article", "updated_at"),
            date_range_constraint("article", "created_at"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title = clean_name(self.title)
        made_slug = not self.slug
        if made_slug:
            self.slug = unique_slug(Article.objects.all(), self.title, exclude_pk=self.pk)
        loaded = getattr(self, "_loaded", None)
        # Rendered when the Markdown changed: publishing, unpublishing or retitling an article
        # costs no rendering (and cannot be refused for a body stored before today's limits).
        if not (loaded and loaded[0][1:] == (self.body, self.summary) and self.body_html):
            self.render()
        now = timezone.now()
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = now
        # The content changed and the caller did not set updated_at itself (an import does).
        # Compared to the second: the admin's date widget drops microseconds.
        if loaded and self._content() != loaded[0] and _to_second(self.updated_at) == _to_second(loaded[1]):
            self.updated_at = now
        if self.published_at and self.updated_at < self.published_at:
            self.updated_at = self.published_at
        # The row and its index entry together or neither (a savepoint): a failed index write
        # must not leave the article saved but unsearchable (or found by words it no longer
        # has); a slug made from the title that another save took meanwhile is replaced by the
        # next free one (save_with_free_slug). While indexing is deferred
        # (search_index.indexed_once), the caller's transaction holds both, and a savepoint
        # here would cost two round trips for nothing.
        if getattr(self, "_index_deferred", False):
            super().save(*args, **kwargs)
        else:
            save_with_free_slug(self, lambda: self._save_and_index(*args, **kwargs), made=made_slug)
        self._remember_loaded()

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.slug])

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        # Rows loaded with .only() (lists of links) are never saved; don't fetch the rest.
        if not article.get_deferred_fields() & {"title", "body", "summary", "updated_at"}:
            article._remember_loaded()
        return article

    def clean(self):
        _check_renders(summary=self.summary)
        # The body is rendered once for the check and the result kept for save() to use.
        try:
            self.use_rendered(render_article(self.body, self.summary))
        except RenderError as error:
            raise ValidationError({"body": str(error)}) from None

    # The dates an author sets, by how the message names them; only the publication date may
    # lie in the future (it schedules the article).
    DATE_FIELDS = {"published_at": "publication date", "updated_at": "update date"}

    def clean_fields(self, exclude=None):
        """The fields' own checks, then the dates against limits.check_date, each error on its field.

        Here rather than in clean(), which cannot know the fields a form leaves out (an
        Author's form has no published_at), and a ValueError would follow.
        """
        errors = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        skip = {*(exclude or ()), *errors}
        now = timezone.now()
        for field, label in self.DATE_FIELDS.items():
            if field in skip:
                continue
            latest = now
            if field == "updated_at":
                if self.published_at and "published_at" not in errors:
                    # A scheduled article's update time is its publication time, also to come.
                    latest = max(now, self.published_at)
                loaded = getattr(self, "_loaded", None)
                if loaded and _to_second(self.updated_at) == _to_second(loaded[1]) and self.updated_at > latest:
                    # Left as it was while the schedule moved earlier (publish now, not next
                    # week): it follows the schedule rather than being refused.
                    self.updated_at = latest
            try:
                limits.check_date(label, getattr(self, field), now=latest, future=field == "published_at")
            except limits.LimitExceeded as error:
                errors[field] = [ValidationError(str(error), code="date_range")]
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        # clean_fields() checked the date ranges in Python with the CHECKs' bounds, naming
        # the field; Django would ask the database again, a query for each.
        super().validate_constraints(exclude={*(exclude or ()), "published_at", "updated_at", "created_at"})

    def _content(self):
        return (self.title, self.body, self.summary)

    def _remember_loaded(self):
        self._loaded = (self._content(), self.updated_at)

    def _save_and_index(self, *args, **kwargs):
        super().save(*args, **kwargs)
        search_index.index_article(self)

    def use_rendered(self, rendered):
        """Let save() take the derived fields from `rendered` instead of rendering again.

        `rendered` is a `rendering.render_article()` result made beforehand (the importer makes
        it in a worker process); it is used only while the body and summary are still the ones
        it was made from.
        """
        self._rendered = rendered

    def render(self):
        """Fill the derived fields from the Markdown source."""
        rendered = self._rendered
        if rendered is None or not rendered.made_from(self.body, self.summary):
            rendered = render_article(self.body, self.summary)
        self.body_html = rendered.body_html
        self.feed_html = rendered.feed_html
        self.toc_html = rendered.toc_html
        self.excerpt = rendered.excerpt
        self.has_math = rendered.has_math
        self.reading_minutes = rendered.reading_minutes


# Models that live with the code that uses them; imported here so that Django registers them.
from .revisions import Revision  # noqa: E402, F401
from .tagging import TagRedirect  # noqa: E402, F401
