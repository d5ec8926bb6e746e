"""The history of an article: revisions, diffs between them, restore and recovery.

A `Revision` is a copy of what an author wrote (title, body, summary, tags, series,
status), who saved it and when. `record()` is called wherever content is saved on
purpose (the admin, the importer, restores, admin actions, deletion) and keeps a new
revision only when the content differs from the last one. The number of an
article's latest revision is its version: the admin form carries it and a save from
a form opened before a newer revision is refused (optimistic locking).

A revision outlives its article (the link is set to NULL on delete and
`article_key` keeps the old id), so a deleted article can be recovered.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from articles.models.articles import Article
from articles.models.series import Series
from articles.models.slugs import unique_slug
from markup import limits, linediff
from markup.slugs import SLUG_MAX_LENGTH

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
        "tags": sorted((tag.name for tag in article.tags.all()), key=str.casefold),
        "series": article.series.title if article.series_id else "",
        "series_order": article.series_order,
        "status": article.status,
    }


def source_text(content):
    series = content["series"]
    if series and content["series_order"] is not None:
        series = f"{series} (part {content['series_order']})"
    header = [
        f"title: {content['title']}",
        f"status: {content['status']}",
        f"tags: {', '.join(content['tags'])}",
        f"series: {series}",
        f"summary: {content['summary']}",
    ]
    return "\n".join(header) + "\n\n" + content["body"].replace("\r\n", "\n")


def latest(article_key):
    return Revision.objects.filter(article_key=article_key).order_by("-number").first()


def version_of(article):
    """The article's version: the number of its latest revision (0 before the first)."""
    if article.pk is None:
        return 0
    revision = latest(article.pk)
    return revision.number if revision else 0


def record(article, user=None, note="", deleted=False):
    """Keep a revision of `article` when its content differs from the last one; return it (or None)."""
    content = snapshot(article)
    last = latest(article.pk)
    if last is not None and last.content() == content and not deleted:
        return None
    if last is not None and last.content() == content:
        last.deleted = True
        last.save(update_fields=["deleted"])
        return last
    return Revision.objects.create(
        article=article,
        article_key=article.pk,
        number=(last.number if last else 0) + 1,
        slug=article.slug,
        published_at=article.published_at,
        author_id=article.author_id,
        saved_by=user if user is not None and user.is_authenticated else None,
        note=note[:200],
        deleted=deleted,
        **content,
    )


def _apply(article, revision, status):
    article.title = revision.title
    article.body = revision.body
    article.summary = revision.summary
    article.status = status
    article.series = Series.objects.get_or_create(title=revision.series)[0] if revision.series else None
    article.series_order = revision.series_order
    article.save()
    article.tags.set(revision.tags)


@transaction.atomic
def restore(revision, user=None, may_publish=True):
    """Make the article's content that of `revision`; the restore is a new revision (None if unchanged).

    Without `may_publish` (an author), the article keeps its current status.
    """
    article = revision.article
    _apply(article, revision, revision.status if may_publish else article.status)
    return record(article, user, note=f"Restored revision {revision.number}")


def deleted_articles():
    """The last revision of every deleted article, newest deletion first."""
    return Revision.objects.filter(article__isnull=True, deleted=True).order_by("-saved_at")


@transaction.atomic
def recover(revision, user=None, may_publish=True):
    """Recreate a deleted article from its last revision; its history comes back with it.

    Without `may_publish` (an author), it comes back as a draft.
    """
    old_key = revision.article_key
    slug = revision.slug
    if Article.objects.filter(slug=slug).exists():  # taken since the deletion
        slug = unique_slug(Article.objects.all(), slug)
    article = Article(slug=slug, author_id=revision.author_id, published_at=revision.published_at)
    _apply(article, revision, revision.status if may_publish else article.Status.DRAFT)
    # Revision numbers continue where the deleted article's history stopped.
    Revision.objects.filter(article_key=old_key).update(article=article, article_key=article.pk, deleted=False)
    record(article, user, note=f"Recovered after deletion (revision {revision.number})")
    return article


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "removed", "added" or "gap"
    old_number: int | None
    new_number: int | None
    text: str


class Diff(list):
    """The DiffLines of two texts (empty when they are equal).

    `too_different` says the texts could not be compared line by line within the bounds
    (limits.DIFF_WORK, limits.MAX_DIFF_LINES); the list is then empty and `why` says more.
    """

    too_different = False
    why = ""

    @classmethod
    def refused(cls, why):
        diff = cls()
        diff.too_different, diff.why = True, why
        return diff


def diff_lines(old_text, new_text, context=3):
    """The changed source lines of two texts with `context` lines around them, as a Diff.

    The cost is bounded whatever the texts (markup.linediff): past the bounds the Diff
    is empty and `too_different`, and the pages offer both versions to read instead.
    """
    old, new = old_text.split("\n"), new_text.split("\n")
    try:
        groups = linediff.grouped(linediff.opcodes(old, new, limits.DIFF_WORK), context)
    except linediff.TooDifferent:
        return Diff.refused("Their lines are arranged too differently to match them up.")
    # Rows the page would show: every line of each hunk (a change counts both sides) and the gaps.
    shown = len(groups) - 1 + sum(i2 - i1 + (j2 - j1) * (tag != "equal") for g in groups for tag, i1, i2, j1, j2 in g)
    if shown > limits.MAX_DIFF_LINES:
        most = limits.MAX_DIFF_LINES
        return Diff.refused(f"The comparison would be {shown:,} lines long; at most {most:,} are shown.")
    lines = Diff()
    for index, group in enumerate(groups):
        if index:
            lines.append(DiffLine("gap", None, None, "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                pairs = zip(range(i1, i2), range(j1, j2), strict=True)
                lines += [DiffLine("same", i + 1, j + 1, old[i]) for i, j in pairs]
                continue
            lines += [DiffLine("removed", i + 1, None, old[i]) for i in range(i1, i2)]
            lines += [DiffLine("added", None, j + 1, new[j]) for j in range(j1, j2)]
    return lines
