"""What a reader would see in red: formulas MathJax refuses, and images without alt text, by line.

Pure, no ORM: `problems(body, html)` takes an article's Markdown body and the HTML the site's
pipeline made of it (`rendering.render_markdown(body).html`; rendered here when not given) and
returns a `Problem` per formula that does not parse and per image without alt text, in the
order of the source, each with its 1-based line. The admin shows them after a save and
`import_markdown` prints them; neither refuses the text.

Which text is math is the renderer's decision, not a second guess: the formulas are read
from the rendered HTML (the `arithmatex` elements MathJax typesets, in page order), so a
`$x$` in code is never checked; each is then found in the source, in order, for its line.

"Does not parse" is MathJax's verdict, modelled here without MathJax: a small reading of
the TeX finds what MathJax 3 (packages base, ams, newcommand, noundefined, require,
autoload, configmacros: `tex-chtml.js`, as static/js/mathjax-config.js loads it) reports as
an error or shows as an undefined command: unbalanced braces, `\\begin`/`\\end` that do not
match, an unknown environment, `\\left` without `\\right`, an unknown control sequence
(MathJax's own tables, per package, in `tex_commands.txt`, written by `bench/tex_commands.py`),
a double superscript or subscript, a prime after a superscript, `&` outside an alignment,
`#` outside a definition, a `^` or `_` with nothing after it. Macros a page defines
(`\\newcommand`, `\\def`, `\\DeclareMathOperator`...) and packages it loads (`\\require`, or
a command that autoloads one) count for the formulas after them, as on the page.
latex2mathml (the feeds' converter, markup/mathml.py) is not asked: it refuses much that
MathJax typesets (`align`, `\\operatorname*`...), and what both refuse is found here.

Each formula is read once, left to right, so the work is linear in the body: a 256 KiB body
with 10,000 formulas is checked in a small fraction of a second (besides its rendering).
"""

import bisect
import html as htmlmod
import re
from dataclasses import dataclass
from pathlib import Path

from markup import equations
from markup.rendering import RenderError, render_markdown

DISPLAY_CHARS = 60  # a formula is shown shortened to this many characters

# Whatever the body holds, at most this many problems are collected (the admin shows 20).
MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based line of the body
    kind: str  # "formula", "image" or "reference" (to a label no numbered equation carries)
    text: str  # the formula (shortened to DISPLAY_CHARS), the image's address, or the reference
    reason: str = ""  # for a formula, why MathJax refuses it: a key of REASONS
    details: tuple = ()  # what the reason names (a command, an environment...)

    def explained(self):
        """The reason in English."""
        return REASONS[self.reason].format(*self.details) if self.reason else ""


def shorten(text, most=DISPLAY_CHARS):
    """`text` on one line, cut to `most` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


# --- MathJax's tables ---------------------------------------------------------------------

# The packages tex-chtml.js loads at start; the rest load when \require'd or autoloaded.
STARTUP_PACKAGES = ("base", "ams", "newcommand", "noundefined", "require", "autoload", "configmacros")


def _read_tables():
    macros, environments, delimiters, autoload, autoload_envs = {}, {}, set(), {}, {}
    path = Path(__file__).with_name("tex_commands.txt")
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("#"):
            continue
        first, second, name = line.split(" ", 2)
        if first == "autoload":
            autoload[name] = second
        elif first == "autoload-environment":
            autoload_envs[name] = second
        elif second == "macro":
            macros.setdefault(first, set()).add(name)
        elif second == "environment":
            environments.setdefault(first, set()).add(name)
        elif second == "delimiter" and first in STARTUP_PACKAGES:
            delimiters.add(name)
    return macros, environments, delimiters, autoload, autoload_envs


PACKAGE_MACROS, PACKAGE_ENVIRONMENTS, DELIMITERS, AUTOLOAD, AUTOLOAD_ENVIRONMENTS = _read_tables()

# Commands whose argument is text, a name, a colour or a length, not TeX to check (their
# braces must still balance). The number is how many such arguments follow.
_TEXT_ARGUMENTS = {
    **dict.fromkeys(
        ("text", "mbox", "hbox", "vbox", "fbox", "textrm", "textit", "textbf", "textsf", "texttt",
         "textup", "textnormal", "textmd", "label", "ref", "eqref", "tag", "class", "cssId", "style",
         "unicode", "color", "textcolor", "operatorname", "href", "ce", "pu"),
        1,
    ),
    "colorbox": 2,
    "fcolorbox": 2,
    "definecolor": 3,
}  # fmt: skip
# Commands that define something; their whole definition is skipped, the name kept.
_DEFINING = frozenset(
    ("newcommand", "renewcommand", "def", "let", "DeclareMathOperator", "newenvironment",
     "renewenvironment", "Newextarrow")
)  # fmt: skip
# Plain TeX commands whose argument is an alignment (`\matrix{a & b \cr c & d}`).
_ALIGNING_ARGUMENT = frozenset(
    ("matrix", "pmatrix", "bordermatrix", "cases", "eqalign", "eqalignno", "leqalignno", "displaylines", "substack")
)
# Environments where `&` is an error (MathJax: "Misplaced &").
_NO_ALIGNMENT = frozenset({"equation", "equation*", "prooftree"})

_CONTROL = re.compile(r"\\([A-Za-z]+|[\s\S])")


# Why a formula is refused: a code, and in English (the admin translates the codes itself).
# `{0}`, `{1}` are the problem's details (a command, an environment's name...).
REASONS = {
    "brace-unclosed": "unbalanced braces: a “{{” is not closed",
    "brace-extra": "unbalanced braces: an extra “}}”",
    "left-unclosed": "\\left without a matching \\right",
    "right-extra": "\\right without a matching \\left",
    "middle-outside": "\\middle outside \\left … \\right",
    "delimiter-missing": "{0} is not followed by a delimiter such as ( [ \\{{ | or .",
    "environment-unclosed": "\\begin{{{0}}} without \\end{{{0}}}",
    "environment-mismatch": "\\begin{{{0}}} ended by \\end{{{1}}}",
    "end-extra": "\\end{{{0}}} without \\begin{{{0}}}",
    "environment-unknown": "unknown environment “{0}”",
    "environment-unnamed": "{0} without {{name}}",
    "command-unknown": "unknown command {0}",
    "double-superscript": "double superscript: use braces, as in x^{{a^b}}",
    "double-subscript": "double subscript: use braces, as in x_{{a_b}}",
    "prime-after-superscript": "a prime after a superscript: use braces, as in {{x^a}}'",
    "script-missing": "“{0}” has nothing after it",
    "ampersand": "“&” outside an alignment (align, matrix, cases, array…)",
    "hash": "“#” outside a macro definition (write \\# for the sign)",
    "verb-unclosed": "\\verb text is not closed",
    "label-unknown": "no numbered equation carries \\label{{{1}}}",
}


class _Refused(Exception):
    def __init__(self, reason, *details):
        super().__init__(reason)
        self.reason, self.details = reason, details


class PageMath:
    """What the TeX of one page knows so far: its packages and the macros it defined."""

    def __init__(self, macros=()):
        self.packages = set()
        self.macros = set(macros)
        self.environments = set()
        for package in STARTUP_PACKAGES:
            self.load(package)

    def load(self, package):
        if package not in self.packages:
            self.packages.add(package)
            self.macros |= PACKAGE_MACROS.get(package, set())
            self.environments |= PACKAGE_ENVIRONMENTS.get(package, set())

    def knows_macro(self, name):
        if name in self.macros or name == "endtoggle":  # \toggle{a}{b}\endtoggle reads up to it
            return True
        if name in AUTOLOAD:  # the first use loads its package
            self.load(AUTOLOAD[name])
            return True
        return False

    def knows_environment(self, name):
        if name in self.environments:
            return True
        if name in AUTOLOAD_ENVIRONMENTS:
            self.load(AUTOLOAD_ENVIRONMENTS[name])
            return True
        return False

    def check(self, tex):
        """None when MathJax would typeset `tex`, else (reason, details): see REASONS."""
        try:
            _Reader(self, tex).read()
        except _Refused as refused:
            return refused.reason, refused.details
        return None


class _Frame:
    """An open group: `{`, `\\left`, or an environment; with the state of its last atom."""

    __slots__ = ("kind", "name", "aligns", "sup", "sub", "prime", "script")

    def __init__(self, kind, name="", aligns=False):
        self.kind, self.name, self.aligns = kind, name, aligns
        self.sup = self.sub = self.prime = False
        self.script = ""  # "^" or "_" while its argument is awaited

    def new_atom(self):
        self.sup = self.sub = self.prime = False


class _Reader:
    """One formula, token by token (MathJax's own reading, much simplified)."""

    def __init__(self, page, tex):
        self.page, self.tex, self.i = page, tex, 0
        self.frames = [_Frame("top")]
        self.aligning_next_group = False

    # Tokens ---------------------------------------------------------------------------------

    def skip_spaces(self):
        tex, i = self.tex, self.i
        while i < len(tex) and tex[i] in " \t\n\r":
            i += 1
        self.i = i

    def skip_argument(self):
        """Pass over one argument (a group, a control sequence or a character), unchecked."""
        self.skip_spaces()
        tex = self.tex
        if self.i >= len(tex):
            return ""
        if tex[self.i] == "{":
            return self.skip_group()
        match = _CONTROL.match(tex, self.i)
        if match:
            self.i = match.end()
            return match.group(0)
        self.i += 1
        return tex[self.i - 1]

    def skip_group(self):
        """Pass over a balanced `{...}` starting at self.i; its text (without the braces)."""
        tex, start, depth, i = self.tex, self.i, 0, self.i
        while i < len(tex):
            char = tex[i]
            if char == "\\":
                i += 2
                continue
            if char == "%":
                end = tex.find("\n", i)
                i = len(tex) if end < 0 else end
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    self.i = i + 1
                    return tex[start + 1 : i]
            i += 1
        raise _Refused("brace-unclosed")

    def skip_optional(self):
        """Pass over a `[...]` option if one follows."""
        self.skip_spaces()
        if self.i < len(self.tex) and self.tex[self.i] == "[":
            depth, i = 0, self.i
            while i < len(self.tex):
                if self.tex[i] == "\\":
                    i += 2
                    continue
                if self.tex[i] == "{":
                    depth += 1
                elif self.tex[i] == "}":
                    depth -= 1
                elif self.tex[i] == "]" and depth == 0:
                    self.i = i + 1
                    return
                i += 1

    # Atoms and scripts ----------------------------------------------------------------------

    @property
    def frame(self):
        return self.frames[-1]

    def atom(self):
        """Something that can carry scripts has been read (or a pending script received it)."""
        frame = self.frame
        if frame.script:
            if frame.script == "^":
                frame.sup = True
            else:
                frame.sub = True
            frame.script = ""
        else:
            frame.new_atom()

    def script(self, char):
        frame = self.frame
        if frame.script:
            raise _Refused("script-missing", frame.script)
        if char == "^" and frame.sup:
            raise _Refused("double-superscript")
        if char == "_" and frame.sub:
            raise _Refused("double-subscript")
        frame.script = char

    def prime(self):
        frame = self.frame
        if frame.script:
            self.atom()
            return
        if frame.sup:
            raise _Refused("prime-after-superscript")
        frame.prime = True

    # Groups ---------------------------------------------------------------------------------

    def open(self, kind, name="", aligns=False):
        self.frames.append(_Frame(kind, name, aligns))

    def close(self, kind, name=""):
        frame = self.frame
        if frame.script:
            raise _Refused("script-missing", frame.script)
        if frame.kind == kind and frame.name == name:
            self.frames.pop()
            self.atom()
            return
        if kind == "{":
            raise _Refused("brace-extra") if frame.kind == "top" else self._unclosed(frame)
        if kind == "left":
            raise _Refused("right-extra") if frame.kind == "top" else self._unclosed(frame)
        if frame.kind == "env":
            raise _Refused("environment-mismatch", frame.name, name)
        raise _Refused("end-extra", name) if frame.kind == "top" else self._unclosed(frame)

    @staticmethod
    def _unclosed(frame):
        if frame.kind == "{":
            return _Refused("brace-unclosed")
        if frame.kind == "left":
            return _Refused("left-unclosed")
        return _Refused("environment-unclosed", frame.name)

    def delimiter(self, command):
        self.skip_spaces()
        match = _CONTROL.match(self.tex, self.i)
        token = match.group(0) if match else self.tex[self.i : self.i + 1]
        if token not in DELIMITERS:
            raise _Refused("delimiter-missing", command)
        self.i += len(token)

    # The reading ----------------------------------------------------------------------------

    def read(self):
        tex = self.tex
        while self.i < len(tex):
            char = tex[self.i]
            if char == "\\":
                self.control()
                continue
            self.i += 1
            if char in " \t\r\n":
                continue
            if char == "%":
                end = tex.find("\n", self.i)
                self.i = len(tex) if end < 0 else end
            elif char == "{":
                self.open("{", aligns=self.aligning_next_group)
                self.aligning_next_group = False
            elif char == "}":
                self.close("{")
            elif char in "^_":
                self.script(char)
            elif char == "'":
                self.prime()
            elif char == "&":
                if not self.frame.aligns:
                    raise _Refused("ampersand")
                self.frame.new_atom()
            elif char == "#":
                raise _Refused("hash")
            else:
                self.atom()
        frame = self.frame
        if frame.script:
            raise _Refused("script-missing", frame.script)
        if frame.kind != "top":
            raise self._unclosed(frame)

    def control(self):
        match = _CONTROL.match(self.tex, self.i)
        if match is None:  # a lone backslash at the end: MathJax ignores it
            self.i += 1
            return
        self.i = match.end()
        name = match.group(1)
        if name in ("begin", "end"):
            self.environment(name)
            return
        if name in ("left", "right", "middle"):
            self.delimiter("\\" + name)
            if name == "left":
                self.open("left")
            elif name == "right":
                self.close("left")
            elif not any(frame.kind == "left" for frame in self.frames):
                raise _Refused("middle-outside")
            return
        if name in _DEFINING:
            self.define(name)
            return
        if name == "verb":
            self.verb()
            return
        if not self.page.knows_macro(name):
            raise _Refused("command-unknown", "\\" + name)
        if name in ("limits", "nolimits", "endtoggle"):
            return
        if name == "require":
            package = self.skip_argument().strip()
            self.page.load(package.removeprefix("[tex]/"))
            return
        if name in _TEXT_ARGUMENTS and self.tex.startswith("*", self.i):  # \tag*, \operatorname*
            self.i += 1
        for _ in range(_TEXT_ARGUMENTS.get(name, 0)):
            self.skip_optional()
            self.skip_argument()
        if name in _ALIGNING_ARGUMENT:
            self.aligning_next_group = True
        self.atom()

    def environment(self, which):
        self.skip_spaces()
        if not self.tex.startswith("{", self.i):
            raise _Refused("environment-unnamed", "\\" + which)
        name = self.skip_group().strip()
        if which == "begin":
            if not self.page.knows_environment(name):
                raise _Refused("environment-unknown", name)
            self.open("env", name, aligns=name not in _NO_ALIGNMENT)
        else:
            self.close("env", name)

    def define(self, name):
        """`\\newcommand{\\R}[1]{...}`, `\\def\\R#1{...}`, `\\let\\a\\b`...: the name becomes known."""
        if self.tex.startswith("*", self.i):
            self.i += 1
        defined = self.skip_argument().strip()
        if name in ("newenvironment", "renewenvironment"):
            self.page.environments.add(defined)
            self.skip_optional()
            self.skip_optional()
            self.skip_argument()
            self.skip_argument()
            return
        defined = defined.removeprefix("\\")
        if defined:
            self.page.macros.add(defined)
        if name == "let":
            self.skip_spaces()
            if self.tex.startswith("=", self.i):
                self.i += 1
            self.skip_argument()
        elif name == "def":
            # Parameters (#1#2, or a delimited pattern) up to the body's brace.
            brace = self.tex.find("{", self.i)
            self.i = len(self.tex) if brace < 0 else brace
            self.skip_argument()
        elif name == "Newextarrow":
            self.skip_argument()
            self.skip_argument()
        else:
            self.skip_optional()
            self.skip_optional()
            self.skip_argument()

    def verb(self):
        if self.i >= len(self.tex):
            raise _Refused("verb-unclosed")
        end = self.tex.find(self.tex[self.i], self.i + 1)
        if end < 0:
            raise _Refused("verb-unclosed")
        self.i = end + 1
        self.atom()


# --- Finding the formulas and images, with their lines -------------------------------------

_FORMULA = re.compile(r'<(span|div) class="arithmatex"(?: id="[^"]*")?>(.*?)</\1>', re.S)
_WRAPPED = re.compile(r"\\([(\[])(.*)\\([)\]])", re.S)
# An image without alt text: `![](url)` or `![ ](url "title")`; in raw HTML an <img> whose
# alt is missing or blank. Outside code: checked against the rendered page's images.
_MARKDOWN_IMAGE = re.compile(r"!\[\s*\]\(\s*<?([^)\s>]*)")
_HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.I)
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_SOURCE = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def formulas(html):
    """(TeX, display) of every formula of the rendered page, in page order."""
    found = []
    for match in _FORMULA.finditer(html):
        text = htmlmod.unescape(match.group(2))
        wrapped = _WRAPPED.fullmatch(text)
        if wrapped:
            found.append((wrapped.group(2), wrapped.group(1) == "["))
        else:
            found.append((text, match.group(1) == "div"))
    return found


# Code in the source, blanked out before formulas are looked for (a `$x$` in code is no
# formula; the same TeX may stand in code before it stands in the text). Fences of three or
# more backticks or tildes to the same fence or the end; code spans to the same run of backticks.
_FENCED = re.compile(
    r"^[ \t>]*(`{3,}|~{3,})[^\n]*\n(?:.*?\n)??[ \t>]*\1[`~]*[ \t]*$|^[ \t>]*(`{3,}|~{3,}).*\Z", re.M | re.S
)
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)


def _blank(match):
    return re.sub(r"[^\n]", " ", match.group(0))


def without_code(body):
    """`body` with its fenced code and code spans made spaces (lines and offsets kept)."""
    return _CODE_SPAN.sub(_blank, _FENCED.sub(_blank, body))


# Where a formula may start in the source; which of them are formulas the page says.
_OPENING = re.compile(r"\$\$|\$|\\\(|\\\[|\\begin\{")
# Between an opening and the formula's first characters: spaces, and on a new line the
# indentation of a list or the `>` of a quote, which the page does not keep.
_GAP = re.compile(r"[ \t]*(?:\n[ \t>]*)*")
# How many openings past the previous formula the next one is looked for among (dollars of
# prices, escaped ones...); a formula not found there gets the previous one's line.
_LOOK_AHEAD = 200


class _Lines:
    """Line numbers of offsets in the body, and each formula's offset, found in order."""

    def __init__(self, body):
        # Markdown reads tabs as spaces, and so the formulas on the page have them (the lines
        # stay where they are).
        self.body = without_code(body.expandtabs(4))
        self.starts = [0]
        self.starts.extend(match.end() for match in re.finditer("\n", self.body))
        self.openings = [(match.start(), match.end()) for match in _OPENING.finditer(self.body)]
        self.next = 0  # the first opening not taken yet
        self.offset = 0

    def line(self, offset):
        return bisect.bisect_right(self.starts, offset)

    def find(self, tex):
        """The offset in the body where the formula `tex` (the page's next) starts."""
        key = tex.strip().split("\n", 1)[0][:16]
        body, openings = self.body, self.openings
        for index in range(self.next, min(self.next + _LOOK_AHEAD, len(openings))):
            start, end = openings[index]
            if body[start] == "\\" and body[end - 1] == "{":  # \begin{env}: the formula includes it
                end = start
            if body.startswith(key, _GAP.match(body, end).end()):
                self.next, self.offset = index + 1, start
                break
        return self.offset


def _image_problems(body, html):
    """Images on the page without alt text, each at the first matching line of the source."""
    problems = []
    empty = 0
    for tag in _HTML_IMAGE.findall(html):
        alt = _ALT.search(tag)
        if alt is None or not "".join(part or "" for part in alt.groups()).strip():
            empty += 1
    if not empty:
        return problems
    lines = _Lines(body)
    candidates = []
    for match in _MARKDOWN_IMAGE.finditer(lines.body):
        candidates.append((match.start(), match.group(1)))
    for match in _HTML_IMAGE.finditer(lines.body):
        alt = _ALT.search(match.group(0))
        if alt is None or not "".join(part or "" for part in alt.groups()).strip():
            source = _SOURCE.search(match.group(0))
            candidates.append((match.start(), "".join(part or "" for part in source.groups()) if source else ""))
    candidates.sort()
    # The page is the judge of how many there are (an image in code is no image); the source
    # says where. Should they disagree, the first ones found in the source are named.
    for offset, address in candidates[:empty]:
        problems.append(Problem(lines.line(offset), "image", shorten(address)))
    for _ in range(empty - len(candidates)):
        problems.append(Problem(1, "image", ""))
    return problems


def problems(body, html=None, macros=()):
    """Every formula MathJax would refuse, every image without alt text and every reference
    (`\\eqref`, `\\ref`) to an unknown label, in source order.

    `html` is the rendered body (rendered here when None; a body the site refuses to render
    has no problems to list, its refusal says it all). `macros` are names the page's
    MathJax knows besides its packages' (none today).
    """
    if html is None:
        try:
            html = render_markdown(body).html
        except RenderError:
            return []
    found = []
    page = PageMath(macros)
    lines = _Lines(body)
    for tex, _display in formulas(html):
        offset = lines.find(tex)
        refused = page.check(tex)
        if refused:
            found.append(Problem(lines.line(offset), "formula", shorten(tex), *refused))
            if len(found) >= MAX_PROBLEMS:
                break
    found.extend(_image_problems(body, html))
    for offset, command, label in equations.unknown_references(lines.body, html):
        found.append(
            Problem(lines.line(offset), "reference", f"{command}{{{label}}}", "label-unknown", (command, label))
        )
    found.sort(key=lambda problem: problem.line)
    return found[:MAX_PROBLEMS]
