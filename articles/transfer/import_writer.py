"""The importer's database writes: one article per transaction, in a handful of queries.

One process writes every imported article (see `importer.import_paths()`), so its queries
per article bound the whole import. `ArticleWriter` keeps, for one run, the tags, series and
authors it has seen, and links an article's tags in a few statements instead of taggit's
lookup, savepoint, insert and release per tag, with the same result as `article.tags.set()`:
the same tags (names compared case-insensitively, created by `Tag.save()` with its slugs),
the same links. What taggit's `m2m_changed` signals would reach is called directly: the
search index entry is written once, with the final tags (`index.indexed_once()`), and the
page cache is told (`pagecache.end_generation()`).
"""

import operator
from functools import reduce

from django.contrib.auth import get_user_model
from django.db import router, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from articles import pagecache
from articles.models import Article, Series, Tag, TaggedArticle, remember_tags, revisions
from articles.search import index as search_index
from markup.slugs import tag_names


class ArticleWriter:
    """Writes imported articles; remembers the run's tags, series and authors by name.

    What a file's transaction creates is remembered only once that transaction commits: a
    rolled-back file must not leave the next one a tag, series or author that is not there.
    """

    def __init__(self):
        self.tags, self.series, self.users = {}, {}, {}
        self._new = None

    def save(self, source, html=None, words=None):
        """Create or update the article with `source.slug`, in a transaction. True when created."""
        self._new = {"tags": {}, "series": {}, "users": {}}
        with transaction.atomic():
            created = self._save(source, html, words)
        for kind, found in self._new.items():
            getattr(self, kind).update(found)
        return created

    def _save(self, source, html, words):
        article = Article.objects.filter(slug=source.slug).first()
        created = article is None
        if created:
            article = Article(slug=source.slug)
        article.title = source.title
        article.body = source.body
        article.summary = source.summary
        article.macros = source.macros
        article.status = Article.Status.DRAFT if source.draft else Article.Status.PUBLISHED
        self._set_dates(article, source, created)
        article.series = self._series(source.series) if source.series else None
        article.series_order = source.series_order
        if source.author:
            article.author = self._user(source.author)
        article.use_rendered(html)
        # The file's transaction holds the row and its index entry, and the slug is the file's:
        # Article.save() needs no savepoint of its own.
        with search_index.indexed_once(article, words):
            # touch=False: the dates are the file's (or kept), never the time of the import.
            article.save(savepoint=False, touch=False)
            self._set_tags(article, self._tags(source.tags), created)
        revisions.record(article, note="Imported")
        return created

    @staticmethod
    def _set_dates(article, source, created):
        """The file's dates (`updated` is `date` when absent: `import_format`); what it leaves out.

        A file without dates keeps the article's when it is imported again; a new article
        without them gets the time of its import, there being nothing else. A new article
        with only `updated` is taken to have been published then (a published one only), so
        that its update time is the file's rather than raised to the import's.
        """
        if source.date:
            article.published_at = source.date
        elif created and source.updated and not source.draft:
            article.published_at = source.updated
        if source.updated:
            article.updated_at = source.updated
        elif created:
            article.updated_at = article.published_at or timezone.now()
            if not source.draft and article.published_at is None:
                article.published_at = article.updated_at

    def _remembered(self, kind, key):
        return self._new[kind].get(key) or getattr(self, kind).get(key)

    def _series(self, title):
        series = self._remembered("series", title)
        if series is None:
            series = self._new["series"][title] = Series.objects.get_or_create(title=title)[0]
        return series

    def _user(self, username):
        user = self._remembered("users", username)
        if user is None:
            User = get_user_model()
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, is_active=False)
                user.set_unusable_password()
                user.save()
            self._new["users"][username] = user
        return user

    def _tags(self, names):
        """The Tag of each name (found case-insensitively, or created), without repeats."""
        names = tag_names(names)
        unknown = [name for name in names if self._remembered("tags", name) is None]
        if unknown:
            # One query for them all; taggit asks once per name. As its get() would, the
            # oldest of several case variants wins.
            match = Case(*(When(name__iexact=name, then=Value(i)) for i, name in enumerate(unknown)))
            found = Tag.objects.filter(reduce(operator.or_, (Q(name__iexact=name) for name in unknown)))
            for tag in found.annotate(match=match).order_by("pk"):
                self._new["tags"].setdefault(unknown[tag.match], tag)
            for name in unknown:
                if name not in self._new["tags"]:
                    self._new["tags"][name] = Tag.objects.create(name=name)  # Tag.save() makes the slug
        tags = {}
        for name in names:
            tag = self._remembered("tags", name)
            tags.setdefault(tag.pk, tag)
        return list(tags.values())

    def _set_tags(self, article, tags, created):
        """Link exactly `tags` to `article`: one query to read its links, one to add, one to remove.

        Called inside `indexed_once(article)`, which indexes the article with these tags.
        """
        wanted = {tag.pk for tag in tags}
        linked = set() if created else set(article.tagged_items.values_list("tag_id", flat=True))
        if removed := linked - wanted:
            TaggedArticle.objects.filter(content_object=article, tag_id__in=removed).delete()
        if added := wanted - linked:
            # visible_from and updated_at are filled by the database's triggers.
            TaggedArticle.objects.bulk_create(TaggedArticle(content_object=article, tag_id=pk) for pk in sorted(added))
        if removed or added:
            pagecache.end_generation(using=router.db_for_write(TaggedArticle, instance=article))
        # The index and the revision read the tags from here, as after a prefetch. Id order:
        # what taggit's unordered `article.tags.all()` returns (and so what a save indexes).
        remember_tags(article, sorted(tags, key=lambda tag: tag.pk))
