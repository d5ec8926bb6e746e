"""Keep the search index in step with tags.

An article is re-indexed when its tags change, and every article carrying a tag is when
that tag is renamed or deleted (the index holds tag names).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from articles.models import Article, Tag, TaggedArticle
from articles.search import index as search_index


@receiver(m2m_changed, sender=TaggedArticle)
def reindex_on_tag_change(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Article):
        search_index.index_article(instance)


def _reindex(article_ids):
    for article in Article.objects.filter(pk__in=article_ids).prefetch_related("tags"):
        search_index.index_article(article)


@receiver(post_save, sender=Tag)
def reindex_on_tag_rename(sender, instance, created, **kwargs):
    if not created:
        _reindex(TaggedArticle.objects.filter(tag=instance).values("content_object_id"))


@receiver(pre_delete, sender=Tag)
def remember_tagged_articles(sender, instance, **kwargs):
    instance._tagged_article_ids = list(instance.items.values_list("content_object_id", flat=True))


@receiver(post_delete, sender=Tag)
def reindex_on_tag_delete(sender, instance, **kwargs):
    _reindex(getattr(instance, "_tagged_article_ids", []))
