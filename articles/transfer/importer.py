"""Import Markdown files with YAML front matter (the format: `import_format.py`).

`prepare()` reads, validates and renders a file, segments its search text and lists what
the author should look at (formulas MathJax would show in red, images without alt text:
`markup.formula_check`, from the HTML just rendered), all without the database;
`import_paths()` runs it in a pool of worker processes (`jobs`) and writes each good file,
in order, in a transaction of its own (idempotent by slug; see `import_writer`), collecting
every bad one with its reason and every good one's warnings (which import it all the same).
Folders are searched for Markdown files without following links out of them.
"""

import itertools
import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connections

from articles.search import documents
from articles.transfer.import_format import ArticleSource, BadFile, read_article
from articles.transfer.import_writer import ArticleWriter
from markup import formula_check, segmentation
from markup import macros as tex_macros
from markup.rendering import ArticleHtml, RenderError, render_article
from markup.slugs import clean_name

BATCH = 8  # files handed to a worker at a time
BATCHES_AHEAD = 3  # per worker: how far the workers may run ahead of the database writes


@dataclass
class PreparedFile:
    """A file read, validated and rendered, with its search words; or why it cannot be imported."""

    source: ArticleSource | None = None
    html: ArticleHtml | None = None
    words: documents.ArticleWords | None = None
    failure: str = ""
    problems: list = field(default_factory=list)  # formula_check.Problem, in the body's order


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
        prepared.html = render_article(source.body, source.summary, tex_macros.parse_lines(source.macros))
        prepared.words = documents.article_words(clean_name(source.title), prepared.html.body_html)
        prepared.problems = formula_check.problems(source.body, prepared.html.body_html)
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


# Per file, at most this many warnings are listed; one more line counts the rest.
MAX_WARNINGS = 20


def warning_lines(problems):
    """A file's problems as lines for the operator (English, as the command's other output)."""
    lines = []
    for problem in problems[:MAX_WARNINGS]:
        if problem.kind == "image":
            lines.append(f"line {problem.line}: an image has no alt text ({problem.text or 'no address'})")
        elif problem.kind == "reference":
            lines.append(f"line {problem.line}: {problem.text} refers to no numbered equation ({problem.explained()})")
        else:
            lines.append(
                f"line {problem.line}: the formula “{problem.text}” does not parse ({problem.explained()}); "
                "imported, readers will see it in red"
            )
    if len(problems) > MAX_WARNINGS:
        lines.append(f"… and {len(problems) - MAX_WARNINGS} more")
    return lines


@dataclass
class ImportReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (path, reason)
    warnings: list = field(default_factory=list)  # (path, line of text), for files imported

    @property
    def total(self):
        return len(self.created) + len(self.updated) + len(self.failed)

    def summary(self):
        done = len(self.created) + len(self.updated)
        warned = len({path for path, _ in self.warnings})
        return (
            f"Imported {done} of {self.total} file{'s' if self.total != 1 else ''}: "
            f"{len(self.created)} created, {len(self.updated)} updated, {len(self.failed)} failed"
            + (f", {warned} with warnings." if warned else ".")
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
        report.warnings.extend((path, line) for line in warning_lines(prepared.problems))
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
