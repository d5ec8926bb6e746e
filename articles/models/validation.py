"""Checks shared by the models: Markdown that renders, dates within the site's range."""

from django.core.exceptions import ValidationError
from django.db import models

from markup import limits
from markup.rendering import RenderError, render_markdown


def check_renders(**sources):
    """ValidationError for a Markdown field the pipeline cannot render (before any save)."""
    for name, source in sources.items():
        try:
            render_markdown(source, field=name)
        except RenderError as error:
            raise ValidationError({name: str(error)}) from None


def to_second(moment):
    return moment.replace(microsecond=0) if moment else moment


def date_range_constraint(model, field, null=False):
    """A CHECK keeping `field` within limits.EARLIEST_DATE and LATEST_DATE (migration 0010)."""
    in_range = models.Q(**{f"{field}__gte": limits.EARLIEST_DATE, f"{field}__lt": limits.LATEST_DATE})
    if null:
        in_range = models.Q(**{f"{field}__isnull": True}) | in_range
    return models.CheckConstraint(condition=in_range, name=f"{model}_{field}_range")
