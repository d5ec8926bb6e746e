"""markup.formula_check: the formulas MathJax would show in red, and images without alt text, by line.

The verdicts below were compared with MathJax 3.2 itself (run by Node.js on the same TeX):
every formula said to fail here fails there, with the error named in the comment.
"""

import shutil
import time
from pathlib import Path

import pytest

from markup import formula_check
from markup.formula_check import PageMath, problems
from markup.rendering import render_markdown

ROOT = Path(__file__).resolve().parents[2]

TYPESET = [
    r"x^2 + y_1^2 = z'^2",
    r"f''(x) + f'_1",
    r"{}^a_b X^{c^d}",
    r"\frac{a}{b} \over c",
    r"\left( \frac{1}{2} \middle| x \right)",
    r"\left\{ x \right. \quad \left\lbrace y \right\rbrace \left\langle z \right\rangle \left. w \right|_{0}",
    r"\begin{align} a &= b \\ c &= d \end{align}",
    r"\begin{aligned} a &= 1 & b &= 2 \\ 3a &= 3 & 17b &= 34 \end{aligned}",
    r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}",
    r"\begin{array}{c|c} a & b \\ \hline c & d \end{array}",
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix} \begin{gather} a \\ b \end{gather}",
    r"\matrix{a & b \cr c & d} \quad \substack{i < n \\ j < m}",
    r"\operatorname*{argmax}_x f(x) \quad \operatorname{sgn} x",
    r"\text{\undefined in text is only text} \mbox{a}_1 \tag{1.2} \label{eq}",
    r"\sum\limits_{i=1}^n \int\nolimits_0^1 \lim_{x \to 0}",
    r"\mathbb{R}^n \mathcal{L} \boldsymbol{\theta} \mathrm{d}x \,\;\!\: \{ \} \| \\ \%",
    r"\color{red}{x} \textcolor{blue}{y} \colorbox{yellow}{text} \cancel{x} \bra{x} \ket{y}",
    r"\ce{H2O -> H+ + OH-} \unicode{x263A} \href{https://example.org}{x} \verb|x^^|",
    r"a \\ b",  # a line break outside an alignment is allowed
    r"x % a comment with \undefined and {",
    r"\def\E{\mathbb{E}} \E[X] \newcommand{\R}[1]{\mathbb{R}^{#1}} \R{n} \DeclareMathOperator{\Tr}{Tr} \Tr A",
    r"\require{physics} \qty(x)",
    r"\xrightarrow{f} \overbrace{a+b}^{n} \underbrace{a}_{n} \stackrel{a}{=} \binom nk \not= \neq",
    r"x\ ",
]

# (TeX, the reason's code, its details): what MathJax says, in the comment.
REFUSED = [
    (r"x^a^b", "double-superscript", ()),  # Double exponent: use braces to clarify
    (r"x_a^b_c", "double-subscript", ()),  # Double subscripts: use braces to clarify
    (r"\hat{x}^2^3", "double-superscript", ()),
    (r"x^{a}'", "prime-after-superscript", ()),  # Prime causes double exponent
    (r"\frac{a}{b", "brace-unclosed", ()),  # Missing close brace
    (r"\frac{a}{b}}", "brace-extra", ()),  # Extra close brace or missing open brace
    (r"\foo + 1", "command-unknown", (r"\foo",)),  # shown as a red \foo
    (r"\bm{x}", "command-unknown", (r"\bm",)),
    (r"\qty(x)", "command-unknown", (r"\qty",)),  # physics is not loaded unless required
    (r"\'e", "command-unknown", (r"\'",)),
    (r"\left( x", "left-unclosed", ()),  # Extra \left or missing \right
    (r"x \right)", "right-extra", ()),  # Missing \left or extra \right
    (r"\left( {x \right)}", "brace-unclosed", ()),
    (r"\middle| x", "middle-outside", ()),  # Extra \middle
    (r"\left x \right)", "delimiter-missing", (r"\left",)),  # Missing or unrecognized delimiter
    (r"\begin{foo} a \end{foo}", "environment-unknown", ("foo",)),  # Unknown environment 'foo'
    (r"\begin{tabular}{cc} a & b \end{tabular}", "environment-unknown", ("tabular",)),
    (r"\begin{matrix} a \end{pmatrix}", "environment-mismatch", ("matrix", "pmatrix")),
    (r"\begin{align} a &= b", "environment-unclosed", ("align",)),  # Missing \end{align}
    (r"a \end{align}", "end-extra", ("align",)),
    (r"a & b", "ampersand", ()),  # Misplaced &
    (r"\begin{matrix} {a & b} \end{matrix}", "ampersand", ()),
    (r"\begin{equation} a & b \end{equation}", "ampersand", ()),
    (r"\left( a & b \right)", "ampersand", ()),
    (r"x^", "script-missing", ("^",)),  # Missing superscript or subscript argument
    (r"{x_}", "script-missing", ("_",)),
    (r"a # b", "hash", ()),  # You can't use 'macro parameter character #' in math mode
]


@pytest.mark.parametrize("tex", TYPESET)
def test_what_mathjax_typesets_passes(tex):
    assert PageMath().check(tex) is None


@pytest.mark.parametrize(("tex", "reason", "details"), REFUSED)
def test_what_mathjax_refuses_is_found_with_the_reason(tex, reason, details):
    assert PageMath().check(tex) == (reason, details)


def test_every_reason_reads_as_a_sentence():
    for tex, reason, details in REFUSED:
        problem = formula_check.Problem(1, "formula", tex, reason, details)
        assert problem.explained() and "{" not in problem.explained().replace("{x", "").replace("{a", "")[:3]
    assert set(formula_check.REASONS) >= {reason for _, reason, _ in REFUSED}


def test_macros_and_packages_count_from_where_the_page_defines_them():
    page = PageMath()
    assert page.check(r"\R^n") == ("command-unknown", (r"\R",))  # used before its definition: red
    assert page.check(r"\newcommand{\R}{\mathbb{R}} \R") is None
    assert page.check(r"\R^n") is None
    assert page.check(r"\hbar \slashed{D}") == ("command-unknown", (r"\slashed",))
    assert page.check(r"\bra{x}") is None  # autoloads braket...
    assert page.check(r"\Set{x \mid x > 0}") is None  # ...which brings its other commands
    assert page.check(r"\begin{CD} A @>>> B \end{CD}") is None  # amscd, autoloaded by its environment


def test_the_command_list_is_mathjax_own():
    text = (ROOT / "markup" / "tex_commands.txt").read_text(encoding="utf-8")
    assert "MathJax 3.2" in text.split("\n", 1)[0]
    for line in ("base macro frac", "ams macro operatorname", "ams environment align", "base delimiter \\lbrace"):
        assert line in text.split("\n")
    assert "boldsymbol" in formula_check.AUTOLOAD and "cancel" in formula_check.AUTOLOAD


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs MathJax")


@needs_node
def test_the_command_list_is_current():
    from bench import tex_commands

    written = (ROOT / "markup" / "tex_commands.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")
    assert written == tex_commands.lines(), "run: python -m bench.tex_commands"


@needs_node
def test_mathjax_itself_agrees_with_every_verdict_here():
    from bench import tex_commands

    typeset = [tex for tex in TYPESET if "\\require" not in tex]  # MathJax's loader is not run here
    refused = [tex for tex, _, _ in REFUSED]
    verdicts = [page[0] for page in tex_commands.mathjax_verdicts([[(tex, False)] for tex in typeset + refused])]
    said = dict(zip(typeset + refused, verdicts, strict=True))
    assert {tex: said[tex] for tex in typeset} == dict.fromkeys(typeset, "")
    assert [tex for tex in refused if not said[tex]] == []
    # A page defines a macro for the formulas after it, not before.
    page = [("\\R^n", False), ("\\newcommand{\\R}{\\mathbb{R}} \\R", False), ("\\R^n", False)]
    assert [bool(v) for v in tex_commands.mathjax_verdicts([page])[0]] == [True, False, False]


# --- Which text is math: the renderer's, both ways round -------------------------------------

TRICKY_BODY = """\
# Notes

Inline $x^a^b$ is checked, and `$y^a^b$` in a code span is not.

``` python
price = "$z^a^b$"
```

~~~
$$w^a^b$$
~~~

    $$v^a^b$$ indented code

<div>
$u^a^b$ in a raw HTML block is not typeset
</div>

An escaped \\$t^a^b\\$ is text.

- a list item with $\\frac{1}{2$
  and more

> a quote with
> $$\\left( q$$

$$
\\begin{aligned}
a &= b
\\end{aligned}
$$

\\begin{align}
c &= d & e
\\end{alig}

Two on one line: $\\foo$ and $$\\beta^a^b$$ end.[^n]

[^n]: A note with $n^a^b$.
"""


def test_only_what_the_page_typesets_is_checked_each_at_its_line():
    found = [(p.line, p.text, p.reason) for p in problems(TRICKY_BODY)]
    assert found == [
        (3, "x^a^b", "double-superscript"),
        (21, "\\frac{1}{2", "brace-unclosed"),
        (25, "\\left( q", "left-unclosed"),
        (37, "\\foo", "command-unknown"),
        (37, "\\beta^a^b", "double-superscript"),
        (39, "n^a^b", "double-superscript"),
    ]


def test_every_formula_the_renderer_makes_is_found_in_the_source_and_nothing_else():
    page = render_markdown(TRICKY_BODY).html
    rendered = [tex for tex, _ in formula_check.formulas(page)]
    # What is not math holds "^a^b" after a letter from t to z, or is the `align` block whose
    # \\end does not match (arithmatex leaves it as text, and so MathJax on the page).
    assert not any(f"{letter}^a^b" in tex for tex in rendered for letter in "tuvwyz")
    assert not any("alig}" in tex for tex in rendered)
    assert len(rendered) == 7
    lines = [p.line for p in problems(TRICKY_BODY, page)]
    assert lines == sorted(lines)


def test_the_same_tex_in_code_before_the_formula_does_not_move_its_line():
    body = "`$\\frac{a}{b$`\n\n```\n$\\frac{a}{b$\n```\n\nNow $\\frac{a}{b$ for real.\n"
    assert [(p.line, p.reason) for p in problems(body)] == [(7, "brace-unclosed")]


def test_formulas_on_many_lines_in_lists_and_quotes_get_their_first_line():
    body = "Intro.\n\n- item $a\n  & b$ in a list\n\n> quoted $\\left(\n> x$\n"
    assert [(p.line, p.reason) for p in problems(body)] == [(3, "ampersand"), (6, "left-unclosed")]


def test_tabs_before_a_formula_do_not_move_it():
    body = "Text\twith\ttabs and $x^2$.\n\nMore\ttabs: $a\tb$, then $\\frac{a}{b$ here.\n"
    assert [(p.line, p.text) for p in problems(body)] == [(3, "\\frac{a}{b")]


def test_images_without_alt_text_outside_code():
    body = (
        "![](/media/a.png)\n\n![A cat.](/media/b.png)\n\n`![](/media/code.png)`\n\n"
        '<p><img src="/media/c.png"></p>\n\n<img src="/media/d.png" alt="described">\n\n![ ](/media/e.png)\n'
    )
    assert [(p.line, p.kind, p.text) for p in problems(body)] == [
        (1, "image", "/media/a.png"),
        (7, "image", "/media/c.png"),
        (11, "image", "/media/e.png"),
    ]


def test_the_demo_articles_have_no_problem():
    for path in sorted((ROOT / "articles" / "demo").glob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        assert problems(body) == [], path.name


def test_a_large_body_with_ten_thousand_formulas_is_checked_quickly():
    paragraphs, count = [], 0
    while count < 10_000:
        bad = "y^a^b" if count % 40 == 0 else "y^{a^b}"
        paragraphs.append(
            f"Step {count}: $x_{{{count}}}^2$, ${bad}$, $z$.\n\n"
            f"$$\n\\begin{{aligned}}a &= {count}\\end{{aligned}}\n$$\n\n"
        )
        count += 4
    body = "".join(paragraphs)
    assert len(body.encode()) <= 256 * 1024
    page = render_markdown(body).html
    assert page.count('class="arithmatex"') >= 10_000
    start = time.process_time()
    found = problems(body, page)
    # Linear: 0.16 s of CPU on a quiet 2-core machine, 0.82 s at load 16 (2026-12-07); a check
    # quadratic in the formula count would take minutes. Speed targets belong in the benchmarks.
    assert time.process_time() - start < 2.5
    assert len(found) == 250 and {p.reason for p in found} == {"double-superscript"}
    assert [p.line for p in found[:3]] == [1, 61, 121]
