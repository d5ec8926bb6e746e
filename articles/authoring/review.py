"""Review before publishing: Authors submit, Editors publish or send back with a note.

Plain functions, like `services` (no request, no permission checks; the admin pages in
`articles.authoring.review_pages` check who may call them). The rules:

- An Author's draft is theirs until they submit it (`submit()`); it then waits in the
  queue (`queue()`) until an Editor publishes it or sends it back with a note.
- An Author's change to a published article, and their restore of an old revision, do not
  change the article: they are kept as a pending revision (`propose()`), submitted at once.
  The live page stays as it is until an Editor publishes that revision.
- Sending back keeps everything (the draft, the pending revision) and tells the author why.
"""

from django.db import transaction
from django.utils.translation import gettext_noop

from articles.models import Article, Series, revisions


def queue():
    """The articles waiting for an Editor, oldest wait first."""
    return Article.objects.filter(review=Article.Review.SUBMITTED).order_by("updated_at", "pk")


def _set_review(article, review, note=""):
    article.review = review
    article.review_note = note
    # Not a change of content: no rendering, no revision, `updated_at` untouched.
    Article.objects.filter(pk=article.pk).update(review=review, review_note=note)


def submit(article):
    """Put `article` in the review queue; False when it is there already."""
    if article.review == Article.Review.SUBMITTED:
        return False
    _set_review(article, Article.Review.SUBMITTED)
    return True


@transaction.atomic
def propose(article, content, user=None, note=""):
    """Keep `content` as a pending revision of the published `article`, and submit it.

    Returns the revision (None when `content` is what the article's latest revision says).
    """
    revision = revisions.propose(article, content, user, note=note)
    if revision is not None:
        _set_review(article, Article.Review.SUBMITTED)
    return revision


@transaction.atomic
def publish(article, user=None, note=""):
    """Publish what waits: the pending revision onto the live article, or the submitted draft.

    Returns the revision that is now live (None when nothing changed).
    """
    pending = revisions.pending(article)
    if pending is not None:
        article.title = pending.title
        article.body = pending.body
        article.summary = pending.summary
        article.series = Series.objects.get_or_create(title=pending.series)[0] if pending.series else None
        article.series_order = pending.series_order
    article.status = Article.Status.PUBLISHED
    article.review, article.review_note = Article.Review.NONE, ""
    article.save()
    if pending is not None:
        article.tags.set(pending.tags)
        pending.pending = False
        pending.save(update_fields=["pending"])
    # Stored in English, as every note the site writes: the history page translates it.
    return revisions.record(article, user, note=note or gettext_noop("Published after review")) or pending


def withdraw(article):
    """Take `article` out of review (its pending change was overtaken by an Editor's save)."""
    _set_review(article, Article.Review.NONE)


def send_back(article, note):
    """Return `article` to its author with `note`; what they wrote stays as it is."""
    _set_review(article, Article.Review.RETURNED, note.strip())


def live_text(article):
    """What readers see now, as source text (empty for an article never published)."""
    if article.status == Article.Status.PUBLISHED:
        return revisions.source_text(revisions.snapshot(article))
    published = (
        revisions.Revision.objects.filter(article=article, status=Article.Status.PUBLISHED, pending=False)
        .order_by("-number")
        .first()
    )
    return published.as_text() if published else ""


def proposed_text(article):
    """What would go live if an Editor published now."""
    pending = revisions.pending(article)
    if pending is not None:
        return pending.as_text()
    return revisions.source_text({**revisions.snapshot(article), "status": Article.Status.PUBLISHED})
