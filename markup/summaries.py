"""Excerpts and reading times, derived from rendered HTML.

Pure functions. An excerpt is short HTML for lists: prose text (escaped) with inline
formulas kept whole as `<span class="arithmatex">`, so the feed typesets them and a
cut never falls inside a formula. Code blocks, display math, tables, headings,
footnotes and the table of contents are left out of it.
"""

import math
import re
from html import escape, unescape
from html.parser import HTMLParser

from markup import cjk, tex_words

# Han ideographs, kana, hangul and CJK punctuation count one by one; everything else
# is measured in words.
CJK = re.compile(f"[{cjk.COUNTED_ONE_BY_ONE}]")
UNITS = re.compile(CJK.pattern + r"|[^\s" + CJK.pattern[1:-1] + r"]+|\s+")

EXCERPT_CJK_CHARS = 200
EXCERPT_WORDS = 60
CJK_CHARS_PER_MINUTE = 400
WORDS_PER_MINUTE = 200

_SKIPPED_IN_EXCERPT = {"pre", "table", "h1", "h2", "h3", "h4", "h5", "h6", "sup", "img"}
_SKIPPED_CLASSES = {"toc", "footnote", "highlight", "arithmatex"}
_BLOCKS = {"p", "li", "blockquote", "div", "dd", "dt", "br", "tr", "td", "th", "pre"}
_VOID = {"br", "hr", "img", "input"}


class _Pieces(HTMLParser):
    """Splits HTML into ("text", str) and ("math", tex) pieces, in document order.

    With `excerpt=True`, only what belongs in an excerpt is kept.
    """

    def __init__(self, excerpt):
        super().__init__(convert_charrefs=True)
        self.excerpt = excerpt
        self.pieces = []
        self.stack = []  # (tag, skipped, is_math): display math is skipped in an excerpt

    def _inside(self, index):
        return any(entry[index] for entry in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS:
            self.pieces.append(("text", " "))
        if tag in _VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        inline_math = tag == "span" and "arithmatex" in classes
        skipped = self.excerpt and not inline_math and (tag in _SKIPPED_IN_EXCERPT or bool(classes & _SKIPPED_CLASSES))
        self.stack.append((tag, skipped, "arithmatex" in classes and tag in {"span", "div"}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag in _BLOCKS:
            self.pieces.append(("text", " "))

    def handle_data(self, data):
        if self._inside(1):
            return
        # A formula span holds no tags, so its TeX arrives as one piece.
        self.pieces.append(("math" if self._inside(2) else "text", data))


def _pieces(html, excerpt):
    parser = _Pieces(excerpt)
    parser.feed(html or "")
    parser.close()
    return parser.pieces


# An excerpt needs the start of a body only: it is parsed a chunk at a time, each ending
# before a `<`, so that no run of text is split between two chunks. The first chunks are
# small (an excerpt is mostly found in the first paragraph or two), the later ones larger.
_FIRST_CHUNK = 2 * 1024
_CHUNK = 16 * 1024


def _excerpt_pieces(html):
    """Yield the excerpt's pieces of `html`, parsing only as far as they are asked for."""
    html = html or ""
    parser = _Pieces(excerpt=True)
    start, chunk = 0, _FIRST_CHUNK
    while start < len(html):
        end = html.find("<", start + chunk)
        chunk = min(chunk * 2, _CHUNK)
        end = len(html) if end < 0 else end
        parser.feed(html[start:end])
        start = end
        if start == len(html):
            parser.close()
        yield from parser.pieces
        parser.pieces = []


def plain_text(html):
    """All the text of `html`, formulas as their TeX, whitespace collapsed."""
    return " ".join("".join(text for _, text in _pieces(html, excerpt=False)).split())


# A formula in search text: its TeX between these two private-use characters, which are
# taken out of the text and the TeX first, so that they mark formulas and nothing else.
FORMULA_START, FORMULA_END = "\ue000", "\ue001"
FORMULA = re.compile(f"{FORMULA_START}([^{FORMULA_END}]*){FORMULA_END}")
_MARKS = {ord(FORMULA_START): None, ord(FORMULA_END): None}


def marked_text(html):
    """All the text of `html`, whitespace collapsed, each formula as its TeX between
    FORMULA_START and FORMULA_END (what search snippets are cut from)."""
    parts = []
    for kind, text in _pieces(html, excerpt=False):
        text = text.translate(_MARKS)
        parts.append(f"{FORMULA_START}{' '.join(text.split())}{FORMULA_END}" if kind == "math" else text)
    return " ".join("".join(parts).split())


def searchable_text(marked):
    """`marked` (from marked_text) as the words a reader may search for: each formula reduced to
    its variable names and text (`tex_words.reader_text`), its TeX commands dropped."""
    return FORMULA.sub(lambda formula: f" {tex_words.reader_text(formula[1])} ", marked)


def _units(pieces):
    """Yield (kind, text, cost) units: CJK characters, words, spaces and formulas."""
    for kind, text in pieces:
        if kind == "math":
            yield "math", text, 1 / EXCERPT_WORDS
            continue
        for unit in UNITS.findall(text):
            if unit.isspace():
                yield "space", " ", 0
            elif CJK.match(unit):
                yield "text", unit, 1 / EXCERPT_CJK_CHARS
            else:
                yield "text", unit, 1 / EXCERPT_WORDS


def _join(units):
    html = []
    for kind, text in units:
        if kind == "math":
            html.append(f'<span class="arithmatex">{escape(text, quote=False)}</span>')
        elif kind == "space":
            if html and not html[-1].endswith(" "):
                html.append(" ")
        else:
            html.append(escape(text, quote=False))
    return "".join(html).strip()


# A block boundary between two CJK characters is not a space in Chinese text.
_SPACE_BETWEEN_CJK = re.compile(f"(?<={CJK.pattern}) (?={CJK.pattern})")


def excerpt_html(html, limit=True):
    """The start of `html` as excerpt HTML: about 200 CJK characters or 60 words.

    Ends with "…" when cut. With `limit=False` (an author's summary) nothing is cut.
    """
    kept, budget, cut = [], 0.0, False
    for kind, text, cost in _units(_excerpt_pieces(html)):
        if limit and budget + cost > 1.0 + 1e-9:
            cut = True
            break
        budget += cost
        kept.append((kind, text))
    result = _SPACE_BETWEEN_CJK.sub("", _join(kept))
    if cut:
        result = result.rstrip(" ,.;:，。；：、") + "…"
    return result


# For counting only, on the sanitiser's output (every attribute value quoted, no comment,
# no script): the text between tags, a space where a block begins or ends. Five times
# faster than the parser on a 200 KB body.
_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:[^>"]|"[^"]*")*>')


def _counted_text(html):
    return unescape(_TAG.sub(lambda m: " " if m.group(2) in _BLOCKS else "", html or ""))


def reading_minutes(html):
    """Minutes to read `html` (as `markup.sanitizer` writes it): CJK characters and Latin
    words counted separately."""
    text = _counted_text(html)
    cjk = len(CJK.findall(text))
    words = len(re.findall(r"[^\s]+", CJK.sub(" ", text)))
    return max(1, math.ceil(cjk / CJK_CHARS_PER_MINUTE + words / WORDS_PER_MINUTE))
