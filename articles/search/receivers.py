"""Keep the search index in step with articles and tags, inside the writing transaction.

An article's entry is written after each save (post_save is sent inside `Article.save()`'s
savepoint, so the row and its entry are saved together or neither) and when its tags change;
every article carrying a tag is re-indexed when that tag is renamed or deleted (the index
holds tag names). Connected by `connect()`, from `ArticlesConfig.ready()`.
"""

from contextvars import ContextVar

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from articles.models import Article, Tag, TaggedArticle
from articles.search import index as search_index

# Ids of the articles whose tags are being deleted: read before the delete (the links go with
# the tags), re-indexed after it. Per thread (a context variable), so deletes never mix.
_untagged = ContextVar("search_untagged_articles", default=frozenset())


def index_saved_article(sender, instance, raw, **kwargs):
    # A fixture's raw save (a backup's restore) is followed by a full rebuild instead.
    if not raw:
        search_index.index_article(instance)


def reindex_on_tag_change(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Article):
        search_index.index_article(instance)


def reindex_on_tag_rename(sender, instance, created, **kwargs):
    if not created:
        search_index.reindex(TaggedArticle.objects.filter(tag=instance).values_list("content_object_id", flat=True))


def collect_articles_of_deleted_tag(sender, instance, **kwargs):
    _untagged.set(_untagged.get() | set(instance.items.values_list("content_object_id", flat=True)))


def reindex_after_tag_delete(sender, instance, **kwargs):
    """Re-index the deleted tags' articles, still inside the deleting transaction.

    Django deletes every collected link, then every tag, then sends post_delete: the first
    tag's receiver re-indexes the articles of all of them, without any of them.
    """
    article_ids = _untagged.get()
    _untagged.set(frozenset())
    search_index.reindex(article_ids)


def connect():
    post_save.connect(index_saved_article, sender=Article, dispatch_uid="search-article")
    m2m_changed.connect(reindex_on_tag_change, sender=TaggedArticle, dispatch_uid="search-tags")
    post_save.connect(reindex_on_tag_rename, sender=Tag, dispatch_uid="search-tag-rename")
    pre_delete.connect(collect_articles_of_deleted_tag, sender=Tag, dispatch_uid="search-tag-delete-before")
    post_delete.connect(reindex_after_tag_delete, sender=Tag, dispatch_uid="search-tag-delete")
