"""What authors and editors do to articles and tags: each rule written once, as a plain function.

The admin (`articles.authoring.admin`, `articles.authoring.history`), management commands
and tests call these; none takes a request, and none checks permissions (the caller knows
who may do what: `articles.authoring.permissions`). Every change of an article's content
keeps a revision (`articles.models.revisions.record`) in the same transaction as the
change: the change and its revision, or neither (the README's "Writing" section).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from articles import pagecache
from articles.authoring import reindexing, review
from articles.models import Article, Series, Tag, TaggedArticle, TagRedirect, revisions
from articles.models.slugs import unique_slug
from markup import limits
from markup.rendering import render_article
from markup.slugs import clean_name, fold_name

# Articles: saving from the admin form.


def lock_for_saving(pk):
    """Lock the article's row until the caller's transaction ends.

    The admin takes this lock before its change form reads the article and checks the
    version it was opened at (`newer_revision()`), so that two saves of one version cannot
    both pass the check. On SQLite, which has no row locks, the transaction's write lock
    (taken when it begins: `transaction_mode` IMMEDIATE in the settings) does the same.
    """
    Article.objects.select_for_update().filter(pk=pk).exists()


def newer_revision(article, opened_at):
    """The latest revision of `article` when it is newer than version `opened_at`, else None.

    A form opened at an older version would overwrite that revision without its author
    having seen it. Race-free only under `lock_for_saving()`'s lock.
    """
    newest = revisions.latest(article.pk)
    if newest is None or opened_at == newest.number:
        return None
    return newest


def delete_article(article, user=None):
    """Delete `article`; its last content stays recoverable, as a revision naming `user`.

    The pre_delete receiver (`articles.authoring.receivers`) keeps the last revision of an
    article deleted any other way too, without a user; after this it finds that revision
    already kept and adds none.
    """
    with transaction.atomic():
        revisions.record(article, user, note="Deleted", deleted=True)
        article.delete()


# Articles: changes made to a selection, one locked article at a time.


def _locked(article):
    """`article` read again and locked until the transaction ends (None if deleted since)."""
    return Article.objects.select_for_update(of=("self",)).select_related("series").filter(pk=article.pk).first()


def change_article(article, user, change):
    """Lock `article`'s row, make `change` on the copy read under the lock, and keep a revision.

    All in one transaction. `change(current)` changes `current` and returns the revision's
    note, or None when there was nothing to change. The article passed in may have been
    loaded a while ago (an admin action loads its selection first, and saving each article
    takes time: rendering, indexing): an edit saved meanwhile must be neither overwritten by
    that copy nor missing from the revision kept here. Returns the changed article, or None
    when nothing changed or the article was deleted since.
    """
    with transaction.atomic():
        current = _locked(article)
        if current is None:
            return None
        note = change(current)
        if note is None:
            return None
        revisions.record(current, user, note=note)
        return current


def set_status(article, status, user, note):
    """Give `article` `status` (a revision with `note`); False when it had it already."""

    def change(current):
        if current.status == status:
            return None
        current.status = status
        if status == Article.Status.PUBLISHED:  # out of the review queue, if it was there
            current.review, current.review_note = Article.Review.NONE, ""
        current.save()
        return note

    return change_article(article, user, change) is not None


def publish(article, user=None):
    return set_status(article, Article.Status.PUBLISHED, user, note="Published")


def unpublish(article, user=None):
    """Back to draft."""
    return set_status(article, Article.Status.DRAFT, user, note="Unpublished")


class TooManyTags(ValueError):
    """The article has `limits.MAX_TAGS` tags already: the form's cap holds for actions too."""

    def __init__(self, article):
        super().__init__(_("“%(title)s” has %(max)d tags already.") % {"title": article.title, "max": limits.MAX_TAGS})
        self.article = article


def add_tag(article, name, user=None, drafts_only=False):
    """Tag `article` with `name` (a revision notes it); raises TooManyTags when it is full.

    With `drafts_only` (an Author's action) an article published since it was selected is
    left alone: its changes wait for review, made in its form.
    """

    def change(current):
        if drafts_only and current.status == Article.Status.PUBLISHED:
            return None
        names = list(current.tags.names())
        if fold_name(name) not in {fold_name(n) for n in names} and len(names) >= limits.MAX_TAGS:
            raise TooManyTags(current)
        current.tags.add(name)
        return f"Tag added: {name}"

    change_article(article, user, change)


def remove_tag(article, tag, user=None, drafts_only=False):
    """Take `tag` off `article` (a revision notes it); False when it did not have it
    (or, with `drafts_only`, when it is published now)."""

    def change(current):
        if drafts_only and current.status == Article.Status.PUBLISHED:
            return None
        if not current.tags.filter(pk=tag.pk).exists():
            return None
        current.tags.remove(tag)
        return f"Tag removed: {tag.name}"

    return change_article(article, user, change) is not None


# Articles: their history.


def _apply(article, revision, status=None, published_at=None):
    """Give `article` the text of `revision`: title, body, summary, series and order, tags.

    The status and publication date change only when given.
    """
    article.title = revision.title
    article.body = revision.body
    article.summary = revision.summary
    if status is not None:
        article.status = status
        article.published_at = published_at
    article.series = Series.objects.get_or_create(title=revision.series)[0] if revision.series else None
    article.series_order = revision.series_order
    article.save()
    article.tags.set(revision.tags)


@transaction.atomic
def restore(revision, user=None, may_publish=True, with_state=False):
    """Make the article's text that of `revision`; the restore is a new revision (None if unchanged).

    Restore restores the text: title, body, summary, tags, series and order. The article's
    status and publication date stay as they are, unless `with_state` (an editor's choice)
    brings back the revision's too. An Author's restore of a published article changes
    nothing yet: it is a pending revision, submitted for review (`review.propose()`). A
    revision that cannot be rendered under today's limits raises
    `markup.rendering.RenderError` and nothing changes.
    """
    article = revision.article
    if not may_publish and article.status == Article.Status.PUBLISHED:
        # An Author's restore of a published article waits for an Editor, as their edits do.
        content = {**revision.content(), "status": article.status}
        render_article(revision.body, revision.summary)  # refused now, not when an Editor publishes it
        return review.propose(article, content, user, note=f"Restored revision {revision.number}")
    if with_state and may_publish:
        _apply(article, revision, revision.status, revision.published_at)
    else:
        _apply(article, revision)
    return revisions.record(article, user, note=f"Restored revision {revision.number}")


@transaction.atomic
def recover(revision, user=None, may_publish=True):
    """Recreate a deleted article from its last revision; its history comes back with it.

    Without `may_publish` (an author), it comes back as a draft.
    """
    old_key = revision.article_key
    slug = revision.slug
    if Article.objects.filter(slug=slug).exists():  # taken since the deletion
        slug = unique_slug(Article.objects.all(), slug)
    article = Article(slug=slug, author_id=revision.author_id)
    if may_publish:
        _apply(article, revision, revision.status, revision.published_at)
    else:
        _apply(article, revision, article.Status.DRAFT, revision.published_at)
    # Revision numbers continue where the deleted article's history stopped.
    revisions.Revision.objects.filter(article_key=old_key).update(
        article=article, article_key=article.pk, deleted=False
    )
    revisions.record(article, user, note=f"Recovered after deletion (revision {revision.number})")
    return article


# Tags: rename and merge, with permanent redirects from the old addresses. A tag's address is
# `/tags/<slug>/`; when a rename changes the slug, or a merge removes a tag, a `TagRedirect`
# remembers the old slug and the tag page answers it with a 301 (`redirected_path()`).
# Both answer at once, however many articles carry the tag: what pages show (names,
# addresses, listings) changes with the transaction, for every page at once (the page cache
# ends them all); the articles' search entries, which hold the tag names, are written again
# afterwards, outside the request (`reindexing.py`).


class TagConflict(ValueError):
    """A rename or merge that cannot be done as asked; the message says what to do instead."""


def _remember(old_slug, tag):
    if old_slug != tag.slug:
        TagRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})
    # The tag's own slug is a real address again, not a redirect.
    TagRedirect.objects.filter(old_slug=tag.slug).delete()


@transaction.atomic
def rename_tag(tag, new_name):
    """Give `tag` a new name and the slug made from it; the old address redirects."""
    name = clean_name(new_name)[: limits.MAX_TAG_LENGTH]
    if not name:
        raise TagConflict(_("A tag needs a name."))
    if Tag.objects.filter(name__iexact=name).exclude(pk=tag.pk).exists():
        raise TagConflict(_("A tag named “%(name)s” already exists: merge the two tags instead.") % {"name": name})
    old_slug = tag.slug
    slug = tag.slugify(name)
    n = 1
    while Tag.objects.filter(slug=slug).exclude(pk=tag.pk).exists():
        n += 1
        slug = tag.slugify(name, n)
    tag.name, tag.slug = name, slug
    # An update, not save(): the search receiver of a tag's save would write every entry now.
    Tag.objects.filter(pk=tag.pk).update(name=name, slug=slug)
    pagecache.end_generation()  # the update sends no signal; every page may show the name
    reindexing.queue(TaggedArticle.objects.filter(tag=tag).values_list("content_object_id", flat=True))
    _remember(old_slug, tag)
    return tag


@transaction.atomic
def merge_tags(sources, target):
    """Move every article of `sources` to `target`, delete them; their addresses redirect to it."""
    moved = set()
    for source in sources:
        if source.pk == target.pk:
            continue
        items = TaggedArticle.objects.filter(tag=source)
        moved |= set(items.values_list("content_object_id", flat=True))
        already = TaggedArticle.objects.filter(tag=target).values("content_object_id")
        items.filter(content_object_id__in=already).delete()
        items.update(tag=target)
        TagRedirect.objects.filter(tag=source).update(tag=target)
        TagRedirect.objects.update_or_create(old_slug=source.slug, defaults={"tag": target})
        source.delete()
    TagRedirect.objects.filter(old_slug=target.slug).delete()
    pagecache.end_generation()  # the links moved by update(), which sends no signal
    reindexing.queue(moved)
    return len(moved)
