"""TeX macros expanded on the server: site-wide ones and an article's own.

Pure, no ORM and no settings: the site's macros are handed in once by the project's settings
(`kb/settings.py` calls `use_site_macros(KB_TEX_MACROS)`), an article's come with its text
(front matter `macros:` or the admin's field, written one a line as `\\R = \\mathbb{R}` or
`\\norm[1] = \\left\\lVert #1 \\right\\rVert`). `markup.rendering` expands them in every
formula before MathJax, the feeds' MathML and the save warnings see it, so the page, the
admin preview and the feeds agree, and MathJax needs no macro table of its own.

A formula keeps its TeX byte for byte unless it uses a macro. A name the page defines itself
(`\\newcommand`, `\\renewcommand`, `\\def`, `\\let`, `\\DeclareMathOperator`) is left to
MathJax from there on, as MathJax would read it. Expansion is bounded: a macro that expands
into itself (directly or through others) more than MAX_DEPTH levels deep, or a formula that
grows past `expanded_limit()`, is refused with MacroError naming the macro, and the text is
kept for the author to fix.
"""

import re

MAX_DEPTH = 20  # macros within macros
MAX_MACROS = 200  # per article, and on the site
MAX_DEFINITION = 1_000  # characters of one definition
MAX_ARGUMENTS = 9

NAME = re.compile(r"^[A-Za-z]+$")
_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)|\\[\s\S]")
_DEFINING = re.compile(
    r"\\(?:newcommand|renewcommand|DeclareMathOperator)\*?\s*\{?\s*\\([A-Za-z]+)|\\(?:def|let)\s*\\([A-Za-z]+)"
)
_DEFINING_COMMANDS = frozenset({"newcommand", "renewcommand", "DeclareMathOperator", "def", "let"})
_LINE = re.compile(r"^\\([A-Za-z]+)\s*(?:\[\s*(\d)\s*\])?\s*=\s*(.*)$")
_PARAMETER = re.compile(r"#(\d)")

# The site's default macros, in MathJax's configuration format: a definition, or
# [definition, number of arguments].
DEFAULT_SITE_MACROS = {
    "R": r"\mathbb{R}",
    "N": r"\mathbb{N}",
    "Z": r"\mathbb{Z}",
    "Q": r"\mathbb{Q}",
    "C": r"\mathbb{C}",
    "E": r"\mathbb{E}",
    "Var": r"\operatorname{Var}",
    "Cov": r"\operatorname{Cov}",
    "argmax": r"\mathop{\mathrm{arg\,max}}\limits",
    "argmin": r"\mathop{\mathrm{arg\,min}}\limits",
    "norm": [r"\left\lVert #1 \right\rVert", 1],
    "abs": [r"\left\lvert #1 \right\rvert", 1],
    "KL": r"D_{\mathrm{KL}}",
}


class MacroError(ValueError):
    """A macro table that cannot be read, or a formula whose macros expand without end."""


def expanded_limit(tex):
    """The most characters a formula of `tex` may grow to once its macros are expanded."""
    return 8 * len(tex) + 4_000


def read(table, where="macros"):
    """{name: (definition, arguments)} from MathJax's format ({"R": "\\\\mathbb{R}", "norm": ["..", 1]}).

    Raises MacroError saying what is wrong, naming `where` the table comes from.
    """
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise MacroError(f"{where}: expected a mapping of names to definitions, such as {{R: '\\mathbb{{R}}'}}")
    if len(table) > MAX_MACROS:
        raise MacroError(f"{where}: more than {MAX_MACROS} macros")
    macros = {}
    for name, value in table.items():
        name = str(name).lstrip("\\")
        arguments = 0
        if isinstance(value, (list, tuple)) and len(value) == 2:
            value, arguments = value
        if not NAME.match(name):
            raise MacroError(f"{where}: “{name}” is not a macro name (letters only, as in \\R)")
        if not isinstance(value, str):
            raise MacroError(f"{where}: the definition of \\{name} is not text")
        if isinstance(arguments, bool) or not isinstance(arguments, int) or not 0 <= arguments <= MAX_ARGUMENTS:
            raise MacroError(f"{where}: \\{name} takes 0 to {MAX_ARGUMENTS} arguments, not {arguments!r}")
        macros[name] = _checked(name, value, arguments, where)
    return macros


def _checked(name, definition, arguments, where):
    if len(definition) > MAX_DEFINITION:
        raise MacroError(f"{where}: the definition of \\{name} is longer than {MAX_DEFINITION} characters")
    used = [int(number) for number in _PARAMETER.findall(definition)]
    if any(not 1 <= number <= arguments for number in used):
        raise MacroError(f"{where}: \\{name} uses #{max(used)} but takes {arguments} argument(s)")
    if definition.count("{") - definition.count("\\{") != definition.count("}") - definition.count("\\}"):
        raise MacroError(f"{where}: the braces of \\{name}'s definition do not balance")
    if any(match.group(1) == name for match in _CONTROL_WORD.finditer(definition)):
        raise MacroError(f"{where}: \\{name} refers to itself")
    return definition, arguments


def parse_lines(text):
    """An article's macro field, one a line (`\\R = \\mathbb{R}`, `\\norm[1] = ..#1..`), as a table.

    Blank lines and lines starting with `%` are skipped. Raises MacroError naming the line.
    """
    macros = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        match = _LINE.match(line)
        if not match:
            raise MacroError(f"line {number}: write a macro as \\name = definition, or \\name[1] = … #1 …")
        name, arguments, definition = match.group(1), int(match.group(2) or 0), match.group(3).strip()
        macros[name] = _checked(name, definition, arguments, f"line {number}")
        if len(macros) > MAX_MACROS:
            raise MacroError(f"line {number}: more than {MAX_MACROS} macros")
    return macros


def to_lines(macros):
    """The one-a-line text of a table read by `read()` or `parse_lines()`."""
    return "\n".join(
        f"\\{name}{f'[{arguments}]' if arguments else ''} = {definition}"
        for name, (definition, arguments) in macros.items()
    )


def to_front_matter(macros):
    """A table as front matter writes it: {name: definition} or {name: [definition, n]}."""
    return {
        name: [definition, arguments] if arguments else definition for name, (definition, arguments) in macros.items()
    }


_site = {}


def use_site_macros(table):
    """Make `table` (MathJax's format, e.g. settings.KB_TEX_MACROS) the site's macros."""
    global _site
    _site = read(table, "KB_TEX_MACROS")


def site_macros():
    return dict(_site)


use_site_macros(DEFAULT_SITE_MACROS)


class PageMacros:
    """The macros in force on one page, formula by formula in page order."""

    def __init__(self, article_macros=None):
        self.macros = {**_site, **(article_macros or {})}

    def expand(self, tex):
        """`tex` with every macro expanded; unchanged (the same string) when it uses none."""
        if not self.macros or "\\" not in tex:
            return tex
        defined = {a or b for a, b in _DEFINING.findall(tex)}
        used = {match.group(1) for match in _CONTROL_WORD.finditer(tex)} & self.macros.keys()
        if not used - defined:
            self._forget(defined)
            return tex
        limit = expanded_limit(tex)
        out = []
        _Expansion(self.macros, defined, limit).run(tex, out, 0)
        self._forget(defined)
        return "".join(out)

    def _forget(self, names):
        # Defined by the page itself: MathJax's reading of them wins from here on.
        for name in names:
            self.macros.pop(name, None)


class _Expansion:
    def __init__(self, macros, defined, limit):
        self.macros, self.defined, self.limit, self.size = macros, defined, limit, 0

    def _emit(self, out, text):
        self.size += len(text)
        if self.size > self.limit:
            raise MacroError(
                f"the macros of a formula expand to more than {self.limit:,} characters; "
                "a macro that repeats its own argument or another macro grows without end"
            )
        out.append(text)

    def run(self, tex, out, depth):
        position = 0
        naming = False  # the next control word is the name a \newcommand or \def defines
        for match in _CONTROL_WORD.finditer(tex):
            name = match.group(1)
            if match.start() < position or name is None:
                continue
            if naming:
                naming = False
                continue
            if name in _DEFINING_COMMANDS:
                naming = True
                continue
            if name not in self.macros or name in self.defined:
                continue
            # A control word ends at the first non-letter: `\Rn` is not `\R`.
            definition, arguments = self.macros[name]
            values, end = _arguments(tex, match.end(), arguments)
            if values is None:
                continue  # too few arguments: left to MathJax, which says so
            if depth >= MAX_DEPTH:
                raise MacroError(f"the macro \\{name} expands into itself (or nests more than {MAX_DEPTH} macros deep)")
            self._emit(out, tex[position : match.start()])
            body = _PARAMETER.sub(lambda m, values=values: values[int(m.group(1)) - 1], definition)
            # Keep a following letter from joining the expansion's last control word.
            if end < len(tex) and tex[end].isalpha() and re.search(r"\\[A-Za-z]+$", body):
                body += " "
            self.run(body, out, depth + 1)
            position = end
        self._emit(out, tex[position:])


def _arguments(tex, index, count):
    """`count` TeX arguments from `index`: (their texts, the index after them), or (None, index)."""
    values = []
    for _ in range(count):
        while index < len(tex) and tex[index].isspace():
            index += 1
        if index >= len(tex):
            return None, index
        if tex[index] == "{":
            depth, start = 0, index
            while index < len(tex):
                char = tex[index]
                if char == "\\":
                    index += 2
                    continue
                depth += {"{": 1, "}": -1}.get(char, 0)
                index += 1
                if depth == 0:
                    break
            if depth:
                return None, index
            values.append(tex[start + 1 : index - 1])
        elif tex[index] == "\\":
            match = _CONTROL_WORD.match(tex, index)
            values.append(match.group(0))
            index = match.end()
        elif tex[index] == "}":
            return None, index
        else:
            values.append(tex[index])
            index += 1
    return values, index
