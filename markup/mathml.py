"""The feed's copy of an article body: every formula as MathML, for readers without MathJax.

Pure functions, no ORM: `feed_html()` takes the sanitised `body_html` made by `rendering`
and is called when an article is saved. Each `.arithmatex` element holds TeX between
`\\(..\\)` (inline) or `\\[..\\]` (display); it becomes a `<math>` element made by
`latex2mathml`, with the TeX kept as `alttext`. The converter's output passes an allowlist of
presentation-MathML elements and attributes and is written out again from scratch, so nothing
else (links, styles, classes, event handlers) reaches a feed reader. Lengths are bounded
as on the site (static/js/mathjax-config.js): `\\rule{5000px}{5000px}`, `\\raise`, `\\kern`,
`\\hspace`, `\\mspace` and the like come out at most `MAX_ACROSS` em wide and `MAX_UPDOWN` em
up or down, and `\\Huge` no larger than itself, so that a reader rendering the MathML cannot
be made to draw a formula over its page. A formula the converter cannot handle, or only half
understands (an unknown command such as `\\foo` comes back as the text "\\foo"), stays as it
was: its TeX source, visible.
"""

import functools
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

# Bounds on lengths, in em, the same as the site's MathJax configuration: across (widths,
# spaces) about the text column; up or down (heights, depths, shifts, row spacing, stretchy
# delimiter sizes) far more than any real strut or gap; font sizes up to \Huge's.
MAX_ACROSS = 40
MAX_UPDOWN = 20
MAX_MATHSIZE = 2.5
_BOUNDS = {
    **dict.fromkeys(("width", "lspace", "rspace", "columnspacing", "framespacing"), MAX_ACROSS),
    **dict.fromkeys(("height", "depth", "voffset", "rowspacing", "minsize", "maxsize", "linethickness"), MAX_UPDOWN),
    "mathsize": MAX_MATHSIZE,
}
# em per unit. A bare number is what latex2mathml writes for TeX's px (`\rule{5000px}..`
# becomes width="5000"); mu (1/18 em) is TeX's, not MathML's, and is written out in em.
_EMS = {
    "em": 1,
    "ex": 0.431,
    "px": 1 / 16,
    "": 1 / 16,
    "pt": 0.1,
    "pc": 1.2,
    "in": 6,
    "cm": 6 / 2.54,
    "mm": 0.6 / 2.54,
    "mu": 1 / 18,
}
_LENGTH = re.compile(r"^([-+]?)(\d+(?:\.\d*)?|\.\d+)(em|ex|px|pt|pc|in|cm|mm|mu|%)?$")
_KEYWORDS = frozenset(
    {"auto", "fit", "thin", "medium", "thick", "infinity", "small", "normal", "big"}
    | {f"{neg}{size}mathspace" for neg in ("", "negative") for size in (
        "veryverythin", "verythin", "thin", "medium", "thick", "verythick", "veryverythick")}
)  # fmt: skip

# The sanitiser's output: the wrapper's only attribute is the class, its content is text.
# (an equation's anchor, `id="eq-.."`, may follow the class: markup.equations)
_FORMULA = re.compile(r'<(span|div) class="arithmatex"( id="[^"]*")?>(.*?)</\1>', re.S)
_DELIMITED = re.compile(r"^\\([(\[])(.*)\\([)\]])$", re.S)


class NotConverted(ValueError):
    """The converter failed or produced something this module will not pass on."""


def _local_name(tag):
    return tag.rsplit("}", 1)[-1]


def _format_em(value):
    return f"{value:.3f}".rstrip("0").rstrip(".") + "em"


def _bounded(name, value):
    """`value` of the length attribute `name` within its bound (each part of a list), or None."""
    limit = _BOUNDS[name]
    parts = []
    for part in value.split():
        if part in _KEYWORDS and not (part == "infinity" and name != "maxsize"):
            parts.append(part)
            continue
        match = _LENGTH.match(part)
        if not match:
            return None
        sign, number, unit = match[1], float(match[2]), match[3] or ""
        if unit == "%":
            parts.append(part if number <= limit * 100 else f"{sign}{limit * 100:g}%")
        else:
            ems = number * _EMS[unit]
            parts.append(part if unit not in {"", "mu"} and ems <= limit else sign + _format_em(min(ems, limit)))
    return " ".join(parts) or None


def _write(element, out):
    name = _local_name(element.tag)
    if name not in ALLOWED_ELEMENTS:
        raise NotConverted(f"element {name}")
    attrs = ""
    for key, value in sorted(element.attrib.items()):
        key = _local_name(key)
        if key in _BOUNDS:
            value = _bounded(key, value)
        if key in ALLOWED_ATTRIBUTES and value is not None and SAFE_VALUE.match(value):
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


# The equation numbers the site writes into the TeX (markup.equations), and authors' own tags:
# latex2mathml writes an aligned line's tag twice, so each is read as text set apart instead.
_TAG = re.compile(r"\\tag(\*?)\s*\{((?:[^{}]|\{[^{}]*\})*)\}")


# latex2mathml also numbers `align` lines itself, from 1 in every formula: the starred form
# numbers nothing, and the site's numbers are already in the TeX.
_NUMBERED_ENVIRONMENT = re.compile(r"\\(begin|end)\s*\{(equation|align|gather|multline|flalign|alignat|eqnarray)\}")

_NO_NUMBER = re.compile(r"\\(?:nonumber|notag)(?![A-Za-z])")


def _tags_as_text(tex):
    tex = _NO_NUMBER.sub("", _NUMBERED_ENVIRONMENT.sub(r"\\\1{\2*}", tex))
    return _TAG.sub(lambda m: "\\qquad\\text{" + (m[2] if m[1] else f"({m[2]})") + "}", tex)


# Notes repeat their formulas ($x$, $\theta$ dozens of times): each is converted once a render.
@functools.lru_cache(maxsize=4096)
def tex_to_mathml(tex, display=False):
    """One formula as a sanitised `<math>` element with `alttext`; NotConverted when it can't be."""
    if len(tex) > MAX_TEX_LENGTH:
        raise NotConverted("too long")
    try:
        root = ET.fromstring(convert(_tags_as_text(tex), display="block" if display else "inline"))
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
    converted = _convert(match)
    if converted is not match.group(0) and match.group(2):  # the anchor stays, for links to it
        return f"<span{match.group(2)}></span>{converted}"
    return converted


def _convert(match):
    inner = match.group(3)
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
