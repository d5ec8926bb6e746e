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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.utils import edit_string_for_tags

from articles.authoring import services
from articles.authoring.diffs import diff_lines
from articles.models import Article, Series, Tag, revisions
from markup import limits, summaries
from markup.slugs import clean_name, fold_name

# PostgreSQL's integer column. SQLite would store more, and a backup of it could then not be
# restored into PostgreSQL: both refuse past this, on the field.
MAX_SERIES_ORDER = 2**31 - 1


class ArticleAdminForm(forms.ModelForm):
    version = forms.IntegerField(label=gettext_lazy("version"), widget=forms.HiddenInput, required=False, min_value=0)
    change_note = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Change note"),
        help_text=gettext_lazy("Optional: what changed and why (shown in the history)."),
        widget=forms.TextInput(attrs={"size": 80}),
    )

    class Meta:
        model = Article
        fields = (
            "title", "slug", "body", "summary", "macros", "tags", "status", "published_at", "updated_at", "author",
            "series", "series_order",
        )  # fmt: skip
        widgets = {
            "body": forms.Textarea(attrs={"class": "kb-source", "rows": 30, "spellcheck": "false"}),
            "summary": forms.Textarea(attrs={"rows": 2}),
            "macros": forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "kb-macros"}),
        }
        error_messages = {
            "slug": {
                "unique": gettext_lazy(
                    "This slug is already used by another article: change it, or empty the box to have one "
                    "made from the title."
                )
            }
        }

    # An Author's change waiting for review (a pending revision): the form starts from it, not
    # from the live article (set by the admin for Authors; see `articles.authoring.review`).
    pending = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.pending is not None:
            self.initial.update(
                title=self.pending.title,
                body=self.pending.body,
                summary=self.pending.summary,
                tags=edit_string_for_tags([Tag(name=name) for name in self.pending.tags]),
                series=Series.objects.filter(title=self.pending.series).first() if self.pending.series else None,
                series_order=self.pending.series_order,
            )
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
                    # The reading time shown beside the source, as the site computes it.
                    "data-words-per-minute": summaries.WORDS_PER_MINUTE,
                    "data-cjk-per-minute": summaries.CJK_CHARS_PER_MINUTE,
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

    def clean_body(self):
        # Browsers send a textarea's line breaks as CRLF; the site stores "\n", as an import does.
        return self.cleaned_data["body"].replace("\r\n", "\n")

    def clean_summary(self):
        return self.cleaned_data["summary"].replace("\r\n", "\n")

    def clean_macros(self):
        return self.cleaned_data["macros"].replace("\r\n", "\n")

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

    def submitted_content(self, cleaned=None):
        """The content this form would save, as a revision holds it (`revisions.snapshot()`)."""
        cleaned = self.cleaned_data if cleaned is None else cleaned

        def value(name):
            return cleaned[name] if name in cleaned else getattr(self.instance, name)

        series = cleaned.get("series", self.instance.series)
        tags = cleaned["tags"] if "tags" in cleaned else list(self.instance.tags.names())
        return {
            **{name: value(name) or "" for name in ("title", "body", "summary", "status")},
            "tags": sorted(tags, key=fold_name),
            "series": series.title if series else "",
            "series_order": value("series_order"),
        }

    def _submitted_text(self, cleaned):
        return revisions.source_text(self.submitted_content(cleaned))

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
        who = newest.saved_by or _("Someone")
        when = timezone.localtime(newest.saved_at).strftime("%Y-%m-%d %H:%M:%S")
        raise ValidationError(
            _(
                "Not saved: %(who)s saved a newer version of this article (revision %(number)d, %(when)s) "
                "after you opened it. Your text is kept in the form below, and the differences between their "
                "version and yours are shown. Merge what you need, then save again to replace their version."
            )
            % {"who": who, "number": newest.number, "when": when},
            code="stale",
        )


class TagActionForm(ActionForm):
    """The action bar, with the tag name that "add tag" and "remove tag" need."""

    tag = forms.CharField(
        required=False,
        max_length=limits.MAX_TAG_LENGTH,
        label=gettext_lazy("Tag"),
        widget=forms.TextInput(attrs={"size": 16}),
    )


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name",)

    def clean_name(self):
        name = clean_name(self.cleaned_data["name"])
        if Tag.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                _("A tag named “%(name)s” already exists: merge the two tags instead (list action).") % {"name": name}
            )
        return name


class MergeActionForm(ActionForm):
    tag = forms.CharField(
        required=False,
        max_length=limits.MAX_TAG_LENGTH,
        label=gettext_lazy("Into tag"),
        widget=forms.TextInput(attrs={"size": 16}),
    )
