"""The admin's forms: what they check before anything is saved. Forms validate; they lock nothing.

`ArticleAdminForm` carries the version (the number of the latest revision) it was opened
at; a save from a form that a newer revision has overtaken is refused with a diff, the
author's text kept in the form. The row lock that makes that check race-free is taken by
the admin's save path (`ArticleAdmin.changeform_view`, `services.lock_for_saving`).
"""

from django import forms
from django.conf import settings
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.urls import reverse
from django.utils import timezone

from articles.authoring import services
from articles.authoring.diffs import diff_lines
from articles.models import Article, Tag, revisions
from markup import limits
from markup.slugs import clean_name, fold_name

# PostgreSQL's integer column. SQLite would store more, and a backup of it could then not be
# restored into PostgreSQL: both refuse past this, on the field.
MAX_SERIES_ORDER = 2**31 - 1


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
        error_messages = {
            "slug": {
                "unique": "This slug is already used by another article: change it, or empty the box to have one "
                "made from the title."
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        self.fields["version"].initial = revisions.version_of(self.instance)
        # Where static/js/editor.js sends the source, images and tag queries (no inline script).
        if "body" in self.fields:
            self.fields["body"].widget.attrs.update(
                {
                    "data-preview-url": reverse("admin:articles_article_preview"),
                    "data-upload-url": reverse("admin:articles_article_upload_image"),
                    # The editor refuses to send a form the server would refuse to read (a 400
                    # page, the text left behind): the request limit, in bytes as sent.
                    "data-max-request-bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
                }
            )
        if "series_order" in self.fields:
            self.fields["series_order"].max_value = MAX_SERIES_ORDER
            self.fields["series_order"].validators.append(MaxValueValidator(MAX_SERIES_ORDER))
            self.fields["series_order"].widget.attrs["max"] = MAX_SERIES_ORDER
        if "tags" in self.fields:
            self.fields["tags"].widget.attrs.update(
                {"data-suggest-url": reverse("admin:articles_article_tag_suggestions"), "autocomplete": "off"}
            )

    def clean_tags(self):
        # The names as the tag manager will store them (trimmed, repeats in any case dropped),
        # checked against the cap before any of them reaches the database.
        names, seen = [], set()
        for name in self.cleaned_data.get("tags") or []:
            name = clean_name(name)
            if name and fold_name(name) not in seen:
                seen.add(fold_name(name))
                names.append(name)
        try:
            limits.check_tags(names)
        except limits.LimitExceeded as error:
            raise ValidationError(str(error), code="limit") from None
        return names

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
            "tags": sorted(tags, key=fold_name),
            "series": series.title if series else "",
            "series_order": value("series_order"),
        }
        return revisions.source_text(content)

    def _check_version(self, cleaned):
        # A read, no lock: the admin locks the row before this form reads the article
        # (ArticleAdmin.changeform_view, services.lock_for_saving), so two saves of the same
        # version cannot both pass.
        newest = services.newer_revision(self.instance, cleaned.get("version"))
        if newest is None:
            return
        self.conflict = {
            "revision": newest,
            "lines": diff_lines(newest.as_text(), self._submitted_text(cleaned)),
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


class TagActionForm(ActionForm):
    """The action bar, with the tag name that "add tag" and "remove tag" need."""

    tag = forms.CharField(
        required=False, max_length=limits.MAX_TAG_LENGTH, label="Tag", widget=forms.TextInput(attrs={"size": 16})
    )


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name",)

    def clean_name(self):
        name = clean_name(self.cleaned_data["name"])
        if Tag.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise ValidationError(f"A tag named “{name}” already exists: merge the two tags instead (list action).")
        return name


class MergeActionForm(ActionForm):
    tag = forms.CharField(
        required=False, max_length=limits.MAX_TAG_LENGTH, label="Into tag", widget=forms.TextInput(attrs={"size": 16})
    )
