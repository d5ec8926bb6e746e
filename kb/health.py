"""When the database cannot be reached: a 503 page of the site's own instead of a 500.

`handler500` (kb/urls.py) runs for every uncaught exception, raised by a view or by a
middleware. When that exception says the database is unreachable (an OperationalError or
InterfaceError), the reader gets `templates/503.html` with `Retry-After`; anything else
gets the usual 500 page. Nothing here holds on to the broken connection: Django drops an
unusable connection at the end of the request, so the site recovers by itself as soon as
the database answers again.
"""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def database_unreachable(error):
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request, template_name="500.html"):
    """handler500: the 503 page while the database is unreachable, else Django's 500 page."""
    if not database_unreachable(sys.exc_info()[1]):
        return defaults.server_error(request, template_name)
    try:
        # No context processors: they may reach for the session or the user, i.e. the database.
        context = {"request": request, "site_name": settings.KB_SITE_NAME}
        body = loader.get_template("503.html").render(context)
        response = HttpResponse(body, status=503)
    except Exception:
        logger.exception("Could not render 503.html")
        response = HttpResponseServerError("Temporarily unavailable.\n", status=503, content_type="text/plain")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def healthz(request):
    """`200 ok` when the database answers, `503` otherwise (plain text, for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure to reach the database means unhealthy
        return HttpResponse(f"database unavailable: {type(error).__name__}\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
