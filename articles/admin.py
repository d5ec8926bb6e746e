"""Where authors write: articles and series in the Django admin. Saving renders."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from .models import Article, Series, Tag


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = (
            "title", "slug", "body", "summary", "tags", "status", "published_at", "updated_at", "author", "series",
            "series_order",
        )  # fmt: skip
        widgets = {
            "body": forms.Textarea(attrs={"class": "kb-source", "rows": 30, "spellcheck": "false"}),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ("title", "status", "series", "series_order", "updated_at", "author", "view_on_site_link")
    list_filter = ("status", "series", "tags", "author")
    list_select_related = ("series", "author")
    search_fields = ("title", "slug", "body", "summary")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "updated_at"
    autocomplete_fields = ("series",)
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("title", "slug", "body", "summary", "tags")}),
        ("Publishing", {"fields": ("status", "published_at", "updated_at", "author", "created_at")}),
        ("Series", {"fields": ("series", "series_order")}),
    )

    class Media:
        css = {"all": ("css/admin.css",)}

    @admin.display(description="On site")
    def view_on_site_link(self, article):
        return format_html('<a href="{}">view</a>', article.get_absolute_url())

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")


class SeriesPartInline(admin.TabularInline):
    """A series' parts with their positions, in reading order."""

    model = Article
    fields = ("title", "series_order", "status", "published_at")
    readonly_fields = ("title", "status", "published_at")
    extra = 0
    show_change_link = True
    formfield_overrides = {models.PositiveIntegerField: {"widget": forms.NumberInput(attrs={"style": "width: 5em"})}}

    def get_queryset(self, request):
        return super().get_queryset(request).in_reading_order()

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "updated_at")
    search_fields = ("title", "description")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [SeriesPartInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    ordering = ("name",)
