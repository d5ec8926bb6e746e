"""Old tag addresses: a renamed or merged-away tag's slug answers a 301 to the tag it became."""

from django.db import models

from articles.models.tags import Tag


class TagRedirect(models.Model):
    old_slug = models.CharField(max_length=100, unique=True)
    tag = models.ForeignKey("articles.Tag", on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_slug"]

    def __str__(self):
        return f"{self.old_slug} → {self.tag.slug}"


def redirected_path(slugs):
    """`a+b` with every slug that was renamed or merged away replaced by its tag's slug; None if none was."""
    parts, moved = [], False
    for slug in slugs.split("+"):
        tag = Tag.objects.filter(slug__iexact=slug).only("slug").first()
        if tag is None:
            redirect = TagRedirect.objects.filter(old_slug__iexact=slug).select_related("tag").first()
            if redirect is None:
                return None
            tag, moved = redirect.tag, True
        if tag.slug not in parts:
            parts.append(tag.slug)
    return "+".join(parts) if moved else None
