"""Equation numbers and references, written into the page when it is rendered (markup.equations).

MathJax may typeset a page's formulas in any order, so the numbers must be in the TeX it
receives and the references must be links the server made.
"""

import re

import pytest

from articles.authoring.warnings import body_warnings
from articles.transfer.importer import warning_lines
from markup import formula_check
from markup.rendering import render_article, render_markdown
from tests.corpus import ENVIRONMENTS, FORMULAS
from tests.htmlcheck import Document

DERIVATION = r"""Policy gradient, derived.

\begin{equation}\label{eq:objective}
J(\theta) = \mathbb{E}_{\tau \sim \pi_\theta}[R(\tau)]
\end{equation}

\begin{align}
\nabla_\theta J &= \int \nabla_\theta \pi_\theta(\tau) R(\tau)\, d\tau \label{eq:grad} \\
&= \int \pi_\theta(\tau) \nabla_\theta \log \pi_\theta(\tau) R(\tau)\, d\tau \nonumber \\
&= \mathbb{E}[\nabla_\theta \log \pi_\theta(\tau) R(\tau)] \label{eq:pg}
\end{align}

Not numbered: $$\begin{align*} a &= b \end{align*}$$

From \eqref{eq:objective} we get \eqref{eq:pg}; line \ref{eq:grad} uses the log trick, as $\eqref{eq:pg}$ says.
"""


def math_of(source):
    return Document(render_markdown(source).html).math


def test_numbered_environments_get_their_numbers_in_page_order():
    math = math_of(DERIVATION)
    objective = "J(\\theta) = \\mathbb{E}_{\\tau \\sim \\pi_\\theta}[R(\\tau)]"
    assert math[0] == f"\\[\\begin{{equation}}\n{objective}\n\\tag{{1}}\\end{{equation}}\\]"
    assert re.findall(r"\\tag\{(\d+)\}", math[1]) == ["2", "3"]  # the \nonumber line has none
    assert "\\nonumber" in math[1] and "\\label" not in math[1]
    assert "\\tag" not in math[2]  # align* numbers nothing


def test_numbers_restart_with_every_article():
    assert math_of(DERIVATION) == math_of(DERIVATION)


def test_each_kind_of_numbered_environment():
    source = (
        "$$\\begin{gather} a \\\\ b \\notag \\\\ c \\end{gather}$$\n\n"
        "$$\\begin{multline} a + b \\\\ + c \\end{multline}$$\n\n"
        "$$\\begin{alignat}{2} x &= 1 & y &= 2 \\\\ \\end{alignat}$$\n\n"
        "$$\\begin{equation*} e \\end{equation*}$$\n\n"
        "$$\\begin{equation} \\begin{split} a &= b \\\\ &= c \\end{split} \\end{equation}$$\n"
    )
    gather, multline, alignat, starred, split = math_of(source)
    assert re.findall(r"\\tag\{(\d+)\}", gather) == ["1", "2"]
    assert gather.index("\\tag{2}") > gather.index("c")
    assert multline.count("\\tag") == 1 and multline.index("\\tag{3}") > multline.index("+ c")
    assert re.findall(r"\\tag\{(\d+)\}", alignat) == ["4"]  # the empty last line has no number
    assert "\\tag" not in starred
    assert re.findall(r"\\tag\{(\d+)\}", split) == ["5"]  # split's lines are one equation


def test_references_in_prose_are_links_that_jump_to_the_equation():
    html = render_markdown(DERIVATION).html
    assert '<div class="arithmatex" id="eq-eq:objective">' in html
    assert '<div class="arithmatex" id="eq-eq:grad">' in html
    assert '<span id="eq-eq:pg"></span><div class="arithmatex" id="eq-eq:grad">' in html
    assert 'From <a href="#eq-eq:objective">(1)</a> we get <a href="#eq-eq:pg">(3)</a>' in html
    assert 'line <a href="#eq-eq:grad">2</a> uses' in html
    assert "\\eqref" not in html.replace("\\(\\href", "")


def test_references_inside_math_are_links_mathjax_draws():
    assert math_of(DERIVATION)[-1] == "\\(\\href{#eq-eq:pg}{\\text{(3)}}\\)"


def test_a_reference_may_come_before_its_equation():
    math = math_of("As $\\eqref{later}$ shows.\n\n$$\\begin{equation} x \\label{later} \\end{equation}$$\n")
    assert math[0] == "\\(\\href{#eq-later}{\\text{(1)}}\\)"


def test_an_authors_own_tag_is_what_references_show():
    html = render_markdown("$$ x = y \\tag{A}\\label{star} $$\n\nSee \\eqref{star}.").html
    assert '<div class="arithmatex" id="eq-star">\\[ x = y \\tag{A} \\]</div>' in html
    assert '<a href="#eq-star">(A)</a>' in html


def test_chinese_labels_make_anchors_too():
    html = render_markdown("$$\\begin{equation}x\\label{式 一}\\end{equation}$$\n\n由\\eqref{式 一}可知。").html
    assert 'id="eq-式-一"' in html
    assert '由<a href="#eq-式-一">(1)</a>可知。' in html


def test_references_in_code_stay_code():
    html = render_markdown("$$\\begin{equation}x\\label{a}\\end{equation}$$\n\nWrite `\\eqref{a}`.").html
    assert "<code>\\eqref{a}</code>" in html


def test_an_unknown_label_is_left_as_written_and_listed_with_its_line():
    body = (
        "Intro.\n\nSee \\eqref{nowhere}.\n\n$$\\begin{equation}x\\label{a}\\end{equation}$$\n\n"
        "And $\\ref{b}$, \\eqref{a}.\n"
    )
    html = render_markdown(body).html
    assert "See <span>\\eqref{nowhere}</span>." in html
    assert "\\(\\ref{b}\\)" in html
    found = [(p.line, p.kind, p.text) for p in formula_check.problems(body, html)]
    assert found == [(3, "reference", "\\eqref{nowhere}"), (7, "reference", "\\ref{b}")]
    warnings = body_warnings(body, html)
    assert warnings[0].startswith("Line 3: \\eqref{nowhere} names no numbered equation")
    assert warning_lines(formula_check.problems(body, html))[1] == (
        "line 7: \\ref{b} refers to no numbered equation (no numbered equation carries \\label{b})"
    )


def test_a_label_on_an_unnumbered_line_is_unknown_to_references():
    body = "$$\\begin{align} a \\nonumber \\label{x} \\end{align}$$\n\n\\eqref{x}\n"
    html = render_markdown(body).html
    assert 'id="eq-x"' not in html
    assert [p.text for p in formula_check.problems(body, html)] == ["\\eqref{x}"]


@pytest.mark.parametrize("tex", FORMULAS)
def test_formulas_with_nothing_to_number_reach_mathjax_byte_for_byte(tex):
    assert math_of(f"$$\n{tex}\n$$\n\n文中 ${tex}$ 处") == [f"\\[\n{tex}\n\\]", f"\\({tex}\\)"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_numbered_environments_change_only_by_their_tags(env):
    (math,) = math_of(f"Before.\n\n{env}\n\nAfter.")
    assert re.sub(r"\\tag\{\d+\}", "", math) == f"\\[{env}\\]"
    assert ("\\tag" in math) == ("*}" not in env)


def test_only_equation_anchors_pass_the_sanitiser():
    html = render_markdown('<div id="main">a</div>\n\n<span id="csrf">b</span> <span id="eq-1">c</span>').html
    assert 'id="main"' not in html and 'id="csrf"' not in html
    assert '<span id="eq-1">' in html


def test_the_feeds_mathml_shows_the_same_numbers():
    feed = render_article(DERIVATION).feed_html
    assert re.findall(r"<mtext>\((\d)\)</mtext>", feed) == ["1", "2", "3", "3"]
    assert feed.count("<math") == 4
