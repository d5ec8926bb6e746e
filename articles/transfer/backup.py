"""Backup and restore of the whole site: a database dump, a Markdown export and the media.

A backup folder holds
- `database.json`: every row (articles, revisions, tags, series, users, groups, admin log) in
  the JSON `dumpdata` writes (content types and permissions by name, times to the
  microsecond), so that `loaddata` reads it into SQLite or PostgreSQL alike; sessions are
  left out, and the search index, which is derived, is rebuilt on restore;
- `markdown/`: every article as the Markdown files `import_markdown` reads, readable and
  useful without this site;
- `media/`: a copy of MEDIA_ROOT (uploaded images).

The dump and the Markdown are read in one snapshot of the database (`one_snapshot()`), so a
backup taken while authors save is the site at one moment. The backup is built in a hidden
folder next to its destination that only its owner can open (it holds password hashes) and
renamed into place once complete and checked: a failed backup leaves nothing that looks like
a backup.

`restore()` goes into an empty (freshly migrated) database only: it never mixes two sites.
It checks the dump (well formed, every reference held, every date in range) before loading
anything, and loads it in one transaction, so a refused restore leaves the database empty.
"""

import datetime as dt
import json
import os
import shutil
import tempfile
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction

from articles.models import Article, Series, Tag
from articles.search import index as search_index
from articles.transfer.exporter import ExportError, export_all
from markup import limits

DUMP = "database.json"
EXCLUDED = {"contenttypes", "auth.permission", "sessions"}
# A backup holds password hashes: only its owner may read it.
FOLDER_MODE = 0o700
FILE_MODE = 0o600


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, on one line."""


def one_line(error):
    """`error` as one readable line: PostgreSQL's multi-line messages joined, the failing row's
    full contents (which can be a whole article) left out."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    lines = [line for line in str(error).splitlines() if not line.strip().startswith("DETAIL:  Failing row contains")]
    text = " ".join(" ".join(lines).split())
    return text if len(text) <= 600 else text[:600] + "…"


@dataclass
class Counts:
    articles: int
    revisions: int
    users: int
    media: int

    @classmethod
    def of(cls, held, media):
        """The counts of a dump, from what it holds (`held`: rows by model label)."""
        return cls(held["articles.article"], held["articles.revision"], held[get_user_model()._meta.label_lower], media)

    def summary(self, verb, folder):
        return (
            f"{verb} {self.articles} articles, {self.revisions} revisions, {self.users} users "
            f"and {self.media} media files {'to' if verb == 'Backed up' else 'from'} {folder}."
        )


def _files(folder):
    return [path for path in Path(folder).rglob("*") if path.is_file()] if Path(folder).is_dir() else []


class _ExactEncoder(DjangoJSONEncoder):
    """Times to the microsecond (Django's own JSON cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, dt.datetime):
            return o.isoformat()
        return super().default(o)


def _dumped_models():
    """The models a backup holds, ordered so that what a row refers to is loaded before it."""
    models_ = [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.app_label not in EXCLUDED
        and model._meta.label_lower not in EXCLUDED
    ]
    return _referred_to_first(models_)


def _rows():
    """Every row to keep, model after model; a row that cannot be read is named by its model."""
    for model in _dumped_models():
        last = None
        try:
            # The documented base manager: every row, whatever a default manager would filter out.
            for row in model._base_manager.order_by(model._meta.pk.name).iterator():
                last = row.pk
                yield row
        except (DatabaseError, ValueError, OverflowError) as error:
            where = f"after pk={last}" if last is not None else "at its first row"
            raise BackupError(f"cannot read {model._meta.label_lower} {where}: {one_line(error)}") from error


def _referred_to_first(models_):
    """`models_` ordered so that every model comes after those it refers to.

    Database triggers fill columns from the rows referred to (a tag link copies its article's
    dates), so those rows must be there first; `dumpdata` orders only by natural keys.
    """
    ordered, wanted = [], set(models_)

    def visit(model, path):
        if model in ordered or model in path:
            return
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model in wanted:
                visit(field.related_model, (*path, model))
        ordered.append(model)

    for model in models_:
        visit(model, ())
    return ordered


@contextmanager
def one_snapshot():
    """Every read inside sees the database at one moment, while others go on writing.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction (READ COMMITTED, the default, takes a
    new snapshot for every statement: a dump read model after model then held tags and
    revisions of articles created after the articles were read). SQLite: one deferred read
    transaction, which is a snapshot by itself (in WAL mode writers go on meanwhile; with a
    rollback journal their commits wait for it, up to the busy timeout).
    """
    if connection.in_atomic_block:
        # An enclosing transaction has its own isolation level and may have read already.
        raise BackupError("a backup needs a transaction of its own; run it outside any transaction")
    if connection.vendor != "sqlite":
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # atomic() would begin with the configured transaction_mode: IMMEDIATE takes the write
    # lock and would stop every save for the whole backup. No public API begins a deferred
    # transaction, so this read-only one is begun and ended by hand, in autocommit mode.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA query_only = ON")
        cursor.execute("BEGIN DEFERRED")
        try:
            cursor.execute("SELECT count(*) FROM sqlite_master")  # the snapshot starts here
            yield
        finally:
            # sqlite3's own flag, on the DB-API connection: Django's (`in_atomic_block`) knows
            # nothing of a transaction begun by hand, and no public API reports one.
            if connection.connection.in_transaction:
                cursor.execute("ROLLBACK")
            cursor.execute("PRAGMA query_only = OFF")


def _owner_only(folder):
    for root, _folders, files in os.walk(folder):
        os.chmod(root, FOLDER_MODE)
        for name in files:
            os.chmod(os.path.join(root, name), FILE_MODE)


def _write_dump(path):
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), "w", encoding="utf-8") as stream:
        serializers.serialize(
            "json", _rows(), stream=stream, indent=1, use_natural_foreign_keys=True, cls=_ExactEncoder
        )


def backup(folder):
    """Write a backup of the site into `folder` (created; must be empty or new); return its counts.

    The counts are those of the dump as written (read back from the file and checked), not a
    count of the database afterwards.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"{folder} is a file: back up into a new folder")
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder")
    new = not folder.exists()
    if new:
        folder.parent.mkdir(parents=True, exist_ok=True)
    # mkdtemp makes the folder 0700: nothing in it is readable by others while it is written.
    # An existing (empty) folder may be a mount point: the backup is built inside it instead.
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent if new else folder))
    try:
        with one_snapshot():
            _write_dump(work / f"{DUMP}.partial")
            try:
                export_all(work / "markdown")
            except ExportError as error:
                raise BackupError(str(error)) from error
        media = Path(settings.MEDIA_ROOT)
        if media.is_dir():
            shutil.copytree(media, work / "media")
        held = check_dump(work / f"{DUMP}.partial", name=DUMP)
        _owner_only(work)
        if new:
            os.rename(work / f"{DUMP}.partial", work / DUMP)
            os.rename(work, folder)  # the backup appears whole, or not at all
        else:
            with suppress(PermissionError):  # a mount point of root's: what it holds is 0600/0700
                os.chmod(folder, FOLDER_MODE)
            for name in ("markdown", "media"):
                if (work / name).exists():
                    os.rename(work / name, folder / name)
            os.rename(work / f"{DUMP}.partial", folder / DUMP)  # last: what marks a backup complete
            os.rmdir(work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        if not new:
            for name in ("markdown", "media"):
                shutil.rmtree(folder / name, ignore_errors=True)
        raise
    return Counts.of(held, len(_files(folder / "media")))


def _read_dump(path, name):
    try:
        with open(path, encoding="utf-8") as stream:
            rows = json.load(stream)
    except UnicodeDecodeError as error:
        raise BackupError(f"{name} is not UTF-8 text ({error.reason} at byte {error.start}): not a backup") from None
    except json.JSONDecodeError as error:
        raise BackupError(
            f"{name} is damaged: {error.msg} at line {error.lineno}, column {error.colno} (a cut-off or edited file?)"
        ) from None
    if not isinstance(rows, list) or not all(
        isinstance(row, dict) and isinstance(row.get("model"), str) and isinstance(row.get("fields"), dict)
        for row in rows
    ):
        raise BackupError(f"{name} is JSON but not a database dump (a list of rows with model and fields)")
    return rows


def _natural_key(model, row):
    """The natural key of a dumped row, built from its own fields (User: username; Tag: name)."""
    local = {}
    for name, value in row["fields"].items():
        field = model._meta.get_field(name)
        if not field.is_relation:
            local[field.attname] = value
    return tuple(model(pk=row.get("pk"), **local).natural_key())


def _check_date(name, label, row, field, value):
    where = f"{name}: {label} pk={row.get('pk')}, field {field.name}"
    try:
        moment = field.to_python(value)
    except ValidationError as error:
        raise BackupError(f"{where}: {' '.join(error.messages)}") from None
    except (TypeError, ValueError):
        raise BackupError(f"{where}: {value!r} is not a date") from None
    if moment is None:
        return
    if isinstance(moment, dt.datetime) and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if label.startswith("articles."):
        # The bounds every article date is checked against (and the database's CHECKs).
        try:
            limits.check_date(field.name, moment)
        except limits.LimitExceeded as error:
            raise BackupError(f"{where}: {error}") from None
    elif isinstance(moment, dt.datetime):
        try:
            moment.astimezone(dt.UTC)
        except OverflowError:
            raise BackupError(f"{where}: the date {value} cannot be stored") from None


def check_dump(path, name=DUMP):
    """Read the dump at `path`; return its rows counted by model, or raise BackupError naming the row.

    Checked: the file is a dump, of models this site has, with fields they have; every
    reference to a row of a dumped model is to a row the dump holds; dates are in range.
    """
    rows = _read_dump(path, name)
    dumped = {model._meta.label_lower for model in _dumped_models()}
    held, pks, keys = Counter(), {}, {}
    for row in rows:
        label = row["model"].lower()
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            raise BackupError(f"{name} holds rows of {row['model']!r}, which this site does not have") from None
        held[label] += 1
        pks.setdefault(label, set()).add(str(row.get("pk")))
        if hasattr(model, "natural_key"):
            with suppress(AttributeError, FieldDoesNotExist, TypeError, ValueError):
                keys.setdefault(label, set()).add(_natural_key(model, row))
    for row in rows:
        label = row["model"].lower()
        model = apps.get_model(label)
        for field_name, value in row["fields"].items():
            try:
                field = model._meta.get_field(field_name)
            except FieldDoesNotExist:
                raise BackupError(
                    f"{name}: {label} pk={row.get('pk')} has a field {field_name!r} this site does not have"
                ) from None
            if isinstance(field, models.DateTimeField | models.DateField) and value is not None:
                _check_date(name, label, row, field, value)
            if not (field.is_relation and field.concrete) or value is None:
                continue
            target = field.related_model._meta.label_lower
            by_pk = field.many_to_many or field.remote_field.field_name == field.related_model._meta.pk.name
            if target not in dumped or not by_pk:
                continue  # content types and permissions: resolved by name in the new database
            for ref in value if field.many_to_many and isinstance(value, list) else [value]:
                try:
                    found = (
                        tuple(ref) in keys.get(target, ()) if isinstance(ref, list) else str(ref) in pks.get(target, ())
                    )
                except TypeError:  # a key of lists or mappings: no row has it
                    found = False
                if not found:
                    raise BackupError(
                        f"{name}: {label} pk={row.get('pk')} refers in {field_name} to {target} {ref!r}, "
                        f"which the dump does not hold (a backup taken without one snapshot?)"
                    )
    return held


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
        count = ", ".join(f"{count} {name}" for name, count in present.items() if count)
        raise BackupError(f"the database is not empty ({count}): restore into a new, migrated database")
    held = check_dump(folder / DUMP)
    try:
        with transaction.atomic():
            # `migrate` made the Authors and Editors groups; the backup brings its own, ids and all.
            Group.objects.all().delete()
            call_command("loaddata", str(folder / DUMP), verbosity=0, stdout=StringIO())
    except (DatabaseError, ValueError, OverflowError, serializers.base.DeserializationError) as error:
        # loaddata names the row it could not load ("Could not load articles.Article(pk=3): ...").
        message = one_line(error).replace(f"Problem installing fixture '{folder / DUMP}': ", "")
        raise BackupError(f"nothing restored: {DUMP}: {message}") from error
    try:
        search_index.reindex_all()
    except Exception as error:
        raise BackupError(
            f"the rows are restored, but rebuilding the search index failed ({type(error).__name__}: "
            f"{one_line(error)}): run `manage.py reindex_search`"
        ) from error
    media = _files(folder / "media")
    try:
        for path in media:
            target = Path(settings.MEDIA_ROOT) / path.relative_to(folder / "media")
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                # copyfile, not copy2: the backup's owner-only mode must not follow the images
                # into MEDIA_ROOT, where the web server reads them.
                shutil.copyfile(path, target)
    except OSError as error:
        raise BackupError(
            f"the rows are restored, but copying the media into {settings.MEDIA_ROOT} failed "
            f"({one_line(error)}): copy {folder / 'media'} there by hand"
        ) from error
    return Counts.of(held, len(media))
