from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Knowledge base"
admin.site.site_title = "Knowledge base admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]
