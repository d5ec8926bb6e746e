"""Slugs that keep Unicode: a Chinese title gets a Chinese slug, never an empty one."""

import re

from django.utils.text import slugify

# C0 control characters other than tab, newline and carriage return: invalid in XML (feeds).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_name(text):
    """A one-line name (title, tag): control characters dropped, whitespace collapsed."""
    return " ".join(CONTROL.sub(" ", text or "").split())


SLUG_MAX_LENGTH = 200


def slug_from_title(title, fallback="article"):
    """`slugify(title, allow_unicode=True)`, cut to fit, or `fallback` when nothing is left."""
    slug = slugify(title or "", allow_unicode=True)[: SLUG_MAX_LENGTH - 10].strip("-_")
    return slug or fallback
