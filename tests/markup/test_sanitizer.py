"""Hostile HTML in Markdown: the sanitiser's output, checked by parsing it independently."""

import json
from pathlib import Path

import pytest

from markup.rendering import render_markdown
from tests.corpus import XSS_PAYLOADS
from tests.htmlcheck import Document, problems

SHARED_XSS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "xss_payloads.json"


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


PAYLOAD_FILE = Path(__file__).resolve().parents[1] / "xss_payloads.txt"
FILE_PAYLOADS = [
    line.replace("\\n", "\n")
    for line in PAYLOAD_FILE.read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("# ")
]


def test_every_payload_of_the_browser_list_is_neutralised_by_the_sanitiser():
    # The browser test (tests/reading/test_xss_browser.py) loads these in Chromium; here the same
    # list is checked without a browser, in every block a payload can sit in.
    failures = {}
    for payload in FILE_PAYLOADS:
        for source in (f"x {payload} y", f"{payload}\n\nAfter.", f"- {payload}", f"## {payload}\n\n## b"):
            rendered = render_markdown(source)
            if found := problems(rendered.html) + problems(rendered.toc_html):
                failures[source] = found
    assert len(FILE_PAYLOADS) >= 600
    assert failures == {}


@pytest.mark.parametrize(
    "href",
    [
        "jav\tascript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        " &#14;javascript:alert(1)",
        "java\nscript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_script_urls_are_removed_however_they_are_spelled(href):
    doc = Document(render_markdown(f'<a href="{href}">x</a> ![i]({href.replace(" ", "")})').html)
    assert all("href" not in attrs for attrs in doc.tags("a"))
    assert all("src" not in attrs for attrs in doc.tags("img"))


def test_control_characters_and_lone_surrogates_are_removed():
    html = render_markdown("a\x00b\x01c\x0bd\x1fe \ud800f\n\n<b title='x\x07y'>z</b>").html
    assert html == "<p>abcde f</p>\n<p><b>z</b></p>"


def test_rel_goes_on_external_links_only_whatever_their_spelling():
    html = render_markdown(
        "[a](https://example.org) [b](//example.org) [c](/\\example.org) [d](HTTP://X.ORG) "
        "[e](/local/) [f](#top) [g](mailto:a@example.org) "
        '<a href="https://example.org" rel="opener">h</a> <a title="x href=" href="/in">i</a>'
    ).html
    rels = [(attrs.get("href"), attrs.get("rel")) for attrs in Document(html).tags("a")]
    assert rels == [
        ("https://example.org", "nofollow noopener"),
        ("//example.org", "nofollow noopener"),
        ("/\\example.org", "nofollow noopener"),
        ("HTTP://X.ORG", "nofollow noopener"),
        ("/local/", None),
        ("#top", None),
        ("mailto:a@example.org", None),
        ("https://example.org", "nofollow noopener"),
        ("/in", None),
    ]


def test_a_raw_h1_becomes_h2_with_its_attributes_and_nothing_else_changes():
    html = render_markdown('<h1 id="x" class="toc">T</h1>\n\n<abbr title="<h1>">a</abbr>').html
    assert html.replace("\n", "") == '<h2 id="x" class="toc">T</h2><p><abbr title="&lt;h1&gt;">a</abbr></p>'
