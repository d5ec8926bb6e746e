"""Equation numbers and cross-references, decided when an article is rendered.

Pure functions, no ORM. MathJax may typeset the formulas of a page in any order (what is on
screen first), so it is not asked to count: `number_page()` walks an article's formulas in
document order and

- numbers `equation`, `multline` (one number each) and every line of `align`, `gather`,
  `flalign`, `alignat`, `xalignat`, `eqnarray` that LaTeX would number (not the starred
  forms, not a line with `\\nonumber` or `\\notag` or with its own `\\tag{..}`, not an
  empty last line), by writing an explicit `\\tag{n}` into the TeX; numbers restart with
  every article;
- takes every `\\label{x}` out of the TeX (MathJax would keep labels of its own, which
  break when it typesets a formula twice) and gives the formula an anchor, `id="eq-x"`,
  that a link can jump to whether or not the formula has been typeset yet;
- replaces `\\eqref{x}` and `\\ref{x}` inside math by `\\href{#eq-x}{\\text{(3)}}` (a link
  MathJax draws, allowed by its ui/safe extension since the address is relative) and in
  prose by `<a href="#eq-x">(3)</a>`.

A reference to a label no numbered equation carries is left as written (MathJax shows
"(???)" for it in math) and `unknown_references()` lists it with its line for the save
warnings. A formula with nothing to number, no label and no reference reaches MathJax byte
for byte.
"""

import html as htmlmod
import re
from collections import Counter
from dataclasses import dataclass, field

NUMBERED_ONCE = frozenset({"equation", "multline"})
NUMBERED_ROWS = frozenset({"align", "gather", "flalign", "alignat", "xalignat", "eqnarray"})
# Starred forms number nothing by themselves, but a line may carry its own \tag.
UNNUMBERED = frozenset({name + "*" for name in NUMBERED_ONCE | NUMBERED_ROWS} | {"xxalignat"})

ANCHOR_PREFIX = "eq-"
MAX_LABEL = 200  # characters of a label; longer braces are not read as one

_TOKEN = re.compile(
    r"\\begin\s*\{\s*([A-Za-z]+\*?)\s*\}"  # 1: an environment opens
    r"|\\end\s*\{\s*([A-Za-z]+\*?)\s*\}"  # 2: an environment closes
    r"|\\label\s*\{([^{}]{0," + str(MAX_LABEL) + r"})\}"  # 3: a label
    r"|\\tag(\*?)\s*\{((?:[^{}]|\{[^{}]*\})*)\}"  # 4, 5: a line's own tag
    r"|(\\(?:nonumber|notag)(?![A-Za-z]))"  # 6: a line without a number
    r"|(\\\\)"  # 7: a new line
    r"|\\[A-Za-z]+|\\[\s\S]|%[^\n]*"  # other commands and comments: skipped
    r"|([{}])"  # 8: groups
)
_REFERENCE = re.compile(r"\\(eqref|ref)\s*\{([^{}]{1," + str(MAX_LABEL) + r"})\}")
_DELIMITED = re.compile(r"^(\\[(\[])([\s\S]*)(\\[)\]])$")


def anchor(label):
    """The element id of `label`: letters (any script), digits and `_.:-` kept, the rest coded."""
    out = []
    for char in label.strip():
        if char.isalnum() or char in "_.:-":
            out.append(char)
        elif char.isspace():
            out.append("-")
        else:
            out.append(f"-{ord(char):x}-")
    return ANCHOR_PREFIX + "".join(out)


@dataclass
class _Line:
    start: int
    end: int = -1
    labels: list = field(default_factory=list)
    tag: str | None = None
    nonumber: bool = False


@dataclass
class _Frame:
    name: str
    depth: int  # how many groups were open inside the formula when it began
    numbered: bool
    per_line: bool
    lines: list = field(default_factory=list)


class Numbering:
    """The equation numbers and labels of one article, filled formula by formula in page order."""

    def __init__(self):
        self.count = 0
        self.labels = {}  # label -> what a reference shows ("3", or an author's own tag)
        self.duplicates = []

    def _register(self, labels, text):
        for label in labels:
            label = label.strip()
            if not label or text is None:
                continue
            if label in self.labels:
                self.duplicates.append(label)
            else:
                self.labels[label] = text

    def _finish_line(self, tex, line, numbered, edits, last):
        if line.tag is not None:
            self._register(line.labels, line.tag)
            return
        content = _TOKEN.sub(
            lambda m: "" if m.group(3) is not None or m.group(6) else m.group(0), tex[line.start : line.end]
        )
        if not numbered or line.nonumber or (last and not content.strip()):
            return
        self.count += 1
        edits.append((line.end, line.end, f"\\tag{{{self.count}}}"))
        self._register(line.labels, str(self.count))

    def number(self, tex):
        """`tex` with its numbers written as \\tag and its labels taken out; the labels, in order."""
        if "\\begin" not in tex and "\\label" not in tex and "\\tag" not in tex:
            return tex, []  # most formulas: nothing to number, nothing to read
        edits, labels, stack = [], [], []
        open_names = Counter()
        frame = None
        outside = _Line(0)  # labels and tag outside any numbered environment
        for match in _TOKEN.finditer(tex):
            begin, end, label, _star, tag, nonumber, newline, brace = (
                match.group(1), match.group(2), match.group(3), match.group(4), match.group(5),
                match.group(6), match.group(7), match.group(8),
            )  # fmt: skip
            line = frame.lines[-1] if frame else outside
            if begin:
                stack.append(begin)
                open_names[begin] += 1
                if frame is None and begin in NUMBERED_ONCE | NUMBERED_ROWS | UNNUMBERED:
                    per_line = begin.rstrip("*") in NUMBERED_ROWS or begin == "xxalignat"
                    frame = _Frame(begin, len(stack), begin in NUMBERED_ONCE | NUMBERED_ROWS, per_line)
                    frame.lines.append(_Line(match.end()))
            elif end:
                if open_names[end]:  # counted, not searched: a long stack stays linear
                    while (closed := stack.pop()) != end:
                        open_names[closed] -= 1
                    open_names[end] -= 1
                if frame and end == frame.name and len(stack) == frame.depth - 1:
                    line.end = match.start()
                    for index, each in enumerate(frame.lines):
                        self._finish_line(tex, each, frame.numbered, edits, last=index == len(frame.lines) - 1)
                    frame = None
            elif label is not None:
                line.labels.append(label)
                labels.append(label.strip())
                edits.append((match.start(), match.end(), ""))
            elif tag is not None:
                line.tag = tag
            elif nonumber:
                line.nonumber = True
            elif newline:
                if frame and frame.per_line and len(stack) == frame.depth:
                    line.end = match.start()
                    frame.lines.append(_Line(match.end()))
            elif brace == "{":
                stack.append("{")
                open_names["{"] += 1
            elif brace == "}" and stack and stack[-1] == "{":
                stack.pop()
                open_names["{"] -= 1
        if outside.tag is not None:
            self._register(outside.labels, outside.tag)
        pieces, done = [], 0
        for start, stop, text in sorted(edits):  # joined once: a formula of many lines stays linear
            pieces += [tex[done:start], text]
            done = stop
        return "".join(pieces) + tex[done:], labels

    def link(self, label, eqref=True):
        """The TeX of a reference to `label`, or None when no numbered equation carries it."""
        text = self.labels.get(label.strip())
        if text is None:
            return None
        shown = f"({text})" if eqref else text
        return f"\\href{{#{anchor(label)}}}{{\\text{{{shown}}}}}"

    def resolve(self, tex):
        """`tex` with every reference to a known label made a link."""

        def replace(match):
            return self.link(match.group(2), match.group(1) == "eqref") or match.group(0)

        return _REFERENCE.sub(replace, tex)


def split_delimiters(text):
    """(opening, TeX, closing) of a formula's text as the page holds it (`\\(x\\)`, `\\[x\\]`)."""
    match = _DELIMITED.match(text)
    return match.groups() if match else ("", text, "")


def number_page(formulas, references):
    """Number and link the formulas of one page.

    `formulas` are (get, set) pairs in page order, each reading and writing one formula's
    text with its `\\(..\\)`/`\\[..\\]` delimiters; `references` are (label, eqref, set_link)
    triples for references in prose, `set_link(anchor, text)` called for a known label.
    Returns the Numbering and, for each formula, the labels it carries (for its anchors).
    """
    numbering = Numbering()
    labelled = []
    rewritten = []
    for get, _set in formulas:
        opening, tex, closing = split_delimiters(get())
        numbered, labels = numbering.number(tex)
        rewritten.append((opening, numbered, closing, tex))
        labelled.append([label for label in labels if numbering.labels.get(label) is not None])
    for (_get, put), (opening, numbered, closing, tex) in zip(formulas, rewritten, strict=True):
        resolved = numbering.resolve(numbered)
        if resolved != tex:
            put(opening + resolved + closing)
    for label, eqref, set_link in references:
        text = numbering.labels.get(label.strip())
        if text is not None:
            set_link(anchor(label), f"({text})" if eqref else text)
    return numbering, labelled


# A reference as written in prose (the renderer's inline pattern and the warnings' search).
PROSE_REFERENCE = r"\\(eqref|ref)\s*\{([^{}\n]{1," + str(MAX_LABEL) + r"})\}"
_PROSE_REFERENCE = re.compile(PROSE_REFERENCE)
_ANCHOR_ID = re.compile(r'\sid="(' + re.escape(ANCHOR_PREFIX) + r'[^"]*)"')


def anchors_in(html):
    """The equation anchors (ids) a rendered page holds."""
    return {htmlmod.unescape(value) for value in _ANCHOR_ID.findall(html)}


def unknown_references(body_without_code, html):
    """(offset, command, label) of each reference in the body to a label the page lacks.

    `body_without_code` is the Markdown body with its code blanked out (offsets kept).
    """
    known = anchors_in(html)
    found = []
    for match in _PROSE_REFERENCE.finditer(body_without_code):
        if anchor(match.group(2)) not in known:
            found.append((match.start(), "\\" + match.group(1), match.group(2).strip()))
    return found
