"""Keep the search index in step with tags.

An article is re-indexed when its tags change, and every article carrying a tag is when
that tag is renamed or deleted (the index holds tag names). Connected by `connect()`, from
`ArticlesConfig.ready()`.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from articles.models import Article, Tag, TaggedArticle
from articles.search import index as search_index


def reindex_on_tag_change(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Article):
        search_index.index_article(instance)


def reindex_on_tag_rename(sender, instance, created, **kwargs):
    if not created:
        search_index.reindex(TaggedArticle.objects.filter(tag=instance).values_list("content_object_id", flat=True))


def remember_tagged_articles(sender, instance, **kwargs):
    instance._tagged_article_ids = list(instance.items.values_list("content_object_id", flat=True))


def reindex_on_tag_delete(sender, instance, **kwargs):
    search_index.reindex(getattr(instance, "_tagged_article_ids", []))


def connect():
    m2m_changed.connect(reindex_on_tag_change, sender=TaggedArticle, dispatch_uid="search-tags")
    post_save.connect(reindex_on_tag_rename, sender=Tag, dispatch_uid="search-tag-rename")
    pre_delete.connect(remember_tagged_articles, sender=Tag, dispatch_uid="search-tag-delete-before")
    post_delete.connect(reindex_on_tag_delete, sender=Tag, dispatch_uid="search-tag-delete")
