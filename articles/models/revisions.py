"""The history of an article, as data: revisions, and how one is taken and read back.

A `Revision` is a copy of what an author wrote (title, body, summary, tags, series,
status), who saved it and when. `record()` is called wherever content is saved on
purpose (the admin, the importer, restores, admin actions, deletion) and keeps a new
revision only when the content differs from the last one. The number of an
article's latest revision is its version: the admin form carries it and a save from
a form opened before a newer revision is refused (optimistic locking).

A revision outlives its article (the link is set to NULL on delete and
`article_key` keeps the old id), so a deleted article can be recovered. Restoring and
recovering are business rules and live in `articles.authoring.services`; diffs of two
revisions in `articles.authoring.diffs`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from markup import limits
from markup.slugs import SLUG_MAX_LENGTH, fold_name

CONTENT_FIELDS = ("title", "body", "summary", "tags", "series", "series_order", "status")


class Revision(models.Model):
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    # The article's id, kept after it is deleted: groups the revisions of a deleted article.
    article_key = models.PositiveBigIntegerField(db_index=True)
    number = models.PositiveIntegerField()
    slug = models.CharField(max_length=SLUG_MAX_LENGTH)
    title = models.CharField(max_length=200)
    body = models.TextField()
    summary = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    series = models.CharField(max_length=200, blank=True)
    series_order = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10)
    published_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions_saved"
    )
    saved_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True, help_text="Optional: what changed and why.")
    deleted = models.BooleanField(default=False, help_text="The article was deleted after this revision.")
    # An Author's change to a published article (or their restore of an old revision), kept
    # here and not on the article until an Editor publishes it: the live page does not change.
    pending = models.BooleanField(default=False)
    # Saved by the editor's timer, not by the author's Save (see `record_autosave()`).
    autosave = models.BooleanField(default=False)

    class Meta:
        ordering = ["article_key", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article_key", "number"], name="unique_revision_number"),
            # As on Article (see date_range_constraint there): the history pages read these.
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True)
                | models.Q(published_at__gte=limits.EARLIEST_DATE, published_at__lt=limits.LATEST_DATE),
                name="revision_published_at_range",
            ),
            models.CheckConstraint(
                condition=models.Q(saved_at__gte=limits.EARLIEST_DATE, saved_at__lt=limits.LATEST_DATE),
                name="revision_saved_at_range",
            ),
        ]

    def __str__(self):
        return f"{self.title} (revision {self.number})"

    def content(self):
        return {name: getattr(self, name) for name in CONTENT_FIELDS}

    def as_text(self):
        """The revision as source lines, for diffs: a header of fields, a blank line, the body."""
        return source_text(self.content())


def snapshot(article):
    """The content fields of `article` as they are now (tags as sorted names)."""
    return {
        "title": article.title,
        "body": article.body,
        "summary": article.summary,
        # Through all(): tags loaded beforehand (a prefetch, the importer) cost no query.
        "tags": sorted((tag.name for tag in article.tags.all()), key=fold_name),
        "series": article.series.title if article.series_id else "",
        "series_order": article.series_order,
        "status": article.status,
    }


def source_text(content):
    """`content` as source lines for the diffs the admin shows: a header of fields, a blank line, the body.

    For display only (never stored): the header's names are in the active language.
    """
    series = content["series"]
    if series and content["series_order"] is not None:
        series = _("%(series)s (part %(number)s)") % {"series": series, "number": content["series_order"]}
    status = content["status"]
    statuses = {
        "draft": pgettext("a revision's status", "draft"),
        "published": pgettext("a revision's status", "published"),
    }
    header = [
        (_("title"), content["title"]),
        (_("status"), statuses.get(status, status)),
        (_("tags"), ", ".join(content["tags"])),
        (_("series"), series),
        (_("summary"), content["summary"]),
    ]
    return "\n".join(f"{name}: {value}" for name, value in header) + "\n\n" + content["body"].replace("\r\n", "\n")


def latest(article_key):
    return Revision.objects.filter(article_key=article_key).order_by("-number").first()


def version_of(article):
    """The article's version: the number of its latest revision (0 before the first)."""
    if article.pk is None:
        return 0
    revision = latest(article.pk)
    return revision.number if revision else 0


def record(article, user=None, note="", deleted=False):
    """Keep a revision of `article` when its content differs from the last one; return it (or None).

    With `deleted`, the last revision is marked as the one before the deletion (a new one first
    if the content changed since). Recording a deletion twice, as `delete_article()` and then the
    pre_delete receiver do, keeps one revision: the second call finds it and changes nothing.
    """
    content = snapshot(article)
    last = latest(article.pk)
    if last is not None and last.content() == content and not deleted:
        if last.autosave:  # saved on purpose now: no longer a revision the next autosave replaces
            last.autosave = False
            last.note = note[:200] or last.note
            last.save(update_fields=["autosave", "note"])
        return None
    if last is not None and last.content() == content:
        if not last.deleted:
            last.deleted = True
            last.save(update_fields=["deleted"])
        return last
    return _next_revision(article, last, content, user, note, deleted=deleted)


def _next_revision(article, last, content, user, note, **kind):
    """A new revision of `article` holding `content`, numbered after `last` (None: the first);
    `kind` says what it is (deleted=, pending=, autosave=)."""
    return Revision.objects.create(
        article=article,
        article_key=article.pk,
        number=(last.number if last else 0) + 1,
        slug=article.slug,
        published_at=article.published_at,
        author_id=article.author_id,
        saved_by=user if user is not None and user.is_authenticated else None,
        note=note[:200],
        **kind,
        **content,
    )


def pending(article):
    """The change waiting for review on `article`: its latest revision when that is pending."""
    last = latest(article.pk) if article.pk else None
    return last if last is not None and last.pending else None


def propose(article, content, user=None, note=""):
    """Keep `content` (a `snapshot()`-like dict) as a pending revision of `article`; None if unchanged.

    The article itself is not changed: the live page stays as it is until an Editor
    publishes the revision (`articles.authoring.review.publish`).
    """
    last = latest(article.pk)
    if last is not None and last.content() == content:
        return None
    return _next_revision(article, last, content, user, note, pending=True)


def record_autosave(article, user, note=""):
    """Keep the draft the editor saved on its own; None when nothing changed since the last revision.

    Consecutive automatic saves by one user are one revision, moved up to the next number
    each time: the history does not fill with them, and a form opened before this save is
    still a version behind (its save is refused with a diff, as for any newer revision).
    """
    content = snapshot(article)
    last = latest(article.pk)
    if last is not None and last.content() == content:
        return None
    if last is not None and last.autosave and not last.pending and user is not None and last.saved_by_id == user.pk:
        for name, value in content.items():
            setattr(last, name, value)
        last.number += 1
        last.slug, last.published_at, last.saved_at = article.slug, article.published_at, timezone.now()
        last.save()
        return last
    return _next_revision(article, last, content, user, note, autosave=True)


def deleted_articles():
    """The last revision of every deleted article, newest deletion first."""
    return Revision.objects.filter(article__isnull=True, deleted=True).order_by("-saved_at")
