"""Python-Markdown processors whose cost grew with the square of their input, made linear.

Each one scanned from every candidate start to the end of the text when nothing closed it,
so a run of unclosed syntax cost seconds per ten kilobytes (issue 12): `"[a](" * n`,
`"<a " * n`, `"a<b " * n`, `"\\(a " * n`. Same output on every text that closes what it
opens; on the pathological rest the result is the one the original reached, found sooner.
`LinearMarkdown()` (an extension, listed after the others) swaps them in.

The hard time limit (`markup.render_budget`) stays the backstop for whatever is left.
"""

import bisect
import re

from markdown.extensions import Extension
from markdown.htmlparser import HTMLExtractor
from markdown.inlinepatterns import IMAGE_LINK_RE, LINK_RE, ImageInlineProcessor, LinkInlineProcessor
from markdown.preprocessors import HtmlBlockPreprocessor

# --- Links and images: `[text](href "title")`.

_BRACKET = re.compile(r"[\[\]]")
_PAREN_OR_QUOTE = re.compile(r"""[()'"]""")
_QUOTE = re.compile(r"""['"]""")
# Tokens looked at before falling back to the whole-text tables below.
_SHORT_SCAN = 16


class _TextTables:
    """Per text, computed once: where each paren run closes, and where the quotes are."""

    def __init__(self, data):
        self.data = data
        self.paren_ends = _closing_ends(data, "(", ")")
        self.quotes = [m.start() for m in _QUOTE.finditer(data)]

    def quote_between(self, start, end):
        i = bisect.bisect_left(self.quotes, start)
        return i < len(self.quotes) and self.quotes[i] < end


def _closing_ends(data, opening, closing):
    """For each index, the index just past the `closing` that ends the run begun before it
    at depth one (None when none does): Python-Markdown's _findBracketEnds, for any pair."""
    ends = [None] * (len(data) + 1)
    depth = 0
    stack = []
    for pos in range(len(data) + 1):
        while stack and depth < stack[-1][1]:
            ends[stack.pop()[0]] = pos
        stack.append((pos, depth))
        if pos < len(data):
            if data[pos] == opening:
                depth += 1
            elif data[pos] == closing:
                depth -= 1
    return ends


class _LinearLinks:
    """getText and getLink of LinkInlineProcessor without scanning to the end for each `[`/`(`.

    A link that closes soon is found by a short scan; otherwise tables made once per text
    answer. Only a destination holding a quote (a title) takes the original parser.
    """

    _tables = None

    def _tables_for(self, data):
        if self._tables is None or self._tables.data is not data:
            self._tables = _TextTables(data)
        return self._tables

    def getText(self, data, index):
        if self._bracket_data is not data:  # no table for this text yet: a short scan first
            depth = 1
            for count, match in enumerate(_BRACKET.finditer(data, index)):
                if count == _SHORT_SCAN:
                    break
                depth += 1 if match.group() == "[" else -1
                if depth == 0:
                    return data[index : match.start()], match.end(), True
            else:
                return data[index:], len(data), False
        return super().getText(data, index)  # the original's table, made once per text

    def getLink(self, data, index):
        m = self.RE_LINK.match(data, pos=index)
        if not m or m.group(1):  # no `(`, or `(<href> "title")`: the original's quick cases
            return super().getLink(data, index)
        start = m.end()
        if self._tables is None or self._tables.data is not data:  # a short scan first
            depth = 1
            for count, match in enumerate(_PAREN_OR_QUOTE.finditer(data, start)):
                char = match.group()
                if char in "'\"" or count == _SHORT_SCAN:
                    break
                depth += 1 if char == "(" else -1
                if depth == 0:
                    return self.unescape(data[start : match.start()]).strip(), None, match.end(), True
            else:  # never closed, and no quote: not a link
                return "", None, len(data), False
        tables = self._tables_for(data)
        end = tables.paren_ends[start]
        if tables.quote_between(start, end if end is not None else len(data)):
            return super().getLink(data, index)  # a title: the original's quote rules
        if end is None:
            return "", None, len(data), False
        return self.unescape(data[start : end - 1]).strip(), None, end, True


class _Link(_LinearLinks, LinkInlineProcessor):
    pass


class _Image(_LinearLinks, ImageInlineProcessor):
    pass


# --- Raw HTML blocks: where a start tag ends.

# Python's tolerant start-tag pattern, as Python-Markdown adjusts it, with one change: a
# tag name, an attribute name or an unquoted value never holds `<`. Otherwise `<a <a <a`
# (or `a<b c<d` in prose) is one tag running to the end of the text, found again from
# every `<`. Browsers end a tag name at whitespace and no real attribute holds `<` unquoted.
_START_TAG_END = re.compile(
    r"""
  <[a-zA-Z][^`\t\n\r\f />\x00<]*
  (?:[\s/]*
    (?:(?<=['"\s/])[^`\s/><][^\s/=><]*
      (?:\s*=+\s*
        (?:'[^']*'
          |"[^"]*"
          |(?!['"])[^`>\s<]*
         )
         (?:\s*,)*
       )?(?:\s|/(?!>))*
     )*
   )?
  \s*
""",
    re.VERBOSE,
)


class _HtmlExtractor(HTMLExtractor):
    def check_for_whole_start_tag(self, i):
        # html.parser.HTMLParser.check_for_whole_start_tag (Python 3.11) with the pattern
        # above: the parser offers no public hook for its tag pattern.
        rawdata = self.rawdata
        j = _START_TAG_END.match(rawdata, i).end()
        following = rawdata[j : j + 1]
        if following == ">":
            return j + 1
        if following == "/":
            if rawdata.startswith("/>", j):
                return j + 2
            if rawdata.startswith("/", j):
                return -1
            return j if j > i else i + 1
        if following == "":
            return -1
        if following in "abcdefghijklmnopqrstuvwxyz=/ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            return -1
        return j if j > i else i + 1


class _HtmlBlock(HtmlBlockPreprocessor):
    def run(self, lines):
        parser = _HtmlExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


# --- Inline math between `\(` and `\)` (pymdownx.arithmatex).


class _SkipUnclosedBrackets:
    """arithmatex's inline pattern, without its `\\(` branch where no `\\)` follows.

    Its `\\(...\\)` branch scans to the next `\\)`; with none left, every `\\(` scanned to the
    end. Past the last `\\)` of a text the pattern without that branch gives the same matches.
    """

    def __init__(self, compiled, without_brackets):
        self.compiled = compiled
        self.without_brackets = without_brackets
        self._data = None
        self._last_close = -1

    def finditer(self, data, pos=0):
        if self._data is not data:
            self._data, self._last_close = data, data.rfind("\\)")
        if pos > self._last_close:
            return self.without_brackets.finditer(data, pos)
        return self.compiled.finditer(data, pos)

    def __getattr__(self, name):
        return getattr(self.compiled, name)


def _guard_arithmatex(md):
    from pymdownx.arithmatex import RE_BRACKET_INLINE

    if "arithmatex-inline" not in md.inlinePatterns:
        return
    processor = md.inlinePatterns["arithmatex-inline"]
    pattern = processor.compiled_re.pattern
    branch = "|" + RE_BRACKET_INLINE
    if branch not in pattern:
        return
    without = re.compile(pattern.replace(branch, ""), processor.compiled_re.flags)
    processor.compiled_re = _SkipUnclosedBrackets(processor.compiled_re, without)


class LinearMarkdown(Extension):
    """Swap in the processors above, under the names and priorities of those they replace."""

    def extendMarkdown(self, md):
        md.preprocessors.register(_HtmlBlock(md), "html_block", 20)
        md.inlinePatterns.register(_Link(LINK_RE, md), "link", 160)
        md.inlinePatterns.register(_Image(IMAGE_LINK_RE, md), "image_link", 150)
        _guard_arithmatex(md)
