"""The server side of the article editor: live preview, image upload, tag suggestions.

Admin-only JSON endpoints (wrapped by `ArticleAdmin.get_urls()`), called by
`static/js/editor.js`. The preview goes through `render_markdown()`, the pipeline and
sanitiser of the published page, so what the author sees is what readers will get.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST

from articles.authoring.images import BadImage, store_image, too_large
from articles.models import Tag
from markup import limits
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
        rendered = render_markdown(body)
    except (RenderError, limits.LimitExceeded) as error:
        return JsonResponse({"error": str(error)})
    return JsonResponse({"html": rendered.html, "toc_html": rendered.toc_html, "has_math": rendered.has_math})


@require_POST
def upload_image(request, model_admin):
    """Store the posted `image`; `{"url": ...}` (201) or `{"error": ...}` (400 or 413)."""
    _may_write(model_admin, request)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": "No image was sent."}, status=400)
    name = upload.name or "the file"
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
