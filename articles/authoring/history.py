"""Admin pages for an article's history: revisions, a diff of any two, restore, deleted articles.

Plain functions `view(request, model_admin, ...)` called by `ArticleAdmin` (see its
`get_urls()`); each checks the permission it needs on the article it touches.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from articles.authoring import permissions, services
from articles.authoring.diffs import diff_lines
from articles.models import revisions
from articles.models.revisions import Revision
from markup.rendering import RenderError


def _article(model_admin, request, object_id):
    article = model_admin.get_object(request, object_id)
    if article is None:
        raise Http404("No such article.")
    return article


def _context(model_admin, request, **extra):
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, **extra}


def _number(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def history(request, model_admin, object_id, extra_context=None):
    """Every revision of an article, newest first; `?old=N&new=M` shows the diff of two.

    `?view=N` also shows revision N whole, as source: what to read when two revisions are
    too different to compare line by line (and what a stale save's conflict links to).
    """
    article = _article(model_admin, request, object_id)
    if not model_admin.has_view_or_change_permission(request, article):
        raise PermissionDenied
    revision_list = list(Revision.objects.filter(article=article).select_related("saved_by").order_by("-number"))
    by_number = {revision.number: revision for revision in revision_list}
    compare = None
    if len(revision_list) > 1:
        new = by_number.get(_number(request.GET.get("new"), revision_list[0].number), revision_list[0])
        old = by_number.get(_number(request.GET.get("old"), new.number - 1)) or revision_list[-1]
        compare = {"old": old, "new": new, "lines": diff_lines(old.as_text(), new.as_text())}
    shown = by_number.get(_number(request.GET.get("view"), None))
    context = _context(
        model_admin,
        request,
        title=f"History: {article}",
        object=article,
        revision_list=revision_list,
        compare=compare,
        shown=shown,
        can_restore=model_admin.has_change_permission(request, article),
        **(extra_context or {}),
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/articles/article/revision_history.html", context)


@require_POST
def restore(request, model_admin, object_id, number):
    article = _article(model_admin, request, object_id)
    if not model_admin.has_change_permission(request, article):
        raise PermissionDenied
    revision = get_object_or_404(Revision, article=article, number=number)
    try:
        restored = services.restore(revision, request.user, may_publish=permissions.can_publish(request.user))
    except RenderError as error:  # a revision saved before today's limits: nothing changes
        messages.error(request, f"Revision {number} was not restored: {error}")
        return redirect(reverse("admin:articles_article_history", args=[article.pk]))
    if restored is None:
        messages.info(request, f"Revision {number} is what the article already says: nothing to restore.")
    else:
        messages.success(request, f"Restored revision {number}; it is now revision {restored.number}.")
    return redirect(reverse("admin:articles_article_history", args=[article.pk]))


def _may_recover(model_admin, request, revision):
    user = request.user
    return model_admin.has_add_permission(request) and (permissions.can_publish(user) or revision.author_id == user.pk)


def deleted(request, model_admin):
    """Deleted articles, each with its last revision and a button to recover it."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    revision_list = [
        revision
        for revision in revisions.deleted_articles().select_related("saved_by")
        if _may_recover(model_admin, request, revision)
    ]
    context = _context(model_admin, request, title="Deleted articles", revision_list=revision_list)
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/articles/article/deleted_articles.html", context)


@require_POST
def recover(request, model_admin, revision_id):
    revision = get_object_or_404(revisions.deleted_articles(), pk=revision_id)
    if not _may_recover(model_admin, request, revision):
        raise PermissionDenied
    try:
        article = services.recover(revision, request.user, may_publish=permissions.can_publish(request.user))
    except RenderError as error:
        messages.error(request, f"“{revision.title}” was not recovered: {error}")
        return redirect(reverse("admin:articles_article_deleted"))
    messages.success(request, f"Recovered “{article}” from its last revision.")
    return redirect(reverse("admin:articles_article_change", args=[article.pk]))
