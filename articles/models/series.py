"""A series: articles read in order, with a description rendered like an article."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.models.slugs import unique_slug
from articles.models.validation import check_renders
from markup.rendering import render_markdown
from markup.slugs import SLUG_MAX_LENGTH, clean_name


class Series(models.Model):
    title = models.CharField(verbose_name=_("title"), max_length=200, unique=True)
    slug = models.SlugField(
        verbose_name=_("slug"), max_length=SLUG_MAX_LENGTH, unique=True, allow_unicode=True, blank=True
    )
    description = models.TextField(
        verbose_name=_("description"), blank=True, help_text=_("Markdown, rendered like an article.")
    )
    description_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("update date"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("series")
        verbose_name_plural = _("series")

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
        check_renders(description=self.description)
