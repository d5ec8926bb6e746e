"""Import Markdown files with YAML front matter (the format the README's "Writing" describes).

`parse_article()` is pure: text in, a validated `ArticleSource` out, or `BadFile` with a
reason a person can act on. `prepare()` reads, validates and renders a file and segments
its search text, all without the database; `import_paths()` runs it in a pool of worker
processes (`jobs`) and writes each good file, in order, in a transaction of its own
(idempotent by slug; see `import_writer`), collecting every bad one with its reason.
"""

import datetime as dt
import itertools
import multiprocessing
import os
import re
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import connections
from django.utils import timezone

from articles.search import documents
from articles.transfer.import_writer import ArticleWriter
from markup import limits
from markup import words as segmentation
from markup.rendering import ArticleHtml, RenderError, render_article
from markup.slugs import SLUG_MAX_LENGTH, clean_name, fold_name, slug_from_title

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ORDER = 2_147_483_647  # the largest position every database stores
BATCH = 8  # files handed to a worker at a time
BATCHES_AHEAD = 3  # per worker: how far the workers may run ahead of the database writes
KNOWN_FIELDS = {"title", "slug", "date", "updated", "tags", "series", "series_order", "summary", "draft", "author"}
SLUG = re.compile(r"[-\w]+")
USERNAME = re.compile(r"[\w.@+-]{1,150}")


class _NoAliases:
    """Front matter has no use for YAML's aliases (`*name`), and nested ones expand a few hundred
    bytes into gigabytes of text ("billion laughs"): a file that uses one is refused."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in front matter", self.peek_event().start_mark
            )
        return super().compose_node(parent, index)


class _FrontMatterLoader(_NoAliases, yaml.SafeLoader):
    """YAML's safe loader, with dates left as text so that a bad one is reported by field."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _TextLoader(_NoAliases, yaml.SafeLoader):
    """Every scalar as the text written: YAML would read `title: Yes` as true, `1.10` as 1.1."""


_TextLoader.yaml_implicit_resolvers = {}


class BadFile(ValueError):
    """A file that cannot be imported; the message says why."""


@contextmanager
def _within_limits():
    """A bound of limits.py crossed makes a bad file, with the bound's message."""
    try:
        yield
    except limits.LimitExceeded as error:
        raise BadFile(str(error)) from None


@dataclass
class ArticleSource:
    title: str
    slug: str
    body: str
    date: dt.datetime | None = None
    updated: dt.datetime | None = None
    tags: list[str] = field(default_factory=list)
    series: str = ""
    series_order: int | None = None
    summary: str = ""
    draft: bool = False
    author: str = ""


class _Meta(dict):
    """The front matter as YAML typed it, with `written`: each scalar as its text."""

    def __init__(self, typed, written):
        super().__init__(typed)
        self.written = written


def split_front_matter(text):
    """(front matter text, body) of a file that starts with a `---` line."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise BadFile("no front matter: the file must start with a '---' line")
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() in {"---", "..."}:
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]).strip("\n") + "\n"
    raise BadFile("front matter is not closed by a '---' line")


def _text(meta, name, required=False, max_length=None):
    value = meta.get(name)
    if value is None or value == "":
        if required:
            raise BadFile(f"'{name}' is required")
        return ""
    if isinstance(value, (dict, list, set, bytes)):
        raise BadFile(f"'{name}' must be text, not a {type(value).__name__}")
    value = str(meta.written.get(name, value)).strip()
    if max_length and len(value) > max_length:
        raise BadFile(f"'{name}' is longer than {max_length} characters")
    return value


def _datetime(meta, name):
    value = meta.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # YAML reads an unquoted 10:00 as the sexagesimal number 600.
        raise BadFile(f"bad date in '{name}': {value!r} is a number (write 2025-03-01 or 2025-03-01T10:00:00+08:00)")
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise BadFile(
                f"bad date in '{name}': {str(value)[:40]!r} (use 2025-03-01 or 2025-03-01T10:00:00+08:00)"
            ) from None
    if timezone.is_naive(moment):
        try:
            moment = timezone.make_aware(moment)
        except (OverflowError, ValueError) as error:
            raise BadFile(f"bad date in '{name}': {str(value)[:40]!r} ({error})") from None
    return moment


def _check_dates(date, updated):
    """Both dates within the site's range (after conversion to UTC); `updated` not in the future.

    A future `date` schedules the article; `updated` may lie as far ahead as `date` (a
    scheduled article's update time is its publication time), no further.
    """
    with _within_limits():
        limits.check_date("'date'", date)
        latest = max(timezone.now(), date) if date else None
        limits.check_date("'updated'", updated, now=latest, future=False)


def _tags(meta):
    value = meta.get("tags")
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or any(isinstance(tag, (dict, list, set, bytes)) or tag is None for tag in value):
        raise BadFile("'tags' must be a list of names, like [LeetCode, 双指针]")
    written = meta.written.get("tags")
    if isinstance(written, list) and len(written) == len(value):
        value = written  # `[yes, 1.10]` are the tags "yes" and "1.10"
    names, seen = [], set()
    for tag in value:
        name = " ".join(str(tag).split())
        if name and fold_name(name) not in seen:  # as the tag manager and the admin compare them
            seen.add(fold_name(name))
            names.append(name)
    with _within_limits():
        limits.check_tags(names)
    return names


def parse_article(text, default_slug=""):
    """Validate one file's text; return an ArticleSource or raise BadFile."""
    front, body = split_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    with _within_limits():
        limits.check_body(body)  # before any YAML or Markdown work on it
    try:
        meta = yaml.load(front, Loader=_FrontMatterLoader)  # a SafeLoader subclass
    except (yaml.YAMLError, ValueError, RecursionError) as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise BadFile(f"bad YAML in the front matter{where}: {getattr(error, 'problem', None) or error}") from None
    if not isinstance(meta, dict):
        raise BadFile("the front matter must be 'name: value' lines")
    written = yaml.load(front, Loader=_TextLoader)  # parsed above, so it parses again
    meta = _Meta(meta, written=written if isinstance(written, dict) else {})
    unknown = sorted(str(key) for key in meta if key not in KNOWN_FIELDS)
    if unknown:
        raise BadFile(f"unknown field {', '.join(map(repr, unknown))} (known: {', '.join(sorted(KNOWN_FIELDS))})")

    title = _text(meta, "title", required=True, max_length=200)
    slug = _text(meta, "slug", max_length=SLUG_MAX_LENGTH) or slug_from_title(title, default_slug or "article")
    if not SLUG.fullmatch(slug):
        raise BadFile(f"bad slug {slug!r}: use letters, digits, '-' and '_' only")
    order = meta.get("series_order")
    if order is not None and (isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= MAX_ORDER):
        raise BadFile(f"'series_order' must be a whole number from 0 to {MAX_ORDER}, not {str(order)[:20]!r}")
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        raise BadFile(f"'draft' must be true or false, not {draft!r}")
    author = _text(meta, "author", max_length=150)
    if author and not USERNAME.fullmatch(author):
        raise BadFile(f"bad author {author!r}: a username has letters, digits and @.+-_ only")
    date, updated = _datetime(meta, "date"), _datetime(meta, "updated")
    _check_dates(date, updated)
    summary = _text(meta, "summary")
    with _within_limits():
        limits.check_summary(summary)
    return ArticleSource(
        title=title,
        slug=slug,
        body=body,
        date=date,
        updated=updated or date,
        tags=_tags(meta),
        series=_text(meta, "series", max_length=200),
        series_order=order,
        summary=summary,
        draft=draft,
        author=author,
    )


def read_article(path):
    """Read and validate the file at `path`."""
    path = Path(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BadFile(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    data = path.read_bytes()
    if b"\x00" in data:
        raise BadFile("binary data, not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadFile(f"not UTF-8 text (byte {error.start})") from None
    return parse_article(text, default_slug=slug_from_title(path.stem))


@dataclass
class PreparedFile:
    """A file read, validated and rendered, with its search words; or why it cannot be imported."""

    source: ArticleSource | None = None
    html: ArticleHtml | None = None
    words: documents.ArticleWords | None = None
    failure: str = ""


def _reason(error):
    if isinstance(error, (BadFile, RenderError)):
        return str(error)
    return f"{type(error).__name__}: {error}"


def prepare(path):
    """Everything about the file at `path` that needs no database: the costly part of an import."""
    if isinstance(path, SkippedPath):
        return PreparedFile(failure=path.reason)
    prepared = PreparedFile()
    try:
        prepared.source = source = read_article(path)
        prepared.html = render_article(source.body, source.summary)
        prepared.words = documents.article_words(clean_name(source.title), prepared.html.body_html)
    except Exception as error:  # one unreadable file must not stop the others
        prepared.failure = _reason(error)
    return prepared


@dataclass(frozen=True)
class SkippedPath:
    """A path found in a folder that is not imported, and why; reported like a bad file."""

    path: Path
    reason: str

    def __fspath__(self):
        return os.fspath(self.path)

    def __str__(self):
        return str(self.path)


def markdown_files(paths):
    """Every `.md` file named in `paths`, folders read recursively, in a stable order.

    A folder's files are imported only from inside it: a symbolic link (to a file or to a
    folder holding `.md` files) whose target lies outside the folder named is not followed
    but reported as a SkippedPath. A link to a file inside is imported, once with the file
    itself; a linked folder inside is not entered (its files are reached by their own path).
    A file named directly is read wherever it points: the operator chose it.
    """
    for path in map(Path, paths):
        if path.is_dir():
            yield from _folder_files(path)
        else:
            yield path


def _folder_files(folder):
    root = os.path.realpath(folder)

    def outside(path):
        target = os.path.realpath(path)
        return None if os.path.commonpath([root, target]) == root else target

    found, linked = [], []
    for parent, folders, files in os.walk(folder):  # a linked folder is listed, never entered
        parent = Path(parent)
        for name in folders:
            path = parent / name
            if path.is_symlink() and (target := outside(path)) and _holds_markdown(target):
                found.append(SkippedPath(path, f"symbolic link to a folder outside {folder}: not followed ({target})"))
        for name in files:
            path = parent / name
            if not name.endswith(".md"):
                continue
            if not path.is_symlink():
                found.append(path)
            elif target := outside(path):
                found.append(SkippedPath(path, f"symbolic link to a file outside {folder}: not imported ({target})"))
            elif path.is_file():
                linked.append(path)
    real = {os.path.realpath(path) for path in found if isinstance(path, Path)}
    for path in linked:
        if (target := os.path.realpath(path)) not in real:
            real.add(target)
            found.append(path)
    return sorted(found, key=lambda path: getattr(path, "path", path))


def _holds_markdown(folder, most=1000):
    """Whether `folder` (outside the import) holds a `.md` file, looking no further than the first.

    Past `most` folders without one (a link to `/`, say), it is taken to hold some: reported.
    """
    for walked, (_, _, files) in enumerate(os.walk(folder), start=1):
        if walked > most or any(name.endswith(".md") for name in files):
            return True
    return False


@dataclass
class ImportReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (path, reason)

    @property
    def total(self):
        return len(self.created) + len(self.updated) + len(self.failed)

    def summary(self):
        done = len(self.created) + len(self.updated)
        return (
            f"Imported {done} of {self.total} file{'s' if self.total != 1 else ''}: "
            f"{len(self.created)} created, {len(self.updated)} updated, {len(self.failed)} failed."
        )


def import_paths(paths, jobs=1):
    """Import every Markdown file under `paths`, one transaction per file.

    With `jobs` > 1, files are prepared in that many worker processes while this one writes.
    """
    report = ImportReport()
    seen = {}
    writer = ArticleWriter()
    for path, prepared in _prepare_all(markdown_files(paths), jobs):
        path = Path(path)
        source = prepared.source
        if source is not None and source.slug in seen:
            report.failed.append((path, f"slug {source.slug!r} is already used by {seen[source.slug]}"))
            continue
        if prepared.failure:
            report.failed.append((path, prepared.failure))
            continue
        try:
            created = writer.save(source, prepared.html, prepared.words)
        except Exception as error:  # a file the database refuses must not stop the others
            report.failed.append((path, _reason(error)))
            continue
        seen[source.slug] = path
        (report.created if created else report.updated).append((path, source.slug))
    return report


def _prepare_all(paths, jobs):
    """(path, prepare(path)) for every path, in order; with `jobs` > 1 in worker processes.

    Batches of files go to the workers at most BATCHES_AHEAD per worker ahead of the caller,
    so that memory stays flat however many files there are and however slow the writes.
    Should a worker die (killed for memory, say), the files not yet prepared are reported
    as not imported rather than waited for.
    """
    if jobs <= 1:
        for path in paths:
            yield path, prepare(path)
        return
    paths = iter(paths)
    segmentation.tokenizer()  # load jieba once, before the workers fork
    _close_connections()
    pending = deque()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_refuse_database) as pool:
        while batch := list(itertools.islice(paths, BATCH)):
            try:
                pending.append((batch, pool.submit(_prepare_batch, batch)))
            except BrokenProcessPool:
                pending.append((batch, None))
            if len(pending) > BATCHES_AHEAD * jobs:
                yield from _finished(*pending.popleft())
        while pending:
            yield from _finished(*pending.popleft())


def _prepare_batch(batch):
    return [prepare(path) for path in batch]


WORKER_DIED = (
    "not imported: a worker process died while preparing the files (out of memory?); "
    "import them again, with --jobs 1 to find the one at fault"
)


def _finished(batch, job):
    """The batch's results; failures for its files if its worker (or one before it) died."""
    if job is not None:
        try:
            return zip(batch, job.result(), strict=True)
        except BrokenProcessPool:
            pass
    return ((path, PreparedFile(failure=WORKER_DIED)) for path in batch)


def _close_connections():
    """Close this process's database connections, so that the workers inherit none open.

    A forked child that used or closed its parent's connection would break it. A connection
    inside a transaction (a test's) cannot be closed; then the workers still never touch it.
    """
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def _refuse_database():
    """Runs in each worker: a query fails (and is reported for its file) instead of reaching a database."""

    def refuse(*args, **kwargs):
        raise RuntimeError("an import worker may not use the database")

    for connection in connections.all():
        connection.connect = refuse
        connection.execute_wrappers.append(refuse)
