"""Where authors write: articles, series and tags in the Django admin. Saving renders.

The pages and their permissions live here; what a save or an action does to the data is in
`articles.authoring.services`, what a form checks in `articles.authoring.forms`. Every save
that changes an article's content keeps a revision (`articles.models.revisions`); a save
from a form that a newer revision has overtaken is refused with a diff, the author's text
kept in the form.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.urls import path
from django.utils.html import format_html

from articles.authoring import editor, history, permissions, services
from articles.authoring.forms import (
    MAX_SERIES_ORDER,
    ArticleAdminForm,
    MergeActionForm,
    TagActionForm,
    TagAdminForm,
)
from articles.models import Article, Series, Tag, revisions
from articles.models.slugs import SlugTaken
from markup import limits
from markup.slugs import clean_name


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    action_form = TagActionForm
    actions = ("publish", "unpublish", "add_tag", "remove_tag")
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
        css = {"all": ("css/pygments.css", "css/admin.css")}
        # The published page's MathJax and configuration, for the live preview.
        js = ("js/mathjax-config.js", "mathjax/es5/tex-chtml.js", "js/editor.js")

    @admin.display(description="On site")
    def view_on_site_link(self, article):
        return format_html('<a href="{}">view</a>', article.get_absolute_url())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return self._locked_changeform_view(request, object_id, form_url, extra_context)
        except SlugTaken:
            # Another save took the slug typed here after this form found it free, and the
            # whole save was rolled back. Run the form again: now it sees the slug taken and
            # says so on the field, with the author's text kept.
            return self._locked_changeform_view(request, object_id, form_url, extra_context)

    def _locked_changeform_view(self, request, object_id, form_url, extra_context):
        """The admin's change form; a save of an existing article holds its row lock throughout.

        The lock is taken before the article is read and the form checks the version it was
        opened at, and held until the save commits: two saves of one version cannot both pass.
        Django wraps the save in a transaction of its own (here a savepoint inside this one).
        """
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") or object_id is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic(using=router.db_for_write(self.model)):
            try:
                pk = self.opts.pk.to_python(unquote(object_id))
            except (ValidationError, ValueError):
                pk = None  # not an article's id: the admin answers that no such article exists
            if pk is not None:
                services.lock_for_saving(pk)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    # Permissions: authors edit their own articles and never publish; editors do everything.

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit(request.user, obj))

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not permissions.can_publish(request.user):
            fields = (*fields, "status", "published_at", "author")
        return fields

    def save_model(self, request, obj, form, change):
        if not change and not permissions.can_publish(request.user):
            obj.author = request.user
        super().save_model(request, obj, form, change)

    # Actions on the selected articles; each change is a revision.

    def _editable(self, request, queryset):
        articles = [a for a in queryset.select_related("series") if permissions.can_edit(request.user, a)]
        skipped = queryset.count() - len(articles)
        if skipped:
            messages.warning(request, f"Skipped {skipped} article(s) you may not edit.")
        return articles

    def _set_status(self, request, queryset, service, verb):
        changed = sum(service(article, request.user) for article in self._editable(request, queryset))
        messages.success(request, f"{verb.capitalize()} {changed} article(s).")

    @admin.action(description="Publish the selected articles", permissions=["publish"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, services.publish, "published")

    @admin.action(description="Unpublish the selected articles (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, services.unpublish, "unpublished")

    def _tag_name(self, request):
        name = clean_name(request.POST.get("tag", ""))[: limits.MAX_TAG_LENGTH]
        if not name:
            messages.error(request, "Type the tag's name in the “Tag” box next to the action.")
        return name

    @admin.action(description="Add the tag typed in the box", permissions=["change"])
    def add_tag(self, request, queryset):
        if name := self._tag_name(request):
            articles, full = self._editable(request, queryset), []
            for article in articles:
                try:
                    services.add_tag(article, name, request.user)
                except services.TooManyTags as error:
                    full.append(error.article.title)
            if full:
                messages.warning(
                    request, f"Not tagged, already at {limits.MAX_TAGS} tags: " + ", ".join(f"“{t}”" for t in full)
                )
            messages.success(request, f"Tagged {len(articles) - len(full)} article(s) “{name}”.")

    @admin.action(description="Remove the tag typed in the box", permissions=["change"])
    def remove_tag(self, request, queryset):
        if name := self._tag_name(request):
            tag = Tag.objects.filter(name__iexact=name).first()
            articles = self._editable(request, queryset)
            changed = sum(services.remove_tag(article, tag, request.user) for article in articles) if tag else 0
            messages.success(request, f"Removed “{name}” from {changed} article(s).")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(lambda request, *args, **kwargs: view(request, self, *args, **kwargs))

        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/history/<int:number>/restore/", wrap(history.restore), name=f"{name}_restore"),
            path("deleted/", wrap(history.deleted), name=f"{name}_deleted"),
            path("preview/", wrap(editor.preview), name=f"{name}_preview"),
            path("upload-image/", wrap(editor.upload_image), name=f"{name}_upload_image"),
            path("tag-suggestions/", wrap(editor.tag_suggestions), name=f"{name}_tag_suggestions"),
            path("deleted/<int:revision_id>/recover/", wrap(history.recover), name=f"{name}_recover"),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        return history.history(request, self, object_id, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        revisions.record(form.instance, request.user, note=form.cleaned_data.get("change_note", ""))

    def delete_model(self, request, obj):
        services.delete_article(obj, request.user)

    def delete_queryset(self, request, queryset):
        # One by one, so that each keeps its last revision with who deleted it.
        for article in queryset:
            self.delete_model(request, article)


class SeriesPartInline(admin.TabularInline):
    """A series' parts with their positions, in reading order, and where readers see each."""

    model = Article
    fields = ("title", "series_order", "reader_position", "status", "published_at")
    readonly_fields = ("title", "reader_position", "status", "published_at")
    extra = 0
    show_change_link = True
    formfield_overrides = {
        models.PositiveIntegerField: {
            "widget": forms.NumberInput(attrs={"class": "kb-position"}),
            "max_value": MAX_SERIES_ORDER,
        }
    }

    def get_queryset(self, request):
        return super().get_queryset(request).in_reading_order()

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="readers see it as")
    def reader_position(self, article):
        if article.pk is None or article.series_id is None:
            return "—"
        # One query per series page: the published parts in the order of the series page.
        cache = self.__dict__.setdefault("_reading_order", {})
        if article.series_id not in cache:
            parts = Article.objects.published().filter(series_id=article.series_id).in_reading_order()
            cache[article.series_id] = list(parts.values_list("pk", flat=True))
        order = cache[article.series_id]
        if article.pk in order:
            return f"part {order.index(article.pk) + 1} of {len(order)}"
        return "not shown yet (draft)" if article.status == Article.Status.DRAFT else "not shown yet (scheduled)"


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "updated_at")
    search_fields = ("title", "description")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [SeriesPartInline]

    class Media:
        css = {"all": ("css/admin.css",)}

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for article in formset.new_objects + [changed for changed, _ in formset.changed_objects]:
            revisions.record(article, request.user, note="Position in the series changed")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """Renaming a tag changes its address; merging moves its articles. Old addresses redirect (301)."""

    form = TagAdminForm
    action_form = MergeActionForm
    actions = ("merge",)
    list_display = ("name", "slug", "article_count", "old_addresses")
    search_fields = ("name", "slug")
    ordering = ("name",)
    readonly_fields = ("slug",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=models.Count("items")).prefetch_related("redirects")

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, tag):
        return tag.article_count

    @admin.display(description="redirected from")
    def old_addresses(self, tag):
        return ", ".join(redirect.old_slug for redirect in tag.redirects.all())

    def save_model(self, request, obj, form, change):
        if change and "name" in form.changed_data:
            services.rename_tag(obj, obj.name)  # a new slug, and a redirect from the old one
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description="Merge the selected tags into the tag typed in the box", permissions=["change"])
    def merge(self, request, queryset):
        name = clean_name(request.POST.get("tag", ""))
        target = Tag.objects.filter(name__iexact=name).first() if name else None
        if target is None:
            messages.error(request, "Type the name of an existing tag to keep in the “Into tag” box.")
            return
        sources = [tag for tag in queryset if tag.pk != target.pk]
        moved = services.merge_tags(sources, target)
        names = ", ".join(tag.name for tag in sources)
        messages.success(request, f"Merged {names or 'nothing'} into “{target.name}” ({moved} article(s) moved).")
