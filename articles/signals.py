"""Keep the search index in step with tags: a tag added or removed re-indexes its article."""

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from . import search_index
from .models import Article, TaggedArticle


@receiver(m2m_changed, sender=TaggedArticle)
def reindex_on_tag_change(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Article):
        search_index.index_article(instance)
