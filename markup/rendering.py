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

import contextlib
import html
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
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from markup import blocks, cjk, equations, limits, macros, mathml, sanitizer
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


# The class of the span that holds an inline formula and the punctuation beside it together
# (static/css/article.css: white-space: nowrap).
NO_BREAK_CLASS = "math-nobr"


class _KeepPunctuationWithMath(Treeprocessor):
    """No line break between an inline formula and the Chinese punctuation beside it.

    `$x$。` must not leave "。" alone at the start of the next line, nor `（$x$` the "（" at the
    end of the previous one. Chromium breaks beside a typeset formula's box whatever the mark's
    own line-breaking class says (and whatever joiner stands between them), so the formula and
    its marks go into one `<span class="math-nobr">` that the stylesheet keeps on one line. The
    formula's TeX is not touched.
    """

    def run(self, root):
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "span" and child.get("class") == "arithmatex" and (child.text or "").startswith("\\("):
                    self._hold(parent, child)

    @staticmethod
    def _hold(parent, formula):
        tail = formula.tail or ""
        closing = len(tail) - len(tail.lstrip(cjk.CLOSING_PUNCTUATION))
        children = list(parent)
        index = children.index(formula)
        previous = children[index - 1] if index else None
        before = (previous.tail if previous is not None else parent.text) or ""
        opening = len(before) - len(before.rstrip(cjk.OPENING_PUNCTUATION))
        if not closing and not opening:
            return
        wrapper = etree.Element("span", {"class": NO_BREAK_CLASS})
        wrapper.text = before[len(before) - opening :] if opening else None
        if previous is not None:
            previous.tail = before[: len(before) - opening]
        else:
            parent.text = before[: len(before) - opening]
        wrapper.tail = tail[closing:]
        formula.tail = tail[:closing]
        parent.remove(formula)
        wrapper.append(formula)
        parent.insert(index, wrapper)


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


# A reference in prose waits on this attribute for its equation's number (_NumberEquations).
_REFERENCE_LABEL = "data-kb-reference"
_REFERENCE_KIND = "data-kb-reference-kind"


class _ProseReference(InlineProcessor):
    """`\\eqref{x}` or `\\ref{x}` in prose: kept as written until the equations are numbered."""

    PATTERN = equations.PROSE_REFERENCE

    def handleMatch(self, m, data):
        element = etree.Element("span", {_REFERENCE_LABEL: m.group(2), _REFERENCE_KIND: m.group(1)})
        element.text = AtomicString(m.group(0))
        return element, m.start(0), m.end(0)


def _is_formula(element):
    return element.tag in ("span", "div") and element.get("class") == "arithmatex"


class _NumberEquations(Treeprocessor):
    """Equation numbers, anchors and references, in page order (markup.equations).

    A block formula's text is HTML-escaped already (arithmatex's own escaping), an inline
    one's is not yet (_KeepMathAmpersands runs after this).
    """

    def run(self, root):
        parents = {child: parent for parent in root.iter() for child in parent}
        formulas, references, elements = [], [], []
        page_macros = macros.PageMacros(getattr(self.md, "kb_macros", None))
        for element in root.iter():
            if _is_formula(element):
                elements.append(element)
                formulas.append(self._accessors(element))
                self._expand_macros(page_macros, *formulas[-1])
            elif element.get(_REFERENCE_LABEL) is not None:
                references.append(self._reference(element))
        if not elements and not references:
            return
        numbering, labelled = equations.number_page(formulas, references)
        for element, labels in zip(elements, labelled, strict=True):
            if not labels:
                continue
            element.set("id", equations.anchor(labels[0]))
            parent = parents[element]
            position = list(parent).index(element)
            for label in reversed(labels[1:]):  # further labels of an align: anchors just before
                parent.insert(position, etree.Element("span", {"id": equations.anchor(label)}))
        for element in root.iter("span"):
            element.attrib.pop(_REFERENCE_LABEL, None)
            element.attrib.pop(_REFERENCE_KIND, None)

    @staticmethod
    def _expand_macros(page_macros, get, put):
        """The site's and the article's macros (markup.macros), before anything reads the TeX."""
        opening, tex, closing = equations.split_delimiters(get())
        expanded = page_macros.expand(tex)
        if expanded is not tex:
            put(opening + expanded + closing)

    @staticmethod
    def _accessors(element):
        if element.tag == "div":

            def get():
                return html.unescape(element.text or "")

            def put(text):
                element.text = AtomicString(_escape_display(text))

        else:

            def get():
                return element.text or ""

            def put(text):
                element.text = AtomicString(text)

        return get, put

    @staticmethod
    def _reference(element):
        def set_link(anchor, text):
            element.tag = "a"
            element.set("href", "#" + anchor)
            element.text = AtomicString(text)

        return element.get(_REFERENCE_LABEL), element.get(_REFERENCE_KIND) == "eqref", set_link


def _escape_display(text):
    """As arithmatex escapes display math."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class _PipelineExtension(Extension):
    """This site's own adjustments of the parsed tree."""

    def extendMarkdown(self, md):
        # Before arithmatex's inline `$..$` (priority 189.9).
        md.inlinePatterns.register(_InlineDisplayMath(_InlineDisplayMath.PATTERN, md), "inline_display_math", 190)
        # After backslash escapes (180): `\\\\eqref{x}` is a backslash and text.
        md.inlinePatterns.register(_ProseReference(_ProseReference.PATTERN, md), "prose_reference", 175)
        # Above the table of contents (priority 5), so its levels and ids see the result.
        md.treeprocessors.register(_DemoteHeadings(md), "demote_headings", 7)
        # After inline parsing (priority 20): every formula and reference is in the tree.
        md.treeprocessors.register(_NumberEquations(md), "number_equations", 15)
        # After inline parsing (priority 20), when text nodes hold the final prose.
        md.treeprocessors.register(_JoinCjkLines(md), "join_cjk_lines", 8)
        md.treeprocessors.register(_KeepMathAmpersands(md), "keep_math_ampersands", 9)
        md.treeprocessors.register(_KeepPunctuationWithMath(md), "keep_punctuation_with_math", 6)


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
    # `??? note "Title"`: a collapsible block (<details>), `???+` open at first.
    "pymdownx.details",
    "sane_lists",
    "toc",
    *blocks.EXTENSIONS,
    _PipelineExtension(),
    # Last: it replaces processors the ones above registered.
    LinearMarkdown(),
]

EXTENSION_CONFIGS = {
    # smart_dollar off: `$x $` is math, as MathJax itself reads it; a literal dollar is `\\$`.
    "pymdownx.arithmatex": {"generic": True, "smart_dollar": False},
    # Code blocks and fences: markup.blocks.
    **blocks.EXTENSION_CONFIGS,
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


def _render_markdown(source, article_macros=None):
    if _TOO_DEEP.search(source or ""):
        raise RenderError(_TOO_DEEP_MESSAGE)
    md = _markdown()
    md.kb_macros = article_macros  # read by _NumberEquations
    try:
        raw = md.convert(source or "")
    except RecursionError:
        _local.md = None  # a failed conversion can leave the instance half-reset
        raise RenderError(_TOO_DEEP_MESSAGE) from None
    except macros.MacroError as error:
        _local.md = None
        raise RenderError(f"A formula's macros cannot be expanded: {error}. Fix the macro or the formula.") from None
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


# The language of a code fence (```python, ~~~ {.c}): its lexer is loaded before a fork.
_FENCE_LANGUAGE = re.compile(r"^[ \t>]*(?:`{3,}|~{3,})[ \t]*\{?[ \t]*\.?([\w+#.-]{1,40})", re.M)
_loaded_lexers = {"text"}
# A text may name any number of languages; looking up an unknown name reads Pygments' whole
# table, so a few new names a text, and a bounded set in all.
_NEW_LEXERS_PER_TEXT = 8
_MOST_LEXERS = 500


def _load_lexers(texts):
    """Load and compile, in this process, the Pygments lexers the texts' code fences name.

    Pygments imports a lexer's module and compiles its rules on first use (15 ms for
    Python's); done in a forked child, that is lost with the child, and every rendering paid
    it again. Done here once, every child inherits it ready.
    """
    wanted = {name.lower() for text in texts for name in _FENCE_LANGUAGE.findall(text)} - _loaded_lexers
    for name in sorted(wanted)[:_NEW_LEXERS_PER_TEXT]:
        if len(_loaded_lexers) >= _MOST_LEXERS:
            return
        _loaded_lexers.add(name)
        with contextlib.suppress(ClassNotFound):
            get_lexer_by_name(name)  # an instance: the class compiles its rules on the first


def _warm_up():
    """Build the Markdown instance and load what every rendering uses, once per process."""
    if getattr(_local, "warm", False):
        return
    _local.warm = True
    get_lexer_by_name("text")
    # Python-Markdown and its extensions compile some patterns on first use: a small text
    # using most of the syntax, rendered here, leaves them compiled for every child.
    _render_article(_WARM_UP_TEXT, "", {})


_WARM_UP_TEXT = """# A
Text *em* **strong** `code` $x^2$ and $$y$$ ~~del~~ [link](https://example.org) ![a](/b.png)[^1]

## B
| a | b |
|:--|--:|
| 1 | 2 |

- [x] one
1. two

> quote

!!! note "N"
    body

$$
\\begin{aligned} a &= b \\tag{1} \\end{aligned}
$$

```
code
```

[^1]: note
"""


def _in_budget(func, *args):
    """`func(*args)` in a process of its own, refused past limits.RENDER_SECONDS."""
    if sum(len(text) for text in args if isinstance(text, str)) * 4 <= IN_PROCESS_BYTES:  # 4 bytes a character at most
        return func(*args)
    # Built and loaded here, so that every forked child inherits them ready.
    _warm_up()
    _load_lexers([text for text in args if isinstance(text, str)])
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


def render_markdown(source, field="body", macros=None):
    """Render Markdown `source` to sanitised HTML, its table of contents and a math flag.

    `field` names the text in a refusal and picks its size limit ("body", "summary",
    "description"...). `macros` are the article's own TeX macros (`markup.macros.read()` or
    `parse_lines()`), expanded with the site's. Raises RenderError when the text is over its
    size, too slow to render, nested too deeply or its macros expand without end.
    """
    _check_size(field, source)
    return _in_budget(_render_markdown, source, macros or {})


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

    macros: dict = None  # the article's own macros it was rendered with

    def made_from(self, body, summary, macros=None):
        return self.body == body and self.summary == summary and (self.macros or {}) == (macros or {})


def render_article(body, summary="", macros=None):
    """The derived fields of an article with this Markdown `body` and `summary`.

    Raises RenderError when the body is over its size, either is nested too deeply, or the
    whole takes longer than limits.RENDER_SECONDS. The summary's own, smaller cap is checked
    where a summary is taken in (`render_markdown(summary, field="summary")` in the form's
    check, limits.check_summary in the importer): refused here, at save time, it would be an
    error the form never showed.
    """
    _check_size("body", body)
    _check_size("summary", summary, limits.MAX_BODY_BYTES)  # the largest any text may be
    return _in_budget(_render_article, body, summary, macros or {})


def _render_article(body, summary, article_macros=None):
    rendered = _render_markdown(body, article_macros)
    if summary.strip():
        excerpt = excerpt_html(_render_markdown(summary, article_macros).html, limit=False)
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
        macros=article_macros or {},
    )
