"""TeX macros expanded on the server (markup.macros): the site's, an article's, and their bounds."""

import pytest

from markup import macros
from markup.formula_check import problems
from markup.rendering import RenderError, render_article, render_markdown
from tests.corpus import FORMULAS
from tests.htmlcheck import Document


def math_of(source, article_macros=None):
    return Document(render_markdown(source, macros=article_macros).html).math


def test_site_macros_are_expanded_before_mathjax_sees_the_formula():
    assert math_of("Let $x \\in \\R^n$ and $\\E[X]$, $\\hat\\theta = \\argmax_\\theta \\norm{g}$.") == [
        "\\(x \\in \\mathbb{R}^n\\)",
        "\\(\\mathbb{E}[X]\\)",
        "\\(\\hat\\theta = \\mathop{\\mathrm{arg\\,max}}\\limits_\\theta \\left\\lVert g \\right\\rVert\\)",
    ]


def test_an_articles_macros_apply_with_arguments_and_may_use_the_sites():
    own = macros.parse_lines("\\prob[1] = P\\left(#1\\right)\n% a comment\n\n\\Rn = \\R^n\n")
    assert math_of("$\\prob{A \\cap B}$ on $\\Rn$", own) == ["\\(P\\left(A \\cap B\\right)\\)", "\\(\\mathbb{R}^n\\)"]
    assert math_of("$\\prob{A}$") == ["\\(\\prob{A}\\)"]  # another article: not defined


def test_a_control_word_is_a_whole_word():
    assert math_of("$\\Real + \\R1 + \\R_x + \\\\R$") == ["\\(\\Real + \\mathbb{R}1 + \\mathbb{R}_x + \\\\R\\)"]


def test_a_macro_the_page_defines_itself_is_left_to_mathjax():
    source = "$\\newcommand{\\E}{\\mathrm{E}} \\E[X]$ and later $\\E[Y]$; $\\R$ still expands."
    assert math_of(source) == [
        "\\(\\newcommand{\\E}{\\mathrm{E}} \\E[X]\\)",
        "\\(\\E[Y]\\)",
        "\\(\\mathbb{R}\\)",
    ]


@pytest.mark.parametrize("tex", FORMULAS)
def test_formulas_without_macros_reach_mathjax_byte_for_byte(tex):
    assert math_of(f"文中 ${tex}$ 处", macros.parse_lines("\\foo = x")) == [f"\\({tex}\\)"]


def test_expanded_formulas_typeset_without_warnings():
    body = "$\\Var(X) = \\E[X^2] - \\E[X]^2$, $\\KL(p \\| q)$, $\\abs{x} \\le \\norm{x}$, $\\argmin_{z \\in \\Z} f$"
    html = render_markdown(body).html
    assert problems(body, html) == []


def test_feeds_mathml_is_made_from_the_expanded_tex():
    feed = render_article("$x \\in \\R$", macros=macros.parse_lines("")).feed_html
    assert "<mi>ℝ</mi>" in feed and "\\R" not in feed.replace('alttext="x \\in \\mathbb{R}"', "")


def test_a_recursive_macro_is_refused_with_a_clear_message():
    table = macros.read({"a": "\\b + 1", "b": "\\a"})
    with pytest.raises(RenderError, match=r"the macro \\a expands into itself"):
        render_markdown("Before $\\a$ after.", macros=table)


def test_a_macro_that_explodes_is_refused_quickly():
    table = macros.read(
        {"a": "\\b\\b\\b\\b", "b": "\\c\\c\\c\\c", "c": "\\d\\d\\d\\d", "d": "\\e\\e\\e\\e", "e": "x" * 50}
    )
    with pytest.raises(RenderError, match="expand to more than"):
        render_markdown("$\\a\\a$", macros=table)
    twice = macros.parse_lines("\\d[1] = #1#1")
    with pytest.raises(RenderError, match="expand to more than|expands into itself"):
        render_markdown("$" + "\\d{" * 30 + "x" + "}" * 30 + "$", macros=twice)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"R1": "x"}, "is not a macro name"),
        ({"R": ["#2", 1]}, "uses #2 but takes 1"),
        ({"R": "\\R"}, "refers to itself"),
        ({"R": "{x"}, "braces"),
        ({"R": ["x", 10]}, "takes 0 to 9 arguments"),
        ({"R": 5}, "is not text"),
        ("R", "expected a mapping"),
        ({f"m{chr(97 + i % 26)}{i}": "x" for i in range(5)}, "is not a macro name"),
    ],
)
def test_a_table_that_cannot_be_read_says_why(table, message):
    with pytest.raises(macros.MacroError, match=message):
        macros.read(table)


def test_the_fields_lines_say_which_line_is_wrong():
    with pytest.raises(macros.MacroError, match="line 2: write a macro as"):
        macros.parse_lines("\\R = \\mathbb{R}\nR = x")
    assert macros.to_lines(macros.parse_lines("\\norm[1] = |#1|\n\\R = \\mathbb{R}")) == (
        "\\norm[1] = |#1|\n\\R = \\mathbb{R}"
    )


def test_site_macros_can_be_changed_by_the_settings():
    before = macros.site_macros()
    try:
        macros.use_site_macros({**macros.DEFAULT_SITE_MACROS, "Prob": "\\mathbb{P}"})
        assert math_of("$\\Prob(A)$") == ["\\(\\mathbb{P}(A)\\)"]
    finally:
        macros._site = before
    assert math_of("$\\Prob(A)$") == ["\\(\\Prob(A)\\)"]
