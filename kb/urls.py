from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Knowledge base")
admin.site.site_title = _("Knowledge base admin")
# The sign-in form that says when sign-in is paused is set in KbConfig.ready() (kb/apps.py).

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]
if settings.DEBUG:
    # Uploaded images in development; production serves MEDIA_ROOT from the web server.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A 503 page of the site's own while the database is unreachable (kb/health.py).
handler500 = "kb.health.server_error"
# A request too large to read is a 413 saying so (kb/bad_request.py).
handler400 = "kb.bad_request.bad_request"
