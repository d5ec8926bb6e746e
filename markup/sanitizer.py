"""The HTML allowlist, kept in one place, and the sanitiser that applies it.

Everything Markdown produces, raw HTML included, passes through `clean()` before it is
stored. What is allowed is listed here and nowhere else: tags, attributes, URL schemes
and class names. What goes: scripts (with their text), styles (with their text), event
handlers, `javascript:`/`data:` URLs, iframes, forms, SVG and MathML, control characters.

The parser and allowlist are nh3, the Python binding of the Rust crate ammonia, which
parses with html5ever (Servo's HTML5 parser): maintained, and about ten times faster than
the html5lib-based sanitiser it replaced (deprecated by its own maintainers in favour of
nh3). Like every HTML parser it pays for depth, so `rendering` refuses HTML nested past
MAX_HTML_DEPTH before it gets here. Our own steps run around it: control characters out
before; after, on nh3's normalised output, `<h1>` becomes `<h2>` and external links get
rel="nofollow noopener"; URL schemes are read as a browser reads them, in between.
"""

import html as html_lib
import re

import nh3
from pygments.token import STANDARD_TYPES

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
        "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd",
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
    # Equation anchors (markup.equations): only ids of the form "eq-...", see _allow_attribute_value.
    "div": {"id"},
    "ol": {"start"},
    "input": {"type", "checked", "disabled"},
    "details": {"open"},
    # Code blocks' line numbers (markup.blocks): drawn by article.css from this attribute.
    "span": {"data-linenos", "lang"},
    # Figures (markup.figures): only ids of the form "figure-N".
    "figure": {"id"},
}

# Equation anchors on inline formulas, too (added to whatever else a span may carry).
ALLOWED_ATTRIBUTES["span"] = ALLOWED_ATTRIBUTES.get("span", set()) | {"id"}

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
        "question", "failure", "bug", "seealso", "figure-label", "figure-word", "mermaid",
    }
    | {name for name in STANDARD_TYPES.values() if name}
)  # fmt: skip
# An inline formula held on one line with the Chinese punctuation beside it (markup.rendering).
ALLOWED_CLASSES = ALLOWED_CLASSES | {"math-nobr"}
# The prefix of the equation anchors markup.equations writes (a div or span may carry no other id).
EQUATION_ANCHOR_PREFIX = "eq-"
LANGUAGE_CLASS = re.compile(r"^language-[\w+#.-]{1,40}$")


_LINE_NUMBER = re.compile(r" {0,9}[0-9]{1,9} ")
_LANGUAGE_TAG = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,2}")
_FIGURE_ID = re.compile(r"figure-[1-9][0-9]{0,5}")


def _is_allowed_class(value):
    names = value.split()
    return bool(names) and all(n in ALLOWED_CLASSES or LANGUAGE_CLASS.match(n) for n in names)


# A scheme as a browser reads it: after dropping the ASCII whitespace and control
# characters it ignores (`jav&#9;ascript:` is `javascript:` to it, and nh3 lets it pass).
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_IGNORED_IN_URL = re.compile(r"[\x00-\x20]")


def _scheme(url):
    match = _SCHEME.match(_IGNORED_IN_URL.sub("", url))
    return match.group(1).lower() if match else ""


def _allow_attribute_value(tag, name, value):
    """nh3's attribute_filter: the value to keep, or None to drop the attribute."""
    if name == "class":
        return value if _is_allowed_class(value) else None
    if name == "id" and tag in {"div", "span"}:
        return value if value.startswith(EQUATION_ANCHOR_PREFIX) else None
    if name == "data-linenos":  # a line number, padded, as Pygments writes it
        return value if _LINE_NUMBER.fullmatch(value) else None
    if name == "lang":  # a language tag (a figure's label words)
        return value if _LANGUAGE_TAG.fullmatch(value) else None
    if name == "id" and tag == "figure":
        return value if _FIGURE_ID.fullmatch(value) else None
    if name in {"href", "src"}:
        allowed = IMAGE_PROTOCOLS if tag == "img" else ALLOWED_PROTOCOLS
        if _scheme(value) not in allowed | {""}:
            return None
    return value


def is_external(url):
    """True for a link that leaves the site (an absolute http(s) or protocol-relative URL)."""
    url = _IGNORED_IN_URL.sub("", url).replace("\\", "/")
    return url.startswith("//") or _scheme(url) in {"http", "https"}


# C0 controls (but tab, line feed and carriage return) have no business in a page and
# are not XML (the feeds); lone surrogates cannot even be encoded. Out before parsing.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS | {"h1"}),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_allow_attribute_value,
    strip_comments=True,
    link_rel=None,  # added below, on external links only
    # Forced whatever the source says: images load lazily, and any <input> left is a
    # disabled checkbox (task lists).
    set_tag_attribute_values={"img": {"loading": "lazy"}, "input": {"type": "checkbox", "disabled": "disabled"}},
    url_schemes=set(ALLOWED_PROTOCOLS),
)

# nh3's output is html5ever's serialisation: `<` in text is `&lt;`, every attribute is
# name="value" with `"` written `&quot;`. So this finds every tag, and only tags.
_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"]|"[^"]*")*)>')
_ATTRIBUTE = re.compile(r'\s([^\s="]+)="([^"]*)"')


def _finish(match):
    closing, name, attrs = match.groups()
    if name == "h1":  # the article title is the page's only h1
        return f"<{closing}h2{attrs}>"
    if name == "a" and not closing:
        href = dict(_ATTRIBUTE.findall(attrs)).get("href")
        if href is not None and is_external(html_lib.unescape(href)):
            return f'<a{attrs} rel="nofollow noopener">'
    return match.group(0)


def clean(html):
    """Return `html` reduced to the allowlist above."""
    return _TAG.sub(_finish, _CLEANER.clean(_CONTROL.sub("", html)))
