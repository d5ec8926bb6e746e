"""What the editor's insert menu and `/` commands insert renders as meant, through the site's pipeline.

The snippets live in static/js/editor-snippets.json, read by static/js/editor.js (fetched from
the same origin) and here: each is inserted as the editor does (the placeholder markers ⟦ ⟧
dropped, {n} numbered, a footnote's definition at the end) and rendered by
`markup.rendering.render_markdown`, as a save would, and none draws a save warning
(`markup.formula_check`). The browser side (the menu, the palette,
the selection of the placeholder) is tests/authoring/test_editor_tools_browser.py.
"""

import json
import re
from html import unescape
from pathlib import Path

import pytest

from markup.formula_check import problems
from markup.rendering import render_markdown

SNIPPETS_FILE = Path(__file__).resolve().parents[2] / "static" / "js" / "editor-snippets.json"
SNIPPETS = {snippet["id"]: snippet for snippet in json.loads(SNIPPETS_FILE.read_text("utf-8"))["snippets"]}
DISPLAY_MATH = re.compile(r'<div class="arithmatex"(?: id="([^"]*)")?>\\\[(.*?)\\\]</div>', re.S)


def inserted(snippet_id, before="Some text before.\n\n", number=1):
    """The Markdown after inserting the snippet at the end of `before`, as editor.js does it."""
    snippet = SNIPPETS[snippet_id]

    def fill(text):
        text = text.replace("⟦", "").replace("⟧", "")
        return text.replace("{n}", str(number)) if snippet.get("number_pattern") else text

    body = before + fill(snippet["text"])
    if snippet.get("end"):
        body += "\n\n" + fill(snippet["end"])
    return body + "\n"


def test_every_snippet_has_a_label_in_both_languages_and_one_placeholder():
    assert set(SNIPPETS) == {
        "inline-math", "display-math", "align", "cases", "equation", "table", "code", "admonition",
        "collapsible", "footnote",
    }  # fmt: skip
    for snippet in SNIPPETS.values():
        assert snippet["label"]["en"] and snippet["label"]["zh-hans"], snippet["id"]
        whole = snippet["text"] + snippet.get("end", "")
        assert whole.count("⟦") == 1 and whole.count("⟧") == 1, snippet["id"]
        assert whole.index("⟦") < whole.index("⟧"), snippet["id"]


def test_inline_math_is_an_inline_formula_in_the_paragraph():
    html = render_markdown("The energy " + inserted("inline-math", before="")).html
    assert html == '<p>The energy <span class="arithmatex">\\(x^2\\)</span></p>'


@pytest.mark.parametrize("snippet_id", sorted(SNIPPETS))
def test_no_snippet_draws_a_save_warning(snippet_id):
    # The save warnings' reading of MathJax (markup/formula_check.py) finds nothing to flag.
    assert problems(inserted(snippet_id)) == []


@pytest.mark.parametrize("snippet_id", ["display-math", "align", "cases", "equation"])
def test_display_math_snippets_are_one_display_formula(snippet_id):
    html = render_markdown(inserted(snippet_id)).html
    formulas = DISPLAY_MATH.findall(html)
    assert len(formulas) == 1, html
    anchor, tex = formulas[0][0], unescape(formulas[0][1])
    if snippet_id == "equation":
        # Numbered on the server (markup/equations.py): the label becomes the formula's anchor.
        assert "\\begin{equation}" in tex and "\\tag{1}" in tex and anchor == "eq-eq:1"
    if snippet_id in ("align", "cases"):
        assert f"\\begin{{{snippet_id}}}" in tex and f"\\end{{{snippet_id}}}" in tex


def test_numbered_snippets_take_the_next_free_number():
    pattern = re.compile(SNIPPETS["footnote"]["number_pattern"])
    assert [int(n) for n in pattern.findall("a[^1] b[^3]\n\n[^1]: x")] == [1, 3, 1]
    pattern = re.compile(SNIPPETS["equation"]["number_pattern"])
    assert pattern.findall("\\label{eq:2}") == ["2"]


def test_table_is_a_table():
    html = render_markdown(inserted("table")).html
    assert "<table>" in html and "<th>Column</th>" in html and html.count("<td>Cell</td>") == 2


def test_code_block_is_highlighted_python():
    html = render_markdown(inserted("code")).html
    assert '<div class="language-python highlight"><pre><span></span><code><span class="nb">print</span>' in html
    assert "hello" in html


def test_admonition_is_an_admonition_with_its_title_and_body():
    html = render_markdown(inserted("admonition")).html
    assert '<div class="admonition note">\n<p class="admonition-title">Title</p>\n<p>The text of the note' in html


def test_collapsible_block_is_a_details_element_with_its_title():
    html = render_markdown(inserted("collapsible")).html
    assert "<details" in html and "<summary>Title</summary>" in html and "<p>Shown when the reader opens it" in html


def test_footnote_is_a_reference_and_a_definition_at_the_end():
    html = render_markdown(inserted("footnote", before="A claim", number=1)).html
    assert '<p>A claim<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup></p>' in html
    assert '<div class="footnote">' in html and '<li id="fn:1">\n<p>The footnote\'s text.&nbsp;' in html
