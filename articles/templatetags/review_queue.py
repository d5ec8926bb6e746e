"""The review queue's count on the admin index, for Editors (`{% review_queue as queue %}`)."""

from django import template
from django.urls import reverse

from articles.authoring import review
from articles.models import Article, roles

register = template.Library()


@register.simple_tag(takes_context=True)
def review_queue(context):
    """`{"count": N, "url": ...}` for Editors; for Authors, their articles sent back; else None."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return None
    changelist = reverse("admin:articles_article_changelist")
    if roles.can_publish(user):
        return {"count": review.queue().count(), "url": f"{changelist}?review=submitted&whose=all", "editor": True}
    returned = Article.objects.filter(author=user, review=Article.Review.RETURNED).count()
    return {"count": returned, "url": f"{changelist}?review=returned&whose=mine", "editor": False}
