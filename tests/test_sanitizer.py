"""Hostile HTML in Markdown: the sanitiser's output, checked by parsing it independently."""

import json
from pathlib import Path

import pytest

from articles.rendering import render_markdown

from .corpus import XSS_PAYLOADS
from .htmlcheck import Document, problems

SHARED_XSS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "xss_payloads.json"


def test_corpus_is_large_enough():
    assert len(XSS_PAYLOADS) >= 40


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_is_neutralised_inline_and_as_block(payload):
    for source in (f"Text {payload} text", f"{payload}\n\nAfter.", f"- item {payload}", f"> {payload}"):
        assert problems(render_markdown(source).html) == [], source


@pytest.mark.parametrize(
    "source",
    [
        "<script>var secret = 'leak';</script>",
        "<style>.secret { content: 'leak' }</style>",
        "<svg><script>leak()</script></svg>",
        "<SCRIPT type='text/javascript'>leak</SCRIPT >",
    ],
)
def test_text_inside_removed_script_or_style_is_not_left(source):
    html = render_markdown(f"Before.\n\n{source}\n\nAfter.").html
    assert "leak" not in html
    assert "Before." in html and "After." in html


def test_raw_html_cannot_borrow_site_classes_or_styles():
    html = render_markdown(
        '<div class="skip-link" style="color:red">x</div><span class="arithmatex">\\(y\\)</span>'
    ).html
    doc = Document(html)
    assert doc.tags("div") == [{}]
    assert {attrs.get("class") for attrs in doc.tags("span")} == {"arithmatex"}


def test_raw_input_becomes_a_disabled_checkbox():
    html = render_markdown('<input type="text" name="q" value="x">').html
    assert [sorted(attrs) for attrs in Document(html).tags("input")] == [["disabled", "type"]]
    assert Document(html).tags("input")[0]["type"] == "checkbox"


def test_harmless_raw_html_is_kept():
    html = render_markdown("<kbd>Ctrl</kbd>+<kbd>S</kbd> and <sub>2</sub> and <mark>hi</mark>").html
    assert "<kbd>Ctrl</kbd>" in html and "<sub>2</sub>" in html and "<mark>hi</mark>" in html


def test_math_payloads_stay_text_for_mathjax_safe_mode():
    html = render_markdown(r"$\href{javascript:alert(1)}{x}$ and $\unicode{<img src=x onerror=alert(1)>}$").html
    assert problems(html) == []
    assert Document(html).math[0] == r"\(\href{javascript:alert(1)}{x}\)"


def test_shared_xss_corpus_when_present():
    if not SHARED_XSS.exists():
        pytest.skip("../shared/corpora is not beside this clone")
    data = json.loads(SHARED_XSS.read_text())
    payloads = [item["payload"] if isinstance(item, dict) else item for item in data.get("payloads", data)]
    failures = {p: problems(render_markdown(f"x {p} y").html) for p in payloads}
    assert {p: f for p, f in failures.items() if f} == {}
