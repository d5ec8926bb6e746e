"""Names and slugs: one-line names (titles, tags), how tag names compare, and slugs that keep
Unicode (a Chinese title gets a Chinese slug, never an empty one)."""

import re

from django.utils.text import slugify

from markup.limits import MAX_TAG_LENGTH

# C0 control characters other than tab, newline and carriage return: invalid in XML (feeds).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_name(text):
    """A one-line name (title, tag): control characters dropped, whitespace collapsed."""
    return " ".join(CONTROL.sub(" ", text or "").split())


def fold_name(name):
    """A name folded for comparison: two tag names are the same tag when their folds are equal.

    `str.casefold()` (ß and ss, Σ and ς compare equal), used wherever Python compares or sorts
    tag names, so that the admin, the importer and the tag manager agree on what a repeat is.
    Not for slugs: `slugify()` lowercases with `str.lower()`, so a slug typed in an address is
    compared lowered (casefold would turn the stored `straße` into `strasse`).
    """
    return name.casefold()


def tag_names(names):
    """The names a list of tags keeps, in order: each cleaned (`clean_name`) and cut to taggit's column,
    empty names and repeats (by `fold_name`, the first spelling kept) dropped."""
    kept, seen = [], set()
    for name in names:
        name = clean_name(name)[:MAX_TAG_LENGTH]
        if name and fold_name(name) not in seen:
            seen.add(fold_name(name))
            kept.append(name)
    return kept


SLUG_MAX_LENGTH = 200


def slug_from_title(title, fallback="article"):
    """`slugify(title, allow_unicode=True)`, cut to fit, or `fallback` when nothing is left."""
    slug = slugify(title or "", allow_unicode=True)[: SLUG_MAX_LENGTH - 10].strip("-_")
    return slug or fallback
