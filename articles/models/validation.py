"""Checks shared by the models: Markdown that renders, dates within the site's range."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from markup import limits
from markup.rendering import RenderError, render_markdown

# markup.rendering's refusals, which it writes in English (markup stays free of Django's
# translation machinery there): the same sentences as msgids, the numbers and details as
# placeholders, so that the admin says them in the reader's language. A refusal not listed
# (a new one) is shown as markup.rendering words it; the size limits are translated by
# markup.limits itself.
RENDER_ERRORS = (
    gettext_noop("The Markdown is nested too deeply to render; flatten the deepest lists or quotes."),
    gettext_noop(
        "The HTML in this text nests more than %(depth)s elements deep (unclosed tags such as <div> or <span>, "
        "say); close them or remove them."
    ),
    gettext_noop(
        "This text needs more than %(megabytes)s MB of memory to render, the most the site allows: remove long "
        "runs of repeated syntax, or split the text."
    ),
    gettext_noop(
        "This text takes longer than %(seconds)s s to render, the most the site allows. Long runs of repeated "
        "Markdown or HTML syntax (unclosed “[”, “(” or “<”, say) are the usual cause: remove them, or split the text."
    ),
    gettext_noop("This text could not be rendered: %(error)s."),
)


def _pattern(msgid):
    parts = re.split(r"%\((\w+)\)s", msgid)
    # re.split keeps the placeholders' names at the odd positions.
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)))


_RENDER_PATTERNS = [(msgid, _pattern(msgid)) for msgid in RENDER_ERRORS]


def render_error_message(error):
    """The message of a markup.rendering.RenderError in the active language."""
    message = str(error)
    for msgid, pattern in _RENDER_PATTERNS:
        if match := pattern.fullmatch(message):
            return _(msgid) % match.groupdict()
    return message


def check_renders(**sources):
    """ValidationError for a Markdown field the pipeline cannot render (before any save)."""
    for name, source in sources.items():
        try:
            render_markdown(source, field=name)
        except RenderError as error:
            raise ValidationError({name: render_error_message(error)}) from None


def to_second(moment):
    return moment.replace(microsecond=0) if moment else moment


def date_range_constraint(model, field, null=False):
    """A CHECK keeping `field` within limits.EARLIEST_DATE and LATEST_DATE (migration 0010)."""
    in_range = models.Q(**{f"{field}__gte": limits.EARLIEST_DATE, f"{field}__lt": limits.LATEST_DATE})
    if null:
        in_range = models.Q(**{f"{field}__isnull": True}) | in_range
    return models.CheckConstraint(condition=in_range, name=f"{model}_{field}_range")
