"""Code block options (markup/blocks.py): line numbers, highlighted lines and a title, as stored HTML."""

import re

from markup.blocks import contains_diagram
from markup.rendering import render_markdown
from markup.sanitizer import clean
from tests.htmlcheck import Document, problems

FENCE = '```python linenums="1" hl_lines="2 3" title="train.py"\nimport torch\nx = 1\ny = 2\nprint(x + y)\n```\n'


def test_line_numbers_are_inline_spans_not_a_table():
    html = render_markdown(FENCE).html
    doc = Document(html)
    assert "table" not in [tag for tag, _ in doc.elements]
    numbers = [attrs.get("data-linenos") for attrs in doc.tags("span") if attrs.get("class") == "linenos"]
    assert numbers == ["1 ", "2 ", "3 ", "4 "]
    assert problems(html) == []


def test_numbers_are_not_text_so_copied_code_has_none():
    html = render_markdown(FENCE).html
    code = re.sub(r"<[^>]+>", "", html.split("<code>", 1)[1].split("</code>", 1)[0])
    assert code == "import torch\nx = 1\ny = 2\nprint(x + y)\n"


def test_numbers_start_where_the_author_says_and_are_padded_to_one_width():
    source = '```text linenums="9"\n' + "\n".join(f"line {n}" for n in range(9, 12)) + "\n```"
    html = render_markdown(source).html
    assert re.findall(r'data-linenos="([^"]*)"', html) == [" 9 ", "10 ", "11 "]


def test_highlighted_lines_and_title():
    html = render_markdown(FENCE).html
    assert html.count('<span class="hll">') == 2
    lines = html.split("<code>", 1)[1].split("\n")
    assert [('class="hll"' in line) for line in lines[:4]] == [False, True, True, False]
    assert '<div class="language-python highlight"><span class="filename">train.py</span><pre>' in html


def test_a_block_without_options_has_no_numbers_and_no_title():
    html = render_markdown("```python\nx = 1\n```").html
    assert "linenos" not in html and "filename" not in html and "hll" not in html


def test_a_title_is_text_never_markup():
    html = render_markdown('```python title="<img src=x onerror=alert(1)>.py"\nx = 1\n```').html
    assert "<img" not in html
    assert '<span class="filename">&lt;img src=x onerror=alert(1)&gt;.py</span>' in html


def test_raw_html_cannot_put_anything_but_a_number_in_data_linenos():
    html = clean('<span class="linenos" data-linenos="1 "></span><span data-linenos="x)"></span><p data-linenos="2 ">')
    assert html == '<span class="linenos" data-linenos="1 "></span><span></span><p></p>'


DIAGRAM = '```mermaid\ngraph TD\n  A["<img src=x onerror=alert(1)>"] --> B & C\n  click A call alert(1)\n```\n'


def test_a_mermaid_fence_is_a_diagram_whose_text_stays_text():
    html = render_markdown("Before.\n\n" + DIAGRAM).html
    assert html == (
        '<p>Before.</p>\n<div class="mermaid">graph TD\n  A["&lt;img src=x onerror=alert(1)&gt;"] --&gt; B &amp; C\n'
        "  click A call alert(1)</div>"
    )
    assert problems(html) == []
    assert contains_diagram(html)


def test_only_pages_with_a_diagram_count_as_having_one():
    assert not contains_diagram(render_markdown("```python\nx = 1\n```\n\nThe word mermaid.").html)
    # Raw HTML may not sneak a script in beside a diagram either.
    html = render_markdown('<div class="mermaid"><script>alert(1)</script>graph TD</div>').html
    assert html == '<div class="mermaid">graph TD</div>' and contains_diagram(html)
