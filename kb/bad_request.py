"""handler400: a request too large to read says so (413), and where the author's text still is.

Django refuses a request body past DATA_UPLOAD_MAX_MEMORY_SIZE with RequestDataTooBig, a
SuspiciousOperation that reaches handler400; the site's 400 page then said the address could
not be understood. Now the author learns the submission was too large and that nothing was
saved, and the editor's own requests (preview) get the message as JSON. Every other bad
request gets the site's 400 page as before.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from articles.limits import MAX_BODY_BYTES


def too_large_message():
    return _(
        "The submission is too large: this site reads at most %(limit)s MB in one request, and an "
        "article's text may be at most %(body)s KB. Nothing was saved. Go back: your browser still "
        "has your text in the form. Shorten it, or split it into several articles."
    ) % {"limit": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024:g}", "body": MAX_BODY_BYTES // 1024}


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if not isinstance(exception, RequestDataTooBig):
        return defaults.bad_request(request, exception, template_name)
    message = too_large_message()
    if request.headers.get("X-Requested-With") == "fetch":
        response = JsonResponse({"error": message}, status=413)
    else:
        # No context processors: the request was not read, and needs nothing more to be refused.
        context = {"heading": _("Too large"), "message": message, "site_name": settings.KB_SITE_NAME}
        response = HttpResponse(loader.render_to_string(template_name, context), status=413)
    response["Cache-Control"] = "no-store"
    return response
