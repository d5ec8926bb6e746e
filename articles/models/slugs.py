"""Unique slugs under concurrent saves: `name`, `name-2`, `name-3`..."""

from django.db import IntegrityError, transaction

from markup.slugs import slug_from_title


def unique_slug(queryset, title, fallback="article", exclude_pk=None):
    """A slug from `title` that no row of `queryset` has: `name`, then `name-2`, `name-3`..."""
    base = slug_from_title(title, fallback)
    taken = queryset.exclude(pk=exclude_pk) if exclude_pk else queryset
    taken = set(taken.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


class SlugTaken(IntegrityError):
    """The slug typed for a row was taken by another save after the form had checked it."""


def save_with_free_slug(instance, save, made, fallback="article", tries=5):
    """Run `save()` (which writes `instance`) in a savepoint, keeping its slug unique under races.

    unique_slug() checks, then the row is inserted: two saves of one title at once can both
    find `name` free, and the second insert fails on the unique index (on PostgreSQL once the
    first commits). Then, when the slug was `made` from the title, the next free one is taken
    and the write tried again; a slug typed by the author is SlugTaken, for the form to say so.
    Any other IntegrityError is raised as it is.
    """
    rows = type(instance)._default_manager.all()
    for attempt in range(tries):
        try:
            with transaction.atomic():
                return save()
        except IntegrityError as error:
            if not rows.filter(slug=instance.slug).exclude(pk=instance.pk).exists():
                raise
            if not made:
                raise SlugTaken(f"The slug “{instance.slug}” is already used.") from error
            if attempt == tries - 1:
                raise
            instance.slug = unique_slug(rows, instance.title, fallback, exclude_pk=instance.pk)
