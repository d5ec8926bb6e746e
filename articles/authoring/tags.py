"""Keeping tags clean: rename and merge, with permanent redirects from the old addresses.

A tag's address is `/tags/<slug>/`. When a rename changes the slug, or a merge removes
a tag, a `TagRedirect` remembers the old slug, and the tag page answers it with a 301
to the tag it became (see `redirected_path()`).
"""

from django.db import transaction

from articles.models import Tag, TaggedArticle, TagRedirect
from articles.search import index as search_index
from markup.slugs import clean_name


class TagConflict(ValueError):
    """A rename or merge that cannot be done as asked; the message says what to do instead."""


def _remember(old_slug, tag):
    if old_slug != tag.slug:
        TagRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})
    # The tag's own slug is a real address again, not a redirect.
    TagRedirect.objects.filter(old_slug=tag.slug).delete()


@transaction.atomic
def rename(tag, new_name):
    """Give `tag` a new name and the slug made from it; the old address redirects."""
    name = clean_name(new_name)[:100]
    if not name:
        raise TagConflict("A tag needs a name.")
    if Tag.objects.filter(name__iexact=name).exclude(pk=tag.pk).exists():
        raise TagConflict(f"A tag named “{name}” already exists: merge the two tags instead.")
    old_slug = tag.slug
    slug = tag.slugify(name)
    n = 1
    while Tag.objects.filter(slug=slug).exclude(pk=tag.pk).exists():
        n += 1
        slug = tag.slugify(name, n)
    tag.name, tag.slug = name, slug
    tag.save()  # the tag's post_save receiver re-indexes its articles
    _remember(old_slug, tag)
    return tag


@transaction.atomic
def merge(sources, target):
    """Move every article of `sources` to `target`, delete them; their addresses redirect to it."""
    moved = set()
    for source in sources:
        if source.pk == target.pk:
            continue
        items = TaggedArticle.objects.filter(tag=source)
        moved |= set(items.values_list("content_object_id", flat=True))
        already = TaggedArticle.objects.filter(tag=target).values("content_object_id")
        items.filter(content_object_id__in=already).delete()
        items.update(tag=target)
        TagRedirect.objects.filter(tag=source).update(tag=target)
        TagRedirect.objects.update_or_create(old_slug=source.slug, defaults={"tag": target})
        source.delete()
    TagRedirect.objects.filter(old_slug=target.slug).delete()
    search_index.reindex(moved)
    return len(moved)
