"""Articles, series and tags.

Rendering happens in `save()`, never per request: the Markdown source is turned into
stored `body_html`, `toc_html` and `excerpt` by the pure `rendering`/`summaries` modules
(or taken from a `render_article()` result made beforehand: see `Article.use_rendered()`).
What readers may see is decided in one place, `ArticleQuerySet.published()`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from articles.models.querysets import ArticleQuerySet
from articles.models.series import Series
from articles.models.slugs import save_with_free_slug, unique_slug
from articles.models.tags import NormalisedTagManager, TaggedArticle
from articles.models.validation import check_renders, date_range_constraint, render_error_message, to_second
from markup import limits
from markup.macros import MacroError
from markup.macros import parse_lines as parse_macro_lines
from markup.rendering import RenderError, render_article
from markup.slugs import SLUG_MAX_LENGTH, clean_name


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Review(models.TextChoices):
        """Where the article stands with the Editors (`articles.authoring.review`)."""

        NONE = "", _("Not submitted")
        SUBMITTED = "submitted", _("Waiting for review")
        RETURNED = "returned", _("Sent back")

    title = models.CharField(verbose_name=_("title"), max_length=200)
    slug = models.SlugField(
        verbose_name=_("slug"),
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text=_("Made from the title when left empty; Chinese is kept."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        verbose_name=_("author"),
    )
    body = models.TextField(verbose_name=_("body"), help_text=_("Markdown with $inline$ and $$display$$ math."))
    summary = models.TextField(
        verbose_name=_("summary"),
        blank=True,
        help_text=_("Optional; otherwise the start of the body is shown in lists."),
    )
    status = models.CharField(verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        verbose_name=_("publication date"),
        null=True,
        blank=True,
        help_text=_("Set when first published; a future time schedules the article."),
    )
    updated_at = models.DateTimeField(
        verbose_name=_("update date"), default=timezone.now, help_text=_("Changes when the content changes.")
    )
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True)
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles", verbose_name=_("series")
    )
    series_order = models.PositiveIntegerField(
        verbose_name=_("position in the series"), null=True, blank=True, help_text=_("Position in the series.")
    )
    macros = models.TextField(
        verbose_name=_("TeX macros"),
        blank=True,
        default="",
        help_text=_(
            "Optional, one a line, for this article's formulas: \\R = \\mathbb{R}, or with arguments "
            "\\norm[1] = \\left\\lVert #1 \\right\\rVert. The site's own macros apply too."
        ),
    )
    review = models.CharField(
        verbose_name=_("review"), max_length=10, choices=Review.choices, default=Review.NONE, blank=True
    )
    # The Editor's note when the article was sent back, for its author.
    review_note = models.TextField(verbose_name=_("note from the editor"), blank=True, default="")
    tags = TaggableManager(verbose_name=_("tags"), through=TaggedArticle, manager=NormalisedTagManager, blank=True)

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
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # The feed's order, with published_at so that a deep page is skipped in the index alone.
            models.Index(fields=["status", "-updated_at", "-id", "published_at"], name="article_feed_listing"),
            models.Index(fields=["status", "published_at"], name="article_published"),
            models.Index(fields=["series", "series_order", "published_at"], name="article_series_order"),
            models.Index(fields=["author", "-updated_at"], name="article_author"),
            # The review queue (a filter and a count on the admin index): the few articles in review.
            models.Index(fields=["review", "-updated_at"], name="article_review", condition=~models.Q(review="")),
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

    def save(self, *args, savepoint=True, touch=True, **kwargs):
        """Render what changed, then write the row in a savepoint (see below).

        `savepoint=False` is for a caller whose own transaction is all or nothing and that
        sets the slug itself (the importer, a transaction per file): no savepoint is opened,
        and a slug another article has fails that transaction. `touch=False` keeps
        `updated_at` as the caller set it even when the content changed (an import: the
        file is the source of truth for its dates).
        """
        self.title = clean_name(self.title)
        made_slug = not self.slug
        if made_slug:
            self.slug = unique_slug(Article.objects.all(), self.title, exclude_pk=self.pk)
        loaded = getattr(self, "_loaded", None)
        # Rendered when the Markdown changed: publishing, unpublishing or retitling an article
        # costs no rendering (and cannot be refused for a body stored before today's limits).
        if not (loaded and loaded[0][1:] == (self.body, self.summary, self.macros) and self.body_html):
            self.render()
        now = timezone.now()
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = now
        # The content changed and the caller did not set updated_at itself (an import does).
        # Compared to the second: the admin's date widget drops microseconds.
        if touch and loaded and self._content() != loaded[0] and to_second(self.updated_at) == to_second(loaded[1]):
            self.updated_at = now
        if self.published_at and self.updated_at < self.published_at:
            self.updated_at = self.published_at
        # The row and what post_save receivers write with it (the search index entry) together
        # or neither: Django sends post_save inside Model.save(), so inside this atomic block,
        # and a failed index write must not leave the article saved but unsearchable (or found
        # by words it no longer has). A slug made from the title that another save took
        # meanwhile is replaced by the next free one (save_with_free_slug).
        if savepoint:
            save_with_free_slug(self, lambda: super(Article, self).save(*args, **kwargs), made=made_slug)
        else:
            with transaction.atomic(savepoint=False):
                super().save(*args, **kwargs)
        self._remember_loaded()

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.slug])

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        # Rows loaded with .only() (lists of links) are never saved; don't fetch the rest.
        if not article.get_deferred_fields() & {"title", "body", "summary", "macros", "updated_at"}:
            article._remember_loaded()
        return article

    def clean(self):
        try:
            article_macros = self.article_macros()
        except MacroError as error:
            raise ValidationError({"macros": str(error)}) from None
        check_renders(summary=self.summary)
        # The body is rendered once for the check and the result kept for save() to use.
        try:
            self.use_rendered(render_article(self.body, self.summary, article_macros))
        except RenderError as error:
            raise ValidationError({"body": render_error_message(error)}) from None

    def article_macros(self):
        """This article's own TeX macros, read from its `macros` field (MacroError when unreadable)."""
        return parse_macro_lines(self.macros)

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
                if loaded and to_second(self.updated_at) == to_second(loaded[1]) and self.updated_at > latest:
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
        return (self.title, self.body, self.summary, self.macros)

    def _remember_loaded(self):
        self._loaded = (self._content(), self.updated_at)

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
        try:
            article_macros = self.article_macros()
        except MacroError as error:  # forms check first; here a script or restore wrote it
            raise RenderError(f"TeX macros: {error}") from None
        if rendered is None or not rendered.made_from(self.body, self.summary, article_macros):
            rendered = render_article(self.body, self.summary, article_macros)
        self.body_html = rendered.body_html
        self.feed_html = rendered.feed_html
        self.toc_html = rendered.toc_html
        self.excerpt = rendered.excerpt
        self.has_math = rendered.has_math
        self.reading_minutes = rendered.reading_minutes
