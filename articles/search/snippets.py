"""Search snippets: a window of an article's text around the first match, matches marked.

The text is the index's `plain` column: the body's text with each formula marked whole
(`markup.summaries.marked_text`). A snippet cuts only between formulas, never inside one,
and shows each formula as `<span class="arithmatex">\\(..\\)</span>` for MathJax to typeset
(display math inline; one too long or of several lines as "…", see
`markup.tex_words.snippet_formula`). Words are marked in the text only: a formula whose
reader words match (`markup.tex_words.reader_text`) is marked whole, so neither a TeX
command (the q of `\\quad`) nor a highlight ever splits a formula.
"""

import re
from html import escape

from markup import cjk, tex_words
from markup.summaries import FORMULA

SNIPPET_LENGTH = 160  # characters shown, a formula counted by its typeset width
GAP = "…"
# A Latin query word matches as a prefix in the index, so it is marked only where a word
# begins: "q" never marks the q of "FAQ" (a CJK character before it is not a Latin letter).
_NOT_AFTER_LATIN = rf"(?<!(?![{cjk.WORD_RUN}])[^\W_])"
_CJK = re.compile(f"[{cjk.WORD_RUN}]")


def highlighter(words):
    """A pattern of `words` (longest first) as the search matched them, or None."""
    words = sorted({w for w in words if w.strip()}, key=len, reverse=True)
    if not words:
        return None
    alternatives = [re.escape(w) if _CJK.match(w) else _NOT_AFTER_LATIN + re.escape(w) for w in words]
    return re.compile("|".join(alternatives), re.IGNORECASE)


class _Text:
    """`text` as pieces (is_formula, start, end); a formula piece includes its two marks."""

    def __init__(self, text):
        self.text = text
        self.pieces, position = [], 0
        for formula in FORMULA.finditer(text):
            if formula.start() > position:
                self.pieces.append((False, position, formula.start()))
            self.pieces.append((True, formula.start(), formula.end()))
            position = formula.end()
        if position < len(text):
            self.pieces.append((False, position, len(text)))

    def tex(self, index):
        _, start, end = self.pieces[index]
        return self.text[start + 1 : end - 1]

    def cost(self, index):
        shown = tex_words.snippet_formula(self.tex(index))
        return tex_words.width(shown) if shown else len(GAP)

    def first_match(self, pattern):
        """(piece index, position) of the first match, or None."""
        for index, (is_formula, start, end) in enumerate(self.pieces):
            if is_formula:
                if pattern.search(tex_words.reader_text(self.tex(index))):
                    return index, start
            else:
                found = pattern.search(self.text, start, end)
                if found:
                    return index, found.start()
        return None

    def window(self, index, position, length):
        """(start, end) of about `length` characters around `position` in piece `index`, a
        quarter of them before it; formulas are taken whole or not at all."""
        back = budget = length // 4
        start, i = position, index
        if not self.pieces[i][0]:
            taken = min(budget, start - self.pieces[i][1])
            start, budget = start - taken, budget - taken
            if start > self.pieces[i][1]:
                budget = 0
        i -= 1
        while i >= 0 and budget > 0:
            is_formula, piece_start, piece_end = self.pieces[i]
            if is_formula:
                if self.cost(i) > budget:
                    break
                start, budget = piece_start, budget - self.cost(i)
            else:
                taken = min(budget, piece_end - piece_start)
                start, budget = piece_end - taken, budget - taken
                if start > piece_start:
                    break
            i -= 1
        budget = length - (back - budget)
        end, i = position, index
        is_formula, _, piece_end = self.pieces[i]
        if is_formula:  # the matched formula, whatever it costs
            end, budget = piece_end, budget - self.cost(i)
        else:
            taken = min(budget, piece_end - end)
            end, budget = end + taken, budget - taken
            if end < piece_end:
                return start, end
        i += 1
        while i < len(self.pieces) and budget > 0:
            is_formula, piece_start, piece_end = self.pieces[i]
            if is_formula:
                if self.cost(i) > budget:
                    break
                end, budget = piece_end, budget - self.cost(i)
            else:
                taken = min(budget, piece_end - piece_start)
                end, budget = piece_start + taken, budget - taken
                if end < piece_end:
                    break
            i += 1
        return start, end

    def html(self, start, end, pattern):
        out = []
        for index, (is_formula, piece_start, piece_end) in enumerate(self.pieces):
            if piece_end <= start or piece_start >= end:
                continue
            if is_formula:
                out.append(_formula_html(self.tex(index), pattern))
            else:
                out.append(_marked(self.text[max(start, piece_start) : min(end, piece_end)], pattern))
        return "".join(out)


def _marked(text, pattern):
    html, position = [], 0
    for match in pattern.finditer(text):
        html.append(escape(text[position : match.start()]))
        html.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    html.append(escape(text[position:]))
    return "".join(html)


def _formula_html(tex, pattern):
    shown = tex_words.snippet_formula(tex)
    html = f'<span class="arithmatex">{escape(shown, quote=False)}</span>' if shown else GAP
    return f"<mark>{html}</mark>" if pattern.search(tex_words.reader_text(tex)) else html


def snippet(text, words, length=SNIPPET_LENGTH):
    """HTML: a window of `text` (marked formulas) around the first match, escaped, with matches
    in <mark>. Returns "" when no word occurs in the text.

    Each piece of text is escaped before any markup is added; no input reaches the page raw.
    """
    pattern = highlighter(words or ())
    if not text or pattern is None:
        return ""
    pieces = _Text(text)
    first = pieces.first_match(pattern)
    if first is None:
        return ""
    start, end = pieces.window(*first, length)
    prefix = GAP if start > 0 else ""
    suffix = GAP if end < len(text) else ""
    return prefix + pieces.html(start, end, pattern).strip() + suffix


def has_formula(html):
    """Whether a snippet shows a formula (the page then loads MathJax)."""
    return 'class="arithmatex"' in html
