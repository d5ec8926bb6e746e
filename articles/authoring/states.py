"""How the admin names where an article stands: draft, published, "Scheduled for <date>",
and its place in review. Used by the list, the change form and the save messages."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from articles.models import Article, revisions, roles


def is_scheduled(article):
    return (
        article.status == Article.Status.PUBLISHED
        and article.published_at is not None
        and article.published_at > timezone.now()
    )


def when(moment):
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def status_label(article):
    if is_scheduled(article):
        return _("Scheduled for %(date)s") % {"date": when(article.published_at)}
    return article.get_status_display()


def form_state(user, article):
    """What the change form says above the fields: the schedule, the review, a pending change."""
    if article is None or article.pk is None:
        return {}
    if not roles.can_edit(user, article):  # another author's article, read only: what readers see
        return {"scheduled": status_label(article) if is_scheduled(article) else ""}
    pending = revisions.pending(article)
    return {
        "scheduled": status_label(article) if is_scheduled(article) else "",
        "review": article.review,
        "review_label": article.get_review_display(),
        "review_note": article.review_note,
        "pending": pending,
        "may_review": roles.can_publish(user) and bool(article.review == Article.Review.SUBMITTED or pending),
    }
