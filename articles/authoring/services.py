"""What authors and editors do to articles and tags: each rule written once, as a plain function.

The admin (`articles.authoring.admin`, `articles.authoring.history`), management commands
and tests call these; none takes a request, and none checks permissions (the caller knows
who may do what: `articles.authoring.permissions`). Every change of an article's content
keeps a revision (`articles.models.revisions.record`) in the same transaction as the
change: the change and its revision, or neither (the README's "Writing" section).
"""

from django.db import transaction

from articles.models import Article, Series, Tag, TaggedArticle, TagRedirect, revisions
from articles.models.slugs import unique_slug
from articles.search import index as search_index
from markup import limits
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
        super().__init__(f"“{article.title}” has {limits.MAX_TAGS} tags already.")
        self.article = article


def add_tag(article, name, user=None):
    """Tag `article` with `name` (a revision notes it); raises TooManyTags when it is full."""

    def change(current):
        names = list(current.tags.names())
        if fold_name(name) not in {fold_name(n) for n in names} and len(names) >= limits.MAX_TAGS:
            raise TooManyTags(current)
        current.tags.add(name)
        return f"Tag added: {name}"

    change_article(article, user, change)


def remove_tag(article, tag, user=None):
    """Take `tag` off `article` (a revision notes it); False when it did not have it."""

    def change(current):
        if not current.tags.filter(pk=tag.pk).exists():
            return None
        current.tags.remove(tag)
        return f"Tag removed: {tag.name}"

    return change_article(article, user, change) is not None


# Articles: their history.


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

    Without `may_publish` (an author), the article keeps its current status. A revision
    that cannot be rendered under today's limits raises `markup.rendering.RenderError`
    and nothing changes.
    """
    article = revision.article
    _apply(article, revision, revision.status if may_publish else article.status)
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
    article = Article(slug=slug, author_id=revision.author_id, published_at=revision.published_at)
    _apply(article, revision, revision.status if may_publish else article.Status.DRAFT)
    # Revision numbers continue where the deleted article's history stopped.
    revisions.Revision.objects.filter(article_key=old_key).update(
        article=article, article_key=article.pk, deleted=False
    )
    revisions.record(article, user, note=f"Recovered after deletion (revision {revision.number})")
    return article


# Tags: rename and merge, with permanent redirects from the old addresses. A tag's address is
# `/tags/<slug>/`; when a rename changes the slug, or a merge removes a tag, a `TagRedirect`
# remembers the old slug and the tag page answers it with a 301 (`redirected_path()`).


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
        raise TagConflict("A tag needs a name.")
    if Tag.objects.filter(name__iexact=name).exclude(pk=tag.pk).exists():
        raise TagConflict(f"A tag named “{name}” already exists: merge the two tags instead.")
    old_slug = tag.slug
    slug = tag.slugify(name)
    n = 1
    while Tag.objects.filter(slug=slug).exclude(pk=tag.pk).exists():
        n += 1
        slug = tag.slugify(name, n)
    tag.name, tag.slug = name, slug
    tag.save()  # the tag's post_save receiver re-indexes its articles
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
    search_index.reindex(moved)
    return len(moved)
