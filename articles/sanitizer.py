"""The HTML allowlist, kept in one place, and the sanitiser that applies it.

Everything Markdown produces, raw HTML included, passes through `clean()` before it is
stored. What is allowed is listed here and nowhere else: tags, attributes, URL schemes
and class names. What goes: scripts (with their text), styles (with their text), event
handlers, `javascript:`/`data:` URLs, iframes, forms, SVG and MathML.
"""

import re
import threading
from urllib.parse import urlsplit

import bleach
from bleach import html5lib_shim
from bleach._vendor.html5lib.filters.base import Filter
from pygments.token import STANDARD_TYPES

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
        "dt", "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd",
        "label", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
        "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "u", "ul", "var",
    }
)  # fmt: skip

# Elements removed together with everything inside them: their text is code, styling or
# markup for another language, never prose a reader should see.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "noscript", "iframe", "object", "embed", "frame",
        "frameset", "applet", "svg", "math", "textarea", "select", "title", "xmp",
        "noembed", "noframes", "plaintext", "head", "button", "audio", "video", "canvas",
    }
)  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "*": {"class"},
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "li": {"id"},
    "sup": {"id"},
    "ol": {"start"},
    "input": {"type", "checked", "disabled"},
    "details": {"open"},
}

ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
IMAGE_PROTOCOLS = frozenset({"http", "https"})

# Class names the pipeline itself emits: math, Pygments tokens, footnotes, task lists,
# admonitions and the table of contents. Raw HTML cannot borrow any other class.
ALLOWED_CLASSES = frozenset(
    {
        "arithmatex", "highlight", "linenos", "linenodiv", "filename", "hll",
        "footnote", "footnote-ref", "footnote-backref", "task-list", "task-list-item",
        "task-list-control", "task-list-indicator", "toc", "toctitle", "admonition",
        "admonition-title", "note", "tip", "hint", "important", "warning", "caution",
        "danger", "error", "attention", "info", "example", "quote", "abstract", "success",
        "question", "failure", "bug", "seealso",
    }
    | {name for name in STANDARD_TYPES.values() if name}
)  # fmt: skip
LANGUAGE_CLASS = re.compile(r"^language-[\w+#.-]{1,40}$")


def _is_allowed_class(value):
    names = value.split()
    return bool(names) and all(n in ALLOWED_CLASSES or LANGUAGE_CLASS.match(n) for n in names)


def _scheme(url):
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return "invalid"


def _allow_attribute(tag, name, value):
    if name == "class":
        return _is_allowed_class(value)
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if tag == "img" and name == "src":
        return _scheme(value) in IMAGE_PROTOCOLS | {""}
    if tag == "input" and name == "type":
        return value.lower() == "checkbox"
    return True


def is_external(url):
    """True for a link that leaves the site (an absolute http(s) or protocol-relative URL)."""
    url = url.strip()
    return url.startswith("//") or _scheme(url) in {"http", "https"}


class _DropWithContent(Filter):
    """Removes the elements of DROPPED_WITH_CONTENT and everything inside them."""

    def __iter__(self):
        depth = 0
        for token in super().__iter__():
            kind = token["type"]
            if depth:
                if kind == "StartTag":
                    depth += 1
                elif kind == "EndTag":
                    depth -= 1
                continue
            if kind in {"StartTag", "EmptyTag"} and token["name"].lower() in DROPPED_WITH_CONTENT:
                depth = 1 if kind == "StartTag" else 0
                continue
            if kind == "EndTag" and token["name"].lower() in DROPPED_WITH_CONTENT:
                continue
            yield token


class _Finish(Filter):
    """Adjusts what survived the allowlist.

    Images load lazily, external links get rel="nofollow noopener", a raw <h1> becomes
    <h2> (the article title is the page's only h1), and any <input> left is a disabled
    checkbox (task lists), whatever the source asked for.
    """

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in {"StartTag", "EmptyTag", "EndTag"} and token["name"] == "h1":
                token["name"] = "h2"
            if token["type"] in {"StartTag", "EmptyTag"}:
                attrs = token["data"]
                name = token["name"]
                if name == "img":
                    attrs[(None, "loading")] = "lazy"
                elif name == "a" and is_external(attrs.get((None, "href"), "")):
                    attrs[(None, "rel")] = "nofollow noopener"
                elif name == "input":
                    attrs[(None, "type")] = "checkbox"
                    attrs[(None, "disabled")] = "disabled"
            yield token


def _make_cleaner():
    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS | {"h1"},
        attributes=_allow_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[_Finish],
    )
    # Parse the dropped elements as elements (bleach would turn them into text first),
    # so that _DropWithContent can remove them whole before the allowlist runs.
    cleaner.parser = html5lib_shim.BleachHTMLParser(
        tags=ALLOWED_TAGS | {"h1"} | DROPPED_WITH_CONTENT,
        strip=True,
        consume_entities=False,
        namespaceHTMLElements=False,
    )
    tree_walker = cleaner.walker
    cleaner.walker = lambda dom: _DropWithContent(tree_walker(dom))
    return cleaner


# A bleach Cleaner is not thread-safe: one per thread.
_local = threading.local()


def clean(html):
    """Return `html` reduced to the allowlist above."""
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = _make_cleaner()
    return cleaner.clean(html)
