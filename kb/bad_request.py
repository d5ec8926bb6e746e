"""handler400: a request too large to read says so (413), and where the author's text still is.

Django refuses a request body past DATA_UPLOAD_MAX_MEMORY_SIZE with RequestDataTooBig, a
SuspiciousOperation that reaches handler400; the site's 400 page then said the address could
not be understood. Now the author learns the submission was too large and that nothing was
saved, and the editor's own requests (preview) get the message as JSON. Every other bad
request gets the site's 400 page as before.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from markup.limits import MAX_BODY_BYTES


def too_large_message():
    return _(
        "The submission is too large: this site reads at most %(limit)s MB in one request, and an "
        "article's text may be at most %(body)s KB. Nothing was saved. Go back: your browser still "
        "has your text in the form. Shorten it, or split it into several articles."
    ) % {"limit": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024:g}", "body": MAX_BODY_BYTES // 1024}


# What is read and thrown away of a refused request, at most (see _discard_rest).
DISCARD_BYTES = 64 * 1024 * 1024


def _discard_rest(request):
    """Read what the client is still sending, and throw it away.

    Refused before its body was read, the request is still arriving; a server that answers and
    closes the connection then resets it, and the browser shows "connection reset" instead of
    the answer (a 9 MB form through gunicorn: a broken pipe, never the page). Past
    DISCARD_BYTES that is what happens: the author's browser still has the text.
    """
    left = DISCARD_BYTES
    try:
        while left > 0 and (chunk := request.read(min(left, 256 * 1024))):
            left -= len(chunk)
    except OSError:  # the client went away (UnreadablePostError is one)
        pass


def too_many_fields_message():
    return _(
        "The submission has more than %(limit)s fields, more than any form of this site sends. Nothing was "
        "saved. Go back: your browser still has your text in the form."
    ) % {"limit": f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,}"}


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if isinstance(exception, TooManyFieldsSent) and request.method == "POST":  # a query string: the 400 page
        context = {"heading": _("Too many fields"), "message": too_many_fields_message()}
        response = HttpResponse(
            loader.render_to_string(template_name, {**context, "site_name": settings.KB_SITE_NAME}), status=400
        )
        response["Cache-Control"] = "no-store"
        return response
    if not isinstance(exception, RequestDataTooBig):
        return defaults.bad_request(request, exception, template_name)
    _discard_rest(request)
    message = too_large_message()
    if request.headers.get("X-Requested-With") == "fetch":
        response = JsonResponse({"error": message}, status=413)
    else:
        # No context processors: the request was not read, and needs nothing more to be refused.
        context = {"heading": _("Too large"), "message": message, "site_name": settings.KB_SITE_NAME}
        response = HttpResponse(loader.render_to_string(template_name, context), status=413)
    response["Cache-Control"] = "no-store"
    return response
