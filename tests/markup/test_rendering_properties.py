"""Properties of the rendering pipeline, tested with Hypothesis over generated Markdown.

For any text: `render_markdown()` returns or raises only RenderError; what it returns holds
nothing outside the allowlist, judged by parsing it with Python's own HTML parser (never by
asking the sanitiser); and every formula written in the source reaches MathJax unchanged.

Example counts come from the Hypothesis profile (tests/conftest.py): modest and
deterministic by default, `HYPOTHESIS_PROFILE=explore` for a long random search.
"""

import re

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from markup.rendering import RenderError, render_markdown
from tests.corpus import FORMULAS, XSS_PAYLOADS
from tests.htmlcheck import Document, problems

# --- Markdown in general: syntax, raw HTML, hostile strings and prose, mixed at random.

MARKDOWN_TOKENS = [
    "\n", "\n\n", "  \n", "# ", "## ", "###### ", "> ", ">> ", "- ", "* ", "1. ", "    ", "\t",
    "*", "**", "_", "__", "~~", "`", "```", "```python\n", "~~~", "[", "]", "(", ")", "](", "![",
    "[^1]", "[^1]: ", "<", ">", "&", "&amp;", "&#x3C;", "&#106;", "\\", "\\\\", "$", "$$", "$$\n",
    "\\(", "\\)", "\\[", "\\]", "\\begin{align}", "\\end{align}", "|", "| --- |", "!!! note\n",
    "- [ ] ", "- [x] ", ":", "---", "***", "{", "}", '"', "'", "=", "javascript:", "data:", "http://",
    "mailto:", "<b>", "</b>", "<div>", "</div>", "<!--", "-->", "<![CDATA[", "卷积", "强化学习", "，",
    "。", "、", "“", "”", "\u200b", "\ufeff", "\u202e", "\x00", "\r", "\r\n", "\x0b",
]  # fmt: skip
HTML_ATTACKS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>', "<iframe src=//evil.example>", '<p style="color:red">x</p>',
    '<a href=" &#14;javascript:alert(1)">x</a>', "<math><mi xlink:href=javascript:alert(1)>x",
    "<details open ontoggle=alert(1)>", "<input autofocus onfocus=alert(1)>",
]  # fmt: skip

markdown_text = st.lists(
    st.one_of(
        st.sampled_from(MARKDOWN_TOKENS),
        st.sampled_from(HTML_ATTACKS + XSS_PAYLOADS),
        st.text(max_size=12),
        st.text(alphabet="abc卷积 *_`$<>&[]()!#|\\\n-", max_size=12),
    ),
    max_size=40,
).map("".join)

# --- Formulas: TeX built from pieces that collide with Markdown and HTML.

TEX_ATOMS = [
    "x", "y_1", "a_{ij}", "b^2", "x^{*}", "*", "**", "_", "__", "<", ">", "<b>", "</b>", "<t", "&", "&amp;",
    "&lt;", "\\&", "\\_", "\\{", "\\}", "\\#", "\\%", "\\|", "\\\\ ", "\\lt", "\\gt", "+", "-", "=", " ",
    "'", '"', "(", ")", "[", "]", "[x](y)", "[^1]", "~~", "|", "!", "#", ":", ";", ",", ".", "/",
    "卷积", "注意力", "，", "。", "\\alpha", "\\frac{a}{b}", "\\sum_{i=1}^{n}", "\\text{中文}",
    "\\mathbb{R}", "\\left(", "\\right)", "\\langle", "\\rangle", "\\mid", "\\cdot", "\\,", "\\;",
    "\\href{javascript:alert(1)}{x}", "\\unicode{<img src=x onerror=alert(1)>}", "<script>",
]  # fmt: skip


def _group(inner):
    return st.builds(lambda parts: "{" + "".join(parts) + "}", st.lists(inner, max_size=4))


tex_piece = st.recursive(st.sampled_from(TEX_ATOMS), _group, max_leaves=12)
# `&#` followed later by a tag and an entity is mangled by Python-Markdown's raw HTML
# preprocessor before any math is found (`q &#1</b>` becomes `q &#1;</b>`, in prose too);
# no real formula writes `&#`, so the generated ones don't.
formulas = st.one_of(
    st.lists(tex_piece, min_size=1, max_size=10).map("".join),
    st.sampled_from(FORMULAS),
).filter(lambda tex: tex.strip() and not any(bad in tex for bad in ("$", "`", "\n", "&#")))

# Prose around a formula: words, CJK, punctuation and emphasis, never a delimiter of its own.
PROSE = ["令", "为所求", "and so", "由", "可知", "，", "。", " ", "*强调*", "**粗体**", "_x_", "a*b", "<b>b</b>", "&"]
prose = st.lists(st.sampled_from(PROSE), max_size=5).map("".join)
# Where a paragraph holding the formula sits: plain, list item, quote, heading, footnote.
BLOCK_PREFIXES = ["", "- ", "1. ", "> ", "## ", "> - ", "Text[^n].\n\n[^n]: "]


def math_of(html):
    return Document(html).math


@given(markdown_text)
@example("> " * 300 + "x")  # nesting the pipeline refuses: RenderError, not a crash
@example("[" * 100)
@example("<" + "b>" * 1000)
def test_any_markdown_renders_or_is_refused_with_a_reason(source):
    try:
        rendered = render_markdown(source)
    except RenderError as error:
        assert "nested too deeply" in str(error)
        return
    assert isinstance(rendered.html, str) and isinstance(rendered.toc_html, str)


@given(markdown_text)
@example('<a href="jav&#x09;ascript:alert(1)">x</a>')
@example("[x](&#106;avascript:alert(1))")
@example("![x](data:image/svg+xml,<svg onload=alert(1)>)")
@example("## <img src=x onerror=alert(1)>\n\n## b\n")
def test_output_holds_only_allowed_elements_attributes_and_schemes(source):
    try:
        rendered = render_markdown(source)
    except RenderError:
        return
    assert problems(rendered.html) == [], rendered.html
    assert problems(rendered.toc_html) == [], rendered.toc_html


@given(formulas, prose, prose, st.sampled_from(BLOCK_PREFIXES))
@example("a<b>c", "令", "为所求", "")
@example(r"\text{R\&D} * x_1", "*", "*", "- ")
def test_inline_formula_reaches_mathjax_unchanged(tex, before, after, block):
    html = render_markdown(f"{block}{before}${tex}${after}\n").html
    assert math_of(html) == [rf"\({tex}\)"], html


@given(formulas, prose, prose)
@example(r"a <b> c", "推导", "证毕")
def test_display_formula_reaches_mathjax_unchanged(tex, before, after):
    # A line that starts with an HTML tag opens a raw HTML block (as in CommonMark), before
    # any math is looked for: `<script>` alone on a line is HTML, not TeX.
    assume(not re.match(r"\s*</?[A-Za-z!]", tex))
    html = render_markdown(f"{before}x\n\n$$\n{tex}\n$$\n\n{after}x\n").html
    assert math_of(html) == [f"\\[\n{tex}\n\\]"], html


@given(st.lists(formulas, min_size=2, max_size=5), st.sampled_from(["", "，", " 与 ", " and ", "、"]))
def test_several_formulas_in_one_paragraph_all_arrive_in_order(texs, separator):
    source = separator.join(f"${tex}$" for tex in texs)
    assert math_of(render_markdown(source).html) == [rf"\({tex}\)" for tex in texs]


# --- Nothing the author wrote is lost: words between emphasis markers all reach the page.

emphasised_prose = st.lists(
    st.one_of(
        st.sampled_from(["*", "**", "***", "_", "__", "~~", " ", "，"]),
        st.sampled_from(["alpha", "beta", "卷积", "注意力", "x1", "$x$", "`c`"]),
    ),
    max_size=20,
).map("".join)


@given(emphasised_prose)
@example("*a**b*x")
@example("*强调**强调*$x$后")
def test_no_word_is_lost_between_emphasis_markers(source):
    html = render_markdown(source).html
    text = "".join(Document(html).text)
    for word in re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]+", source.replace("$x$", " ").replace("`c`", " ")):
        assert word in text, (source, html)
    assert "klzzwxh" not in html and "\x02" not in html and "\x03" not in html
    assert math_of(html) == [r"\(x\)"] * source.count("$x$")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Markdown's own emphasis parser (3.11) dropped the text after the closing `*`.
        ("*a**b*x", "<p><em>a**b</em>x</p>"),
        ("*强调**强调*$x$后", '<p><em>强调**强调</em><span class="arithmatex">\\(x\\)</span>后</p>'),
        # Formulas side by side: MathJax reads three inline ones, not `$x` + `$$x$$` + `x$`.
        (
            "$x$$y$$z$",
            '<p><span class="arithmatex">\\(x\\)</span><span class="arithmatex">\\(y\\)</span>'
            '<span class="arithmatex">\\(z\\)</span></p>',
        ),
        # An entity written inside inline math is TeX, not HTML: MathJax must see `&amp;`.
        ("$a &amp; b &lt; c$", '<p><span class="arithmatex">\\(a &amp;amp; b &amp;lt; c\\)</span></p>'),
    ],
)
def test_regressions_found_by_the_properties(source, expected):
    assert render_markdown(source).html == expected
