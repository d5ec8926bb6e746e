"""Search snippets never show raw TeX: they cut between formulas and show them typeset."""

import re
from urllib.parse import urlencode

import pytest

from articles.search.snippets import snippet
from markup.summaries import marked_text
from tests.factories import make_article
from tests.htmlcheck import problems

pytestmark = pytest.mark.django_db

FORMULA = re.compile(r'<span class="arithmatex">(.*?)</span>', re.S)


def page(client, query):
    response = client.get("/search/?" + urlencode({"q": query}))
    assert response.status_code == 200
    return response.content.decode()


def snippets_of(content):
    return re.findall(r'<p class="excerpt">(.*?)</p>', content, re.S)


def raw_tex_outside_formulas(snippet_html):
    """TeX a reader would see as text: a backslash command or a delimiter outside the spans."""
    return re.findall(r"\\[A-Za-z]+|\\[()\[\]]", FORMULA.sub("", snippet_html))


def test_a_snippet_shows_formulas_typeset_and_the_page_loads_mathjax(client):
    make_article(title="矩阵", body="对一个 $N\\times N$ 的注意力矩阵做分块，每块 $\\alpha_{ij}$ 单独计算。")
    content = page(client, "注意力")
    [html] = snippets_of(content)
    assert FORMULA.findall(html) == ["\\(N\\times N\\)", "\\(\\alpha_{ij}\\)"]
    assert raw_tex_outside_formulas(html) == [] and "<mark>注意力</mark>" in html
    assert "js/mathjax-config.js" in content and problems(html) == []


def test_a_cut_never_falls_inside_a_formula():
    long_prose = "很长的铺垫文字。" * 30
    text = marked_text(
        f'<p>{long_prose}<span class="arithmatex">\\(\\alpha + \\beta_{{t}}\\)</span>'
        f'然后是注意力机制。<span class="arithmatex">\\(\\frac{{QK^T}}{{\\sqrt{{d}}}}\\)</span>'
        f"{long_prose}</p>"
    )
    for length in range(20, 200, 7):
        html = snippet(text, ["注意力"], length=length)
        assert "<mark>注意力</mark>" in html, length
        assert raw_tex_outside_formulas(html) == [], (length, html)
        assert "\\alp…" not in html and html.count("<span") == html.count("</span>")
        for tex in FORMULA.findall(html):
            assert tex in {"\\(\\alpha + \\beta_{t}\\)", "\\(\\frac{QK^T}{\\sqrt{d}}\\)"}, (length, tex)


def test_highlighting_never_splits_a_formula_and_marks_it_whole_when_its_words_match():
    text = marked_text(
        '<p>Q-learning with <span class="arithmatex">\\(a \\quad b\\)</span> and '
        '<span class="arithmatex">\\(Q(s, a)\\)</span>.</p>'
    )
    html = snippet(text, ["q", "learning"])
    assert '<span class="arithmatex">\\(a \\quad b\\)</span>' in html  # the q of \quad unmarked
    assert '<mark><span class="arithmatex">\\(Q(s, a)\\)</span></mark>' in html  # Q is a variable
    assert html.startswith("<mark>Q</mark>-<mark>learning</mark>")


def test_display_math_is_shown_inline_and_long_or_numbered_formulas_are_left_out():
    text = marked_text(
        '<p>Softmax 的定义：</p><div class="arithmatex">\\[\\operatorname{softmax}(z)_i = '
        "\\frac{e^{z_i}}{\\sum_j e^{z_j}} \\label{eq:softmax}\\]</div>"
        '<div class="arithmatex">\\[\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}\\]</div><p>结束。</p>'
    )
    html = snippet(text, ["softmax"])
    formulas = FORMULA.findall(html)
    assert formulas == ["\\(\\operatorname{softmax}(z)_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}\\)"]
    assert "label" not in html and "aligned" not in html and "…" in html


def test_snippet_formulas_are_escaped(client):
    make_article(title="escape", body="The bound $a < b \\& c$ holds for attention.")
    [html] = snippets_of(page(client, "attention"))
    assert '<span class="arithmatex">\\(a &lt; b \\&amp; c\\)</span>' in html
    assert problems(html) == []


def test_a_query_word_inside_a_tex_command_is_not_marked(client):
    make_article(title="spacing", body="Quality matters: $x \\quad y$ and more quality.")
    [html] = snippets_of(page(client, "quality"))
    assert html.count("<mark>") == 2 and "\\quad" in html and "\\<mark>" not in html


def test_a_formula_cut_by_the_indexed_length_is_left_out(monkeypatch):
    from articles.search import documents

    monkeypatch.setattr(documents, "MAX_TEXT", 12)
    words = documents.article_words("t", '<p>Text <span class="arithmatex">\\(\\alpha + \\beta\\)</span></p>')
    assert words.plain == "Text "
    assert snippet(words.plain, ["text"]) == "<mark>Text</mark>"


def test_a_numbered_equation_is_shown_without_its_number_or_label():
    text = marked_text(
        '<p>Policy gradient:</p><div class="arithmatex">\\[\\begin{equation}\\nabla J = '
        "\\mathbb{E}[G_t] \\label{eq:pg}\\end{equation}\\]</div>"
    )
    assert FORMULA.findall(snippet(text, ["policy"])) == ["\\(\\nabla J = \\mathbb{E}[G_t]\\)"]
