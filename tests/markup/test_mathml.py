"""Formulas in feeds: MathML with the TeX as alttext, an allowlist, TeX where conversion fails."""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import pytest
from django.core.management import call_command

from articles.models import Article
from markup import mathml
from markup.rendering import render_markdown
from tests.corpus import ENVIRONMENTS, FORMULAS, XSS_PAYLOADS
from tests.factories import make_article

M = "{http://www.w3.org/1998/Math/MathML}"


def math_elements(html):
    """The <math> elements of a feed body, parsed as XML (each must be well-formed)."""
    return [ET.fromstring("<math " + chunk.split("</math>")[0] + "</math>") for chunk in html.split("<math ")[1:]]


def all_names(element):
    return {node.tag.removeprefix(M) for node in element.iter()}, {
        name for node in element.iter() for name in node.attrib
    }


@pytest.mark.parametrize("tex", FORMULAS)
def test_every_corpus_formula_becomes_safe_mathml_or_stays_tex(tex):
    html = mathml.feed_html(render_markdown(f"Before ${tex}$ after.").html)
    found = math_elements(html)
    if found:
        (element,) = found
        assert element.get("alttext") == tex and element.get("display") == "inline"
        tags, attributes = all_names(element)
        assert tags <= mathml.ALLOWED_ELEMENTS
        assert attributes <= mathml.ALLOWED_ATTRIBUTES | {"alttext"}
        assert 'class="arithmatex"' not in html
    else:
        # Not converted: the reader still sees the formula, as TeX, in its wrapper.
        assert 'class="arithmatex"' in html and "\\(" in html


def test_most_of_the_corpus_is_converted():
    converted = sum(bool(math_elements(mathml.feed_html(render_markdown(f"${tex}$").html))) for tex in FORMULAS)
    assert converted >= len(FORMULAS) - 6


@pytest.mark.parametrize("source", ENVIRONMENTS)
def test_display_environments_become_block_math(source):
    html = mathml.feed_html(render_markdown(source).html)
    (element,) = math_elements(html)
    assert element.get("display") == "block" and element.get("alttext").startswith("\\begin{")


def test_converter_output_outside_the_allowlist_is_not_passed_on():
    # latex2mathml writes \texttt{<script>..} as a real <script> element, \href as an href
    # attribute and \style as a style attribute.
    assert "<script" not in mathml.feed_html(render_markdown(r"$\texttt{<script>alert(1)</script>}$").html)
    html = mathml.feed_html(
        render_markdown(r"$\href{javascript:alert(1)}{x} + \style{color:red}{y} + \class{c}{z}$").html
    )
    (element,) = math_elements(html)
    _, attributes = all_names(element)
    assert not attributes & {"href", "style", "class"}
    assert "javascript:" in element.get("alttext")  # kept as text, inert


def test_unknown_commands_and_broken_tex_stay_visible_as_tex():
    html = mathml.feed_html(render_markdown(r"A $\foo{x}$ and a broken $\frac{1}{$ formula.").html)
    assert "<math" not in html
    assert r"\(\foo{x}\)" in html and r"\(\frac{1}{\)" in html


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes = set(), set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes |= {(tag, name, (value or "").strip().lower()) for name, value in attrs}


def test_xss_payloads_stay_harmless_in_the_feed_copy():
    for payload in XSS_PAYLOADS:
        parser = _Tags()
        parser.feed(mathml.feed_html(render_markdown(f"{payload} ${payload}$").html))
        assert not parser.tags & {"script", "iframe", "style", "svg", "object", "embed"}, payload
        for tag, name, value in parser.attributes:
            assert not name.startswith("on") and name != "style", payload
            assert not (name == "href" and (tag != "a" or value.startswith(("javascript", "data")))), payload


@pytest.mark.django_db
def test_saving_fills_feed_html_and_load_demo_does_too():
    article = make_article(body="Inline $E = mc^2$ and\n\n$$\\sum_{i=1}^n i$$")
    assert article.feed_html.count("<math ") == 2 and 'alttext="E = mc^2"' in article.feed_html
    call_command("load_demo", verbosity=0)
    demo = list(Article.objects.filter(has_math=True))
    assert demo and all("<math " in a.feed_html for a in demo)


@pytest.mark.django_db
def test_feed_parses_and_carries_formulas_as_mathml(client):
    make_article(title="公式", body="复杂度 $O(n \\log n)$。\n\n$$\\frac{a}{b} < \\frac{c}{d}$$")
    parsed = feedparser.parse(client.get("/feed/").content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    (entry,) = parsed.entries
    body = entry.content[0].value
    assert 'alttext="O(n \\log n)"' in body and "<mfrac>" in body and "arithmatex" not in body
    assert 'alttext="O(n \\log n)"' in entry.summary and "arithmatex" not in entry.summary


@pytest.mark.django_db
def test_rows_saved_before_feed_html_existed_still_get_mathml(client):
    article = make_article(title="旧", body="$x^2$")
    Article.objects.filter(pk=article.pk).update(feed_html="")
    (entry,) = feedparser.parse(client.get("/feed/").content).entries
    assert 'alttext="x^2"' in entry.content[0].value


# Lengths in em, as a feed reader would take them (a bare number is latex2mathml's px).
_UNITS = {"em": 1, "ex": 0.5, "px": 1 / 16, "": 1 / 16, "pt": 0.1, "pc": 1.2, "in": 6, "cm": 6 / 2.54, "mm": 0.6 / 2.54}
_SIZE = re.compile(r"^[-+]?(\d+(?:\.\d*)?|\.\d+)(em|ex|px|pt|pc|in|cm|mm)?$")
LENGTHS = {"width", "height", "depth", "voffset", "lspace", "rspace", "minsize", "maxsize", "linethickness"}


def largest_length(element):
    """The largest length (em) any attribute of the MathML sets; every length must be one we can read."""
    largest = 0.0
    for node in element.iter():
        for name, value in node.attrib.items():
            if name in LENGTHS | {"rowspacing", "columnspacing", "framespacing"}:
                for part in value.split():
                    if part.endswith("mathspace"):
                        continue
                    match = _SIZE.match(part)
                    assert match, f"{name}={value!r}"
                    largest = max(largest, float(match[1]) * _UNITS[match[2] or ""])
    return largest


HOSTILE_TEX = [
    r"\href{https://evil.example/e}{\smash{\raise{2000px}{\color{transparent}{\rule{5000px}{5000px}}}}}",
    r"\rule{100000em}{100000em}",
    r"\lower{100000pt}{x}",
    r"x\kern 100000pt y",
    r"x\hspace{100000em} y",
    r"x\mspace{900000mu} y",
    r"x\mkern 900000mu y",
    r"x\hskip 90000pt y",
    r"\moveleft{100000em}{x}",
]


@pytest.mark.parametrize("tex", HOSTILE_TEX)
def test_lengths_in_the_feed_copy_are_bounded(tex):
    html = mathml.feed_html(render_markdown(f"Before ${tex}$ after.").html)
    (element,) = math_elements(html)
    assert 0 < largest_length(element) <= max(mathml.MAX_ACROSS, mathml.MAX_UPDOWN)
    assert not any(node.get("href") for node in element.iter())


def test_huge_sizes_come_out_at_the_bounds_and_real_ones_unchanged():
    (rule,) = math_elements(mathml.tex_to_mathml(r"\rule{5000px}{5000px}"))
    (space,) = [node for node in rule.iter() if node.tag == M + "mspace"]
    assert space.get("width") == f"{mathml.MAX_ACROSS}em" and space.get("height") == f"{mathml.MAX_UPDOWN}em"
    (raised,) = math_elements(mathml.tex_to_mathml(r"\raise{2000px}{x}"))
    padded = raised.find(f"{M}mrow/{M}mpadded")
    assert (padded.get("voffset"), padded.get("height"), padded.get("depth")) == ("20em", "+20em", "-20em")
    # What real notes use passes as it was; latex2mathml's bare px numbers get their unit.
    for tex, name, value in [
        (r"\quad", "width", "1em"),
        (r"\,", "width", "0.167em"),
        (r"\!", "width", "negativethinmathspace"),
        (r"x\kern 3pt y", "width", "3pt"),
        (r"\hspace{2cm}", "width", "2cm"),
        (r"\Bigg(", "minsize", "2.470em"),
        (r"\lower{0.5em}{x}", "voffset", "-0.5em"),
        (r"\rule{8px}{1em}", "width", "0.5em"),
        (r"\Huge x", "mathsize", "2.49em"),
    ]:
        (element,) = math_elements(mathml.tex_to_mathml(tex))
        assert [node.get(name) for node in element.iter() if node.get(name)] == [value], tex
