"""The server side of the article editor: live preview, draft autosave, image upload, tag suggestions.

Admin-only JSON endpoints (wrapped by `ArticleAdmin.get_urls()`), called by
`static/js/editor.js`. The preview goes through `render_markdown()`, the pipeline and
sanitiser of the published page, so what the author sees is what readers will get.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from articles.authoring import services
from articles.authoring.images import BadImage, store_image, too_large
from articles.models import Article, Tag, revisions
from articles.models.validation import render_error_message
from markup import limits
from markup.macros import MacroError
from markup.macros import parse_lines as parse_macro_lines
from markup.rendering import RenderError, render_markdown

MAX_SUGGESTIONS = 10


def _may_write(model_admin, request):
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied


@require_POST
def preview(request, model_admin):
    """`{"html": ..., "toc_html": ...}` for the posted `body`, or `{"error": ...}` (too large, say).

    A request past DATA_UPLOAD_MAX_MEMORY_SIZE never gets here: kb/bad_request.py answers it
    with a 413 and the message as JSON.
    """
    _may_write(model_admin, request)
    body = request.POST.get("body", "")
    try:
        limits.check_body(body)  # before any rendering: the save would refuse it too
        macros = parse_macro_lines(request.POST.get("macros", ""))  # the article's own, as typed
        rendered = render_markdown(body, macros=macros)
    except (RenderError, limits.LimitExceeded) as error:
        return JsonResponse({"error": render_error_message(error)})
    except MacroError as error:
        return JsonResponse({"error": _("TeX macros: %(error)s") % {"error": error}})
    return JsonResponse({"html": rendered.html, "toc_html": rendered.toc_html, "has_math": rendered.has_math})


# What an automatic save may change: the text, never the status, dates, slug or author.
AUTOSAVED_FIELDS = ("title", "body", "summary", "tags", "series", "series_order")


@require_POST
def autosave(request, model_admin, object_id):
    """Save a draft's text from its open form, as the editor's timer asks (static/js/autosave.js).

    `{"version": N, "saved_at": ...}`, or `{"error": ...}` / `{"conflict": ...}` with nothing
    saved. Never a published (or scheduled) article: an Author's change to one waits for
    review, and an Editor's goes live only when they press Save.
    """
    with transaction.atomic():
        try:
            pk = int(object_id)
        except ValueError:
            raise Http404(_("No such article.")) from None
        services.lock_for_saving(pk)  # as a Save does: two saves of one version cannot both pass
        article = model_admin.get_object(request, str(pk))
        if article is None:
            raise Http404(_("No such article."))
        if not model_admin.has_change_permission(request, article):
            raise PermissionDenied
        if article.status != Article.Status.DRAFT:
            return JsonResponse({"error": _("Only drafts are saved automatically: press Save.")}, status=409)
        form_class = model_admin.get_form(request, article, change=True, fields=AUTOSAVED_FIELDS)
        form = form_class(request.POST, instance=article)
        if not form.is_valid():
            if form.conflict:
                return JsonResponse({"conflict": form.non_field_errors()[0]}, status=409)
            name, errors = next(iter(form.errors.items()))
            label = form.fields[name].label if name in form.fields else ""
            message = f"{label}: {errors[0]}" if label else errors[0]
            return JsonResponse({"error": _("Not saved automatically: %(why)s") % {"why": message}}, status=400)
        article = form.save(commit=False)
        article.save()
        form.save_m2m()
        # Stored in English, as every note the site writes: the history page translates it.
        revision = revisions.record_autosave(article, request.user, note=gettext_noop("Saved automatically"))
    return JsonResponse(
        {
            "version": revisions.version_of(article),
            "saved": revision is not None,
            "saved_at": timezone.localtime(article.updated_at).strftime("%H:%M:%S"),
        }
    )


@require_POST
def upload_image(request, model_admin):
    """Store the posted `image`; `{"url": ...}` (201) or `{"error": ...}` (400 or 413)."""
    _may_write(model_admin, request)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": _("No image was sent.")}, status=400)
    name = upload.name or _("the file")
    if message := too_large(upload.size, name):
        return JsonResponse({"error": message}, status=413)
    try:
        url = store_image(upload.read(), name)
    except BadImage as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"url": url}, status=201)


@require_GET
def tag_suggestions(request, model_admin):
    """Existing tags containing `q` (any script, case-insensitive), most used first."""
    _may_write(model_admin, request)
    text = request.GET.get("q", "").strip()[: limits.MAX_TAG_LENGTH]
    tags = Tag.objects.annotate(uses=Count("items")).order_by("-uses", "name")
    if text:
        tags = tags.filter(name__icontains=text)
    return JsonResponse({"tags": [{"name": t.name, "uses": t.uses} for t in tags[:MAX_SUGGESTIONS]]})
