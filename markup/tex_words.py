"""What a formula says to search: the words a reader would type, and a form fit for a snippet.

Pure functions over one formula's TeX, as the rendering pipeline wraps it (`\\(..\\)` inline,
`\\[..\\]` display).

TeX control words are markup, not words: `\\quad`, `\\sum`, `\\exp`, `\\operatorname` are
dropped, so that "Q-learning" never matches the q of `\\quad` nor "log sum exp" the `\\sum`
and `\\exp` of a formula. What a reader would type stays: variable names (`Q(s, a)`,
`x_{ij}`), the arguments of commands (`\\operatorname{softmax}`, `\\mathbb{E}`) and the text
of `\\text{..}`. Arguments that are not the formula's content are dropped with their command:
environment names (`\\begin{aligned}`), labels and references (`\\label{eq:pg}`), colours and
spaces (`\\color{red}`, `\\hspace{1em}`).
"""

import re

# Commands whose first braced argument is a name or a length, not words of the formula.
_NAMED_ARGUMENT = re.compile(
    r"\\(?:begin|end|label|ref|eqref|tag|color|textcolor|colorbox|hspace|vspace|kern|mkern|mskip|hskip"
    r"|rule|unicode|class|cssId|style|href|require|newcommand|renewcommand|def)"
    r"\*?\s*\{[^{}]*\}"
)
# An array's column specification: `\begin{array}{c|cc}`.
_ARRAY_COLUMNS = re.compile(r"\\begin\s*\{(?:array|tabular)\}\s*\{[^{}]*\}")
_CONTROL = re.compile(r"\\(?:[A-Za-z]+|.)", re.S)
_DELIMITERS = re.compile(r"^\s*(?:\\\(|\\\[|\$\$?)|(?:\\\)|\\\]|\$\$?)\s*$")

# A snippet shows a formula inline and alone: what numbers or names it on its article's page
# would repeat or dangle there (a label defined twice on one page, "(???)" for a reference).
_PAGE_ONLY = re.compile(
    r"\\(?:label|tag\*?|eqref|ref)\s*\{[^{}]*\}|\\(?:notag|nonumber)\b|\\(?:begin|end)\s*\{equation\*?\}"
)
_MULTILINE = re.compile(r"\\\\|\\begin\s*\{")
SNIPPET_FORMULA_LENGTH = 120  # longer formulas are left out of snippets


def body(tex):
    """The formula without its delimiters."""
    return _DELIMITERS.sub("", tex or "")


def reader_text(tex):
    """The text a reader could search for in a formula: control words and names dropped."""
    text = _ARRAY_COLUMNS.sub(" ", body(tex))
    text = _NAMED_ARGUMENT.sub(" ", text)
    return " ".join(_CONTROL.sub(" ", text).replace("{", " ").replace("}", " ").split())


def snippet_formula(tex):
    """The formula as an inline `\\(..\\)` for a search snippet, or None when it is not fit for one.

    Display math is shown inline; a formula of several lines, or longer than
    SNIPPET_FORMULA_LENGTH, is left out (the snippet shows "…" in its place).
    """
    inner = _PAGE_ONLY.sub(" ", body(tex)).strip()
    if not inner or len(inner) > SNIPPET_FORMULA_LENGTH or _MULTILINE.search(inner):
        return None
    return "\\(" + inner + "\\)"


def width(tex):
    """About how many characters wide the formula is when typeset (a command is one)."""
    return max(1, len(re.sub(r"[{}\s^_]", "", _CONTROL.sub("x", body(tex)))))
