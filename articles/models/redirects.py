"""Old addresses: a renamed or merged-away tag's slug, or a renamed article's slug, answers a 301
to the tag or article it became."""

from django.db import models
from django.db.models import Exists

from articles.models.articles import Article
from articles.models.tags import Tag
from markup.slugs import SLUG_MAX_LENGTH


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


class ArticleRedirect(models.Model):
    """A slug an article had before an editor changed it; deleted with the article."""

    old_slug = models.CharField(max_length=SLUG_MAX_LENGTH, unique=True)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_slug"]

    def __str__(self):
        return f"{self.old_slug} → {self.article.slug}"


def remember_slug_change(old_slug, article):
    """After `article` was saved under a new slug, send `old_slug` to it for good.

    A chain of renames (a → b → c) leaves every old slug pointing at the article, since each
    redirect names the article, not a slug. A redirect whose old slug is the article's slug
    again (renamed back) is deleted: that address is real again.
    """
    ArticleRedirect.objects.filter(old_slug=article.slug).delete()
    if old_slug and old_slug != article.slug:
        ArticleRedirect.objects.update_or_create(old_slug=old_slug, defaults={"article": article})


def moved_article_slug(slug):
    """The slug now of the article that had `slug` before a rename; None if none had it.

    None, too, while an article has `slug` (a new one took the old address, or it is a draft):
    a real article always wins over a redirect. Visibility is left to the caller.
    """
    moved = ArticleRedirect.objects.filter(old_slug=slug).exclude(Exists(Article.objects.filter(slug=slug)))
    return moved.values_list("article__slug", flat=True).first()
