"""Backup and restore of the whole site: a database dump, a Markdown export and the media.

A backup folder holds
- `database.json`: every row (articles, revisions, tags, series, users, groups, admin log) in
  the JSON `dumpdata` writes (content types and permissions by name, times to the
  microsecond), so that `loaddata` reads it into SQLite or PostgreSQL alike; sessions are
  left out, and the search index, which is derived, is rebuilt on restore;
- `markdown/`: every article as the Markdown files `import_markdown` reads, readable and
  useful without this site;
- `media/`: a copy of MEDIA_ROOT (uploaded images).

`restore()` goes into an empty (freshly migrated) database only: it never mixes two sites.
"""

import datetime
import shutil
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from . import search_index
from .exporter import export_all
from .models import Article, Series, Tag
from .revisions import Revision

DUMP = "database.json"
EXCLUDED = {"contenttypes", "auth.permission", "sessions"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


@dataclass
class Counts:
    articles: int
    revisions: int
    users: int
    media: int

    def summary(self, verb, folder):
        return (
            f"{verb} {self.articles} articles, {self.revisions} revisions, {self.users} users "
            f"and {self.media} media files {'to' if verb == 'Backed up' else 'from'} {folder}."
        )


def _counts(media_files):
    return Counts(Article.objects.count(), Revision.objects.count(), get_user_model().objects.count(), media_files)


def _files(folder):
    return [path for path in Path(folder).rglob("*") if path.is_file()] if Path(folder).is_dir() else []


class _ExactEncoder(DjangoJSONEncoder):
    """Times to the microsecond (Django's own JSON cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


def _rows():
    """Every row to keep, models ordered so that what a row refers to is loaded before it."""
    models = [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.app_label not in EXCLUDED
        and model._meta.label_lower not in EXCLUDED
    ]
    for model in _referred_to_first(models):
        yield from model._base_manager.order_by(model._meta.pk.name).iterator()


def _referred_to_first(models):
    """`models` ordered so that every model comes after those it refers to.

    Database triggers fill columns from the rows referred to (a tag link copies its article's
    dates), so those rows must be there first; `dumpdata` orders only by natural keys.
    """
    ordered, wanted = [], set(models)

    def visit(model, path):
        if model in ordered or model in path:
            return
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model in wanted:
                visit(field.related_model, (*path, model))
        ordered.append(model)

    for model in models:
        visit(model, ())
    return ordered


def backup(folder):
    """Write a backup of the site into `folder` (created; must be empty or new)."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():  # one consistent moment for the dump and the export
        with (folder / DUMP).open("w", encoding="utf-8") as stream:
            serializers.serialize(
                "json", _rows(), stream=stream, indent=1, use_natural_foreign_keys=True, cls=_ExactEncoder
            )
        export_all(folder / "markdown")
        counts = _counts(0)
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir():
        shutil.copytree(media, folder / "media")
    counts.media = len(_files(folder / "media"))
    return counts


def restore(folder):
    """Load the backup in `folder` into this (empty, migrated) database and media folder."""
    folder = Path(folder)
    if not (folder / DUMP).is_file():
        raise BackupError(f"{folder} holds no {DUMP}: not a backup made by `manage.py backup`")
    present = {
        "articles": Article.objects.count(),
        "series": Series.objects.count(),
        "tags": Tag.objects.count(),
        "users": get_user_model().objects.count(),
    }
    if any(present.values()):
        held = ", ".join(f"{count} {name}" for name, count in present.items() if count)
        raise BackupError(f"the database is not empty ({held}): restore into a new, migrated database")
    with transaction.atomic():
        # `migrate` made the Authors and Editors groups; the backup brings its own, ids and all.
        Group.objects.all().delete()
        call_command("loaddata", str(folder / DUMP), verbosity=0, stdout=StringIO())
    search_index.reindex_all()
    media = _files(folder / "media")
    for path in media:
        target = Path(settings.MEDIA_ROOT) / path.relative_to(folder / "media")
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return _counts(len(media))
