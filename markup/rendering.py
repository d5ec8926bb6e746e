"""Markdown source to safe HTML: the one rendering pipeline of the site.

Pure functions, no ORM and no request: `render_markdown()` is called when an article
or series is saved, and views only read what it stored. `render_article()` derives every
stored field of an article at once (the importer runs it in worker processes).

Math is taken out by pymdownx.arithmatex before Markdown can touch it and reaches
MathJax byte for byte, wrapped as `<span class="arithmatex">\\(..\\)</span>` (inline)
or `<div class="arithmatex">\\[..\\]</div>` (display). Code is highlighted by Pygments
with CSS classes; the stylesheet is `static/css/pygments.css`. Then everything,
raw HTML included, passes the allowlist in `markup.sanitizer`.

Every cost is bounded (issue 12): a text over its size in `markup.limits` is refused
before any work; Python-Markdown's scans that went quadratic on unclosed syntax are
replaced (`markup.linear_markdown`); HTML nested past MAX_HTML_DEPTH is refused; and the
rendering itself runs in a forked process given `limits.RENDER_SECONDS` of CPU time
(`markup.render_budget`). Past any bound the text is refused with a RenderError saying
why, which the admin shows on the field (keeping the text), the preview shows in place of
the page and the importer reports with the file's name.
"""

import re
import threading
import xml.etree.ElementTree as etree
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from markup import cjk, limits, mathml, sanitizer
from markup.linear_markdown import LinearMarkdown
from markup.render_budget import MEMORY_BYTES, OverBudget, OverMemory, WorkerDied, within_budget
from markup.summaries import excerpt_html, reading_minutes

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


class RenderError(ValueError):
    """Markdown that is refused (too large, too slow, nested too deeply); the message says why."""


@dataclass(frozen=True)
class Rendered:
    html: str
    toc_html: str  # empty when the text has fewer than two headings
    has_math: bool


class _DemoteHeadings(Treeprocessor):
    """Shift every heading down one level when the text uses `#` (level one).

    The article title is the page's only <h1>; the author's outline is kept.
    """

    def run(self, root):
        if not any(el.tag == "h1" for el in root.iter()):
            return
        for el in root.iter():
            if el.tag in HEADINGS[:-1]:
                el.tag = HEADINGS[HEADINGS.index(el.tag) + 1]


_CJK_LINE_BREAK = re.compile(f"(?<=[{cjk.UNSPACED}])[ \\t]*\\n[ \\t]*(?=[{cjk.UNSPACED}])")


class _JoinCjkLines(Treeprocessor):
    """Drop the soft line break between two CJK characters: in Chinese it is not a space.

    Code and formulas (atomic text) keep theirs.
    """

    def run(self, root):
        for parent in root.iter():
            if parent.tag in ("pre", "code"):
                continue
            if parent.text and not isinstance(parent.text, AtomicString):
                parent.text = _CJK_LINE_BREAK.sub("", parent.text)
            for child in parent:
                if child.tail and not isinstance(child.tail, AtomicString):
                    child.tail = _CJK_LINE_BREAK.sub("", child.tail)


class _KeepMathAmpersands(Treeprocessor):
    """Write every `&` of an inline formula as `&amp;`, so that the browser hands MathJax the TeX.

    The serializer leaves `&amp;` or `&#106;` alone where it looks like an entity (authors may
    write entities in prose), and the browser would decode it: `$&lt;$` would reach MathJax
    as `\\(<\\)`. Display math is escaped in full by arithmatex already.
    """

    def run(self, root):
        for el in root.iter("span"):
            if el.get("class") == "arithmatex" and el.text and "&" in el.text:
                el.text = AtomicString(el.text.replace("&", "&amp;"))


class _InlineDisplayMath(InlineProcessor):
    """`$$x$$` inside a line of text is display math, as MathJax reads it.

    arithmatex takes `$$` only on lines of their own; inside a line its `$x$` rule would
    read `$$a$$ and $b$` as `$` + `$a$` + `$ and $` + `b$`. The TeX is kept byte for byte.
    """

    PATTERN = r"(?<![\\$])\$\$(?!\$)((?:\\.|[^\\$\x02\x03])+?)\$\$"
    # What precedes a match: escapes, then the dollars left unmatched so far.
    _DOLLARS = re.compile(r"\\.|\$", re.S)
    _PLACEHOLDER = re.compile(r"\x02[^\x02\x03$\\]*\x03")

    def __init__(self, pattern, md=None):
        super().__init__(pattern, md)
        # Counting the dollars before each match from the start of the text made a line of
        # many `$$a$$` quadratic. Remembered instead: ("scan", text, position, dollars) for
        # the text being searched, or ("after", prefix, tail) for the text Markdown makes of
        # it once a match is replaced by its placeholder (which holds no dollar).
        self._memo = None

    def _dollars_before(self, data, end):
        start, dollars, memo = 0, 0, self._memo
        if memo and memo[0] == "scan" and memo[1] is data and memo[2] <= end:
            start, dollars = memo[2], memo[3]
        elif memo and memo[0] == "after" and data.startswith(memo[1]) and data.endswith(memo[2]):
            resume = len(data) - len(memo[2])
            if self._PLACEHOLDER.fullmatch(data, len(memo[1]), resume) and resume <= end:
                start = resume  # the dollars before the replaced match were even
        dollars += sum(token == "$" for token in self._DOLLARS.findall(data, start, end))
        self._memo = ("scan", data, end, dollars)
        return dollars

    def handleMatch(self, m, data):
        # `$a$$b$$c$` is three inline formulas to MathJax: a `$$` that closes an open `$x`
        # and opens the next `$` is not display math.
        if self._dollars_before(data, m.start(0)) % 2:
            return None, None, None
        self._memo = ("after", data[: m.start(0)], data[m.end(0) :])
        element = etree.Element("span", {"class": "arithmatex"})
        element.text = AtomicString("\\[" + m.group(1) + "\\]")
        return element, m.start(0), m.end(0)


class _PipelineExtension(Extension):
    """This site's own adjustments of the parsed tree."""

    def extendMarkdown(self, md):
        # Before arithmatex's inline `$..$` (priority 189.9).
        md.inlinePatterns.register(_InlineDisplayMath(_InlineDisplayMath.PATTERN, md), "inline_display_math", 190)
        # Above the table of contents (priority 5), so its levels and ids see the result.
        md.treeprocessors.register(_DemoteHeadings(md), "demote_headings", 7)
        # After inline parsing (priority 20), when text nodes hold the final prose.
        md.treeprocessors.register(_JoinCjkLines(md), "join_cjk_lines", 8)
        md.treeprocessors.register(_KeepMathAmpersands(md), "keep_math_ampersands", 9)


EXTENSIONS = [
    "pymdownx.arithmatex",
    # Emphasis by pymdownx's delimiter parser: Markdown's own drops the text after `*a**b*`.
    "pymdownx.betterem",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.tasklist",
    "pymdownx.tilde",
    "tables",
    "footnotes",
    "admonition",
    "sane_lists",
    "toc",
    _PipelineExtension(),
    # Last: it replaces processors the ones above registered.
    LinearMarkdown(),
]

EXTENSION_CONFIGS = {
    # smart_dollar off: `$x $` is math, as MathJax itself reads it; a literal dollar is `\\$`.
    "pymdownx.arithmatex": {"generic": True, "smart_dollar": False},
    "pymdownx.highlight": {
        "use_pygments": True,
        "css_class": "highlight",
        "guess_lang": False,
        "pygments_lang_class": True,
    },
    # The sanitiser removes `style`, so column alignment travels as `align`.
    "tables": {"use_align_attribute": True},
    # slugify_unicode keeps Chinese: `## 卷积` gets id="卷积", not "_1".
    "toc": {"slugify": slugify_unicode, "toc_depth": "2-4"},
    "footnotes": {"BACKLINK_TITLE": "Back to reference %d"},
}

_local = threading.local()


def _markdown():
    # A Markdown instance is reusable after reset() but not thread-safe: one per thread.
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    return md.reset()


def _count_toc_entries(tokens):
    return sum(1 + _count_toc_entries(token["children"]) for token in tokens)


# Python-Markdown recurses once per level of nesting: refuse what would exhaust the stack
# before spending seconds finding out. Real articles stay far below these.
_TOO_DEEP = re.compile(r"^[ \t>]{200,}\S|[*_]{200,}|\[{50,}", re.M)
_TOO_DEEP_MESSAGE = "The Markdown is nested too deeply to render; flatten the deepest lists or quotes."


def contains_math(html):
    """True when `html` (rendered here, or an excerpt of it) holds a formula for MathJax."""
    return 'class="arithmatex"' in html


# HTML parsers (html5ever in nh3 as much as html5lib) look through every open element for
# each tag, so the cost of raw HTML grows with its depth times its length: `<div>` * 50000
# took half a minute. Elements that close themselves (p, li, td...) do not nest.
MAX_HTML_DEPTH = 500
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
_NOT_NESTING = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup",
        "thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp",
    }
)  # fmt: skip


def _html_depth(html):
    """About how deeply the elements of `html` nest (unclosed ones included)."""
    depth = deepest = 0
    for match in _HTML_TAG.finditer(html):
        closing, name, _ = match.groups()
        # A `/>` closes nothing in HTML (`<div/>` opens a div): only void elements stay empty.
        if name.lower() in _NOT_NESTING:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def _render_markdown(source):
    if _TOO_DEEP.search(source or ""):
        raise RenderError(_TOO_DEEP_MESSAGE)
    md = _markdown()
    try:
        raw = md.convert(source or "")
    except RecursionError:
        _local.md = None  # a failed conversion can leave the instance half-reset
        raise RenderError(_TOO_DEEP_MESSAGE) from None
    if _html_depth(raw) > MAX_HTML_DEPTH:
        raise RenderError(
            f"The HTML in this text nests more than {MAX_HTML_DEPTH} elements deep (unclosed tags "
            "such as <div> or <span>, say); close them or remove them."
        )
    html = sanitizer.clean(raw)
    toc_html = sanitizer.clean(md.toc) if _count_toc_entries(md.toc_tokens) >= 2 else ""
    return Rendered(html=html, toc_html=toc_html, has_math=contains_math(html))


# The largest text each field may hold; a text of another kind (a series description)
# is held to the body's.
_SIZE_LIMITS = {"summary": limits.MAX_SUMMARY_BYTES}


def _check_size(field, source, limit=None):
    if _TOO_DEEP.search(source or ""):  # the more useful message when both apply
        raise RenderError(_TOO_DEEP_MESSAGE)
    try:
        limits.check_text_size(field, source, limit or _SIZE_LIMITS.get(field, limits.MAX_BODY_BYTES))
    except limits.LimitExceeded as error:
        raise RenderError(str(error)) from None


# Texts this small render in a few milliseconds whatever they hold, less than a fork
# costs (tests/markup/test_render_limits.py fuzzes them): they render in the process.
IN_PROCESS_BYTES = 2048


def _in_budget(func, *args):
    """`func(*args)` in a process of its own, refused past limits.RENDER_SECONDS."""
    if sum(len(text) for text in args) * 4 <= IN_PROCESS_BYTES:  # at most 4 bytes a character
        return func(*args)
    _markdown()  # built here once, so that every forked child inherits it ready
    try:
        return within_budget(limits.RENDER_SECONDS, func, *args)
    except OverMemory:
        raise RenderError(
            f"This text needs more than {MEMORY_BYTES >> 20:,} MB of memory to render, the most the site "
            "allows: remove long runs of repeated syntax, or split the text."
        ) from None
    except OverBudget:
        raise RenderError(
            f"This text takes longer than {limits.RENDER_SECONDS:g} s to render, the most the site allows. "
            "Long runs of repeated Markdown or HTML syntax (unclosed “[”, “(” or “<”, say) are the usual "
            "cause: remove them, or split the text."
        ) from None
    except WorkerDied as error:
        raise RenderError(f"This text could not be rendered: {error}.") from None


def render_markdown(source, field="body"):
    """Render Markdown `source` to sanitised HTML, its table of contents and a math flag.

    `field` names the text in a refusal and picks its size limit ("body", "summary",
    "description"...). Raises RenderError when the text is over its size, too slow to
    render or nested too deeply.
    """
    _check_size(field, source)
    return _in_budget(_render_markdown, source)


@dataclass(frozen=True)
class ArticleHtml:
    """Every field an article derives from its Markdown, and the body and summary it was made from."""

    body: str
    summary: str
    body_html: str
    feed_html: str  # body_html for feed readers, which run no MathJax: formulas as MathML
    toc_html: str
    excerpt: str
    has_math: bool
    reading_minutes: int

    def made_from(self, body, summary):
        return self.body == body and self.summary == summary


def render_article(body, summary=""):
    """The derived fields of an article with this Markdown `body` and `summary`.

    Raises RenderError when the body is over its size, either is nested too deeply, or the
    whole takes longer than limits.RENDER_SECONDS. The summary's own, smaller cap is checked
    where a summary is taken in (`render_markdown(summary, field="summary")` in the form's
    check, limits.check_summary in the importer): refused here, at save time, it would be an
    error the form never showed.
    """
    _check_size("body", body)
    _check_size("summary", summary, limits.MAX_BODY_BYTES)  # the largest any text may be
    return _in_budget(_render_article, body, summary)


def _render_article(body, summary):
    rendered = _render_markdown(body)
    if summary.strip():
        excerpt = excerpt_html(_render_markdown(summary).html, limit=False)
    else:
        excerpt = excerpt_html(rendered.html)
    return ArticleHtml(
        body=body,
        summary=summary,
        body_html=rendered.html,
        feed_html=mathml.feed_html(rendered.html),
        toc_html=rendered.toc_html,
        excerpt=excerpt,
        has_math=rendered.has_math,
        reading_minutes=reading_minutes(rendered.html),
    )
