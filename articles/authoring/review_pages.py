"""The admin's review page: an Editor reads what waits (its diff against the live version),
then publishes it or sends it back with a note for the author.

A plain function `page(request, model_admin, object_id)` called by `ArticleAdmin` (see
its `get_urls()`); the rules are in `articles.authoring.review`.
"""

import hashlib

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.authoring import permissions, review, services, states
from articles.authoring.diffs import diff_lines
from articles.models import Article, revisions
from markup.rendering import RenderError


class SendBackForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note for the author"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=gettext_lazy("What to change before it can be published. The author sees it on the article."),
    )


def page(request, model_admin, object_id):
    article = model_admin.get_object(request, object_id)
    if article is None:
        raise Http404(_("No such article."))
    if not permissions.can_publish(request.user):
        raise PermissionDenied
    pending = revisions.pending(article)
    send_back = SendBackForm(request.POST if "_send_back" in request.POST else None)
    if request.method == "POST":
        if "_publish" in request.POST:
            return _publish(request, article, request.POST.get("reviewed", ""))
        if "_withdraw" in request.POST:
            review.withdraw(article)
            messages.success(request, _("“%(title)s” is out of the review queue.") % {"title": article.title})
            return redirect(_queue_url())
        if "_send_back" in request.POST and send_back.is_valid():
            review.send_back(article, send_back.cleaned_data["note"])
            messages.success(request, _("“%(title)s” is sent back to its author.") % {"title": article.title})
            return redirect(_queue_url())
    proposed = review.proposed_text(article)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Review: %(title)s") % {"title": article.title},
        "object": article,
        "pending": pending,
        "state": states.status_label(article),
        "live": article.status == Article.Status.PUBLISHED,
        "lines": diff_lines(review.live_text(article), proposed),
        "reviewed": _fingerprint(proposed),
        "send_back": send_back,
        "waiting": article.review == Article.Review.SUBMITTED,
        "overtaken": _overtaken(article, pending),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/articles/article/review.html", context)


def _overtaken(article, pending):
    """The Author's change that waited here when a later save (a restore, a tag action, an
    unpublish) has overtaken it: it is no longer what would be published, only history."""
    if pending is not None or article.review != Article.Review.SUBMITTED or article.status != Article.Status.PUBLISHED:
        return None
    return revisions.Revision.objects.filter(article=article, pending=True).order_by("-number").first()


def _queue_url():
    return reverse("admin:articles_article_changelist") + f"?review={Article.Review.SUBMITTED}&whose=all"


def _fingerprint(text):
    """What the Editor read, in short: the Publish button sends it back."""
    return hashlib.sha256(text.encode()).hexdigest()


def _publish(request, article, reviewed):
    """Publish what the Editor read, and nothing else.

    The page's diff was made from what waited when it opened; the author may have saved
    since (an autosave, a new pending change). Under the article's lock the text is read
    again and compared with what the page showed: a change refuses and shows the new diff.
    """
    again = reverse("admin:articles_article_review", args=[article.pk])
    try:
        with transaction.atomic():
            services.lock_for_saving(article.pk)
            article = Article.objects.get(pk=article.pk)
            if _fingerprint(review.proposed_text(article)) != reviewed:
                messages.warning(
                    request,
                    _("Not published: “%(title)s” changed after you opened this page. Read the new diff below.")
                    % {"title": article.title},
                )
                return redirect(again)
            review.publish(article, request.user)
    except Article.DoesNotExist:
        raise Http404(_("No such article.")) from None
    except RenderError as error:  # a pending revision saved before today's limits
        messages.error(request, _("Not published: %(error)s") % {"error": error})
        return redirect(again)
    messages.success(request, _("Published “%(title)s”.") % {"title": article.title})
    if states.is_scheduled(article):
        messages.info(request, states.status_label(article))
    return redirect(_queue_url())
