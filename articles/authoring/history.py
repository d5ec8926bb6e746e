"""Admin pages for an article's history: revisions, a diff of any two, restore, deleted articles.

Plain functions `view(request, model_admin, ...)` called by `ArticleAdmin` (see its
`get_urls()`); each checks the permission it needs on the article it touches.
"""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from articles.authoring import permissions, services
from articles.authoring.diffs import diff_lines
from articles.models import Article, revisions
from articles.models.revisions import Revision
from articles.models.validation import render_error_message
from markup.rendering import RenderError


def _article(model_admin, request, object_id):
    article = model_admin.get_object(request, object_id)
    if article is None:
        raise Http404(_("No such article."))
    return article


def _context(model_admin, request, **extra):
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, **extra}


def _number(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _history_url(article):
    return reverse("admin:articles_article_history", args=[article.pk])


def history(request, model_admin, object_id, extra_context=None):
    """Every revision of an article, newest first; `?old=N&new=M` shows the diff of two.

    `?view=N` also shows revision N whole, as source: what to read when two revisions are
    too different to compare line by line (and what a stale save's conflict links to).
    """
    article = _article(model_admin, request, object_id)
    if not model_admin.has_view_or_change_permission(request, article):
        raise PermissionDenied
    kept = Revision.objects.filter(article=article)
    if not permissions.can_edit(request.user, article):
        # Another author's article: the versions readers saw, not their drafts or waiting changes.
        kept = kept.filter(pending=False, status=Article.Status.PUBLISHED)
    revision_list = list(kept.select_related("saved_by").order_by("-number"))
    for revision in revision_list:
        revision.status_label = _status_label(revision.status)
        revision.note_shown = note_label(revision.note)
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
        title=_("History: %(article)s") % {"article": article},
        object=article,
        revision_list=revision_list,
        compare=compare,
        shown=shown,
        can_restore=model_admin.has_change_permission(request, article),
        **(extra_context or {}),
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/articles/article/revision_history.html", context)


def _text_parts():
    """The parts of the text a restore brings back, with the names the confirmation page shows."""
    return [
        ("title", _("title")),
        ("summary", _("summary")),
        ("tags", _("tags")),
        ("series", _("series")),
        ("series_order", _("order in the series")),
        ("body", _("body")),
    ]


# The notes the site writes on the revisions it keeps, stored in English whoever saved (the
# data does not depend on a person's language) and shown in the reader's: the same sentences
# as services, review, the editor's autosave, the admin's actions and the importer write
# them. A note a person typed, or one written before these, is shown as typed.
SITE_NOTES = (
    gettext_noop("Deleted"),
    gettext_noop("Published"),
    gettext_noop("Unpublished"),
    gettext_noop("Published after review"),
    gettext_noop("Saved automatically"),
    gettext_noop("Position in the series changed"),
    gettext_noop("Imported"),
    gettext_noop("Restored revision %(number)s"),
    gettext_noop("Recovered after deletion (revision %(number)s)"),
    gettext_noop("Tag added: %(name)s"),
    gettext_noop("Tag removed: %(name)s"),
)


def _note_pattern(msgid):
    parts = re.split(r"%\((\w+)\)s", msgid)  # the placeholders' names at the odd positions
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+)" for i, part in enumerate(parts)))


_NOTE_PATTERNS = [(msgid, _note_pattern(msgid)) for msgid in SITE_NOTES]


def note_label(note):
    """A revision's note in the active language when the site wrote it; as typed otherwise."""
    for msgid, pattern in _NOTE_PATTERNS:
        if match := pattern.fullmatch(note):
            return _(msgid) % match.groupdict()
    return note


def _status_label(status):
    try:
        return str(Article.Status(status).label)
    except ValueError:  # a status the model no longer has, kept in an old revision
        return status


def _date_label(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else _("none")


def _state_differs(article, revision):
    return revision.status != article.status or revision.published_at != article.published_at


def _restore_plan(article, revision, may_publish):
    """What restoring `revision` into `article` would change, for the confirmation page.

    The diff compares the text only: the status line of both sides is the article's own,
    since a restore keeps the status (unless an editor ticks the box, shown apart).
    """
    now = revisions.snapshot(article)
    then = {**revision.content(), "status": now["status"]}
    changes = [label for field, label in _text_parts() if now[field] != then[field]]
    keeps = [label for field, label in _text_parts() if now[field] == then[field]]
    offer_state = may_publish and _state_differs(article, revision)
    return {
        "lines": diff_lines(revisions.source_text(now), revisions.source_text(then)),
        "changes": changes,
        "keeps": keeps,
        "text_same": not changes,
        "offer_state": offer_state,
        "can_submit": bool(changes) or offer_state,
        # The rule services.restore follows: an Author's restore of a published article waits.
        "for_review": not may_publish and article.status == Article.Status.PUBLISHED,
        "status_now": _status_label(article.status),
        "date_now": _date_label(article.published_at),
        "status_then": _status_label(revision.status),
        "date_then": _date_label(revision.published_at),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def restore(request, model_admin, object_id, number):
    """GET: what restoring revision `number` would change (a diff), to confirm; POST: restore it.

    A restore brings back the text (title, body, summary, tags, series and order); the
    status and publication date stay, unless a user who may publish ticks `with_state`.
    """
    article = _article(model_admin, request, object_id)
    if not model_admin.has_change_permission(request, article):
        raise PermissionDenied
    revision = get_object_or_404(Revision, article=article, number=number)
    may_publish = permissions.can_publish(request.user)
    if request.method != "POST":
        context = _context(
            model_admin,
            request,
            title=_("Restore revision %(number)s of “%(title)s”?") % {"number": number, "title": article.title},
            object=article,
            revision=revision,
            plan=_restore_plan(article, revision, may_publish),
            history_url=_history_url(article),
        )
        request.current_app = model_admin.admin_site.name
        return TemplateResponse(request, "admin/articles/article/restore_confirm.html", context)

    with_state = may_publish and bool(request.POST.get("with_state"))
    state_differs = _state_differs(article, revision)
    try:
        restored = services.restore(revision, request.user, may_publish=may_publish, with_state=with_state)
    except RenderError as error:  # a revision saved before today's limits: nothing changes
        messages.error(
            request,
            _("Revision %(number)s was not restored: %(error)s")
            % {"number": number, "error": render_error_message(error)},
        )
        return redirect(_history_url(article))
    if getattr(restored, "pending", False):  # an Author's restore of a published article
        messages.success(
            request,
            _(
                "Revision %(number)s is restored as revision %(new)s, waiting for an Editor's review: "
                "the live page does not change until it is published."
            )
            % {"number": number, "new": restored.number},
        )
    elif restored is not None:
        messages.success(
            request,
            _("Restored revision %(number)s; it is now revision %(new)s.") % {"number": number, "new": restored.number},
        )
    elif with_state and state_differs:  # only the publication date differed: no new revision records it
        messages.success(request, _("Brought back the publication date of revision %(number)s.") % {"number": number})
    else:
        messages.info(
            request, _("Revision %(number)s is what the article already says: nothing to restore.") % {"number": number}
        )
    return redirect(_history_url(article))


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
    context = _context(model_admin, request, title=_("Deleted articles"), revision_list=revision_list)
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
        messages.error(
            request,
            _("“%(title)s” was not recovered: %(error)s")
            % {"title": revision.title, "error": render_error_message(error)},
        )
        return redirect(reverse("admin:articles_article_deleted"))
    messages.success(request, _("Recovered “%(title)s” from its last revision.") % {"title": article})
    return redirect(reverse("admin:articles_article_change", args=[article.pk]))
