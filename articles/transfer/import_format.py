"""The Markdown import format (the README's "Writing" section): YAML front matter, then the body.

`parse_article()` is pure: text in, a validated `ArticleSource` out, or `BadFile` with a
reason a person can act on; `read_article()` reads a file first (size, encoding). No
database here: the importer (`importer.py`) runs these in worker processes.
"""

import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.utils import timezone

from markup import limits
from markup import macros as tex_macros
from markup.slugs import SLUG_MAX_LENGTH, fold_name, slug_from_title

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ORDER = 2_147_483_647  # the largest position every database stores
KNOWN_FIELDS = {
    "title", "slug", "date", "updated", "tags", "series", "series_order", "summary", "macros", "draft", "author",
}  # fmt: skip
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
    macros: str = ""  # the article's TeX macros, one a line as the admin's field holds them
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
        macros=_macros(meta),
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


def _macros(meta):
    """`macros: {R: '\\mathbb{R}', norm: ['\\left\\lVert #1 \\right\\rVert', 1]}` as the field's lines."""
    try:
        return tex_macros.to_lines(tex_macros.read(meta.get("macros"), "'macros'"))
    except tex_macros.MacroError as error:
        raise BadFile(str(error)) from None


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
