"""Keep the search index in step with articles and tags, inside the writing transaction.

An article's entry is written after each save (post_save is sent inside `Article.save()`'s
savepoint, so the row and its entry are saved together or neither) and when its tags change;
every article carrying a tag is re-indexed when that tag is renamed or deleted (the index
holds tag names). Connected by `connect()`, from `ArticlesConfig.ready()`.
"""

import threading
import weakref

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from articles.models import Article, Tag, TaggedArticle
from articles.search import index as search_index

# The ids of a tag's articles, read before the tag is deleted (its links go first), per tag
# instance and per thread. Weak keys: a delete that fails between pre_delete and post_delete
# leaves nothing behind for the next one to re-index.
_untagged = threading.local()


def _untagged_by_tag():
    if not hasattr(_untagged, "ids"):
        _untagged.ids = weakref.WeakKeyDictionary()
    return _untagged.ids


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
    _untagged_by_tag()[instance] = list(instance.items.values_list("content_object_id", flat=True))


def reindex_after_tag_delete(sender, instance, **kwargs):
    """Re-index the deleted tag's articles, still inside the deleting transaction.

    Django deletes every collected link, then every tag, then sends post_delete: each
    article is re-indexed without the deleted tags.
    """
    search_index.reindex(_untagged_by_tag().pop(instance, ()))


def connect():
    post_save.connect(index_saved_article, sender=Article, dispatch_uid="search-article")
    m2m_changed.connect(reindex_on_tag_change, sender=TaggedArticle, dispatch_uid="search-tags")
    post_save.connect(reindex_on_tag_rename, sender=Tag, dispatch_uid="search-tag-rename")
    pre_delete.connect(collect_articles_of_deleted_tag, sender=Tag, dispatch_uid="search-tag-delete-before")
    post_delete.connect(reindex_after_tag_delete, sender=Tag, dispatch_uid="search-tag-delete")
