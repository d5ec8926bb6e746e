"""Who may see and change which article: the rules every layer asks (the admin, the staff preview).

Editors (the publish permission) and superusers publish, and see and edit every article.
Authors write their own: they see published articles and their own drafts, never another
author's draft; their changes to a published article wait for an Editor
(`articles.authoring.review`). The groups themselves are made in
`articles.authoring.permissions`.
"""

from django.db.models import Q
from django.utils import timezone

PUBLISH = "articles.publish_article"


def can_publish(user):
    """Editors (and superusers): they publish, and they edit and recover every article."""
    return user.is_superuser or user.has_perm(PUBLISH)


def owns(user, article):
    return article.author_id is not None and article.author_id == user.pk


def can_edit(user, article):
    """Editors edit every article, authors their own."""
    return can_publish(user) or owns(user, article)


def visible(user):
    """A filter for the articles `user` may see in the admin and preview: all for Editors,
    what readers see and their own for Authors, what readers see for anyone else on the
    staff. Another author's scheduled article is not public yet: it stays theirs."""
    if can_publish(user):
        return Q()
    return Q(status="published", published_at__lte=timezone.now()) | Q(author_id=user.pk)


def _public(article):
    return article.status == "published" and article.published_at is not None and article.published_at <= timezone.now()


def can_see(user, article):
    return user.is_staff and (can_publish(user) or _public(article) or owns(user, article))
