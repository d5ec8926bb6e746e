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
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.authoring import editor, history, permissions, review, review_pages, services, states, warnings
from articles.authoring.forms import (
    MAX_SERIES_ORDER,
    ArticleAdminForm,
    MergeActionForm,
    TagActionForm,
    TagAdminForm,
)
from articles.models import Article, Series, Tag, remember_slug_change, revisions, roles
from articles.models.slugs import SlugTaken
from markup import limits
from markup.slugs import clean_name


class WhoseFilter(admin.SimpleListFilter):
    """Mine or everyone's (that the user may see); Authors' list opens on their own articles."""

    title = gettext_lazy("whose")
    parameter_name = "whose"

    def __init__(self, request, params, model, model_admin):
        self.opens_on_mine = not permissions.can_publish(request.user)
        self.user = request.user
        super().__init__(request, params, model, model_admin)

    def value(self):
        value = super().value()
        return value if value in ("mine", "all") else ("mine" if self.opens_on_mine else "all")

    def lookups(self, request, model_admin):
        return [("mine", _("Mine")), ("all", _("Everyone's"))]

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        return queryset.filter(author=self.user) if self.value() == "mine" else queryset


class ReviewFilter(admin.SimpleListFilter):
    """The review queue: articles waiting for an Editor, or sent back to their author."""

    title = gettext_lazy("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [(Article.Review.SUBMITTED, _("Waiting for review")), (Article.Review.RETURNED, _("Sent back"))]

    def queryset(self, request, queryset):
        if self.value() in (Article.Review.SUBMITTED, Article.Review.RETURNED):
            return queryset.filter(review=self.value())
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    action_form = TagActionForm
    actions = ("publish", "unpublish", "add_tag", "remove_tag")
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"
    list_display = ("title", "state", "series", "series_order", "updated_at", "author", "view_on_site_link")
    list_filter = (WhoseFilter, ReviewFilter, "status", "series", "tags", "author")
    list_select_related = ("series", "author")
    search_fields = ("title", "slug", "body", "summary")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "updated_at"
    autocomplete_fields = ("series",)
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("title", "slug", "body", "summary", "macros", "tags")}),
        (gettext_lazy("Publishing"), {"fields": ("status", "published_at", "updated_at", "author", "created_at")}),
        (gettext_lazy("Series"), {"fields": ("series", "series_order")}),
        (gettext_lazy("This save"), {"fields": ("change_note", "version")}),
    )

    class Media:
        css = {
            "all": ("css/pygments.css", "css/pygments-dark.css", "css/article.css", "css/admin.css", "css/autosave.css")
        }
        # The published page's MathJax and configuration, for the live preview.
        js = ("js/mathjax-config.js", "mathjax/es5/tex-chtml.js", "js/editor.js", "js/autosave.js")

    def get_list_filter(self, request):
        # Authors filter by "mine" (WhoseFilter); a list of every user is not theirs to read.
        if permissions.can_publish(request.user):
            return self.list_filter
        return tuple(name for name in self.list_filter if name != "author")

    @admin.display(description=gettext_lazy("On site"))
    def view_on_site_link(self, article):
        return format_html('<a href="{}">{}</a>', article.get_absolute_url(), _("view"))

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def state(self, article):
        """Draft, published or "Scheduled for <date>", and where it stands in review."""
        label = states.status_label(article)
        if article.review:
            label = f"{label} · {article.get_review_display()}"
        return label

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

    def _render_change_form(self, request, context, add, change, form_url, obj):
        form = context["adminform"].form
        if "body" in form.fields:
            # Where static/js/autosave.js keeps this form's text in the browser: one place per
            # user and article, and the version the form was opened at.
            form.fields["body"].widget.attrs.update(
                {
                    "data-autosave-key": f"kb-autosave:{request.user.pk}:{obj.pk if obj else 'new'}",
                    "data-autosave-version": form["version"].value() or 0,
                }
            )
            if obj is not None and obj.status == Article.Status.DRAFT and self.has_change_permission(request, obj):
                # A draft is also saved to the server now and then; a published article never is.
                form.fields["body"].widget.attrs["data-draft-save-url"] = reverse(
                    "admin:articles_article_autosave", args=[obj.pk]
                )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    # Permissions: authors edit their own articles and never publish; editors do everything.

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_delete(request.user, obj))

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or permissions.can_see(request.user, obj))

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not permissions.can_publish(request.user):
            # The site sets the update time; a published article's address is the Editors'.
            fields = (*fields, "status", "published_at", "updated_at", "author")
            if obj is not None and obj.status == Article.Status.PUBLISHED:
                fields = (*fields, "slug")
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        if "slug" in self.get_readonly_fields(request, obj):
            return {}
        return super().get_prepopulated_fields(request, obj)

    def _proposes(self, request, obj):
        """An Author's save of a published article: a pending revision, not a change of the article."""
        published = obj.pk is not None and obj.status == Article.Status.PUBLISHED
        return published and not permissions.can_publish(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and self._proposes(request, obj):
            # An Author goes on from their own change waiting for review, not from the live text.
            pending = revisions.pending(obj)
            if pending is not None:
                form = type(form.__name__, (form,), {"pending": pending})
        return form

    def save_model(self, request, obj, form, change):
        if change and self._proposes(request, obj):
            return  # save_related() keeps the change as a pending revision
        if not change and not permissions.can_publish(request.user):
            obj.author = request.user
        old_slug = form.initial.get("slug") if change else None
        super().save_model(request, obj, form, change)
        if old_slug and old_slug != obj.slug and obj.published_at is not None:
            remember_slug_change(old_slug, obj)  # the old address answers 301 (once published again)

    # Actions on the selected articles; each change is a revision.

    def _editable(self, request, queryset):
        articles = [a for a in queryset.select_related("series") if permissions.can_edit(request.user, a)]
        skipped = queryset.count() - len(articles)
        if skipped:
            messages.warning(request, _("Skipped %(count)d article(s) you may not edit.") % {"count": skipped})
        if not permissions.can_publish(request.user):
            # An Author's change to a published article waits for review: made in its form.
            published = [a for a in articles if a.status == Article.Status.PUBLISHED]
            if published:
                messages.warning(
                    request,
                    _(
                        "Skipped %(count)d published article(s): change them in their form, "
                        "and an Editor reviews the change."
                    )
                    % {"count": len(published)},
                )
                articles = [a for a in articles if a.status != Article.Status.PUBLISHED]
        return articles

    def _set_status(self, request, queryset, service, message):
        changed = sum(service(article, request.user) for article in self._editable(request, queryset))
        messages.success(request, message % {"count": changed})

    @admin.action(description=gettext_lazy("Publish the selected articles"), permissions=["publish"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, services.publish, _("Published %(count)d article(s)."))

    @admin.action(description=gettext_lazy("Unpublish the selected articles (back to draft)"), permissions=["publish"])
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, services.unpublish, _("Unpublished %(count)d article(s)."))

    def _tag_name(self, request):
        name = clean_name(request.POST.get("tag", ""))[: limits.MAX_TAG_LENGTH]
        if not name:
            messages.error(request, _("Type the tag's name in the “Tag” box next to the action."))
        return name

    @admin.action(description=gettext_lazy("Add the tag typed in the box"), permissions=["change"])
    def add_tag(self, request, queryset):
        if name := self._tag_name(request):
            articles, full = self._editable(request, queryset), []
            drafts_only = not permissions.can_publish(request.user)  # checked again under each lock
            for article in articles:
                try:
                    services.add_tag(article, name, request.user, drafts_only=drafts_only)
                except services.TooManyTags as error:
                    full.append(error.article.title)
            if full:
                titles = ", ".join(f"“{t}”" for t in full)
                messages.warning(
                    request,
                    _("Not tagged, already at %(max)d tags: %(titles)s") % {"max": limits.MAX_TAGS, "titles": titles},
                )
            messages.success(
                request,
                _("Tagged %(count)d article(s) “%(name)s”.") % {"count": len(articles) - len(full), "name": name},
            )

    @admin.action(description=gettext_lazy("Remove the tag typed in the box"), permissions=["change"])
    def remove_tag(self, request, queryset):
        if name := self._tag_name(request):
            tag = Tag.objects.filter(name__iexact=name).first()
            articles = self._editable(request, queryset)
            drafts_only = not permissions.can_publish(request.user)  # checked again under each lock
            changed = sum(services.remove_tag(a, tag, request.user, drafts_only) for a in articles) if tag else 0
            messages.success(
                request, _("Removed “%(name)s” from %(count)d article(s).") % {"name": name, "count": changed}
            )

    def get_queryset(self, request):
        # Authors never see another author's draft: not in the list, not by its address.
        return super().get_queryset(request).filter(roles.visible(request.user)).prefetch_related("tags")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(
            kb_state=states.form_state(request.user, obj),
            kb_may_submit=not permissions.can_publish(request.user)
            and (obj is None or obj.status == Article.Status.DRAFT),
        )
        return self._render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(lambda request, *args, **kwargs: view(request, self, *args, **kwargs))

        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/history/<int:number>/restore/", wrap(history.restore), name=f"{name}_restore"),
            path("<path:object_id>/review/", wrap(review_pages.page), name=f"{name}_review"),
            path("deleted/", wrap(history.deleted), name=f"{name}_deleted"),
            path("preview/", wrap(editor.preview), name=f"{name}_preview"),
            path("<path:object_id>/autosave/", wrap(editor.autosave), name=f"{name}_autosave"),
            path("upload-image/", wrap(editor.upload_image), name=f"{name}_upload_image"),
            path("tag-suggestions/", wrap(editor.tag_suggestions), name=f"{name}_tag_suggestions"),
            path("deleted/<int:revision_id>/recover/", wrap(history.recover), name=f"{name}_recover"),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        return history.history(request, self, object_id, extra_context)

    def save_related(self, request, form, formsets, change):
        article, note = form.instance, form.cleaned_data.get("change_note", "")
        if change and self._proposes(request, article):
            review.propose(article, form.submitted_content(), request.user, note=note)
        else:
            waiting = revisions.pending(article) if change else None
            super().save_related(request, form, formsets, change)
            if revisions.record(article, request.user, note=note) and waiting is not None:
                # An Editor saved the live text over an Author's change that was waiting: that
                # change stays in the history (it can be restored) but no longer waits.
                review.withdraw(article)
                messages.warning(
                    request,
                    _(
                        "The change waiting for review (revision %(number)d) was not published: your save "
                        "replaced it. It stays in the history."
                    )
                    % {"number": waiting.number},
                )
            if "_submit_review" in request.POST and article.status == Article.Status.DRAFT:
                review.submit(article)
        # Saved all the same; what the author should look at (formulas that do not parse,
        # images without alt text), each with its line.
        proposed = change and self._proposes(request, article)
        # The rendered page of the save (a proposed change is not rendered onto the article).
        body_html = None if proposed else article.body_html
        for warning in warnings.body_warnings(form.cleaned_data.get("body", article.body), body_html):
            messages.warning(request, warning)

    def _saved_messages(self, request, obj):
        if self._proposes(request, obj):
            messages.success(
                request,
                _(
                    "Your change to “%(title)s” is waiting for review: "
                    "the live page changes when an Editor publishes it."
                )
                % {"title": obj.title},
            )
            return True
        if obj.review == Article.Review.SUBMITTED and "_submit_review" in request.POST:
            messages.success(request, _("“%(title)s” is submitted for review.") % {"title": obj.title})
        if states.is_scheduled(obj):
            messages.info(request, states.status_label(obj))
        return False

    def response_add(self, request, obj, post_url_continue=None):
        self._saved_messages(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if self._saved_messages(request, obj):
            if "_continue" in request.POST:
                return redirect(request.path)
            return self.response_post_save_change(request, obj)
        return super().response_change(request, obj)

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
        # An Author reading a series sees the parts readers see and their own, no one else's draft.
        return super().get_queryset(request).filter(roles.visible(request.user)).in_reading_order()

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("readers see it as"))
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
            return _("part %(part)d of %(count)d") % {"part": order.index(article.pk) + 1, "count": len(order)}
        if article.status == Article.Status.DRAFT:
            return _("not shown yet (draft)")
        return _("not shown yet (scheduled)")


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
        for article in formset.new_objects + [changed for changed, _fields in formset.changed_objects]:
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

    @admin.display(description=gettext_lazy("articles"), ordering="article_count")
    def article_count(self, tag):
        return tag.article_count

    @admin.display(description=gettext_lazy("redirected from"))
    def old_addresses(self, tag):
        return ", ".join(redirect.old_slug for redirect in tag.redirects.all())

    def save_model(self, request, obj, form, change):
        if change and "name" in form.changed_data:
            services.rename_tag(obj, obj.name)  # a new slug, and a redirect from the old one
        else:
            super().save_model(request, obj, form, change)

    @admin.action(
        description=gettext_lazy("Merge the selected tags into the tag typed in the box"), permissions=["change"]
    )
    def merge(self, request, queryset):
        name = clean_name(request.POST.get("tag", ""))
        target = Tag.objects.filter(name__iexact=name).first() if name else None
        if target is None:
            messages.error(request, _("Type the name of an existing tag to keep in the “Into tag” box."))
            return
        sources = [tag for tag in queryset if tag.pk != target.pk]
        moved = services.merge_tags(sources, target)
        names = ", ".join(tag.name for tag in sources)
        messages.success(
            request,
            _("Merged %(names)s into “%(target)s” (%(count)d article(s) moved).")
            % {"names": names or _("nothing"), "target": target.name, "count": moved},
        )
