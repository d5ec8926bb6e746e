"""The rendering pipeline, tested directly: Markdown source in, safe HTML out."""

import json
import re
from pathlib import Path

import pytest

from markup.rendering import render_markdown
from tests.corpus import ENVIRONMENTS, FORMULAS
from tests.htmlcheck import Document, problems

SHARED_FORMULAS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "latex_formulas.json"


def math_of(source):
    return Document(render_markdown(source).html).math


def test_corpus_is_large_enough():
    assert len(FORMULAS) + len(ENVIRONMENTS) >= 40


@pytest.mark.parametrize("tex", FORMULAS)
def test_inline_dollar_formula_reaches_mathjax_unchanged(tex):
    assert math_of(f"令${tex}$为所求，and so on.") == [rf"\({tex}\)"]


@pytest.mark.parametrize("tex", FORMULAS)
def test_display_dollar_formula_reaches_mathjax_unchanged(tex):
    assert math_of(f"推导如下：\n\n$$\n{tex}\n$$\n\n证毕。") == [f"\\[\n{tex}\n\\]"]


@pytest.mark.parametrize("tex", FORMULAS)
def test_bracket_delimiters_reach_mathjax_unchanged(tex):
    assert math_of(f"Inline \\({tex}\\) here.\n\n\\[\n{tex}\n\\]\n") == [rf"\({tex}\)", f"\\[\n{tex}\n\\]"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_reaches_mathjax_unchanged(env):
    # Numbered environments gain their numbers (markup/equations.py); nothing else changes.
    reached = [re.sub(r"\\tag\{\d+\}", "", tex) for tex in math_of(f"Before.\n\n{env}\n\nAfter.")]
    assert reached == [f"\\[{env}\\]"]


@pytest.mark.parametrize("tex", [t for t in FORMULAS if "$" not in t])
def test_display_dollars_inside_a_line_are_display_math(tex):
    html = render_markdown(f"由 $${tex}$$ 和 $x^2$ 可知。").html
    assert math_of(f"由 $${tex}$$ 和 $x^2$ 可知。") == [f"\\[{tex}\\]", r"\(x^2\)"]
    assert "$" not in html.replace(tex, "")  # no stray dollar left in the text


def test_several_formulas_in_one_paragraph_keep_their_order():
    assert math_of("$a*b$ 与 $c*d$，以及 $e_1$") == [r"\(a*b\)", r"\(c*d\)", r"\(e_1\)"]


@pytest.mark.parametrize(
    "source",
    [
        "Price: `$5` and `$x$` in code.",
        "```python\nprice = '$5'\nmath = '$x^2$'\n```",
        "```\n$$\nnot math\n$$\n```",
        "    $indented$ code block",
    ],
)
def test_dollar_inside_code_is_never_math(source):
    rendered = render_markdown(source)
    assert Document(rendered.html).math == []
    assert not rendered.has_math
    assert "$" in rendered.html


def test_spaces_inside_dollars_are_still_math_as_mathjax_reads_them():
    assert math_of("Letters $\\digamma $ and $ x$.") == ["\\(\\digamma \\)", "\\( x\\)"]
    assert math_of("A literal \\$5 stays text.") == []


def test_has_math_flag():
    assert render_markdown("Energy $E=mc^2$.").has_math
    assert not render_markdown("No formulas, only 5 dollars.").has_math


def test_shared_formula_corpus_survives_when_present():
    if not SHARED_FORMULAS.exists():
        pytest.skip("../shared/corpora is not beside this clone")
    formulas = json.loads(SHARED_FORMULAS.read_text())["formulas"]
    damaged = [tex for tex in formulas if math_of(f"$$\n{tex}\n$$") != [f"\\[\n{tex}\n\\]"]]
    damaged += [tex for tex in formulas if math_of(f"文中 ${tex}$ 处") != [f"\\({tex}\\)"]]
    assert damaged == []


def test_chinese_headings_get_chinese_ids_and_a_toc():
    rendered = render_markdown("## 卷积\n\ntext\n\n## 空洞卷积\n\n### 感受野\n")
    ids = [attrs.get("id") for tag, attrs in Document(rendered.html).elements if tag in {"h2", "h3"}]
    assert ids == ["卷积", "空洞卷积", "感受野"]
    toc_links = [attrs["href"] for attrs in Document(rendered.toc_html).tags("a")]
    assert toc_links == ["#卷积", "#空洞卷积", "#感受野"]


def test_soft_line_breaks_between_chinese_characters_are_not_spaces():
    html = render_markdown(
        "第一行\n第二行，English\nwords 中文\n结束。\n\n```\n代码\n换行\n```\n\n$$\n\\text{中}\n\\text{文}\n$$"
    ).html
    assert "<p>第一行第二行，English\nwords 中文结束。</p>" in html
    assert "代码\n换行" in html
    assert Document(html).math == ["\\[\n\\text{中}\n\\text{文}\n\\]"]


def test_a_single_heading_gets_no_toc():
    assert render_markdown("## Only one\n\ntext").toc_html == ""


def test_level_one_headings_are_demoted_so_the_title_stays_the_only_h1():
    html = render_markdown("# Part\n\n## Section\n\n<h1>raw</h1>").html
    tags = [tag for tag, _ in Document(html).elements]
    assert "h1" not in tags
    assert tags[:2] == ["h2", "h3"]


def test_code_is_highlighted_with_pygments_classes():
    html = render_markdown("```python\ndef f(x):\n    return x\n```").html
    spans = Document(html).tags("span")
    assert {"k", "nf"} <= {attrs.get("class") for attrs in spans}
    assert 'class="language-python highlight"' in html


def test_table_alignment_survives_as_align_attribute():
    html = render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |").html
    assert [attrs.get("align") for attrs in Document(html).tags("td")] == ["left", "center", "right"]
    assert problems(html) == []


def test_footnotes_and_task_lists():
    html = render_markdown("Claim[^1].\n\n- [x] done\n- [ ] todo\n\n[^1]: Source.").html
    doc = Document(html)
    assert any(attrs.get("href") == "#fn:1" for attrs in doc.tags("a"))
    assert any(attrs.get("id") == "fn:1" for attrs in doc.tags("li"))
    boxes = doc.tags("input")
    assert len(boxes) == 2 and all(b["type"] == "checkbox" and "disabled" in b for b in boxes)
    assert ["checked" in b for b in boxes] == [True, False]


def test_images_are_lazy_and_links_external_get_rel():
    html = render_markdown("![a cat](/media/cat.png) [out](https://example.org) [in](/tags/x/) [top](#top)").html
    doc = Document(html)
    assert doc.tags("img") == [{"src": "/media/cat.png", "alt": "a cat", "loading": "lazy"}]
    rels = {attrs["href"]: attrs.get("rel") for attrs in doc.tags("a")}
    assert rels == {"https://example.org": "nofollow noopener", "/tags/x/": None, "#top": None}


def test_empty_source_renders_empty():
    rendered = render_markdown("")
    assert (rendered.html, rendered.toc_html, rendered.has_math) == ("", "", False)
