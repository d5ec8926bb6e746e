"""The feed's copy of an article body: every formula as MathML, for readers without MathJax.

Pure functions, no ORM: `feed_html()` takes the sanitised `body_html` made by `rendering`
and is called when an article is saved. Each `.arithmatex` element holds TeX between
`\\(..\\)` (inline) or `\\[..\\]` (display); it becomes a `<math>` element made by
`latex2mathml`, with the TeX kept as `alttext`. The converter's output passes an allowlist of
presentation-MathML elements and attributes and is written out again from scratch, so nothing
else (links, styles, classes, event handlers) reaches a feed reader. A formula the converter
cannot handle, or only half understands (an unknown command such as `\\foo` comes back as
the text "\\foo"), stays as it was: its TeX source, visible.
"""

import html
import re
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from latex2mathml.converter import convert

MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"

# Presentation MathML (MathML Core and the MathML 3 elements feed readers still render).
ALLOWED_ELEMENTS = frozenset(
    {
        "math", "mrow", "mi", "mn", "mo", "mtext", "ms", "mspace", "mglyph", "msub", "msup",
        "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mprescripts", "none",
        "mfrac", "msqrt", "mroot", "mstyle", "merror", "mpadded", "mphantom", "mfenced",
        "menclose", "mtable", "mtr", "mtd", "mlabeledtr", "semantics", "annotation",
    }
)  # fmt: skip

ALLOWED_ATTRIBUTES = frozenset(
    {
        "display", "displaystyle", "scriptlevel", "mathvariant", "mathsize", "stretchy",
        "fence", "separator", "form", "lspace", "rspace", "accent", "accentunder",
        "movablelimits", "largeop", "symmetric", "minsize", "maxsize", "linethickness",
        "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines",
        "frame", "framespacing", "equalrows", "equalcolumns", "columnspan", "rowspan",
        "width", "height", "depth", "voffset", "notation", "open", "close", "separators",
        "mathcolor", "mathbackground", "encoding",
    }
)  # fmt: skip

# Values are short words, lengths and colour names: nothing that could carry a URL or CSS.
SAFE_VALUE = re.compile(r"^[\w\s.#%+\-:]{0,100}$")
UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]")
# Longer formulas are left to MathJax on the page; the feed shows their TeX.
MAX_TEX_LENGTH = 5_000

# The sanitiser's output: the wrapper's only attribute is the class, its content is text.
_FORMULA = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.S)
_DELIMITED = re.compile(r"^\\([(\[])(.*)\\([)\]])$", re.S)


class NotConverted(ValueError):
    """The converter failed or produced something this module will not pass on."""


def _local_name(tag):
    return tag.rsplit("}", 1)[-1]


def _write(element, out):
    name = _local_name(element.tag)
    if name not in ALLOWED_ELEMENTS:
        raise NotConverted(f"element {name}")
    attrs = ""
    for key, value in sorted(element.attrib.items()):
        key = _local_name(key)
        if key in ALLOWED_ATTRIBUTES and SAFE_VALUE.match(value):
            attrs += f" {key}={quoteattr(value)}"
    out.append(f"<{name}{attrs}>")
    if element.text:
        if name in {"mi", "mo", "mtext", "mn"} and UNKNOWN_COMMAND.match(element.text):
            raise NotConverted(f"unknown command {element.text}")
        out.append(escape(element.text))
    for child in element:
        _write(child, out)
        if child.tail:
            out.append(escape(child.tail))
    out.append(f"</{name}>")


def tex_to_mathml(tex, display=False):
    """One formula as a sanitised `<math>` element with `alttext`; NotConverted when it can't be."""
    if len(tex) > MAX_TEX_LENGTH:
        raise NotConverted("too long")
    try:
        root = ET.fromstring(convert(tex, display="block" if display else "inline"))
    except Exception as error:  # the converter raises many kinds (and RecursionError)
        raise NotConverted(f"{type(error).__name__}: {error}") from None
    out = []
    for child in root:
        _write(child, out)
    mode = "block" if display else "inline"
    return (
        f"<math xmlns={quoteattr(MATHML_NAMESPACE)} display={quoteattr(mode)} alttext={quoteattr(tex.strip())}>"
        f"{''.join(out)}</math>"
    )


def _replace(match):
    inner = match.group(2)
    delimited = _DELIMITED.match(html.unescape(inner))
    if not delimited:
        return match.group(0)
    opening, tex, closing = delimited.groups()
    if (opening, closing) not in {("(", ")"), ("[", "]")}:
        return match.group(0)
    try:
        return tex_to_mathml(tex, display=opening == "[")
    except NotConverted:
        return match.group(0)


def feed_html(body_html):
    """`body_html` with every formula it can convert as MathML; the rest unchanged."""
    return _FORMULA.sub(_replace, body_html)
