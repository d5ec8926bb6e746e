"""Where authors write: articles and series in the Django admin. Saving renders.

Every save that changes an article's content keeps a revision (`articles.revisions`);
the form carries the version it was opened at, and a save from a form that a newer
revision has overtaken is refused with a diff, the author's text kept in the form.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from . import admin_views, revisions
from .models import Article, Series, Tag


class ArticleAdminForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    change_note = forms.CharField(
        required=False,
        max_length=200,
        help_text="Optional: what changed and why (shown in the history).",
        widget=forms.TextInput(attrs={"size": 80}),
    )

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        self.fields["version"].initial = revisions.version_of(self.instance)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            self._check_version(cleaned)
        return cleaned

    def _submitted_text(self, cleaned):
        def value(name):
            return cleaned[name] if name in cleaned else getattr(self.instance, name)

        series = cleaned.get("series", self.instance.series)
        tags = cleaned["tags"] if "tags" in cleaned else list(self.instance.tags.names())
        content = {
            **{name: value(name) or "" for name in ("title", "body", "summary", "status")},
            "tags": sorted(tags, key=str.casefold),
            "series": series.title if series else "",
            "series_order": value("series_order"),
        }
        return revisions.source_text(content)

    def _check_version(self, cleaned):
        # Lock the row until the save commits (the admin wraps it in a transaction), so two
        # saves of the same version cannot both pass.
        Article.objects.select_for_update().filter(pk=self.instance.pk).exists()
        newest = revisions.latest(self.instance.pk)
        opened_at = cleaned.get("version")
        if newest is None or opened_at == newest.number:
            return
        self.conflict = {
            "revision": newest,
            "lines": revisions.diff_lines(newest.as_text(), self._submitted_text(cleaned)),
        }
        # Saving again, after reading the diff, is a deliberate choice to replace that version.
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = newest.number
        who = newest.saved_by or "Someone"
        when = timezone.localtime(newest.saved_at).strftime("%Y-%m-%d %H:%M:%S")
        raise ValidationError(
            f"Not saved: {who} saved a newer version of this article (revision {newest.number}, {when}) "
            "after you opened it. Your text is kept in the form below, and the differences between their "
            "version and yours are shown. Merge what you need, then save again to replace their version.",
            code="stale",
        )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"
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
        ("This save", {"fields": ("change_note", "version")}),
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

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(lambda request, *args, **kwargs: view(request, self, *args, **kwargs))

        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/history/<int:number>/restore/", wrap(admin_views.restore), name=f"{name}_restore"),
            path("deleted/", wrap(admin_views.deleted), name=f"{name}_deleted"),
            path("deleted/<int:revision_id>/recover/", wrap(admin_views.recover), name=f"{name}_recover"),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        return admin_views.history(request, self, object_id, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        revisions.record(form.instance, request.user, note=form.cleaned_data.get("change_note", ""))

    def delete_model(self, request, obj):
        obj._deleted_by = request.user
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # One by one, so that each keeps its last revision with who deleted it.
        for article in queryset:
            self.delete_model(request, article)


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
