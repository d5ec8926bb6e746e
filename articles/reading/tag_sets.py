"""A set of tags asked for by slug, as the tag page (`/tags/a+b/`) and the search page
(`?tag=a&tag=b`) take it: at most MAX_COMBINED_TAGS of them, every one an existing tag."""

import re

from django.utils.translation import gettext

from articles.models import Tag

SLUG = re.compile(r"[-\w]{1,100}")
MAX_COMBINED_TAGS = 5


class TooManyCombinedTags(ValueError):
    """More tags than MAX_COMBINED_TAGS were combined; the message says so, for a 400 page."""


def resolve_tags(slugs):
    """The Tag objects for `slugs`, in order; TooManyCombinedTags for too many, None for an unknown one."""
    slugs = list(dict.fromkeys(s.strip().lower() for s in slugs if s and s.strip()))
    if len(slugs) > MAX_COMBINED_TAGS:
        raise TooManyCombinedTags(
            gettext("At most %(most)d tags can be combined; %(given)d were given.")
            % {"most": MAX_COMBINED_TAGS, "given": len(slugs)}
        )
    if not all(SLUG.fullmatch(slug) for slug in slugs):
        return None  # no tag has such a slug (and NUL bytes must never reach PostgreSQL)
    found = {tag.slug: tag for tag in Tag.objects.filter(slug__in=slugs)}
    if len(found) < len(slugs):
        return None
    return [found[slug] for slug in slugs]
